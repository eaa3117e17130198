"""A bank asks for and follows authorizations over the API: a request for an enterprise that
applied to it, the list with its filters and one authorization. Another bank, a client without
the scope, a bad body and people who are not bank staff are refused, and change nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Personas, login
from tests.factories import UserFactory
from tests.integrations.conftest import Key, make_key, signed
from xinyidai.accounts.models import Bank, Membership, Role
from xinyidai.accounts.services import membership_grant
from xinyidai.consent import services
from xinyidai.consent.models import Authorization
from xinyidai.core.models import AuditEvent
from xinyidai.financing.models import Application
from xinyidai.notifications.models import Notification

from .conftest import grant

pytestmark = pytest.mark.django_db

LIST = "/api/v1/bank/authorizations"
BOTH = ["authorizations:read", "authorizations:write"]


def _key(personas: Personas, scopes: list[str] | None = None, *, other: bool = False) -> Key:
    if not other:
        return make_key(personas, BOTH if scopes is None else scopes)
    from xinyidai.integrations import services as integration_services

    client, secret = integration_services.api_client_create(
        bank=Bank.objects.get(organization=personas.other_bank),
        name="二行核心",
        scopes=BOTH if scopes is None else scopes,
        actor=personas.other_officer,
    )
    return Key(client, secret)


@pytest.fixture
def key(personas: Personas) -> Key:
    return _key(personas)


def _post(http: Client, key: Key, payload: dict[str, Any]) -> Any:
    return signed(http, key, LIST, method="POST", body=json.dumps(payload).encode())


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:800]
    body: dict[str, Any] = response.json()
    return body


def _request_body(application: Application, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "application": application.pk,
        "purpose": "pre_loan",
        "scopes": ["tax", "registration", "social_insurance"],
        "history_months": 24,
        "fetch_limit": 5,
        "note": "贷前审查需要",
    }
    body.update(overrides)
    return body


def _requested(personas: Personas, application: Application, **terms: Any) -> Authorization:
    values: dict[str, Any] = {"purpose": "pre_loan", "scopes": ["tax"]}
    values.update(terms)
    return services.authorization_request(
        membership=Membership.objects.get(user=personas.officer),
        enterprise=personas.enterprise_a,
        application=application,
        **values,
    )


# --------------------------------------------------------------------------- request


def test_it_requests_an_authorization_for_an_application(client, personas, key, application):
    body = _ok(_post(client, key, _request_body(application)), 201)

    authorization = Authorization.objects.get()
    assert body["id"] == authorization.pk
    assert (body["status"], body["status_label"]) == ("pending", "待企业确认")
    assert body["enterprise"] == personas.enterprise_a.uscc
    assert body["enterprise_name"] == "肇庆甲有限公司"
    assert body["application"] == application.pk
    assert body["branch"] is None
    assert body["purpose"] == "pre_loan"
    assert body["scopes"] == ["registration", "tax", "social_insurance"]  # the catalogue's order
    assert (body["history_months"], body["fetch_limit"], body["data_life_days"]) == (24, 5, 90)
    assert body["note"] == "贷前审查需要"
    assert body["signed_at"] is None
    assert body["answered_at"] is None
    valid_from = dt.datetime.fromisoformat(body["valid_from"])
    assert dt.datetime.fromisoformat(body["expires_at"]) - valid_from == dt.timedelta(days=90)
    assert authorization.requested_by == key.client.service_membership.user
    assert authorization.bank.organization == personas.bank
    assert AuditEvent.objects.filter(action="authorization.request").count() == 1
    assert Notification.objects.filter(recipient=personas.alice, kind="authorization").exists()


def test_it_takes_an_expiry_and_a_data_life(client, personas, key, application):
    expires = (timezone.now() + dt.timedelta(days=30)).replace(microsecond=0)
    payload = _request_body(application, expires_at=expires.isoformat(), data_life_days=30)
    body = _ok(_post(client, key, payload), 201)
    assert dt.datetime.fromisoformat(body["expires_at"]) == expires
    assert body["data_life_days"] == 30


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"history_months": 40}, "history_months", "历史数据期间须在 1–36 个月之间。"),
        ({"fetch_limit": 0}, "fetch_limit", "每月查询上限须在 1–100 次之间。"),
        ({"data_life_days": 400}, "data_life_days", "数据保存期限须在 1–365 天之间。"),
        ({"scopes": []}, "scopes", "请至少选择一项数据范围。"),
        ({"scopes": ["tax", "salary"]}, "scopes", "未知的数据范围：salary"),
    ],
)
def test_terms_against_the_rules_are_invalid_by_field(
    client, personas, key, application, overrides, field, message
):
    body = _ok(_post(client, key, _request_body(application, **overrides)), 400)
    assert body["code"] == "invalid"
    assert body["details"] == {field: [message]}
    assert not Authorization.objects.exists()


def test_a_validity_longer_than_a_year_is_invalid(client, personas, key, application):
    expires = timezone.now() + dt.timedelta(days=400)
    body = _ok(_post(client, key, _request_body(application, expires_at=expires.isoformat())), 400)
    assert body["details"] == {"expires_at": ["授权期限最长一年。"]}
    assert not Authorization.objects.exists()


def test_unknown_fields_and_wrong_types_are_refused_by_name(client, personas, key, application):
    body = _ok(_post(client, key, _request_body(application, branchs="0001")), 400)
    assert body["code"] == "invalid"
    assert body["details"] == {"branchs": ["未知字段，此操作不接受该字段。"]}
    body = _ok(_post(client, key, _request_body(application, purpose="marketing")), 400)
    assert list(body["details"]) == ["purpose"]
    payload = _request_body(application)
    del payload["application"]
    body = _ok(_post(client, key, payload), 400)
    assert list(body["details"]) == ["application"]
    body = _ok(_post(client, key, _request_body(application, history_months="两年")), 400)
    assert list(body["details"]) == ["history_months"]
    assert not Authorization.objects.exists()


def test_an_application_that_is_not_the_banks_is_not_found(client, personas, application):
    other = _key(personas, other=True)
    body = _ok(_post(client, other, _request_body(application)), 404)
    assert body["code"] == "not_found"
    mine = _key(personas)
    missing = {**_request_body(application), "application": application.pk + 99}
    body = _ok(_post(client, mine, missing), 404)
    assert body["code"] == "not_found"
    Application.objects.filter(pk=application.pk).update(state=Application.State.DRAFT)
    assert _post(client, mine, _request_body(application)).status_code == 404
    assert not Authorization.objects.exists()


# --------------------------------------------------------------------------- read


def test_it_lists_newest_first_and_filters(client, personas, key, application, profile):
    requested = _requested(personas, application, purpose="post_loan")
    granted = grant(personas)  # enterprise A's own grant to bank 1, active
    elsewhere = grant(personas, bank=Bank.objects.get(organization=personas.other_bank))

    def ids(query: str = "") -> list[int]:
        return [a["id"] for a in _ok(signed(client, key, LIST, query=query))["results"]]

    assert ids() == [granted.pk, requested.pk]
    assert elsewhere.pk not in ids()
    assert ids("status=active") == [granted.pk]
    assert ids("purpose=post_loan") == [requested.pk]
    assert ids(f"application={application.pk}") == [requested.pk]
    assert ids(f"enterprise={personas.enterprise_a.uscc}") == [granted.pk, requested.pk]
    assert ids(f"enterprise={personas.enterprise_b.uscc}") == []
    body = _ok(signed(client, key, LIST, query="status=granted"), 400)
    assert (body["code"], list(body["details"])) == ("invalid", ["status"])


def test_it_reads_one_authorization(client, personas, key, profile):
    granted = grant(personas)
    body = _ok(signed(client, key, f"{LIST}/{granted.pk}"))
    assert (body["id"], body["status"]) == (granted.pk, "active")
    assert body["application"] is None
    assert body["signed_at"] is not None
    assert body["answered_at"] is not None
    assert body["scopes"] == granted.scopes


def test_the_list_pages_with_a_bounded_number_of_queries(
    client, personas, key, application, profile, django_assert_max_num_queries
):
    for purpose in ("pre_loan", "post_loan", "joint_modelling"):
        _requested(personas, application, purpose=purpose)
        grant(personas, purpose=purpose)
    with django_assert_max_num_queries(7):
        body = _ok(signed(client, key, LIST))
    assert len(body["results"]) == 6


# --------------------------------------------------------------------------- refusals


def test_another_bank_gets_404_and_an_empty_list(client, personas, application, profile):
    granted = grant(personas)
    other = _key(personas, other=True)
    body = _ok(signed(client, other, f"{LIST}/{granted.pk}"), 404)
    assert body["code"] == "not_found"
    assert _ok(signed(client, other, LIST))["results"] == []


def test_a_client_without_the_scope_is_refused(client, personas, application, profile):
    granted = grant(personas)
    reader = _key(personas, ["authorizations:read"])
    body = _ok(_post(client, reader, _request_body(application)), 403)
    assert body["code"] == "scope_not_granted"
    assert body["details"]["required"] == ["authorizations:write"]
    writer = _key(personas, ["authorizations:write"])
    for path in (LIST, f"{LIST}/{granted.pk}"):
        body = _ok(signed(client, writer, path), 403)
        assert (body["code"], body["details"]["required"]) == (
            "scope_not_granted",
            ["authorizations:read"],
        )
    assert Authorization.objects.count() == 1


# --------------------------------------------------------------------------- session


def test_a_credit_officer_in_a_session_requests_and_reads(client, personas, application):
    login(client, personas.officer, verify=True)
    response = client.post(LIST, _request_body(application), content_type="application/json")
    body = _ok(response, 201)
    assert _ok(client.get(f"{LIST}/{body['id']}"))["status"] == "pending"
    assert [a["id"] for a in _ok(client.get(LIST))["results"]] == [body["id"]]


def test_a_product_manager_in_a_session_may_read_but_not_request(client, personas, application):
    existing = _requested(personas, application)
    manager = UserFactory(username="manager")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    login(client, manager, verify=True)
    response = client.post(LIST, _request_body(application), content_type="application/json")
    body = _ok(response, 403)
    assert body["code"] == "permission_denied"
    assert body["message"] == "只有客户经理或银行管理员可以申请查询授权。"
    assert [a["id"] for a in _ok(client.get(LIST))["results"]] == [existing.pk]
    assert Authorization.objects.count() == 1


@pytest.mark.parametrize("who", ["alice", "regulator"])
def test_people_who_are_not_bank_staff_get_404(client, personas, application, who):
    existing = _requested(personas, application)
    login(client, getattr(personas, who), verify=True)
    assert client.get(LIST).status_code == 404
    assert client.get(f"{LIST}/{existing.pk}").status_code == 404
    response = client.post(LIST, _request_body(application), content_type="application/json")
    assert _ok(response, 404)["code"] == "not_found"
    assert Authorization.objects.count() == 1


def test_an_anonymous_visitor_is_not_authenticated(client, personas, application):
    existing = _requested(personas, application)
    for response in (
        client.get(LIST),
        client.get(f"{LIST}/{existing.pk}"),
        client.post(LIST, _request_body(application), content_type="application/json"),
    ):
        assert _ok(response, 403)["code"] == "not_authenticated"
    assert Authorization.objects.count() == 1
