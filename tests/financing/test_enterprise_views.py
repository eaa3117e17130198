"""The enterprise's financing pages: needs, matching, interest, catalogue, applications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import Personas, login
from xinyidai.accounts.models import Bank, Membership
from xinyidai.financing import selectors, services
from xinyidai.financing.models import Application, FinancingNeed, Interest, LoanProduct

from .conftest import MONDAY, act, approve_data, give_profile, make_product, need_values

pytestmark = pytest.mark.django_db

S = Application.State


def form_data(**overrides: Any) -> dict[str, Any]:
    """What the need form posts when filled in well."""
    data: dict[str, Any] = {
        "amount": "800000",
        "term_months": "12",
        "purpose": "working_capital",
        "description": "采购原材料，订单已签",
        "guarantees": ["credit"],
        "max_rate": "5.00",
        "wanted_by": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "scenarios": ["tax_credit"],
        "publish": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": "500000",
        "term_months": "12",
        "guarantee": "credit",
        "purpose": "working_capital",
        "note": "",
        "need": "",
        "intent": "submit",
    }
    data.update(overrides)
    return data


def interest_of(personas: Personas, need: FinancingNeed, product: LoanProduct) -> Interest:
    membership = Membership.objects.get(user=personas.officer)
    return services.interest_express(
        need=need, product=product, membership=membership, message="我行可当周放款"
    )


def error_next_to(html: str, field: str, message: str) -> bool:
    return f'id="id_{field}_error">{message}<' in html


# --------------------------------------------------------------------------- needs


def test_it_shows_the_empty_need_list_with_what_to_do_next(client, personas):
    page = login(client, personas.alice).get("/financing/needs/").content.decode()
    assert "还没有融资需求。" in page
    assert 'href="/financing/needs/new"' in page


def test_it_lists_needs_with_amount_status_and_interest_counts(client, personas, need, product):
    interest_of(personas, need, product)
    page = login(client, personas.alice).get("/financing/needs/").content.decode()
    assert 'data-role="amount">80万元<' in page
    assert "12 个月" in page
    assert "已发布" in page
    assert 'data-role="interests">1 <span class="badge status-pending">1 个待回应</span>' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "0"}, "amount", "金额必须大于 0。"),
        ({"amount": "-500000"}, "amount", "金额必须大于 0。"),
        ({"amount": "abc"}, "amount", "请输入金额（元），如 500000。"),
        ({"term_months": "0"}, "term_months", "期限必须至少 1 个月。"),
        ({"max_rate": "40"}, "max_rate", "年利率不能超过 36%。"),
        ({"guarantees": None}, "guarantees", "请至少选择一种可接受的担保方式。"),
        ({"purpose": ""}, "purpose", "请选择资金用途。"),
    ],
)
def test_it_refuses_bad_need_input_on_the_field(client, personas, overrides, field, message):
    response = login(client, personas.alice).post(
        "/financing/needs/new", form_data(publish="1", **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert error_next_to(response.content.decode(), field, message)
    assert FinancingNeed.objects.count() == 0


def test_it_refuses_a_wanted_by_date_in_the_past(client, personas):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = login(client, personas.alice).post(
        "/financing/needs/new", form_data(wanted_by=yesterday.isoformat())
    )
    assert error_next_to(response.content.decode(), "wanted_by", "期望放款日期不能早于今天。")
    assert FinancingNeed.objects.count() == 0


def test_it_saves_a_draft_that_banks_cannot_see_then_publishes_it(client, personas):
    login(client, personas.alice)
    response = client.post("/financing/needs/new", form_data(publish="0"))
    need = FinancingNeed.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/financing/needs/{need.pk}/"
    assert need.status == FinancingNeed.Status.DRAFT
    assert need.amount == Decimal("800000")
    assert need.guarantees == ["credit"]
    bank = Bank.objects.get(organization=personas.bank)
    assert selectors.need_for_bank(bank, need.pk) is None

    response = client.post(f"/financing/needs/{need.pk}/publish", follow=True)
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.PUBLISHED
    assert need.published_at is not None
    assert selectors.need_for_bank(bank, need.pk) == need
    page = response.content.decode()
    assert "需求已发布，符合条件的银行可以看到（不显示企业名称）并表达对接意向。" in page
    assert 'data-role="status">已发布<' in page


def test_it_publishes_at_once_and_staff_may_do_it(client, personas):
    response = login(client, personas.amy).post("/financing/needs/new", form_data(publish="1"))
    assert response.status_code == 302
    need = FinancingNeed.objects.get()
    assert need.status == FinancingNeed.Status.PUBLISHED
    assert need.created_by == personas.amy


def test_it_edits_a_draft(client, personas):
    draft = services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, **need_values()
    )
    login(client, personas.alice)
    page = client.get(f"/financing/needs/{draft.pk}/edit").content.decode()
    assert 'value="800000.00"' in page
    response = client.post(f"/financing/needs/{draft.pk}/edit", form_data(amount="1200000"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.amount == Decimal("1200000")
    assert draft.status == FinancingNeed.Status.DRAFT


def test_it_refuses_to_edit_a_published_need(client, personas, need):
    login(client, personas.alice)
    message = "只有草稿状态的需求可以修改；已发布的需求请先关闭再重新发布。"
    response = client.get(f"/financing/needs/{need.pk}/edit", follow=True)
    assert response.redirect_chain == [(f"/financing/needs/{need.pk}/", 302)]
    assert message in response.content.decode()
    response = client.post(f"/financing/needs/{need.pk}/edit", form_data(amount="1200000"))
    assert response.status_code == 200
    assert message in response.content.decode()
    need.refresh_from_db()
    assert need.amount == Decimal("800000")


def test_it_closes_a_need_and_declines_pending_interest(client, personas, need, product):
    interest = interest_of(personas, need, product)
    page = login(client, personas.alice).get(f"/financing/needs/{need.pk}/").content.decode()
    assert "关闭后银行将不再看到该需求，尚未回应的对接意向会自动婉拒" in page
    assert "return confirm(" in page
    response = client.post(f"/financing/needs/{need.pk}/close", follow=True)
    need.refresh_from_db()
    interest.refresh_from_db()
    assert need.status == FinancingNeed.Status.CLOSED
    assert interest.status == Interest.Status.DECLINED
    page = response.content.decode()
    assert 'data-role="status">已关闭<' in page
    assert "关闭需求" not in page  # nothing more to close


def test_it_ranks_matching_products_and_explains_the_others(client, personas):
    give_profile(personas.enterprise_a, "B")
    small = make_product(personas.bank, personas.officer, name="小额快贷")  # up to 300万
    large = make_product(
        personas.other_bank,
        personas.other_officer,
        name="大额经营贷",
        amount_max=Decimal("10000000"),
    )
    need = services.need_create(
        enterprise=personas.enterprise_a,
        actor=personas.alice,
        publish=True,
        **need_values(amount=Decimal("5000000")),
    )
    page = login(client, personas.alice).get(f"/financing/needs/{need.pk}/").content.decode()
    assert "在 2 个上架产品中，1 个符合贵企业的条件和本需求" in page
    assert "金额 500万元 在产品范围 10万元–1000万元 内" in page
    assert f'href="/financing/products/{large.pk}/apply?need={need.pk}"' in page
    assert (
        f'<tr data-product="{small.pk}"><td><a href="/financing/products/{small.pk}/">小额快贷</a>'
        '</td><td>一行</td><td data-role="failure">金额超出该产品上限 300万元</td>'
    ) in page
    assert f"/financing/products/{small.pk}/apply" not in page


def test_it_says_what_to_do_when_nothing_matches(client, personas, need):
    page = login(client, personas.alice).get(f"/financing/needs/{need.pk}/").content.decode()
    assert "暂时没有完全符合的产品。" in page
    assert "还没有银行表达对接意向。" in page


# --------------------------------------------------------------------------- interest


def test_it_accepts_an_interest_as_a_submitted_application(client, personas, need, product):
    interest = interest_of(personas, need, product)
    login(client, personas.alice)
    page = client.get(f"/financing/needs/{need.pk}/").content.decode()
    assert "我行可当周放款" in page
    assert "接受并提交申请" in page
    response = client.post(f"/financing/interests/{interest.pk}/answer", {"accept": "1"})
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/financing/applications/{application.pk}/"
    assert application.state == S.SUBMITTED
    assert application.need == need
    assert application.amount == Decimal("800000")
    interest.refresh_from_db()
    need.refresh_from_db()
    assert interest.status == Interest.Status.ACCEPTED
    assert interest.application == application
    assert need.status == FinancingNeed.Status.IN_TALKS


def test_it_declines_an_interest_once(client, personas, need, product):
    interest = interest_of(personas, need, product)
    login(client, personas.alice)
    response = client.post(f"/financing/interests/{interest.pk}/answer", {"accept": "0"})
    assert response["Location"] == f"/financing/needs/{need.pk}/"
    interest.refresh_from_db()
    assert interest.status == Interest.Status.DECLINED
    assert Application.objects.count() == 0
    response = client.post(
        f"/financing/interests/{interest.pk}/answer", {"accept": "1"}, follow=True
    )
    assert "该意向已处理。" in response.content.decode()
    assert Application.objects.count() == 0


def test_it_wants_a_clear_answer_to_an_interest(client, personas, need, product):
    interest = interest_of(personas, need, product)
    response = login(client, personas.alice).post(
        f"/financing/interests/{interest.pk}/answer", {"accept": "maybe"}
    )
    assert response.status_code == 400


# --------------------------------------------------------------------------- products


def test_it_filters_the_catalogue_by_scenario_and_guarantee(client, personas, product):
    tech = make_product(
        personas.other_bank,
        personas.other_officer,
        name="科创知识产权贷",
        scenarios=["technology"],
        guarantees=["pledge_ip"],
    )
    make_product(personas.bank, personas.officer, name="未上架的产品", publish=False)
    login(client, personas.alice)
    page = client.get("/financing/products/").content.decode()
    assert f'data-product="{product.pk}"' in page
    assert f'data-product="{tech.pk}"' in page
    assert "未上架的产品" not in page
    assert 'data-role="amount">10万元–300万元<' in page
    assert 'data-role="rate">3.45%–6.00%<' in page
    page = client.get("/financing/products/?scenario=technology").content.decode()
    assert f'data-product="{tech.pk}"' in page
    assert f'data-product="{product.pk}"' not in page
    page = client.get("/financing/products/?guarantee=credit").content.decode()
    assert f'data-product="{product.pk}"' in page
    assert f'data-product="{tech.pk}"' not in page
    page = client.get("/financing/products/?scenario=green").content.decode()
    assert "没有符合筛选条件的产品。" in page


def test_it_pages_the_catalogue_by_twenty(client, personas, product):
    bank = product.bank
    LoanProduct.objects.bulk_create(
        LoanProduct(
            bank=bank,
            name=f"产品{i:02d}",
            amount_min=Decimal("100000"),
            amount_max=Decimal("1000000"),
            term_min=6,
            term_max=12,
            rate_min=Decimal("3.5"),
            rate_max=Decimal("5"),
            guarantee_mask=1,
            status=LoanProduct.Status.PUBLISHED,
        )
        for i in range(20)
    )
    login(client, personas.alice)
    first = client.get("/financing/products/?guarantee=credit")
    assert len(first.context["rows"]) == 20
    assert "共 21 个产品" in first.content.decode()
    assert 'href="?guarantee=credit&amp;page=2"' in first.content.decode()
    second = client.get("/financing/products/?guarantee=credit&page=2")
    assert len(second.context["rows"]) == 1


def test_it_checks_a_product_against_my_enterprise(client, personas, product):
    strict = make_product(personas.bank, personas.officer, name="优质客户贷", worst_grade="A")
    give_profile(personas.enterprise_a, "B")
    login(client, personas.alice)
    page = client.get(f"/financing/products/{product.pk}/").content.decode()
    assert "贵企业符合该产品的基本申请条件。" in page
    assert f'href="/financing/products/{product.pk}/apply"' in page
    page = client.get(f"/financing/products/{strict.pk}/").content.decode()
    assert "贵企业暂不符合该产品的申请条件：<strong>信用等级 B 低于该产品要求的 A</strong>" in page


def test_a_draft_product_is_not_found_and_a_withdrawn_one_says_so(client, personas, product):
    draft = make_product(personas.bank, personas.officer, name="草稿产品", publish=False)
    services.product_set_status(
        product=product, actor=personas.officer, status=LoanProduct.Status.WITHDRAWN
    )
    login(client, personas.alice)
    assert client.get(f"/financing/products/{draft.pk}/").status_code == 404
    assert client.get(f"/financing/products/{draft.pk}/apply").status_code == 404
    page = client.get(f"/financing/products/{product.pk}/").content.decode()
    assert "该产品已下架，暂不接受申请。" in page
    assert "在线申请" not in page


# --------------------------------------------------------------------------- applying


def test_it_prefills_the_application_from_a_need(client, personas, need, product):
    page = (
        login(client, personas.alice)
        .get(f"/financing/products/{product.pk}/apply?need={need.pk}")
        .content.decode()
    )
    assert 'name="amount" value="800000.00"' in page
    assert f'<option value="{need.pk}" selected>' in page
    # Only the product's guarantee modes are offered.
    assert '<option value="credit" selected>信用</option>' in page
    assert '<option value="guarantee">保证</option>' in page
    assert 'value="mortgage"' not in page


def test_it_submits_an_application(client, personas, need, product):
    response = login(client, personas.alice).post(
        f"/financing/products/{product.pk}/apply", apply_data(need=str(need.pk))
    )
    application = Application.objects.get()
    assert response["Location"] == f"/financing/applications/{application.pk}/"
    assert application.state == S.SUBMITTED
    assert application.need == need
    assert application.created_by == personas.alice


def test_it_saves_an_application_draft_and_submits_it_later(client, personas, product):
    give_profile(personas.enterprise_a, "B")
    login(client, personas.amy)
    client.post(f"/financing/products/{product.pk}/apply", apply_data(intent="draft"))
    application = Application.objects.get()
    assert application.state == S.DRAFT
    page = client.get(f"/financing/applications/{application.pk}/").content.decode()
    assert "草稿尚未提交，还没有办理记录。" in page
    response = client.post(
        f"/financing/applications/{application.pk}/act",
        {"action": "submit", "expected_state": "draft"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.SUBMITTED


def test_an_enterprise_may_apply_to_any_banks_product(client, personas, other_product):
    give_profile(personas.enterprise_a, "B")
    login(client, personas.alice).post(
        f"/financing/products/{other_product.pk}/apply", apply_data()
    )
    application = Application.objects.get()
    assert application.bank.organization == personas.other_bank


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "5000000"}, "amount", "金额超出该产品上限 300万元"),
        ({"amount": "50000"}, "amount", "金额低于该产品下限 10万元"),
        ({"amount": "0"}, "amount", "金额必须大于 0。"),
        ({"term_months": "48"}, "term_months", "期限须在 6–36 个月之间"),
        ({"guarantee": "mortgage"}, "guarantee", "该产品不接受此担保方式，可选：信用、保证"),
    ],
)
def test_it_refuses_an_application_outside_the_product(
    client, personas, product, overrides, field, message
):
    give_profile(personas.enterprise_a, "B")
    response = login(client, personas.alice).post(
        f"/financing/products/{product.pk}/apply", apply_data(**overrides)
    )
    assert response.status_code == 200
    assert error_next_to(response.content.decode(), field, message)
    assert Application.objects.count() == 0


def test_it_refuses_an_application_to_a_withdrawn_product(client, personas, product):
    give_profile(personas.enterprise_a, "B")
    services.product_set_status(
        product=product, actor=personas.officer, status=LoanProduct.Status.WITHDRAWN
    )
    response = login(client, personas.alice).post(
        f"/financing/products/{product.pk}/apply", apply_data()
    )
    assert response.status_code == 200
    assert '<div class="errors" role="alert"><p>该产品未上架，不能申请。</p></div>' in (
        response.content.decode()
    )
    assert Application.objects.count() == 0


def test_it_refuses_an_application_the_enterprise_is_not_eligible_for(client, personas):
    give_profile(personas.enterprise_a, "C")
    strict = make_product(personas.bank, personas.officer, worst_grade="B")
    response = login(client, personas.alice).post(
        f"/financing/products/{strict.pk}/apply", apply_data()
    )
    page = response.content.decode()
    assert "贵企业暂不符合该产品的申请条件：<strong>信用等级 C 低于该产品要求的 B</strong>" in page
    assert "不符合该产品的申请条件：信用等级 C 低于该产品要求的 B" in page
    assert Application.objects.count() == 0


def test_it_refuses_a_need_of_another_enterprise(client, personas, product):
    give_profile(personas.enterprise_b, "B")
    foreign = services.need_create(
        enterprise=personas.enterprise_b, actor=personas.bob, publish=True, **need_values()
    )
    give_profile(personas.enterprise_a, "B")
    response = login(client, personas.alice).post(
        f"/financing/products/{product.pk}/apply", apply_data(need=str(foreign.pk))
    )
    assert error_next_to(response.content.decode(), "need", "只能关联本企业对接中的融资需求。")
    assert Application.objects.count() == 0


# --------------------------------------------------------------------------- following


def test_it_lists_my_applications(client, personas, submitted):
    page = login(client, personas.alice).get("/financing/applications/").content.decode()
    assert f'data-application="{submitted.pk}"' in page
    assert 'data-role="amount">50万元<' in page
    assert f"{submitted.accept_due_on:%Y-%m-%d} 前受理" in page
    assert "一行" in page


def test_it_shows_an_empty_application_list_with_what_to_do_next(client, personas):
    page = login(client, personas.alice).get("/financing/applications/").content.decode()
    assert "还没有贷款申请。" in page
    assert 'href="/financing/products/"' in page


def test_it_shows_the_timeline_and_the_decision(client, personas, product):
    give_profile(personas.enterprise_a, "B")
    with time_machine.travel(MONDAY, tick=False):
        application = services.application_create(
            enterprise=personas.enterprise_a,
            product=product,
            actor=personas.alice,
            amount=Decimal("500000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
    with time_machine.travel(MONDAY + dt.timedelta(hours=5), tick=False):
        for action in ("accept", "review"):
            application = act(application, action, personas.officer, personas.bank)
        application = act(
            application,
            "approve",
            personas.officer,
            personas.bank,
            note="按纳税信用核定",
            **approve_data(amount=Decimal("450000")),
        )
    page = login(client, personas.alice).get(f"/financing/applications/{application.pk}/")
    html = page.content.decode()
    assert 'data-role="state">已批准<' in html
    assert 'data-role="approved-amount">45万元<' in html
    assert 'data-role="approved-rate">3.85%<' in html
    timeline = html[html.index('id="timeline"') :]
    assert timeline.count("<li data-event=") == 4
    assert "2026-03-02 10:00" in timeline  # submitted at 10:00 Beijing time
    assert "2026-03-02 15:00" in timeline
    assert "<strong>提交申请</strong>" in timeline
    assert "草稿 → 已提交" in timeline
    assert "审查中 → 已批准" in timeline
    assert "测试银行一" in timeline
    assert "按纳税信用核定" in timeline
    # Nothing the enterprise could still do but withdraw? An approved loan is the bank's now.
    assert "撤回申请" not in html


def test_it_withdraws_with_a_warning_and_refuses_twice(client, personas, submitted):
    login(client, personas.alice)
    page = client.get(f"/financing/applications/{submitted.pk}/").content.decode()
    assert "撤回后银行将停止办理该申请，且不能恢复" in page
    assert 'name="expected_state" value="submitted"' in page
    url = f"/financing/applications/{submitted.pk}/act"
    data = {"action": "withdraw", "expected_state": "submitted", "note": "已从他行获得贷款"}
    response = client.post(url, data)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.WITHDRAWN
    assert submitted.events.last().note == "已从他行获得贷款"
    response = client.post(url, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "申请当前状态为“已撤回”，不能撤回申请。" in body
    assert 'data-role="state">已撤回<' in body
    assert client.post(url, {"action": "withdraw"}).status_code == 409


def test_a_stale_page_gets_409_and_the_current_state(client, personas, submitted):
    act(submitted, "accept", personas.officer, personas.bank)
    response = login(client, personas.alice).post(
        f"/financing/applications/{submitted.pk}/act",
        {"action": "withdraw", "expected_state": "submitted"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "申请状态已变为“已受理”，请刷新页面后再操作。" in body
    assert 'data-role="state">已受理<' in body
    submitted.refresh_from_db()
    assert submitted.state == S.ACCEPTED


def test_an_enterprise_cannot_take_a_bank_action(client, personas, submitted):
    response = login(client, personas.alice).post(
        f"/financing/applications/{submitted.pk}/act",
        {"action": "accept", "expected_state": "submitted"},
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


# --------------------------------------------------------------------------- outsiders

READ_PAGES = [
    "/financing/needs/",
    "/financing/needs/new",
    "/financing/products/",
    "/financing/applications/",
]


@pytest.fixture
def a_things(personas, need, product, submitted) -> dict[str, Any]:
    interest = interest_of(personas, need, product)
    return {"need": need.pk, "product": product.pk, "app": submitted.pk, "interest": interest.pk}


def _pages(ids: dict[str, Any]) -> list[str]:
    return [
        *READ_PAGES,
        f"/financing/needs/{ids['need']}/",
        f"/financing/needs/{ids['need']}/edit",
        f"/financing/products/{ids['product']}/",
        f"/financing/products/{ids['product']}/apply",
        f"/financing/applications/{ids['app']}/",
    ]


def _writes(ids: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/financing/needs/{ids['need']}/edit", form_data()),
        (f"/financing/needs/{ids['need']}/publish", {}),
        (f"/financing/needs/{ids['need']}/close", {}),
        (f"/financing/interests/{ids['interest']}/answer", {"accept": "1"}),
        (
            f"/financing/applications/{ids['app']}/act",
            {"action": "withdraw", "expected_state": "submitted"},
        ),
    ]


def _nothing_changed(ids: dict[str, Any]) -> None:
    assert FinancingNeed.objects.get(pk=ids["need"]).status == FinancingNeed.Status.PUBLISHED
    assert Interest.objects.get(pk=ids["interest"]).status == Interest.Status.PENDING
    assert Application.objects.get(pk=ids["app"]).state == S.SUBMITTED


def test_another_enterprise_gets_404_on_my_things(client, personas, a_things):
    login(client, personas.bob)
    for url in _pages(a_things)[4:]:
        if "/products/" in url:
            continue  # the catalogue is everyone's
        assert client.get(url).status_code == 404, url
    for url, data in _writes(a_things):
        assert client.post(url, data).status_code == 404, url
    _nothing_changed(a_things)


@pytest.mark.parametrize("persona", ["officer", "regulator"])
def test_banks_and_regulators_get_404_on_enterprise_pages(client, personas, a_things, persona):
    login(client, getattr(personas, persona), verify=True)
    for url in _pages(a_things):
        assert client.get(url).status_code == 404, url
    for url, data in _writes(a_things):
        assert client.post(url, data).status_code == 404, url
    assert client.post("/financing/needs/new", form_data()).status_code == 404
    _nothing_changed(a_things)


def test_visitors_are_sent_to_log_in(client, a_things):
    for url in _pages(a_things):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    for url, data in _writes(a_things):
        assert client.post(url, data).status_code == 302, url
    _nothing_changed(a_things)


# --------------------------------------------------------------------------- query counts


def _many_needs(personas: Personas, product: LoanProduct, n: int) -> None:
    for _i in range(n):
        need = services.need_create(
            enterprise=personas.enterprise_a, actor=personas.alice, publish=True, **need_values()
        )
        interest_of(personas, need, product)


def test_it_lists_needs_in_a_bounded_number_of_queries(
    client, personas, product, django_assert_max_num_queries
):
    give_profile(personas.enterprise_a, "B")
    _many_needs(personas, product, 6)
    login(client, personas.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/financing/needs/")
    assert response.content.decode().count('data-role="interests">1 ') == 6


def test_it_lists_applications_in_a_bounded_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    give_profile(personas.enterprise_a, "B")
    for i in range(6):
        product = make_product(personas.bank, personas.officer, name=f"产品{i}")
        services.application_create(
            enterprise=personas.enterprise_a,
            product=product,
            actor=personas.alice,
            amount=Decimal("500000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
    Bank.objects.update(short_name="")  # the bank's name then comes from its organization
    login(client, personas.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/financing/applications/")
    assert response.content.decode().count("<td>测试银行一</td>") == 6


def test_it_lists_products_in_a_bounded_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    for i in range(6):
        make_product(personas.bank, personas.officer, name=f"产品{i}")
    Bank.objects.update(short_name="")
    login(client, personas.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/financing/products/")
    assert response.content.decode().count("<td>测试银行一</td>") == 6


def test_the_need_page_reads_in_a_bounded_number_of_queries(
    client, personas, need, django_assert_max_num_queries
):
    for i in range(5):
        product = make_product(personas.bank, personas.officer, name=f"产品{i}")
        interest_of(personas, need, product)
    login(client, personas.alice)
    with django_assert_max_num_queries(13):
        response = client.get(f"/financing/needs/{need.pk}/")
    assert response.content.decode().count("<tr data-interest=") == 5
