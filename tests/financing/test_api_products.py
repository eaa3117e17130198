"""A bank's system writes its products over the API: a draft with the product form's rules,
changes field by field, publication and withdrawal (409 when the status does not allow it).
Another bank, a client without ``products:write``, staff who may not edit products and people
who are not bank staff are refused, and change nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, login
from tests.factories import UserFactory
from tests.integrations.conftest import Key
from xinyidai.accounts.models import Bank, Role
from xinyidai.accounts.services import membership_grant
from xinyidai.core.models import AuditEvent
from xinyidai.financing.models import LoanProduct

from .conftest import make_product
from .test_api import bank_key

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/bank/products"


@pytest.fixture
def key(personas: Personas) -> Key:
    return bank_key(personas.bank, personas.officer, ["products:read", "products:write"])


@pytest.fixture
def other_key(personas: Personas) -> Key:
    return bank_key(
        personas.other_bank, personas.other_officer, ["products:read", "products:write"]
    )


@pytest.fixture
def draft(personas: Personas) -> LoanProduct:
    return make_product(personas.bank, personas.officer, publish=False)


def _send(http: Client, key: Key, method: str, path: str, payload: Any = None) -> Any:
    from tests.integrations.conftest import signed

    body = b"" if payload is None else json.dumps(payload).encode()
    return signed(http, key, path, method=method, body=body)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:800]
    return response.json()


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "科创贷",
        "summary": "面向科技型中小企业",
        "amount_min": "200000",
        "amount_max": "5000000.00",
        "term_min": 6,
        "term_max": 24,
        "rate_min": "3.2",
        "rate_max": "5.5",
        "guarantees": ["credit", "pledge_ip"],
        "scenarios": ["technology", "specialized"],
        "region_prefixes": ["4412", "440303"],
        "industries": ["C", "I"],
        "sizes": ["small", "micro"],
        "min_years": "2",
        "worst_grade": "C",
        "worst_tax_grade": "B",
        "excluded_flags": ["dishonest_debtor"],
        "first_loan_friendly": True,
        "branches": ["0001"],
        "promised_accept_days": 2,
        "promised_decision_days": 5,
    }
    body.update(overrides)
    return body


def _state() -> list[tuple[Any, ...]]:
    return list(
        LoanProduct.objects.order_by("id").values_list(
            "id", "name", "status", "rate_min", "rate_max", "guarantee_mask", "updated_at"
        )
    )


# --------------------------------------------------------------------------- create


def test_it_creates_a_draft_with_every_field(client, personas, key):
    body = _ok(_send(client, key, "POST", PRODUCTS, _body()), 201)

    product = LoanProduct.objects.get()
    assert body["id"] == product.pk
    assert (body["name"], body["status"], body["published_at"]) == ("科创贷", "draft", None)
    assert (body["amount_min"], body["amount_max"]) == ("200000.00", "5000000.00")
    assert (body["rate_min"], body["rate_max"]) == ("3.200", "5.500")
    assert (body["term_min"], body["term_max"]) == (6, 24)
    assert body["guarantees"] == ["credit", "pledge_ip"]
    assert body["scenarios"] == ["technology", "specialized"]
    assert body["region_prefixes"] == ["440303", "4412"]
    assert body["industries"] == ["C", "I"]
    assert body["sizes"] == ["small", "micro"]
    assert body["min_years"] == "2.0"
    assert (body["worst_grade"], body["worst_tax_grade"]) == ("C", "B")
    assert body["excluded_flags"] == ["dishonest_debtor"]
    assert body["first_loan_friendly"] is True
    assert body["branches"] == ["0001"]
    assert (body["promised_accept_days"], body["promised_decision_days"]) == (2, 5)
    assert product.bank.organization == personas.bank
    assert product.rate_min == Decimal("3.200")
    assert list(product.branches.values_list("code", flat=True)) == ["0001"]
    assert AuditEvent.objects.filter(action="product.save").count() == 1


def test_only_the_required_fields_give_the_forms_defaults(client, personas, key):
    payload = {
        k: v
        for k, v in _body().items()
        if k in {"name", "amount_min", "amount_max", "term_min", "term_max", "rate_min", "rate_max"}
        or k == "guarantees"
    }
    body = _ok(_send(client, key, "POST", PRODUCTS, payload), 201)
    assert (body["promised_accept_days"], body["promised_decision_days"]) == (1, 3)
    assert (body["branches"], body["region_prefixes"], body["min_years"]) == ([], [], "0.0")


@pytest.mark.parametrize(
    ("overrides", "details"),
    [
        ({"rate_max": "3.0"}, {"rate_max": ["最高年利率不能低于最低年利率。"]}),
        ({"amount_max": "1000"}, {"amount_max": ["最高金额不能低于最低金额。"]}),
        ({"guarantees": []}, {"guarantees": ["请至少选择一种担保方式。"]}),
        ({"guarantees": ["credit", "cash"]}, {"guarantees": ["未知选项：cash"]}),
        ({"name": " "}, {"name": ["请填写产品名称。"]}),
        (
            {"promised_accept_days": 5, "promised_decision_days": 3},
            {"promised_decision_days": ["承诺审批时限不能短于承诺受理时限。"]},
        ),
        ({"branches": ["0001", "9999"]}, {"branches": ["不是本行的网点代码：9999。"]}),
        ({"rates": "3.5"}, {"rates": ["未知字段，此操作不接受该字段。"]}),
    ],
)
def test_a_product_against_the_rules_is_invalid_by_field(client, personas, key, overrides, details):
    body = _ok(_send(client, key, "POST", PRODUCTS, _body(**overrides)), 400)
    assert body["code"] == "invalid"
    assert body["details"] == details
    assert not LoanProduct.objects.exists()


def test_wrong_types_and_missing_fields_are_invalid(client, personas, key):
    body = _ok(_send(client, key, "POST", PRODUCTS, _body(amount_min="很多", term_max="两年")), 400)
    assert set(body["details"]) == {"amount_min", "term_max"}
    payload = _body()
    del payload["rate_min"]
    assert list(_ok(_send(client, key, "POST", PRODUCTS, payload), 400)["details"]) == ["rate_min"]
    assert not LoanProduct.objects.exists()


def test_another_banks_branch_is_not_a_branch_of_this_bank(client, personas, key):
    foreign = Bank.objects.get(organization=personas.other_bank).branches.get()
    foreign.code = "0777"
    foreign.save()
    body = _ok(_send(client, key, "POST", PRODUCTS, _body(branches=["0777"])), 400)
    assert body["details"] == {"branches": ["不是本行的网点代码：0777。"]}


# --------------------------------------------------------------------------- read and change


def test_it_reads_one_product(client, personas, key, draft):
    body = _ok(_send(client, key, "GET", f"{PRODUCTS}/{draft.pk}"))
    assert (body["id"], body["name"], body["status"]) == (draft.pk, "纳税e贷", "draft")
    assert body["guarantees"] == ["credit", "guarantee"]


def test_a_change_touches_only_the_fields_sent(client, personas, key):
    created = _ok(_send(client, key, "POST", PRODUCTS, _body()), 201)
    path = f"{PRODUCTS}/{created['id']}"
    body = _ok(_send(client, key, "PATCH", path, {"rate_min": "3.1", "branches": []}))
    assert (body["rate_min"], body["rate_max"]) == ("3.100", "5.500")
    assert body["branches"] == []
    unchanged = {"rate_min", "branches", "updated_at"}
    assert {k: v for k, v in body.items() if k not in unchanged} == {
        k: v for k, v in created.items() if k not in unchanged
    }
    product = LoanProduct.objects.get()
    assert product.rate_min == Decimal("3.100")
    assert not product.branches.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rate_max": "1.0"}, "rate_max"),
        ({"guarantees": []}, "guarantees"),
        ({"region_prefixes": ["44x"]}, "region_prefixes"),
        ({"status": "published"}, "status"),
        ({"term_min": "六个月"}, "term_min"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(client, personas, key, draft, payload, field):
    before = _state()
    body = _ok(_send(client, key, "PATCH", f"{PRODUCTS}/{draft.pk}", payload), 400)
    assert (body["code"], list(body["details"])) == ("invalid", [field])
    assert _state() == before


# --------------------------------------------------------------------------- status


def test_it_publishes_withdraws_and_publishes_again(client, personas, key, draft):
    path = f"{PRODUCTS}/{draft.pk}/status"
    body = _ok(_send(client, key, "POST", path, {"status": "published"}))
    assert body["status"] == "published"
    assert body["published_at"] is not None
    assert _ok(_send(client, key, "POST", path, {"status": "withdrawn"}))["status"] == "withdrawn"
    assert _ok(_send(client, key, "POST", path, {"status": "published"}))["status"] == "published"
    draft.refresh_from_db()
    assert draft.status == "published"
    assert AuditEvent.objects.filter(action="product.published").count() == 2


@pytest.mark.parametrize(
    ("start", "target"),
    [("draft", "withdrawn"), ("published", "published"), ("withdrawn", "withdrawn")],
)
def test_a_change_the_status_does_not_allow_is_a_conflict(
    client, personas, key, draft, start, target
):
    LoanProduct.objects.filter(pk=draft.pk).update(status=start)
    before = _state()
    body = _ok(_send(client, key, "POST", f"{PRODUCTS}/{draft.pk}/status", {"status": target}), 409)
    label = dict(LoanProduct.Status.choices)[start]
    assert body == {
        "code": "conflict",
        "message": f"产品当前状态为“{label}”，不能执行该操作。",
        "details": {"status": start},
    }
    assert _state() == before


def test_an_unknown_status_is_invalid(client, personas, key, draft):
    path = f"{PRODUCTS}/{draft.pk}/status"
    for payload, field in (({"status": "draft"}, "status"), ({"state": "published"}, "state")):
        body = _ok(_send(client, key, "POST", path, payload), 400)
        assert (body["code"], list(body["details"])) == ("invalid", [field])
    assert LoanProduct.objects.get().status == "draft"


# --------------------------------------------------------------------------- list


def test_the_list_shows_every_field_with_a_bounded_number_of_queries(
    client, personas, key, django_assert_max_num_queries
):
    for n in range(5):
        _ok(_send(client, key, "POST", PRODUCTS, _body(name=f"产品{n}")), 201)
    with django_assert_max_num_queries(6):
        body = _ok(_send(client, key, "GET", PRODUCTS))
    assert [p["name"] for p in body["results"]] == [f"产品{n}" for n in reversed(range(5))]
    assert {tuple(p["branches"]) for p in body["results"]} == {("0001",)}


# --------------------------------------------------------------------------- refusals


def _endpoints(pk: int) -> list[tuple[str, str, Any]]:
    return [
        ("POST", PRODUCTS, _body()),
        ("GET", f"{PRODUCTS}/{pk}", None),
        ("PATCH", f"{PRODUCTS}/{pk}", {"name": "改名"}),
        ("POST", f"{PRODUCTS}/{pk}/status", {"status": "published"}),
    ]


def test_another_bank_gets_404(client, personas, other_key, draft):
    before = _state()
    for method, path, payload in _endpoints(draft.pk)[1:]:
        body = _ok(_send(client, other_key, method, path, payload), 404)
        assert body["code"] == "not_found", (method, path)
    assert _state() == before
    assert _ok(_send(client, other_key, "GET", PRODUCTS))["results"] == []


def test_a_client_without_the_write_scope_is_refused(client, personas, draft):
    reader = bank_key(personas.bank, personas.officer, ["products:read"])
    before = _state()
    for method, path, payload in _endpoints(draft.pk):
        if method == "GET":
            continue
        body = _ok(_send(client, reader, method, path, payload), 403)
        assert (body["code"], body["details"]["required"]) == (
            "scope_not_granted",
            ["products:write"],
        )
    assert _state() == before
    writer = bank_key(personas.bank, personas.officer, ["products:write"])
    for path in (PRODUCTS, f"{PRODUCTS}/{draft.pk}"):
        body = _ok(_send(client, writer, "GET", path), 403)
        assert body["details"]["required"] == ["products:read"]


def _session(http: Client, method: str, path: str, payload: Any) -> Any:
    if method == "GET":
        return http.get(path)
    return http.generic(method, path, json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize("role", [Role.BANK_PRODUCT_MANAGER, Role.BANK_ADMIN])
def test_product_managers_and_admins_write_in_a_session(client, personas, draft, role):
    user = UserFactory(username="manager")
    membership_grant(user=user, organization=personas.bank, role=role)
    login(client, user, verify=True)
    created = _ok(_session(client, "POST", PRODUCTS, _body()), 201)
    assert created["status"] == "draft"
    path = f"{PRODUCTS}/{draft.pk}"
    assert _ok(_session(client, "PATCH", path, {"name": "纳税e贷2"}))["name"] == "纳税e贷2"
    body = _ok(_session(client, "POST", f"{path}/status", {"status": "published"}))
    assert body["status"] == "published"


def test_a_credit_officer_in_a_session_reads_but_does_not_write(client, personas, draft):
    login(client, personas.officer, verify=True)
    before = _state()
    for method, path, payload in _endpoints(draft.pk):
        response = _session(client, method, path, payload)
        if method == "GET":
            assert _ok(response)["id"] == draft.pk
            continue
        assert _ok(response, 403) == {
            "code": "permission_denied",
            "message": "只有银行管理员或产品经理可以维护贷款产品。",
            "details": {},
        }
    assert _state() == before


@pytest.mark.parametrize("who", ["alice", "regulator", "other_officer"])
def test_people_outside_the_bank_get_404(client, personas, draft, who):
    login(client, getattr(personas, who), verify=True)
    before = _state()
    for method, path, payload in _endpoints(draft.pk):
        if who == "other_officer" and path == PRODUCTS:
            continue  # another bank's officer is bank staff: its own list, and 403 to write
        response = _session(client, method, path, payload)
        assert _ok(response, 404)["code"] == "not_found", (who, method, path)
    assert _state() == before


def test_an_anonymous_visitor_is_not_authenticated(client, personas, draft):
    before = _state()
    for method, path, payload in _endpoints(draft.pk):
        assert _ok(_session(client, method, path, payload), 403)["code"] == "not_authenticated"
    assert _state() == before
