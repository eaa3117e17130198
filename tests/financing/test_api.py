"""The bank-side financing API: a bank's system takes an application from submission to
settlement over signed requests; wrong states answer 409 with the current state, bad bodies
400 with field details; another bank sees nothing of it; needs stay anonymous."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Personas, login
from tests.integrations.conftest import Key, signed
from xinyidai.accounts.models import Bank, Organization
from xinyidai.financing import services as financing_services
from xinyidai.financing.models import Application, FinancingNeed, Interest, LoanProduct
from xinyidai.integrations import services as integration_services
from xinyidai.notifications.models import Notification

from .conftest import act, approve_data, need_values

ALL = ["applications:read", "applications:write", "needs:read", "products:read"]


def bank_key(org: Organization, actor: Any, scopes: list[str] | None = None) -> Key:
    client, secret = integration_services.api_client_create(
        bank=Bank.objects.get(organization=org),
        name="核心系统",
        scopes=ALL if scopes is None else scopes,
        actor=actor,
    )
    return Key(client, secret)


@pytest.fixture
def key(personas: Personas) -> Key:
    return bank_key(personas.bank, personas.officer)


@pytest.fixture
def other_key(personas: Personas) -> Key:
    return bank_key(personas.other_bank, personas.other_officer)


def _path(application: Application, suffix: str = "") -> str:
    return f"/api/v1/bank/applications/{application.pk}{suffix}"


def post(http: Client, key: Key, path: str, payload: dict[str, Any]) -> Any:
    return signed(http, key, path, method="POST", body=json.dumps(payload).encode())


def do(http: Client, key: Key, application: Application, payload: dict[str, Any]) -> Any:
    return post(http, key, _path(application, "/actions"), payload)


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:800]
    body: dict[str, Any] = response.json()
    return body


def _today() -> str:
    return timezone.localdate().isoformat()


# --------------------------------------------------------------------------- lifecycle


def test_it_takes_an_application_from_acceptance_to_settlement(client, personas, key, submitted):
    steps: list[tuple[dict[str, Any], str]] = [
        ({"action": "accept", "expected_state": "submitted", "note": "资料齐全"}, "accepted"),
        ({"action": "review", "expected_state": "accepted"}, "under_review"),
        (
            {
                "action": "approve",
                "expected_state": "under_review",
                "amount": "500000",
                "rate": "3.85",
                "term_months": 12,
                "guarantee": "credit",
            },
            "approved",
        ),
        (
            {
                "action": "disburse",
                "expected_state": "approved",
                "amount": 500000,
                "rate": 3.85,
                "term_months": 12,
                "guarantee": "credit",
                "disbursed_on": _today(),
            },
            "disbursed",
        ),
        ({"action": "repay", "expected_state": "disbursed", "on": _today()}, "repaying"),
        ({"action": "settle", "expected_state": "repaying", "on": _today()}, "settled"),
    ]
    for payload, state in steps:
        body = _ok(do(client, key, submitted, payload))
        assert body["state"] == state
        submitted.refresh_from_db()
        assert submitted.state == state
    assert body["approved_amount"] == "500000.00"
    assert body["approved_rate"] == "3.850"
    assert body["disbursed_on"] == _today()
    assert body["is_first_loan"] is True
    assert body["is_credit_loan"] is True
    assert body["settled_on"] == _today()
    assert [(e["action"], e["from"], e["to"]) for e in body["events"]] == [
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "accepted"),
        ("review", "accepted", "under_review"),
        ("approve", "under_review", "approved"),
        ("disburse", "approved", "disbursed"),
        ("repay", "disbursed", "repaying"),
        ("settle", "repaying", "settled"),
    ]
    assert body["events"][1]["note"] == "资料齐全"
    assert submitted.officer == key.client.service_membership.user


def test_it_reads_one_application_with_its_events(client, personas, key, submitted):
    body = _ok(signed(client, key, _path(submitted)))
    assert body["id"] == submitted.pk
    assert (body["state"], body["state_label"]) == ("submitted", "已提交")
    assert body["enterprise"] == {
        "uscc": personas.enterprise_a.uscc,
        "name": personas.enterprise_a.name,
    }
    assert body["product"] == {"id": submitted.product_id, "name": "纳税e贷"}
    assert (body["amount"], body["term_months"], body["guarantee"]) == ("500000.00", 12, "credit")
    assert body["branch"] == submitted.branch.code
    assert body["accept_due_on"]
    assert body["decision_due_on"]
    assert body["submitted_at"]
    assert body["approved_amount"] is None
    assert [e["action"] for e in body["events"]] == ["submit"]


# --------------------------------------------------------------------------- 409 and 400


def test_an_action_not_allowed_in_the_state_is_a_conflict_with_the_state(
    client, personas, key, submitted
):
    body = _ok(do(client, key, submitted, {"action": "approve", **_terms()}), 409)
    assert body["code"] == "conflict"
    assert body["details"] == {"state": "submitted"}
    assert "已提交" in body["message"]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_a_stale_expected_state_is_a_conflict_with_the_current_state(
    client, personas, key, submitted
):
    act(submitted, "accept", personas.officer, personas.bank)
    # The caller still believes it is submitted; rejecting is allowed from accepted too.
    payload = {"action": "reject", "expected_state": "submitted", "reason": "R04"}
    body = _ok(do(client, key, submitted, payload), 409)
    assert (body["code"], body["details"]) == ("conflict", {"state": "accepted"})
    submitted.refresh_from_db()
    assert submitted.state == "accepted"


def _terms(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "amount": "500000",
        "rate": "3.85",
        "term_months": 12,
        "guarantee": "credit",
    }
    values.update(overrides)
    return values


@pytest.fixture
def in_review(personas, submitted) -> Application:
    act(submitted, "accept", personas.officer, personas.bank)
    return act(submitted, "review", personas.officer, personas.bank)


def test_an_unknown_field_is_refused_by_name(client, personas, key, in_review):
    payload = {"action": "approve", **_terms(), "rates": "3.9"}
    body = _ok(do(client, key, in_review, payload), 400)
    assert body["code"] == "invalid"
    assert list(body["details"]) == ["rates"]
    in_review.refresh_from_db()
    assert in_review.state == "under_review"


def test_a_field_of_another_action_is_unknown(client, personas, key, submitted):
    body = _ok(do(client, key, submitted, {"action": "accept", "amount": "1"}), 400)
    assert list(body["details"]) == ["amount"]


def test_an_unknown_action_is_invalid(client, personas, key, submitted):
    body = _ok(do(client, key, submitted, {"action": "submit"}), 400)
    assert (body["code"], list(body["details"])) == ("invalid", ["action"])


def test_values_of_the_wrong_type_are_invalid(client, personas, key, in_review):
    payload = {"action": "approve", **_terms(amount="很多", term_months="十二", guarantee="x")}
    body = _ok(do(client, key, in_review, payload), 400)
    assert set(body["details"]) == {"amount", "term_months", "guarantee"}


def test_a_rate_above_the_product_range_answers_the_service_message(
    client, personas, key, in_review
):
    body = _ok(do(client, key, in_review, {"action": "approve", **_terms(rate="7.5")}), 400)
    assert body["code"] == "invalid"
    assert list(body["details"]) == ["rate"]
    assert body["details"]["rate"][0].startswith("年利率须在产品范围")
    in_review.refresh_from_db()
    assert (in_review.state, in_review.approved_rate) == ("under_review", None)


def test_reject_without_a_known_reason_is_invalid(client, personas, key, in_review):
    body = _ok(do(client, key, in_review, {"action": "reject", "reason": "R00"}), 400)
    assert list(body["details"]) == ["reason"]
    body = _ok(do(client, key, in_review, {"action": "reject", "reason": "R99"}), 400)
    assert list(body["details"]) == ["text"]  # the service's rule: "other" needs a text
    body = _ok(do(client, key, in_review, {"action": "reject", "reason": "R04"}))
    assert (body["state"], body["reject_reason"]) == ("rejected", "R04")


def test_hand_over_takes_a_branch_code_of_the_same_bank(client, personas, key, submitted):
    bank = Bank.objects.get(organization=personas.bank)
    other_branch = bank.branches.create(name="端州支行", code="0102", region_code="441202")
    foreign = Bank.objects.get(organization=personas.other_bank).branches.get()
    body = _ok(do(client, key, submitted, {"action": "hand_over", "branch": foreign.code}), 400)
    assert list(body["details"]) == ["branch"]
    body = _ok(do(client, key, submitted, {"action": "hand_over", "branch": "0102"}))
    assert (body["branch"], body["state"]) == ("0102", "submitted")
    submitted.refresh_from_db()
    assert submitted.branch == other_branch


def test_overdue_and_cure_record_the_outcome(client, personas, key, in_review):
    act(in_review, "approve", personas.officer, personas.bank, **approve_data())
    act(
        in_review,
        "disburse",
        personas.officer,
        personas.bank,
        disbursed_on=timezone.localdate(),
        **approve_data(),
    )
    body = _ok(do(client, key, in_review, {"action": "overdue", "on": _today(), "amount": "100"}))
    assert (body["state"], body["overdue_amount"]) == ("overdue", "100.00")
    body = _ok(do(client, key, in_review, {"action": "cure", "on": _today()}))
    assert (body["state"], body["overdue_amount"]) == ("repaying", None)


# --------------------------------------------------------------------------- isolation


def test_another_bank_gets_404_and_never_lists_it(client, personas, key, other_key, submitted):
    for path in (_path(submitted), _path(submitted, "/actions")):
        method = "POST" if path.endswith("actions") else "GET"
        body = b'{"action": "accept"}' if method == "POST" else b""
        response = signed(client, other_key, path, method=method, body=body)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert _ok(signed(client, other_key, "/api/v1/bank/applications"))["results"] == []
    mine = _ok(signed(client, key, "/api/v1/bank/applications"))["results"]
    assert [a["id"] for a in mine] == [submitted.pk]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_a_missing_scope_is_refused(client, personas, submitted):
    reader = bank_key(personas.bank, personas.officer, ["applications:read"])
    body = _ok(do(client, reader, submitted, {"action": "accept"}), 403)
    assert body["code"] == "scope_not_granted"
    assert body["details"]["required"] == ["applications:write"]
    body = _ok(signed(client, reader, "/api/v1/bank/products"), 403)
    assert body["code"] == "scope_not_granted"
    needs_only = bank_key(personas.bank, personas.officer, ["needs:read"])
    response = post(client, needs_only, "/api/v1/bank/needs/1/interest", {"product": 1})
    assert _ok(response, 403)["code"] == "scope_not_granted"


# --------------------------------------------------------------------------- list and filters


def test_the_list_filters_by_state_and_submission_time(client, personas, key, submitted):
    second = Application.objects.get(pk=submitted.pk)
    second.pk = None
    second.state = "accepted"
    second.submitted_at = timezone.now() + dt.timedelta(days=1)
    second.save()
    path = "/api/v1/bank/applications"
    ids = [a["id"] for a in _ok(signed(client, key, path))["results"]]
    assert ids == [second.pk, submitted.pk]
    ids = [a["id"] for a in _ok(signed(client, key, path, query="state=submitted"))["results"]]
    assert ids == [submitted.pk]
    after = (timezone.now() + dt.timedelta(hours=1)).isoformat().replace("+", "%2B")
    query = f"submitted_after={after}"
    ids = [a["id"] for a in _ok(signed(client, key, path, query=query))["results"]]
    assert ids == [second.pk]
    body = _ok(signed(client, key, path, query="state=nonsense"), 400)
    assert (body["code"], list(body["details"])) == ("invalid", ["state"])


def test_a_session_bank_officer_can_list(client, personas, submitted):
    login(client, personas.officer, verify=True)
    body = _ok(client.get("/api/v1/bank/applications"))
    assert [a["id"] for a in body["results"]] == [submitted.pk]


def test_an_enterprise_session_gets_404(client, personas, submitted):
    login(client, personas.alice, verify=True)
    assert client.get("/api/v1/bank/applications").status_code == 404
    assert client.get(_path(submitted)).status_code == 404


# --------------------------------------------------------------------------- needs and products


def test_the_needs_list_is_anonymous_and_pages(client, personas, key, product, need):
    body = _ok(signed(client, key, "/api/v1/bank/needs"))
    assert [c["id"] for c in body["results"]] == [need.pk]
    assert body["next"] is None
    assert body["next_cursor"] is None
    text = json.dumps(body, ensure_ascii=False)
    enterprise = personas.enterprise_a
    for secret in (enterprise.name, enterprise.uscc, need.description):
        assert secret not in text
    assert not {"enterprise", "description", "uscc", "name"} & set(body["results"][0])


def test_the_needs_cursor_pages_through(client, personas, key, product, need):
    second = financing_services.need_create(
        enterprise=personas.enterprise_b, actor=personas.bob, publish=True, **need_values()
    )
    first_page = _ok(signed(client, key, "/api/v1/bank/needs", query="limit=1"))
    assert [c["id"] for c in first_page["results"]] == [second.pk]
    cursor = first_page["next_cursor"]
    assert cursor
    assert first_page["next"].startswith("http")
    query = f"before={cursor.replace('+', '%2B')}&limit=1"
    page = _ok(signed(client, key, "/api/v1/bank/needs", query=query))
    assert [c["id"] for c in page["results"]] == [need.pk]
    assert page["next_cursor"] is None
    bad = _ok(signed(client, key, "/api/v1/bank/needs", query="before=yesterday"), 400)
    assert list(bad["details"]) == ["before"]


def test_interest_is_created_and_the_enterprise_notified(client, personas, key, product, need):
    path = f"/api/v1/bank/needs/{need.pk}/interest"
    body = _ok(post(client, key, path, {"product": product.pk, "message": "可三日内审批"}), 201)
    interest = Interest.objects.get()
    assert body["id"] == interest.pk
    assert (body["need"], body["product"]["id"], body["status"]) == (need.pk, product.pk, "pending")
    assert interest.bank.organization == personas.bank
    assert Notification.objects.filter(recipient=personas.alice, kind="interest.new").exists()
    again = _ok(post(client, key, path, {"product": product.pk}), 400)
    assert list(again["details"]) == ["product"]


def test_interest_refuses_another_banks_product_and_unknown_fields(
    client, personas, key, product, other_product, need
):
    path = f"/api/v1/bank/needs/{need.pk}/interest"
    body = _ok(post(client, key, path, {"product": other_product.pk}), 400)
    assert list(body["details"]) == ["product"]
    body = _ok(post(client, key, path, {"product": product.pk, "uscc": "x"}), 400)
    assert list(body["details"]) == ["uscc"]
    assert not Interest.objects.exists()
    closed = FinancingNeed.objects.filter(pk=need.pk)
    closed.update(status=FinancingNeed.Status.CLOSED)
    assert post(client, key, path, {"product": product.pk}).status_code == 404


def test_the_products_list_is_the_banks_own(client, personas, key, product, other_product):
    draft = LoanProduct.objects.create(
        bank=product.bank,
        name="草稿贷",
        amount_min=Decimal("1"),
        amount_max=Decimal("2"),
        term_min=1,
        term_max=2,
        rate_min=Decimal("1"),
        rate_max=Decimal("2"),
        guarantee_mask=1,
    )
    body = _ok(signed(client, key, "/api/v1/bank/products"))
    assert [(p["id"], p["status"]) for p in body["results"]] == [
        (draft.pk, "draft"),
        (product.pk, "published"),
    ]
    assert body["results"][1]["rate_max"] == "6.000"
    assert body["results"][1]["guarantees"] == ["credit", "guarantee"]
