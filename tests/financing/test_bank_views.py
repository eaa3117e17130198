"""The bank's financing pages: products, matching needs, interest, the applications inbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.conftest import Personas, login
from tests.factories import UserFactory
from xinyidai.accounts.models import Bank, Role
from xinyidai.accounts.services import branch_create, membership_grant
from xinyidai.financing import services
from xinyidai.financing.models import (
    Application,
    ApplicationEvent,
    FinancingNeed,
    Interest,
    LoanProduct,
)
from xinyidai.notifications.models import Notification

from .conftest import MONDAY, act, approve_data, give_profile, make_product, need_values

pytestmark = pytest.mark.django_db

S = Application.State
PRODUCTS = "/financing/bank/products/"
NEEDS = "/financing/bank/needs/"
APPLICATIONS = "/financing/bank/applications/"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=MONDAY.tzinfo)


@pytest.fixture
def manager(personas: Personas):
    user = UserFactory(username="manager")
    membership_grant(user=user, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    return user


@pytest.fixture
def other_manager(personas: Personas):
    user = UserFactory(username="other_manager")
    membership_grant(user=user, organization=personas.other_bank, role=Role.BANK_PRODUCT_MANAGER)
    return user


@pytest.fixture
def branch(personas: Personas):
    bank = Bank.objects.get(organization=personas.bank)
    return branch_create(bank=bank, name="一行高要支行", code="0201", region_code="441204")


def _page(response: Any) -> str:
    return response.content.decode()


def _error(field: str, message: str) -> str:
    """How a message appears next to its field."""
    return f'id="id_{field}_error">{message}</p>'


def product_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "纳税e贷",
        "summary": "按纳税信用发放的信用贷款",
        "amount_min": "100000",
        "amount_max": "3000000",
        "term_min": "6",
        "term_max": "36",
        "rate_min": "3.45",
        "rate_max": "6.00",
        "guarantees": ["credit", "guarantee"],
        "scenarios": ["tax_credit"],
        "region_prefixes": "",
        "min_years": "0",
        "worst_grade": "",
        "worst_tax_grade": "",
        "promised_accept_days": "1",
        "promised_decision_days": "3",
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- products


def test_it_creates_a_draft_product_with_every_field(client, personas, manager, branch):
    login(client, manager, verify=True)
    response = client.post(
        f"{PRODUCTS}new",
        product_post(
            region_prefixes="441200，440303 44",
            industries=["C", "F"],
            sizes=["small", "micro"],
            excluded_flags=["dishonest_debtor"],
            min_years="2.5",
            worst_grade="C",
            worst_tax_grade="B",
            first_loan_friendly="on",
            branches=[str(branch.pk)],
            promised_accept_days="2",
            promised_decision_days="5",
        ),
    )
    product = LoanProduct.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PRODUCTS}{product.pk}/"
    assert product.status == LoanProduct.Status.DRAFT
    assert product.bank_id == personas.bank.pk
    assert (product.amount_min, product.amount_max) == (Decimal("100000"), Decimal("3000000"))
    assert (product.rate_min, product.rate_max) == (Decimal("3.45"), Decimal("6.00"))
    # A city typed as six digits covers all its counties.
    assert product.region_prefixes == ["44", "440303", "4412"]
    assert product.industry_labels == ["C 制造业", "F 批发和零售业"]
    assert product.size_labels == ["小型", "微型"]
    assert product.excluded_flag_labels == ["失信被执行人"]
    assert (product.min_years, product.worst_grade, product.worst_tax_grade) == (
        Decimal("2.5"),
        "C",
        "B",
    )
    assert product.first_loan_friendly is True
    assert list(product.branches.all()) == [branch]
    assert (product.promised_accept_days, product.promised_decision_days) == (2, 5)
    page = _page(client.get(response["Location"]))
    assert "产品已保存为草稿，核对无误后请上架。" in page
    assert 'name="region_prefixes" value="44 440303 4412"' in page
    assert 'value="C" id="id_industries_2" checked' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_min": "0"}, "amount_min", "金额必须大于 0。"),
        (
            {"amount_min": "500000", "amount_max": "100000"},
            "amount_max",
            "最高金额不能低于最低金额。",
        ),
        ({"rate_min": "5.00", "rate_max": "4.35"}, "rate_max", "最高年利率不能低于最低年利率。"),
        (
            {"region_prefixes": "4412 12345"},
            "region_prefixes",
            "地区须为2位、4位或6位行政区划代码前缀，“12345”不符合。",
        ),
        (
            {"region_prefixes": "990000"},
            "region_prefixes",
            "未知的行政区划代码“990000”：未知的省级行政区划代码：99",
        ),
        ({"guarantees": []}, "guarantees", "请至少选择一种担保方式。"),
        ({"name": " "}, "name", "请填写产品名称。"),
    ],
)
def test_it_shows_a_bad_product_field_next_to_it(client, manager, overrides, field, message):
    login(client, manager, verify=True)
    response = client.post(f"{PRODUCTS}new", product_post(**overrides))
    assert response.status_code == 200
    assert _error(field, message) in _page(response)
    assert not LoanProduct.objects.exists()


def test_it_shows_every_service_message_at_once(client, manager):
    login(client, manager, verify=True)
    response = client.post(
        f"{PRODUCTS}new",
        product_post(
            amount_min="0",
            term_min="12",
            term_max="6",
            rate_min="5",
            rate_max="4",
            region_prefixes="12345",
            guarantees=[],
        ),
    )
    page = _page(response)
    for field, message in [
        ("amount_min", "金额必须大于 0。"),
        ("term_max", "最长期限不能短于最短期限。"),
        ("rate_max", "最高年利率不能低于最低年利率。"),
        ("region_prefixes", "地区须为2位、4位或6位行政区划代码前缀，“12345”不符合。"),
        ("guarantees", "请至少选择一种担保方式。"),
    ]:
        assert _error(field, message) in page
    assert "请按提示修改标红的内容后再保存。" in page
    assert not LoanProduct.objects.exists()


def test_it_edits_a_product_from_a_prefilled_form(client, personas, manager):
    product = make_product(personas.bank, manager, publish=False, region_prefixes=["4412"])
    login(client, manager, verify=True)
    page = _page(client.get(f"{PRODUCTS}{product.pk}/"))
    assert 'name="name" value="纳税e贷"' in page
    assert 'name="region_prefixes" value="4412"' in page
    assert 'name="guarantees" value="credit"' in page
    response = client.post(
        f"{PRODUCTS}{product.pk}/",
        product_post(name="纳税e贷（升级版）", rate_max="5.50", guarantees=["credit"]),
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "纳税e贷（升级版）"
    assert product.rate_max == Decimal("5.50")
    assert product.guarantee_labels == ["信用"]
    assert product.region_prefixes == []


def test_it_publishes_and_withdraws_a_product(client, personas, manager):
    product = make_product(personas.bank, manager, publish=False)
    login(client, manager, verify=True)
    page = _page(client.get(PRODUCTS))
    assert 'data-role="status">草稿<' in page
    response = client.post(f"{PRODUCTS}{product.pk}/status", {"status": "published"}, follow=True)
    assert "“纳税e贷”已上架，企业现在可以看到并申请。" in _page(response)
    assert 'data-role="status">已上架<' in _page(response)
    product.refresh_from_db()
    assert product.status == LoanProduct.Status.PUBLISHED
    assert product.published_at is not None
    response = client.post(f"{PRODUCTS}{product.pk}/status", {"status": "withdrawn"}, follow=True)
    assert "“纳税e贷”已下架，企业不能再申请；已提交的申请照常办理。" in _page(response)
    product.refresh_from_db()
    assert product.status == LoanProduct.Status.WITHDRAWN
    # Withdrawing twice is refused with the current state.
    response = client.post(f"{PRODUCTS}{product.pk}/status", {"status": "withdrawn"}, follow=True)
    assert "产品当前状态为“已下架”，不能执行该操作。" in _page(response)


def test_it_answers_404_for_another_banks_product(client, personas, manager, other_manager):
    product = make_product(personas.bank, manager, publish=False)
    login(client, other_manager, verify=True)
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 404
    assert client.post(f"{PRODUCTS}{product.pk}/", product_post(name="改名")).status_code == 404
    response = client.post(f"{PRODUCTS}{product.pk}/status", {"status": "published"})
    assert response.status_code == 404
    assert "纳税e贷" not in _page(client.get(PRODUCTS))
    product.refresh_from_db()
    assert (product.name, product.status) == ("纳税e贷", LoanProduct.Status.DRAFT)


def test_it_lets_credit_officers_read_products_but_not_edit_them(client, personas, product):
    login(client, personas.officer, verify=True)
    page = _page(client.get(PRODUCTS))
    assert "纳税e贷" in page
    assert "新建产品" not in page
    assert f"{PRODUCTS}{product.pk}/status" not in page
    assert client.get(f"{PRODUCTS}new").status_code == 403
    assert client.post(f"{PRODUCTS}new", product_post()).status_code == 403
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 403
    assert client.post(f"{PRODUCTS}{product.pk}/status", {"status": "withdrawn"}).status_code == 403
    product.refresh_from_db()
    assert product.status == LoanProduct.Status.PUBLISHED
    assert LoanProduct.objects.count() == 1


def test_it_tells_a_bank_without_products_what_to_do(client, manager):
    login(client, manager, verify=True)
    page = _page(client.get(PRODUCTS))
    assert "本行还没有贷款产品。点击“新建产品”" in page
    page = _page(client.get(NEEDS))
    assert "本行还没有已上架的产品" in page


# --------------------------------------------------------------------------- needs


def test_it_pages_the_matching_needs_with_a_keyset_cursor(client, personas, product):
    give_profile(personas.enterprise_a, "B")
    with time_machine.travel(MONDAY + dt.timedelta(days=300), tick=False):
        # 23 needs published at the same instant: the id breaks the tie between pages.
        needs = [
            services.need_create(
                enterprise=personas.enterprise_a,
                actor=personas.alice,
                publish=True,
                **need_values(amount=Decimal(100000 + i * 10000)),
            )
            for i in range(23)
        ]
    login(client, personas.officer, verify=True)
    first = _page(client.get(NEEDS))
    assert first.count('class="facts need-card"') == 20
    assert f'data-need="{needs[-1].pk}"' in first
    assert f'data-need="{needs[2].pk}"' not in first
    assert "下一页" in first
    cursor = first.split("?before=")[1].split('"')[0]
    second = _page(client.get(f"{NEEDS}?before={cursor}"))
    assert second.count('class="facts need-card"') == 3
    shown = {int(x.split('"')[0]) for x in second.split('data-need="')[1:]}
    assert shown == {needs[0].pk, needs[1].pk, needs[2].pk}
    assert "下一页" not in second
    assert "回到第一页" in second
    # A mangled cursor shows the first page.
    assert _page(client.get(f"{NEEDS}?before=garbage")).count('class="facts need-card"') == 20


def test_it_shows_an_anonymous_card_of_the_need(client, personas, product, need):
    login(client, personas.officer, verify=True)
    response = client.get(f"{NEEDS}{need.pk}/")
    assert "enterprise" not in response.context  # the template never gets it
    page = _page(response)
    assert 'data-role="amount">80万元<' in page
    assert "12 个月" in page
    assert "5.00%" in page
    assert "广东省 肇庆市" in page
    assert "A–B" in page
    assert personas.enterprise_a.name not in page
    assert "采购原材料" not in page  # the description is for banks it applied to
    assert "表达对接意向" in page


def test_it_expresses_interest_and_notifies_the_enterprise(client, personas, product, need):
    login(client, personas.officer, verify=True)
    response = client.post(
        f"{NEEDS}{need.pk}/interest",
        {"product": product.pk, "message": "可提供信用贷款，三个工作日内审批"},
        follow=True,
    )
    page = _page(response)
    assert "已向企业表达对接意向。企业接受后会形成申请，并通知本行。" in page
    interest = Interest.objects.get()
    assert (interest.need, interest.product, interest.officer) == (need, product, personas.officer)
    assert interest.message == "可提供信用贷款，三个工作日内审批"
    assert "待企业回应" in page
    assert "可提供信用贷款，三个工作日内审批" in page
    notification = Notification.objects.get(recipient=personas.alice, kind="interest.new")
    assert notification.title == "一行 对您的融资需求表达了对接意向"
    # The same product a second time is refused with the reason.
    response = client.post(f"{NEEDS}{need.pk}/interest", {"product": product.pk})
    assert _error("product", "已经用该产品对此需求表达过意向。") in _page(response)
    assert Interest.objects.count() == 1


def test_it_refuses_interest_with_another_banks_product(
    client, personas, product, other_product, need
):
    login(client, personas.officer, verify=True)
    response = client.post(f"{NEEDS}{need.pk}/interest", {"product": other_product.pk})
    assert response.status_code == 200
    assert _error("product", "只能用本行的产品表达对接意向。") in _page(response)
    response = client.post(f"{NEEDS}{need.pk}/interest", {"product": ""})
    assert _error("product", "请选择本行已上架的产品。") in _page(response)
    assert not Interest.objects.exists()
    assert not Notification.objects.filter(kind="interest.new").exists()


def test_a_mismatch_does_not_tell_the_bank_the_enterprise_facts(client, personas, product, need):
    strict = make_product(personas.bank, personas.officer, name="优质客户贷", worst_grade="A")
    give_profile(personas.enterprise_a, "B", flags={"dishonest_debtor": True})
    services.needs_refresh_facts(enterprise_ids=[personas.enterprise_a.pk])
    listed = make_product(
        personas.bank, personas.officer, name="诚信贷", excluded_flags=["dishonest_debtor"]
    )
    login(client, personas.officer, verify=True)
    for item in (strict, listed):
        response = client.post(f"{NEEDS}{need.pk}/interest", {"product": item.pk})
        page = _page(response)
        assert _error("product", "该产品与此需求不匹配：企业不满足该产品的准入条件") in page
        assert "信用等级 B" not in page
        assert "失信被执行人" not in page
        assert "贵企业" not in page
    assert not Interest.objects.exists()


def test_it_answers_404_for_a_need_a_bank_may_not_see(client, personas, product, need):
    services.need_close(need=need, actor=personas.alice)
    login(client, personas.officer, verify=True)
    assert client.get(f"{NEEDS}{need.pk}/").status_code == 404
    assert client.post(f"{NEEDS}{need.pk}/interest", {"product": product.pk}).status_code == 404
    assert client.get(f"{NEEDS}999999/").status_code == 404


# --------------------------------------------------------------------------- applications


def _act(client, application: Application, action: str, **data: Any):
    payload = {"action": action, "expected_state": application.state, **data}
    return client.post(f"{APPLICATIONS}{application.pk}/act", payload)


def _approve_post(**overrides: Any) -> dict[str, Any]:
    data = {"amount": "500000", "rate": "3.85", "term_months": "12", "guarantee": "credit"}
    data.update(overrides)
    return data


@pytest.fixture
def on_monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.mark.usefixtures("on_monday")
def test_it_accepts_reviews_and_approves_through_the_page(client, personas, submitted):
    login(client, personas.officer, verify=True)
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    assert 'data-role="enterprise">肇庆甲有限公司<' in page
    assert personas.enterprise_a.uscc in page
    assert 'data-role="state">已提交<' in page
    assert 'id="act-accept"' in page
    assert 'id="act-approve"' not in page
    response = _act(client, submitted, "accept", note="资料齐全")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.ACCEPTED
    assert submitted.officer == personas.officer
    page = _page(client.get(response["Location"]))
    assert "已完成：受理。" in page
    assert "资料齐全" in page
    _act(client, submitted, "review")
    submitted.refresh_from_db()
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    # The approval form starts from what the enterprise asked for.
    assert 'name="amount" value="500000.00"' in page
    assert 'name="term_months" value="12"' in page
    assert "产品范围 3.45%–6.00%" in page
    response = _act(client, submitted, "approve", **_approve_post(rate="4.20"))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.APPROVED
    assert (submitted.approved_amount, submitted.approved_rate) == (
        Decimal("500000"),
        Decimal("4.20"),
    )
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    assert "50万元，年利率 4.20%，12 个月，信用" in page
    assert [e.action for e in ApplicationEvent.objects.filter(application=submitted)] == [
        "submit",
        "accept",
        "review",
        "approve",
    ]


@pytest.mark.usefixtures("on_monday")
def test_it_refuses_a_rate_outside_the_product_range(client, personas, submitted):
    act(submitted, "accept", personas.officer, personas.bank)
    application = act(submitted, "review", personas.officer, personas.bank)
    login(client, personas.officer, verify=True)
    response = _act(client, application, "approve", **_approve_post(rate="7.00"))
    assert response.status_code == 200
    assert _error("approve_rate", "年利率须在产品范围 3.45%–6.00% 内") in _page(response)
    application.refresh_from_db()
    assert application.state == S.UNDER_REVIEW
    assert application.approved_rate is None


@pytest.mark.usefixtures("on_monday")
def test_it_answers_409_to_a_second_accept(client, personas, submitted):
    login(client, personas.officer, verify=True)
    assert _act(client, submitted, "accept").status_code == 302
    response = _act(client, submitted, "accept")  # the page still said "submitted"
    assert response.status_code == 409
    page = _page(response)
    assert "申请当前状态为“已受理”，不能受理。" in page
    assert 'data-role="state">已受理<' in page
    assert ApplicationEvent.objects.filter(application=submitted, action="accept").count() == 1


@pytest.mark.usefixtures("on_monday")
def test_it_answers_409_to_a_stale_page(client, personas, submitted):
    login(client, personas.officer, verify=True)
    stale = submitted.state
    act(submitted, "accept", personas.officer, personas.bank)  # someone else, meanwhile
    response = client.post(
        f"{APPLICATIONS}{submitted.pk}/act",
        {"action": "reject", "expected_state": stale, "reason": "R04", "confirm": "on"},
    )
    assert response.status_code == 409
    assert "申请状态已变为“已受理”，请刷新页面后再操作。" in _page(response)
    submitted.refresh_from_db()
    assert submitted.state == S.ACCEPTED


@pytest.mark.usefixtures("on_monday")
def test_it_asks_for_confirmation_and_a_reason_before_rejecting(client, personas, submitted):
    login(client, personas.officer, verify=True)
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    assert "拒绝是最终决定：企业会收到通知并看到所选原因和说明" in page
    response = _act(client, submitted, "reject", reason="R04")
    assert _error("reject_confirm", "请勾选确认后再拒绝。") in _page(response)
    response = _act(client, submitted, "reject", reason="R99", confirm="on")
    assert _error("reject_text", "选择“其他原因”时请写明原因。") in _page(response)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    response = _act(client, submitted, "reject", reason="R04", text="流水不足", confirm="on")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.state, submitted.reject_reason) == (S.REJECTED, "R04")
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    assert "还款能力不足：流水不足" in page
    assert "本行没有需要办理的操作" in page


@pytest.mark.usefixtures("on_monday")
def test_it_hands_over_to_another_branch(client, personas, submitted, branch):
    bound = UserFactory(username="branch_officer")
    membership_grant(
        user=bound,
        organization=personas.bank,
        role=Role.BANK_CREDIT_OFFICER,
        branch=submitted.branch,
    )
    login(client, bound, verify=True)
    response = _act(client, submitted, "hand_over", branch=branch.pk)
    # The officer's own branch no longer handles it: back to the inbox.
    assert response.status_code == 302
    assert response["Location"] == APPLICATIONS
    submitted.refresh_from_db()
    assert submitted.branch == branch
    assert client.get(f"{APPLICATIONS}{submitted.pk}/").status_code == 404


@pytest.mark.usefixtures("on_monday")
def test_it_registers_a_disbursement_and_the_loan_outcome(client, personas, submitted):
    for action in ("accept", "review"):
        act(submitted, action, personas.officer, personas.bank)
    approved = act(submitted, "approve", personas.officer, personas.bank, **approve_data())
    login(client, personas.officer, verify=True)
    page = _page(client.get(f"{APPLICATIONS}{approved.pk}/"))
    assert 'id="id_disburse_is_first_loan" checked' in page
    assert 'name="disbursed_on" value="2026-03-02"' in page
    assert 'name="rate" value="3.850"' in page
    response = _act(
        client,
        approved,
        "disburse",
        **_approve_post(),
        disbursed_on="2026-03-02",
        is_first_loan="on",
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == S.DISBURSED
    assert (approved.is_first_loan, approved.is_credit_loan) == (True, True)
    response = _act(client, approved, "overdue", on="2026-03-02", amount="10000")
    assert response.status_code == 302
    approved.refresh_from_db()
    assert (approved.state, approved.overdue_amount) == (S.OVERDUE, Decimal("10000"))
    page = _page(client.get(f"{APPLICATIONS}{approved.pk}/"))
    assert "自 2026-03-02 起，1万元" in page
    assert 'id="act-cure"' in page
    assert 'id="act-default"' in page


@pytest.mark.usefixtures("on_monday")
def test_product_managers_read_applications_but_cannot_decide(client, personas, submitted, manager):
    login(client, manager, verify=True)
    page = _page(client.get(f"{APPLICATIONS}{submitted.pk}/"))
    assert "只有客户经理或银行管理员可以办理申请。" in page
    assert 'id="act-accept"' not in page
    assert _act(client, submitted, "accept").status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_the_inbox_puts_the_most_urgent_first_with_a_working_day_countdown(
    client, personas, product
):
    slow = make_product(
        personas.bank,
        personas.officer,
        name="经营贷",
        promised_accept_days=5,
        promised_decision_days=10,
    )
    give_profile(personas.enterprise_a, "B")
    give_profile(personas.enterprise_b, "B")
    with time_machine.travel(MONDAY, tick=False):
        # A applies first, to the product that promises acceptance within 5 working days;
        # B applies later the same day to the one promising 1 day.
        first = services.application_create(
            enterprise=personas.enterprise_a,
            product=slow,
            actor=personas.alice,
            amount=Decimal("500000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
        second = services.application_create(
            enterprise=personas.enterprise_b,
            product=product,
            actor=personas.bob,
            amount=Decimal("300000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
    assert (first.accept_due_on, second.accept_due_on) == (dt.date(2026, 3, 9), dt.date(2026, 3, 3))
    # The following Monday: B's acceptance is 4 working days late, A's is due today.
    with time_machine.travel(_at(dt.date(2026, 3, 9)), tick=True):
        login(client, personas.officer, verify=True)
        page = _page(client.get(APPLICATIONS))
    assert page.index(f'data-application="{second.pk}"') < page.index(
        f'data-application="{first.pk}"'
    )
    assert '<span class="countdown late" data-role="countdown">已超时 4 个工作日</span>' in page
    assert '<span class="countdown" data-role="countdown">今天到期</span>' in page
    assert "受理：2026-03-03" in page
    assert "肇庆乙有限公司" in page
    assert "30万元" in page
    with time_machine.travel(_at(dt.date(2026, 3, 4)), tick=True):
        page = _page(client.get(APPLICATIONS))
    assert "剩 3 个工作日" in page  # A: Thu, Fri, Mon


@pytest.mark.usefixtures("on_monday")
def test_the_inbox_tabs_filter_by_state(client, personas, submitted):
    login(client, personas.officer, verify=True)
    page = _page(client.get(f"{APPLICATIONS}?state=submitted"))
    assert f'data-application="{submitted.pk}"' in page
    assert '待受理 <span class="count">1</span>' in page
    page = _page(client.get(f"{APPLICATIONS}?state=reviewing"))
    assert f'data-application="{submitted.pk}"' not in page
    assert "没有审查中的申请。" in page
    act(submitted, "accept", personas.officer, personas.bank)
    page = _page(client.get(f"{APPLICATIONS}?state=reviewing"))
    assert f'data-application="{submitted.pk}"' in page
    assert '审查中 <span class="count">1</span>' in page
    page = _page(client.get(f"{APPLICATIONS}?state=loans"))
    assert "还没有放款的贷款。" in page


def test_the_inbox_pages_through_many_applications(client, personas, product):
    give_profile(personas.enterprise_a, "B")
    products = [make_product(personas.bank, personas.officer, name=f"产品{i}") for i in range(22)]
    for item in products:
        services.application_create(
            enterprise=personas.enterprise_a,
            product=item,
            actor=personas.alice,
            amount=Decimal("500000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
    login(client, personas.officer, verify=True)
    page = _page(client.get(APPLICATIONS))
    assert page.count("data-application=") == 20
    assert "第 1 / 2 页" in page
    page = _page(client.get(f"{APPLICATIONS}?state=all&page=2"))
    assert page.count("data-application=") == 2


# --------------------------------------------------------------------------- outsiders


@pytest.mark.usefixtures("on_monday")
def test_another_banks_officer_never_sees_the_application(client, personas, submitted):
    login(client, personas.other_officer, verify=True)
    assert client.get(f"{APPLICATIONS}{submitted.pk}/").status_code == 404
    assert _act(client, submitted, "accept").status_code == 404
    page = _page(client.get(APPLICATIONS))
    assert "肇庆甲有限公司" not in page
    assert f'data-application="{submitted.pk}"' not in page
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


@pytest.mark.usefixtures("on_monday")
def test_a_branch_officer_sees_only_the_branch_applications(client, personas, submitted, branch):
    bound = UserFactory(username="branch_officer")
    membership_grant(
        user=bound, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER, branch=branch
    )
    login(client, bound, verify=True)
    assert submitted.branch != branch
    assert f'data-application="{submitted.pk}"' not in _page(client.get(APPLICATIONS))
    assert client.get(f"{APPLICATIONS}{submitted.pk}/").status_code == 404
    assert _act(client, submitted, "accept").status_code == 404
    act(submitted, "hand_over", personas.officer, personas.bank, branch=branch)
    assert f'data-application="{submitted.pk}"' in _page(client.get(APPLICATIONS))
    assert client.get(f"{APPLICATIONS}{submitted.pk}/").status_code == 200


def _bank_pages(product: LoanProduct, need: FinancingNeed, application: Application):
    return [
        ("get", PRODUCTS, {}),
        ("get", f"{PRODUCTS}new", {}),
        ("post", f"{PRODUCTS}new", product_post()),
        ("get", f"{PRODUCTS}{product.pk}/", {}),
        ("post", f"{PRODUCTS}{product.pk}/status", {"status": "withdrawn"}),
        ("get", NEEDS, {}),
        ("get", f"{NEEDS}{need.pk}/", {}),
        ("post", f"{NEEDS}{need.pk}/interest", {"product": product.pk}),
        ("get", APPLICATIONS, {}),
        ("get", f"{APPLICATIONS}{application.pk}/", {}),
        ("post", f"{APPLICATIONS}{application.pk}/act", {"action": "accept"}),
    ]


def test_enterprise_users_regulators_and_visitors_get_no_bank_page(
    client, personas, product, need, submitted
):
    pages = _bank_pages(product, need, submitted)
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    login(client, personas.alice)
    for method, url, data in pages:
        assert getattr(client, method)(url, data).status_code == 404, url
    client.logout()
    login(client, personas.regulator, verify=True)
    for method, url, data in pages:
        assert getattr(client, method)(url, data).status_code == 404, url
    product.refresh_from_db()
    submitted.refresh_from_db()
    assert (product.status, submitted.state) == (LoanProduct.Status.PUBLISHED, S.SUBMITTED)
    assert LoanProduct.objects.count() == 1
    assert not Interest.objects.exists()


# --------------------------------------------------------------------------- query counts


def test_the_inbox_and_the_need_list_use_a_bounded_number_of_queries(
    client, personas, product, django_assert_max_num_queries
):
    give_profile(personas.enterprise_a, "B")
    give_profile(personas.enterprise_b, "B")
    for i in range(12):
        item = make_product(personas.bank, personas.officer, name=f"产品{i}")
        for enterprise, user in (
            (personas.enterprise_a, personas.alice),
            (personas.enterprise_b, personas.bob),
        ):
            services.application_create(
                enterprise=enterprise,
                product=item,
                actor=user,
                amount=Decimal("500000"),
                term_months=12,
                guarantee="credit",
                purpose="working_capital",
            )
            services.need_create(enterprise=enterprise, actor=user, publish=True, **need_values())
    login(client, personas.officer, verify=True)
    client.get(APPLICATIONS)  # warm the working-day calendar and the session
    with django_assert_max_num_queries(12):
        page = _page(client.get(APPLICATIONS))
    assert page.count("data-application=") == 20
    with django_assert_max_num_queries(10):
        page = _page(client.get(NEEDS))
    assert page.count('class="facts need-card"') == 20
