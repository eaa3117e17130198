"""Journey e, in a real browser (see ``conftest.py``): an editor writes a policy in the portal's
Wagtail admin and submits it to the editorial workflow (审核发布), a moderator (审核人) approves
it, which publishes it; the enterprise whose region it names finds it under 惠企政策 with a
notification, and an enterprise of another city does not see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Locator, Page, expect

from cms.home.models import HomePage
from cms.portal.models import PolicyIndexPage
from tests.conftest import Personas, _enterprise_org
from tests.e2e.conftest import Stage, log_in
from tests.factories import EnterpriseFactory, UserFactory, make_uscc
from xinyidai.accounts.models import Role, User
from xinyidai.accounts.services import membership_grant

TITLE = "肇庆市小微企业纳税信用贷款贴息办法"
SUMMARY = "对在肇庆市注册、按时纳税的小微企业，按贷款利息的 30% 给予贴息。"


def box(page: Page, label: str) -> Locator:
    """A text box of the Wagtail editor by its label (its panels carry the same names)."""
    return page.get_by_role("textbox", name=re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


@dataclass
class Newsroom:
    index: PolicyIndexPage
    editor: User
    moderator: User
    outsider: User  # owner of an enterprise in Shenzhen, which the policy does not cover


@pytest.fixture
def newsroom(personas: Personas) -> Newsroom:
    index = PolicyIndexPage(title="惠企政策", slug="zhengce")
    HomePage.objects.get().add_child(instance=index)
    index.save_revision().publish()
    editor, moderator = UserFactory(username="cms_editor"), UserFactory(username="cms_moderator")
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator.groups.add(Group.objects.get(name="Moderators"))
    shenzhen = EnterpriseFactory(
        uscc=make_uscc(8802, region="440304"), name="深圳丙有限公司", region_code="440304"
    )
    outsider = UserFactory(username="carol")
    membership_grant(
        user=outsider, organization=_enterprise_org(shenzhen), role=Role.ENTERPRISE_OWNER
    )
    return Newsroom(index=index, editor=editor, moderator=moderator, outsider=outsider)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_published_policy_reaches_the_matching_enterprise(
    personas: Personas, newsroom: Newsroom, stage: Stage
) -> None:
    e = stage.journey("e-editor-publishes-policy")

    page = stage.page()
    with e.step(page, "editor-writes-policy"):
        log_in(page, newsroom.editor.username)
        page.goto(f"/cms/pages/{newsroom.index.pk}/")
        page.get_by_role("link", name="添加子页面").first.click()
        page.get_by_placeholder("页面标题*").fill(TITLE)
        box(page, "发文机关").fill("肇庆市人民政府办公室")
        box(page, "文号").fill("肇府办〔2026〕12号")
        box(page, "发布日期").fill("2026-11-20")
        box(page, "适用地区").fill("4412")
        page.get_by_role("checkbox", name="纳税信用贷", exact=True).check()
        box(page, "摘要").fill(SUMMARY)
        expect(page.get_by_role("button", name="发布", exact=True)).to_have_count(0)

    with e.step(page, "editor-submits-for-review"):
        page.get_by_role("button", name="更多动作").click()
        page.get_by_role("button", name="提交给审核发布").click()
        expect(page.get_by_text(f"页面 '{TITLE}' 已创建并提交审核。")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("审核中")

    page = stage.page()
    with e.step(page, "moderator-approves"):
        log_in(page, newsroom.moderator.username)
        page.goto("/cms/")
        page.get_by_role("link", name=TITLE).first.click()
        page.get_by_role("button", name="更多动作").click()
        page.get_by_role("button", name="批准 和发布", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(f"页面 '{TITLE}' 已被更新。")
        page.goto(f"/cms/pages/{newsroom.index.pk}/")
        expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("在用")  # live

    page = stage.page()
    with e.step(page, "enterprise-is-notified"):
        log_in(page, personas.alice.username)
        page.get_by_role("link", name="消息").click()
        expect(page.get_by_text(TITLE).first).to_be_visible()

    with e.step(page, "enterprise-sees-policy"):
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="惠企政策").click()
        policy = page.locator("li.match").filter(has_text=TITLE)
        expect(policy).to_have_count(1)
        expect(policy).to_contain_text("肇府办〔2026〕12号")
        expect(policy).to_contain_text(SUMMARY)

    with e.step(page, "policy-page"):
        policy.get_by_role("link", name=TITLE, exact=True).click()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    page = stage.page()
    with e.step(page, "other-city-does-not"):
        log_in(page, newsroom.outsider.username)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="惠企政策").click()
        expect(page.get_by_role("heading", name="适用于您的政策")).to_be_visible()
        expect(page.get_by_text(TITLE)).to_have_count(0)
