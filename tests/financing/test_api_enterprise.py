"""The enterprise-side financing API: an enterprise writes and publishes its needs, reads the
products that match them, answers the banks' interest, browses the product catalogue, applies and
withdraws over its session; bad bodies answer 400 with the service's field messages, a withdrawal
or an answer not allowed 409 with the state; another enterprise, a bank officer and an anonymous
visitor see nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, login
from xinyidai.accounts.models import Membership
from xinyidai.core.models import OutboxEvent
from xinyidai.financing import services
from xinyidai.financing.models import Application, FinancingNeed, Interest, LoanProduct

from .conftest import give_profile, make_product, need_values

NEEDS = "/api/v1/enterprise/needs"
APPLICATIONS = "/api/v1/enterprise/applications"


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:800]
    body: dict[str, Any] = response.json()
    return body


def _post(http: Client, path: str, payload: dict[str, Any] | None = None) -> Any:
    return http.post(path, payload or {}, content_type="application/json")


def _need_body(**overrides: Any) -> dict[str, Any]:
    values = need_values(**overrides)
    return {
        **values,
        "amount": str(values["amount"]),
        "max_rate": str(values["max_rate"]),
        "wanted_by": values["wanted_by"].isoformat(),
    }


def _apply_body(product: LoanProduct, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product": product.pk,
        "amount": "500000.00",
        "term_months": 12,
        "guarantee": "credit",
        "purpose": "working_capital",
        "note": "采购原材料",
    }
    body.update(overrides)
    return body


@pytest.fixture
def alice(client: Client, personas: Personas) -> Client:
    return login(client, personas.alice, verify=True)


@pytest.fixture
def bob(personas: Personas) -> Client:
    return login(Client(), personas.bob, verify=True)


# --------------------------------------------------------------------------- needs


def test_a_need_with_a_zero_amount_is_refused_with_the_service_message(alice):
    body = _ok(_post(alice, NEEDS, _need_body(amount=0)), 400)
    assert body["code"] == "invalid"
    assert body["details"] == {"amount": ["金额必须大于 0。"]}
    assert not FinancingNeed.objects.exists()


def test_an_unknown_field_is_refused_by_name(alice):
    body = _ok(_post(alice, NEEDS, {**_need_body(), "amout": "1"}), 400)
    assert body["details"] == {"amout": ["未知字段，此操作不接受该字段。"]}
    assert not FinancingNeed.objects.exists()


def test_it_creates_a_draft_and_publishes_at_once_when_asked(alice, personas):
    give_profile(personas.enterprise_a, "B")
    draft = _ok(_post(alice, NEEDS, _need_body()), 201)
    assert (draft["status"], draft["published_at"]) == ("draft", None)
    published = _ok(_post(alice, NEEDS, {**_need_body(), "publish": True}), 201)
    assert published["status"] == "published"
    assert published["amount"] == "800000.00"
    assert published["guarantees"] == ["credit"]
    need = FinancingNeed.objects.get(pk=published["id"])
    assert (need.enterprise, need.status) == (personas.enterprise_a, "published")
    assert need.published_at is not None
    listed = _ok(alice.get(NEEDS))
    assert [n["id"] for n in listed["results"]] == [published["id"], draft["id"]]


def test_the_need_detail_ranks_matching_products_and_explains_the_others(
    alice, personas, product, need
):
    small = make_product(personas.other_bank, personas.other_officer, amount_max=500000)
    body = _ok(alice.get(f"{NEEDS}/{need.pk}"))
    assert body["id"] == need.pk
    assert [p["id"] for p in body["eligible"]] == [product.pk]
    match = body["eligible"][0]
    assert match["eligible"] is True
    assert match["score"] > 0
    assert match["reasons"]
    assert match["failure"] == ""
    assert [p["id"] for p in body["ineligible"]] == [small.pk]
    assert body["ineligible"][0]["eligible"] is False
    assert body["ineligible"][0]["failure"]
    assert (body["eligible_count"], body["product_count"]) == (1, 2)


def test_it_closes_a_need(alice, need):
    body = _ok(_post(alice, f"{NEEDS}/{need.pk}/close"))
    assert body["status"] == "closed"
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.CLOSED


# --------------------------------------------------------------------------- applications


def test_it_applies_withdraws_and_refuses_a_second_withdrawal(alice, personas, product, need):
    body = _ok(_post(alice, APPLICATIONS, _apply_body(product, need=need.pk)), 201)
    assert (body["state"], body["need"], body["bank"]["id"]) == (
        "submitted",
        need.pk,
        product.bank_id,
    )
    assert [e["action"] for e in body["events"]] == ["submit"]
    path = f"{APPLICATIONS}/{body['id']}"
    assert [a["id"] for a in _ok(alice.get(APPLICATIONS))["results"]] == [body["id"]]

    withdrawn = _ok(_post(alice, f"{path}/withdraw", {"note": "资金已到位"}))
    assert withdrawn["state"] == "withdrawn"
    assert [(e["action"], e["note"]) for e in withdrawn["events"]] == [
        ("submit", ""),
        ("withdraw", "资金已到位"),
    ]
    assert _ok(alice.get(path))["state"] == "withdrawn"

    again = _ok(_post(alice, f"{path}/withdraw"), 409)
    assert again["code"] == "conflict"
    assert again["details"] == {"state": "withdrawn"}
    assert again["message"] == "申请当前状态为“已撤回”，不能撤回申请。"


def test_an_application_outside_the_product_range_answers_the_service_message(
    alice, personas, product
):
    give_profile(personas.enterprise_a, "B")
    body = _ok(_post(alice, APPLICATIONS, _apply_body(product, amount="5000000")), 400)
    assert body["details"] == {"amount": ["金额超出该产品上限 300万元"]}
    assert not Application.objects.exists()


def test_an_application_may_not_name_another_enterprises_need(alice, personas, product):
    give_profile(personas.enterprise_b, "B")
    others = services.need_create(
        enterprise=personas.enterprise_b, actor=personas.bob, **need_values()
    )
    body = _ok(_post(alice, APPLICATIONS, _apply_body(product, need=others.pk)), 400)
    assert body["details"] == {"need": ["只能关联本企业的融资需求。"]}
    assert not Application.objects.exists()


# --------------------------------------------------------------------------- outsiders


def test_another_enterprise_gets_404_and_lists_nothing(alice, bob, product, need):
    application = _ok(_post(alice, APPLICATIONS, _apply_body(product)), 201)
    for path in (f"{NEEDS}/{need.pk}", f"{APPLICATIONS}/{application['id']}"):
        assert _ok(bob.get(path), 404)["code"] == "not_found"
    for path in (f"{NEEDS}/{need.pk}/close", f"{APPLICATIONS}/{application['id']}/withdraw"):
        assert _ok(_post(bob, path), 404)["code"] == "not_found"
    assert _ok(bob.get(NEEDS))["results"] == []
    assert _ok(bob.get(APPLICATIONS))["results"] == []
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.PUBLISHED
    assert Application.objects.get(pk=application["id"]).state == "submitted"


def test_a_bank_officer_gets_404(client, personas, need):
    login(client, personas.officer, verify=True)
    for path in (NEEDS, f"{NEEDS}/{need.pk}", APPLICATIONS):
        assert _ok(client.get(path), 404)["code"] == "not_found"
    assert _ok(_post(client, NEEDS, _need_body()), 404)["code"] == "not_found"


def test_an_anonymous_visitor_is_not_authenticated(client, need):
    for path in (NEEDS, f"{NEEDS}/{need.pk}", APPLICATIONS):
        assert _ok(client.get(path), 403)["code"] == "not_authenticated"
    assert _ok(_post(client, NEEDS, _need_body()), 403)["code"] == "not_authenticated"


def test_closing_with_a_body_field_is_refused_and_changes_nothing(alice, need):
    body = _ok(_post(alice, f"{NEEDS}/{need.pk}/close", {"reason": "x"}), 400)
    assert body["details"] == {"reason": ["未知字段，此操作不接受该字段。"]}
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.PUBLISHED


# --------------------------------------------------------------------------- matches


def test_the_matches_rank_the_fitting_products_and_name_the_failing_rule(
    alice, personas, product, need
):
    small = make_product(personas.other_bank, personas.other_officer, amount_max=500000)
    mortgage = make_product(personas.bank, personas.officer, name="抵押贷", guarantees=["mortgage"])
    body = _ok(alice.get(f"{NEEDS}/{need.pk}/matches"))
    assert (body["need"], body["eligible_count"], body["product_count"]) == (need.pk, 1, 3)
    (best,) = body["eligible"]
    assert (best["id"], best["eligible"], best["failed_rule"], best["failure"]) == (
        product.pk,
        True,
        "",
        "",
    )
    assert best["score"] > 0
    assert best["reasons"][0] == "金额 80万元 在产品范围 10万元–300万元 内"
    failing = {p["id"]: (p["failed_rule"], p["failure"]) for p in body["ineligible"]}
    assert failing == {
        small.pk: ("amount_max", "金额超出该产品上限 50万元"),
        mortgage.pk: (
            "guarantee",
            "该产品不接受您可提供的担保方式（信用），仅接受：抵押",
        ),
    }
    limited = _ok(alice.get(f"{NEEDS}/{need.pk}/matches", {"limit": 1}))
    assert (len(limited["eligible"]), len(limited["ineligible"])) == (1, 1)
    assert limited["eligible_count"] == 1


def test_the_matches_refuse_a_bad_limit(alice, need):
    body = _ok(alice.get(f"{NEEDS}/{need.pk}/matches", {"limit": 0}), 400)
    assert body["details"] == {"limit": ["limit 须为 1 至 100 的整数。"]}


# --------------------------------------------------------------------------- interests

INTERESTS = "/api/v1/enterprise/interests"


def _interest(personas: Personas, need: FinancingNeed, product: LoanProduct) -> Interest:
    membership = Membership.objects.get(user=personas.officer)
    return services.interest_express(
        need=need, product=product, membership=membership, message="可三天放款"
    )


def _answer(http: Client, interest: Interest, decision: str, **extra: Any) -> Any:
    return _post(http, f"{INTERESTS}/{interest.pk}/answer", {"decision": decision, **extra})


def _interest_counts() -> tuple[int, int, int]:
    pending = Interest.objects.filter(status=Interest.Status.PENDING).count()
    return pending, Application.objects.count(), OutboxEvent.objects.count()


def test_it_lists_the_banks_interest_in_the_enterprises_needs(
    alice, bob, personas, product, other_product, need
):
    first = _interest(personas, need, product)
    second = services.interest_express(
        need=need,
        product=other_product,
        membership=Membership.objects.get(user=personas.other_officer),
    )
    services.interest_answer(interest=second, actor=personas.alice, accept=False)
    body = _ok(alice.get(INTERESTS))
    assert [i["id"] for i in body["results"]] == [second.pk, first.pk]
    listed = body["results"][1]
    assert listed == {
        **listed,
        "need": need.pk,
        "bank": {"id": personas.bank.pk, "name": "测试银行一"},
        "product": {"id": product.pk, "name": "纳税e贷"},
        "status": "pending",
        "status_label": "待企业回应",
        "message": "可三天放款",
        "application": None,
        "answered_at": None,
    }
    pending = _ok(alice.get(INTERESTS, {"status": "pending"}))["results"]
    assert [i["id"] for i in pending] == [first.pk]
    assert _ok(alice.get(INTERESTS, {"need": need.pk + 1}))["results"] == []
    assert _ok(alice.get(INTERESTS, {"status": "maybe"}), 400)["code"] == "invalid"
    assert _ok(bob.get(INTERESTS))["results"] == []


def test_the_interest_list_reads_a_bounded_number_of_queries(
    alice, personas, need, django_assert_max_num_queries
):
    for i in range(8):
        _interest(personas, need, make_product(personas.bank, personas.officer, name=f"产品{i}"))
    with django_assert_max_num_queries(8):
        assert len(_ok(alice.get(INTERESTS))["results"]) == 8


def test_accepting_an_interest_submits_an_application_to_that_bank(alice, personas, product, need):
    interest = _interest(personas, need, product)
    body = _ok(_answer(alice, interest, "accept"))
    application = Application.objects.get()
    assert (body["status"], body["application"]) == ("accepted", application.pk)
    assert body["answered_at"] is not None
    assert (application.state, application.bank_id, application.need) == (
        "submitted",
        personas.bank.pk,
        need,
    )
    kinds = set(OutboxEvent.objects.values_list("kind", flat=True))
    assert {"interest.accepted", "application.submitted"} <= kinds


def test_declining_an_interest_makes_no_application(alice, personas, product, need):
    interest = _interest(personas, need, product)
    body = _ok(_answer(alice, interest, "decline"))
    assert (body["status"], body["application"]) == ("declined", None)
    assert not Application.objects.exists()
    interest.refresh_from_db()
    assert interest.status == Interest.Status.DECLINED


def test_an_answered_interest_is_a_conflict(alice, personas, product, need):
    interest = _interest(personas, need, product)
    services.interest_answer(interest=interest, actor=personas.alice, accept=False)
    before = _interest_counts()
    body = _ok(_answer(alice, interest, "accept"), 409)
    assert body == {
        "code": "conflict",
        "message": "该意向已处理（当前状态：企业已婉拒）。",
        "details": {"status": "declined"},
    }
    assert _interest_counts() == before


def test_accepting_for_a_need_no_longer_open_is_a_conflict(alice, personas, product, need):
    interest = _interest(personas, need, product)
    FinancingNeed.objects.filter(pk=need.pk).update(status=FinancingNeed.Status.EXPIRED)
    before = _interest_counts()
    body = _ok(_answer(alice, interest, "accept"), 409)
    assert body["details"] == {"status": "pending", "need_status": "expired"}
    assert body["message"] == "该需求已关闭或已过期，不能再接受对接。"
    assert _interest_counts() == before
    assert _ok(_answer(alice, interest, "decline"))["status"] == "declined"


@pytest.mark.parametrize(
    ("payload", "details"),
    [
        ({"decision": "maybe"}, {"decision": ["“maybe” 不是合法选项。"]}),
        ({}, {"decision": ["该字段是必填项。"]}),
        ({"decision": "accept", "note": "好"}, {"note": ["未知字段，此操作不接受该字段。"]}),
    ],
)
def test_a_bad_answer_is_refused_and_changes_nothing(
    alice, personas, product, need, payload, details
):
    interest = _interest(personas, need, product)
    before = _interest_counts()
    body = _ok(_post(alice, f"{INTERESTS}/{interest.pk}/answer", payload), 400)
    assert (body["code"], body["details"]) == ("invalid", details)
    assert _interest_counts() == before


def test_an_acceptance_the_product_no_longer_allows_answers_the_service_message(
    alice, personas, product, need
):
    interest = _interest(personas, need, product)
    services.product_set_status(product=product, actor=personas.officer, status="withdrawn")
    before = _interest_counts()
    body = _ok(_answer(alice, interest, "accept"), 400)
    assert body["details"] == {"product": ["该产品未上架，不能申请。"]}
    assert _interest_counts() == before


# --------------------------------------------------------------------------- products

PRODUCTS = "/api/v1/enterprise/products"


def test_the_catalogue_lists_published_products_only(alice, personas, product, other_product):
    make_product(personas.bank, personas.officer, name="草稿", publish=False)
    withdrawn = make_product(personas.bank, personas.officer, name="已下架")
    services.product_set_status(product=withdrawn, actor=personas.officer, status="withdrawn")
    body = _ok(alice.get(PRODUCTS))
    assert [p["id"] for p in body["results"]] == [other_product.pk, product.pk]
    listed = body["results"][1]
    assert listed == {
        **listed,
        "name": "纳税e贷",
        "bank": {"id": personas.bank.pk, "name": "测试银行一"},
        "status": "published",
        "amount_min": "100000.00",
        "amount_max": "3000000.00",
        "guarantees": ["credit", "guarantee"],
        "scenarios": ["tax_credit"],
    }


def test_the_catalogue_filters(alice, personas, product, other_product):
    mortgage = make_product(
        personas.bank, personas.officer, name="抵押贷", guarantees=["mortgage"], scenarios=[]
    )
    small = make_product(personas.other_bank, personas.other_officer, amount_max=500000)

    def ids(**query: Any) -> list[int]:
        return [p["id"] for p in _ok(alice.get(PRODUCTS, query))["results"]]

    assert ids(bank=personas.bank.pk) == [mortgage.pk, product.pk]
    assert ids(guarantee="mortgage") == [mortgage.pk]
    assert ids(scenario="tax_credit") == [small.pk, other_product.pk, product.pk]
    assert ids(amount="2000000") == [mortgage.pk, other_product.pk, product.pk]
    assert ids(term_months=48) == []
    body = _ok(alice.get(PRODUCTS, {"guarantee": "gold"}), 400)
    assert list(body["details"]) == ["guarantee"]


def test_the_catalogue_reads_a_bounded_number_of_queries(
    alice, personas, django_assert_max_num_queries
):
    for i in range(10):
        make_product(
            personas.bank if i % 2 else personas.other_bank, personas.officer, name=f"产品{i}"
        )
    with django_assert_max_num_queries(8):
        assert len(_ok(alice.get(PRODUCTS))["results"]) == 10


def test_a_product_tells_whether_the_enterprise_qualifies(alice, personas, product):
    give_profile(personas.enterprise_a, "B")
    strict = make_product(personas.bank, personas.officer, name="优选贷", worst_grade="A")
    body = _ok(alice.get(f"{PRODUCTS}/{product.pk}"))
    assert body["eligibility"] == {"eligible": True, "failure": "", "failed_rule": ""}
    assert (body["branches"], body["regions"], body["worst_grade"]) == ([], [], "")
    refused = _ok(alice.get(f"{PRODUCTS}/{strict.pk}"))["eligibility"]
    assert refused == {
        "eligible": False,
        "failure": "信用等级 B 低于该产品要求的 A",
        "failed_rule": "grade",
    }


def test_a_withdrawn_product_shows_without_a_check_and_a_draft_is_404(alice, personas, product):
    services.product_set_status(product=product, actor=personas.officer, status="withdrawn")
    body = _ok(alice.get(f"{PRODUCTS}/{product.pk}"))
    assert (body["status"], body["eligibility"]) == ("withdrawn", None)
    draft = make_product(personas.bank, personas.officer, name="草稿", publish=False)
    assert _ok(alice.get(f"{PRODUCTS}/{draft.pk}"), 404)["code"] == "not_found"


# --------------------------------------------------------------------------- outsiders (new)


def test_another_enterprise_gets_404_for_the_interests_and_matches(
    alice, bob, personas, product, need
):
    interest = _interest(personas, need, product)
    before = _interest_counts()
    assert _ok(bob.get(f"{NEEDS}/{need.pk}/matches"), 404)["code"] == "not_found"
    assert _ok(_answer(bob, interest, "decline"), 404)["code"] == "not_found"
    assert _interest_counts() == before
    # The catalogue is the same for every enterprise.
    assert [p["id"] for p in _ok(bob.get(PRODUCTS))["results"]] == [product.pk]
    assert _ok(bob.get(f"{PRODUCTS}/{product.pk}"))["id"] == product.pk


def test_a_bank_officer_gets_404_for_the_new_endpoints(client, personas, product, need):
    interest = _interest(personas, need, product)
    login(client, personas.officer, verify=True)
    before = _interest_counts()
    for path in (INTERESTS, PRODUCTS, f"{PRODUCTS}/{product.pk}", f"{NEEDS}/{need.pk}/matches"):
        assert _ok(client.get(path), 404)["code"] == "not_found"
    assert _ok(_answer(client, interest, "accept"), 404)["code"] == "not_found"
    assert _interest_counts() == before


def test_an_anonymous_visitor_is_not_authenticated_for_the_new_endpoints(
    client, personas, product, need
):
    interest = _interest(personas, need, product)
    before = _interest_counts()
    for path in (INTERESTS, PRODUCTS, f"{PRODUCTS}/{product.pk}", f"{NEEDS}/{need.pk}/matches"):
        assert _ok(client.get(path), 403)["code"] == "not_authenticated"
    assert _ok(_answer(client, interest, "accept"), 403)["code"] == "not_authenticated"
    assert _interest_counts() == before


def test_the_schema_documents_the_new_endpoints_with_examples(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    documented = {
        (f"{INTERESTS}", "get"): "enterprise_interests_list",
        (f"{INTERESTS}/{{id}}/answer", "post"): "enterprise_interest_answer",
        (f"{PRODUCTS}", "get"): "enterprise_products_list",
        (f"{PRODUCTS}/{{id}}", "get"): "enterprise_product_retrieve",
        (f"{NEEDS}/{{id}}/matches", "get"): "enterprise_need_matches",
    }
    for (path, method), operation_id in documented.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert operation["summary"]
        assert {"403", "404"} <= set(operation["responses"])
        assert operation["responses"]["200"]["content"]["application/json"]["examples"]
    answer = paths[f"{INTERESTS}/{{id}}/answer"]["post"]["responses"]
    assert {"400", "409"} <= set(answer)


def test_the_need_and_application_lists_read_a_bounded_number_of_queries(
    alice, personas, django_assert_max_num_queries
):
    give_profile(personas.enterprise_a, "B")
    for i in range(6):
        product = make_product(personas.bank, personas.officer, name=f"产品{i}")
        services.application_create(
            enterprise=personas.enterprise_a,
            product=product,
            actor=personas.alice,
            amount="500000",
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
        services.need_create(
            enterprise=personas.enterprise_a, actor=personas.alice, **need_values()
        )
    with django_assert_max_num_queries(8):
        assert len(_ok(alice.get(APPLICATIONS))["results"]) == 6
    with django_assert_max_num_queries(8):
        assert len(_ok(alice.get(NEEDS))["results"]) == 6
