"""The enterprise-side financing API: an enterprise writes and publishes its needs, reads the
products that match them, applies and withdraws over its session; bad bodies answer 400 with the
service's field messages, a withdrawal not allowed 409 with the state; another enterprise, a bank
officer and an anonymous visitor see nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, login
from xinyidai.financing import services
from xinyidai.financing.models import Application, FinancingNeed, LoanProduct

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
