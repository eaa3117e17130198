from typing import Any

from django.core.management.base import BaseCommand

from xinyidai.accounts.models import Membership
from xinyidai.core.demo import DEMO_PASSWORD, PERSONAS, SANDBOX_BANK, demo_sandbox_key, seed_demo


class Command(BaseCommand):
    help = "Load the deterministic demo data (safe to run again) and print the demo log-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--enterprises", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo(enterprises=options["enterprises"])
        out = self.stdout.write
        loaded, personas = result["enterprises_loaded"], result["personas"]
        records = result["records_loaded"]
        out(
            f"演示数据就绪：新载入企业 {loaded} 家，信用记录 {records:,} 条，"
            f"新生成信用画像 {result['profile_versions']:,} 份，演示账户 {personas} 个；"
            f"新建贷款产品 {result.get('products', 0)} 个、融资需求 {result.get('needs', 0)} 条、"
            f"贷款申请 {result.get('applications', 0)} 笔。"
        )
        out("")
        out(f"所有演示账户的密码 / password for every demo user: {DEMO_PASSWORD}")
        out("")
        out(f"{'登录名 user':<16}{'角色 role':<12}机构 organization")
        for persona in PERSONAS:
            mark = " [2FA]" if persona.two_factor else ""
            membership = Membership.objects.select_related("organization").get(
                user__username=persona.username
            )
            out(
                f"{persona.username:<16}{persona.role.label:<12}{membership.organization.name}{mark}"
            )
        out("")
        out("标 [2FA] 的银行和监管账户登录后需输入动态验证码。取得当前验证码：")
        out(
            "  Bank and regulator users ([2FA]) need a TOTP code after the password; print it with:"
        )
        out("  .venv/bin/python manage.py demo_otp bank_officer")
        out("操作员 operator 同时是 /django-admin/ 与 /cms/ 的超级管理员。")
        key = demo_sandbox_key()
        if key is not None:
            out("")
            out(f"沙盒银行（{SANDBOX_BANK}的信贷系统）的演示接口密钥")
            out("  The sandbox bank's demo API key (docs/sandbox-bank.md):")
            out(f"  key id {key[0]}   secret {key[1]}")
            out("  make demo 会自动启动它；手动启动 / make demo starts it; by hand:")
            out(
                f"  XYD_SECRET={key[1]} .venv/bin/python -m bank_connectors.sandbox"
                f" --base-url http://127.0.0.1:8000 --key-id {key[0]}"
            )
