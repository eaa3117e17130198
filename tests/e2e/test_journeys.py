"""The main journeys of every persona, in a real browser (headless Chromium, Debian's package,
driven by Playwright) against the live server, each step asserting what the user sees and
photographed under ``<artefacts>/journeys/<journey>/`` (see ``conftest.py``).

One loan, from registration to the regulator's figures, told as four journeys:

a. an enterprise whose data the departments already deliver registers (claiming its record),
   publishes a need, applies to the matching product and grants the bank an authorization;
b. the bank's credit officer (password and TOTP) accepts and reviews the application, opens the
   profile and the PDF report, approves and reports the disbursement;
c. the enterprise finds the bank's queries in its history and revokes the authorization (after
   confirming); the bank's next query is refused, and that refusal is in the history too;
d. the regulator of the enterprise's city (password and TOTP) sees the loan in this month's
   figures. The dashboard asks for the cube's refresh when changes marked years dirty; with the
   test settings' eager Celery the refresh runs inside that request, so no test code refreshes.

Two more enterprises of the city borrowed from the same bank this month (set up through the
services), so that the month's loans come from the three enterprises the regulator's pages need
before they show a figure (``OVERSIGHT_MIN_ENTERPRISES``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.conftest import Personas, confirmed_totp
from tests.consent.conftest import rich_profile
from tests.e2e.conftest import Stage, control, log_in
from tests.factories import EnterpriseFactory, UserFactory, make_resident_id, make_uscc
from tests.financing.conftest import act, approve_data, give_profile, make_product
from xinyidai.accounts.models import Role, User
from xinyidai.accounts.services import membership_grant, regulator_create
from xinyidai.financing import services as financing
from xinyidai.financing.models import LoanProduct
from xinyidai.registry.models import Enterprise

ENTERPRISE_NAME = "肇庆星河食品有限公司"
LEGAL_REP = "林晓"
OWNER_PASSWORD = "Xinghe-Journey-2026"
BANK = "测试银行一"
BANK_SHORT = "一行"  # how lists and messages name the bank
PRODUCT = "纳税e贷"
NEED_AMOUNT = 800_000
BACKGROUND_AMOUNT = Decimal("500000")


@dataclass
class World:
    enterprise: Enterprise  # in the registry from department data, not yet on the platform
    id_number: str
    product: LoanProduct
    officer: User
    officer_device: TOTPDevice
    regulator: User
    regulator_device: TOTPDevice


def _background_loan(personas: Personas, enterprise: Enterprise, owner: User) -> None:
    """A loan of ``enterprise`` from bank 1, disbursed today, through the financing services."""
    give_profile(enterprise, "B")
    application = financing.application_create(
        enterprise=enterprise,
        product=LoanProduct.objects.get(bank__organization=personas.bank, name=PRODUCT),
        actor=owner,
        amount=BACKGROUND_AMOUNT,
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )
    for action in ("accept", "review"):
        application = act(application, action, personas.officer, personas.bank)
    application = act(application, "approve", personas.officer, personas.bank, **approve_data())
    act(
        application,
        "disburse",
        personas.officer,
        personas.bank,
        **approve_data(),
        disbursed_on=timezone.localdate(),
    )


@pytest.fixture
def world(personas: Personas) -> World:
    product = make_product(personas.bank, personas.officer, name=PRODUCT)
    _background_loan(personas, personas.enterprise_a, personas.alice)
    _background_loan(personas, personas.enterprise_b, personas.bob)
    # The enterprise's record and lending profile, built from what the departments delivered.
    id_number = make_resident_id(8801, birth="19900607")
    enterprise = EnterpriseFactory(
        uscc=make_uscc(8801),
        name=ENTERPRISE_NAME,
        legal_rep_name=LEGAL_REP,
        legal_rep_id_number=id_number,
        region_code="441202",
        industry_code="13",
    )
    rich_profile(enterprise)
    regulator_org = regulator_create(
        name="肇庆市测试监管局", jurisdiction="4412", region_code="441202"
    )
    regulator = UserFactory(username="zq_regulator")
    membership_grant(
        user=regulator, organization=regulator_org.organization, role=Role.REGULATOR_ANALYST
    )
    return World(
        enterprise=enterprise,
        id_number=id_number,
        product=product,
        officer=personas.officer,
        officer_device=confirmed_totp(personas.officer),
        regulator=regulator,
        regulator_device=confirmed_totp(regulator),
    )


def _message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name=label, exact=True
    ).click()


def _state(page: Page, label: str) -> None:
    expect(page.locator("[data-role=state]")).to_have_text(label)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_loan_from_registration_to_the_regulators_figures(world: World, stage: Stage) -> None:
    enterprise_page = stage.page()
    uscc = world.enterprise.uscc

    # ----------------------------------------------------------------- a. the enterprise
    a = stage.journey("a-enterprise-registers-applies-grants")
    page = enterprise_page
    with a.step(page, "register"):
        page.goto("/enterprises/register/")
        expect(page.get_by_role("heading", name="企业注册")).to_be_visible()
        control(page, "登录名").fill("xinghe_lin")
        control(page, "姓名").fill(LEGAL_REP)
        control(page, "电子邮件地址").fill("lin@xinghe.example")
        control(page, "手机号").fill("13800138000")
        control(page, "密码").fill(OWNER_PASSWORD)
        control(page, "密码确认").fill(OWNER_PASSWORD)
        control(page, "统一社会信用代码").fill(uscc)
        control(page, "企业名称").fill(ENTERPRISE_NAME)
        control(page, "法定代表人姓名").fill(LEGAL_REP)
        control(page, "法定代表人身份证号码").fill(world.id_number)
        control(page, "注册地行政区划代码").fill("441202")
        control(page, "国民经济行业(大类)").select_option("13")
        control(page, "成立日期").fill("2018-03-01")
        control(page, "注册资本(万元)").fill("100")
        control(page, "从业人员(人)").fill("25")
        control(page, "上年营业收入(万元)").fill("500")
        page.get_by_role("button", name="提交注册").click()
        _message(page, "企业注册成功，欢迎使用信易贷。")
        expect(page.get_by_role("heading", level=1)).to_contain_text(ENTERPRISE_NAME)
        expect(page.get_by_text(uscc).first).to_be_visible()

    with a.step(page, "publish-need"):
        _nav(page, "融资需求")
        page.get_by_role("link", name="发布融资需求", exact=True).click()
        control(page, "融资金额（元）").fill(str(NEED_AMOUNT))
        control(page, "期限（月）").fill("12")
        control(page, "资金用途").select_option(label="补充流动资金")
        control(page, "需求说明").fill("采购原材料，订单已签")
        control(page, "信用").check()
        control(page, "可接受的最高年利率（%）").fill("5.00")
        wanted_by = timezone.localdate() + dt.timedelta(days=60)
        control(page, "期望放款日期").fill(wanted_by.isoformat())
        control(page, "纳税信用贷").check()
        page.get_by_role("button", name="发布", exact=True).click()
        _message(page, "需求已发布")
        matches = page.locator("li.match")
        expect(matches).to_have_count(1)
        expect(matches.first).to_contain_text(PRODUCT)
        expect(matches.first).to_contain_text(BANK_SHORT)

    with a.step(page, "apply"):
        page.get_by_role("link", name=f"申请 {PRODUCT}").click()
        expect(page.get_by_role("heading", name=f"申请：{PRODUCT}")).to_be_visible()
        # Prefilled from the need
        expect(control(page, "申请金额（元）")).to_have_value(
            re.compile(rf"^{NEED_AMOUNT}(\.0+)?$")
        )
        page.get_by_role("button", name="提交申请", exact=True).click()
        _message(page, f"申请已提交给{BANK_SHORT}")
        _state(page, "已提交")
    application_url = page.url

    with a.step(page, "grant-authorization"):
        page.get_by_role("link", name="授权该行查询").click()
        expect(page.get_by_role("heading", name="授权银行查询")).to_be_visible()
        expect(page.locator("[data-role=application]")).to_contain_text(BANK)
        expect(control(page, "被授权银行")).to_have_value(str(world.product.bank_id))
        control(page, "登录密码").fill(OWNER_PASSWORD)
        page.get_by_role("button", name="签署授权", exact=True).click()
        _message(page, f"已授权{BANK}查询贵企业的信用信息")
        expect(page.locator("[data-role=status]")).to_have_text("生效中")

    # ----------------------------------------------------------------- b. the bank
    b = stage.journey("b-officer-reviews-approves-disburses")
    page = officer_page = stage.page()
    with b.step(page, "log-in-with-totp"):
        log_in(page, world.officer.username, device=world.officer_device)

    with b.step(page, "inbox"):
        _nav(page, "申请处理")
        page.get_by_role("link", name=ENTERPRISE_NAME, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(ENTERPRISE_NAME)
        _state(page, "已提交")

    for action, label, state in (("accept", "受理", "已受理"), ("review", "开始审查", "审查中")):
        with b.step(page, action):
            page.locator(f"#act-{action}").get_by_role("button", name=label).click()
            _message(page, f"已完成：{label}。")
            _state(page, state)
    bank_application_url = page.url

    with b.step(page, "profile"):
        page.get_by_role("link", name="查看信用画像").click()
        expect(page.get_by_role("heading", name=f"信用画像 · {ENTERPRISE_NAME}")).to_be_visible()
        expect(page.locator("[data-role=grade]")).to_have_text("B")
        expect(page.locator("[data-role=entry]")).to_contain_text("企业可以看到本次查询")
    profile_url = page.url

    with b.step(page, "pdf-report"):
        page.get_by_role("button", name="生成PDF信用报告").click()
        _message(page, "已提交报告生成请求")
        download = page.get_by_role("link", name="下载PDF")
        expect(download).to_have_count(1)
        href = download.get_attribute("href")
        assert href
        response = page.request.get(href)
        assert response.status == 200, response.status
        assert response.headers["content-type"].startswith("application/pdf")
        assert response.body()[:5] == b"%PDF-"

    with b.step(page, "approve"):
        page.goto(bank_application_url)
        approve = page.locator("#act-approve")
        expect(control(approve, "金额(元)")).to_have_value(re.compile(rf"^{NEED_AMOUNT}(\.0+)?$"))
        control(approve, "年利率(%)").fill("3.85")
        approve.get_by_role("button", name="批准", exact=True).click()
        _message(page, "已完成：批准。")
        _state(page, "已批准")

    with b.step(page, "disburse"):
        disburse = page.locator("#act-disburse")
        expect(control(disburse, "放款日期")).to_have_value(timezone.localdate().isoformat())
        disburse.get_by_role("button", name="登记放款", exact=True).click()
        _message(page, "已完成：登记放款。")
        _state(page, "已放款")
        expect(page.get_by_text(f"80万元，{timezone.localdate():%Y-%m-%d} 放款")).to_be_visible()

    # ----------------------------------------------------------------- c. the enterprise again
    c = stage.journey("c-enterprise-sees-queries-revokes")
    page = enterprise_page
    with c.step(page, "application-disbursed"):
        page.goto(application_url)
        _state(page, "已放款")
        expect(page.locator("[data-role=disbursed-amount]")).to_have_text("80万元")

    with c.step(page, "query-history"):
        _nav(page, "查询记录")
        expect(page.get_by_role("heading", name="谁查询了我的信用信息")).to_be_visible()
        rows = page.locator("tbody tr")
        web = rows.filter(has_text="网页").filter(has_text="允许")
        pdf = rows.filter(has_text="PDF报告").filter(has_text="允许")
        expect(web.first).to_contain_text(BANK)
        expect(web.first).to_contain_text(world.officer.username)
        expect(pdf).to_have_count(1)
        expect(rows.filter(has_text="拒绝")).to_have_count(0)

    with c.step(page, "revoke"):
        _nav(page, "查询授权")
        page.get_by_role("link", name=BANK, exact=True).click()
        expect(page.locator("[data-role=status]")).to_have_text("生效中")
        revoke = page.get_by_role("button", name="撤销授权", exact=True)
        confirm = control(page, "我已了解撤销后不能恢复，确认撤销")
        revoke.click()  # not confirmed yet: the browser refuses to send the form
        assert confirm.evaluate("box => box.validity.valueMissing")
        expect(page.locator("[data-role=status]")).to_have_text("生效中")
        confirm.check()
        revoke.click()
        _message(page, "授权已撤销，自此刻起该行的查询将被拒绝。")
        expect(page.locator("[data-role=status]")).to_have_text("已撤销")

    with c.step(officer_page, "bank-query-refused"):
        officer_page.goto(profile_url)
        expect(officer_page.get_by_role("heading", name="无法查询该企业的信用信息")).to_be_visible()
        expect(officer_page.locator("[data-role=refusal]")).to_contain_text("企业已撤销授权。")

    with c.step(page, "refusal-in-history"):
        _nav(page, "查询记录")
        refused = page.locator("tbody tr").filter(has_text="拒绝")
        expect(refused).to_have_count(1)
        expect(refused).to_contain_text("企业已撤销授权。")
        expect(refused).to_contain_text(BANK)

    # ----------------------------------------------------------------- d. the regulator
    d = stage.journey("d-regulator-sees-the-loan")
    page = stage.page()
    with d.step(page, "log-in-with-totp"):
        log_in(page, world.regulator.username, device=world.regulator_device)

    with d.step(page, "month-figures"):
        _nav(page, "监测看板")
        expect(page.get_by_role("heading", level=1)).to_contain_text("融资监测看板")
        cards = page.locator("li.ov-card")
        loans = cards.filter(has=page.get_by_text("放款笔数", exact=True))
        amount = cards.filter(has=page.get_by_text("放款金额(元)", exact=True))
        expect(loans.locator("[data-indicator=loans]")).to_have_text("3")
        total = 2 * BACKGROUND_AMOUNT + NEED_AMOUNT  # the two other loans and this one
        expect(amount.locator("[data-indicator=loans_amount]")).to_have_text(
            f"{total / 10000:,.2f}万元"
        )
        expect(page.get_by_text("数据正在更新")).to_have_count(0)
