"""The enterprise-side authorization API: an enterprise lists its grants, reads the text it signs,
signs a bank's request (password or TOTP again), rejects it, pauses, resumes and revokes a grant,
and grants a bank of its own accord. Refusals answer 400 with the service's field messages, 403
for a member who may not sign, 409 with the status for a change the status does not allow, and
change nothing; another enterprise and a bank officer get 404, an anonymous visitor 403."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, confirmed_totp, current_code, login
from tests.factories import PASSWORD
from xinyidai.accounts.models import Bank, Membership
from xinyidai.consent import services
from xinyidai.consent.models import Authorization
from xinyidai.core.models import AuditEvent, OutboxEvent
from xinyidai.financing.models import Application

from .conftest import fetch, grant

AUTHORIZATIONS = "/api/v1/enterprise/authorizations"
SCOPES = ["registration", "tax", "social_insurance", "housing_fund", "utilities", "public_credit"]
CHANGES = ("reject", "pause", "resume", "revoke")


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:800]
    body: dict[str, Any] = response.json()
    return body


def _post(http: Client, path: str, payload: dict[str, Any] | None = None) -> Any:
    return http.post(path, payload or {}, content_type="application/json")


def _request(personas: Personas, application: Application, **values: Any) -> Authorization:
    """Bank 1 asks enterprise A (which applied to it) for a pre-loan grant."""
    fields: dict[str, Any] = {
        "membership": Membership.objects.get(user=personas.officer),
        "enterprise": personas.enterprise_a,
        "application": application,
        "purpose": "pre_loan",
        "scopes": ["tax", "social_insurance"],
    }
    fields.update(values)
    return services.authorization_request(**fields)


def _counts() -> tuple[int, int, int]:
    return Authorization.objects.count(), OutboxEvent.objects.count(), AuditEvent.objects.count()


def _grant_body(personas: Personas, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bank": personas.bank.pk,
        "purpose": "pre_loan",
        "scopes": ["tax", "public_credit"],
        "password": PASSWORD,
    }
    body.update(overrides)
    return body


@pytest.fixture
def alice(client: Client, personas: Personas) -> Client:
    return login(client, personas.alice)


@pytest.fixture
def amy(personas: Personas) -> Client:
    return login(Client(), personas.amy)


@pytest.fixture
def bob(personas: Personas) -> Client:
    return login(Client(), personas.bob)


# --------------------------------------------------------------------------- reading


def test_it_lists_the_enterprises_grants_newest_first_with_this_months_use(
    alice, personas, profile
):
    older = grant(personas, scopes=["tax"])
    newer = grant(personas, bank=Bank.objects.get(organization=personas.other_bank))
    grant(personas, enterprise=personas.enterprise_b, user=personas.bob)  # B's own
    fetch(personas, sections=["tax"])
    body = _ok(alice.get(AUTHORIZATIONS))
    assert [a["id"] for a in body["results"]] == [newer.pk, older.pk]
    listed = body["results"][1]
    assert (listed["status"], listed["status_label"]) == ("active", "生效中")
    assert listed["bank"] == {"id": personas.bank.pk, "name": "测试银行一"}
    assert listed["scopes"] == [{"code": "tax", "label": "纳税信息"}]
    assert (listed["used_this_month"], listed["fetch_limit"]) == (1, 10)
    assert body["results"][0]["used_this_month"] == 0


def test_the_list_filters_by_status_and_bank(alice, personas, profile):
    kept = grant(personas)
    paused = grant(personas, bank=Bank.objects.get(organization=personas.other_bank))
    services.authorization_pause(authorization=paused, user=personas.alice)
    only = _ok(alice.get(AUTHORIZATIONS, {"status": "paused"}))["results"]
    assert [a["id"] for a in only] == [paused.pk]
    by_bank = _ok(alice.get(AUTHORIZATIONS, {"bank": personas.bank.pk}))["results"]
    assert [a["id"] for a in by_bank] == [kept.pk]
    bad = _ok(alice.get(AUTHORIZATIONS, {"status": "lost"}), 400)
    assert bad["code"] == "invalid"
    assert list(bad["details"]) == ["status"]


def test_the_list_reads_a_bounded_number_of_queries(
    alice, personas, profile, django_assert_max_num_queries
):
    for _ in range(12):
        grant(personas)
    with django_assert_max_num_queries(8):
        assert len(_ok(alice.get(AUTHORIZATIONS))["results"]) == 12


def test_the_detail_carries_the_text_signed_and_its_hashes(alice, personas, profile, application):
    authorization = grant(personas, application=application)
    fetch(personas)
    body = _ok(alice.get(f"{AUTHORIZATIONS}/{authorization.pk}"))
    text = authorization.consent_text
    assert body["consent_text"] == {
        "version": text.version,
        "sha256": text.sha256,
        "body": text.body,
    }
    assert body["document"] == services.consent_document(authorization)
    assert body["consent_sha256"] == hashlib.sha256(body["document"].encode()).hexdigest()
    assert body["scopes"] == [
        {"code": "registration", "label": "登记注册信息"},
        {"code": "tax", "label": "纳税信息"},
        {"code": "social_insurance", "label": "社会保险信息"},
        {"code": "housing_fund", "label": "住房公积金信息"},
        {"code": "utilities", "label": "水电气信息"},
        {"code": "public_credit", "label": "公共信用信息"},
    ]
    assert body["application"] == application.pk
    assert (body["used_this_month"], body["signed_method"]) == (1, "password")
    assert body["needs_legal_rep_consent"] is False


# --------------------------------------------------------------------------- signing


def test_the_owner_signs_a_request_with_the_password(alice, personas, application):
    authorization = _request(personas, application)
    body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/accept", {"password": PASSWORD}))
    assert (body["status"], body["signed_method"]) == ("active", "password")
    assert body["consent_sha256"] == hashlib.sha256(body["document"].encode()).hexdigest()
    authorization.refresh_from_db()
    assert (authorization.status, authorization.signed_by) == ("active", personas.alice)
    assert authorization.signed_ip == "127.0.0.1"
    (event,) = OutboxEvent.objects.filter(kind="authorization.granted")
    assert event.organization_id == personas.bank.pk
    assert event.payload["application"] == application.pk
    assert event.payload["authorization"] == authorization.pk


def test_the_owner_may_sign_with_a_totp_code_instead(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.alice)
    device = confirmed_totp(personas.alice)
    body = _ok(
        _post(
            client,
            f"{AUTHORIZATIONS}/{authorization.pk}/accept",
            {"otp_token": current_code(device)},
        )
    )
    assert (body["status"], body["signed_method"]) == ("active", "totp")


@pytest.mark.parametrize(
    ("payload", "details"),
    [
        ({"password": "wrong"}, {"password": ["请重新输入登录密码以确认签署。"]}),
        ({}, {"password": ["请重新输入登录密码以确认签署。"]}),
        ({"otp_token": "000000"}, {"otp_token": ["动态验证码不正确。"]}),
        ({"password": PASSWORD, "note": "x"}, {"note": ["未知字段，此操作不接受该字段。"]}),
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(
    alice, personas, application, payload, details
):
    authorization = _request(personas, application)
    before = _counts()
    body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/accept", payload), 400)
    assert (body["code"], body["details"]) == ("invalid", details)
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"
    assert _counts() == before


def test_the_legal_representatives_data_needs_its_own_consent(alice, personas, application):
    authorization = _request(personas, application, scopes=["tax", "legal_representative"])
    path = f"{AUTHORIZATIONS}/{authorization.pk}/accept"
    assert _ok(alice.get(f"{AUTHORIZATIONS}/{authorization.pk}"))["needs_legal_rep_consent"]
    body = _ok(_post(alice, path, {"password": PASSWORD}), 400)
    assert body["details"] == {
        "legal_rep_consent": ["授权范围含法定代表人个人信息，须单独勾选同意。"]
    }
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"
    signed = _ok(_post(alice, path, {"password": PASSWORD, "legal_rep_consent": True}))
    assert (signed["status"], signed["legal_rep_consent"]) == ("active", True)


def test_a_staff_member_may_not_sign(amy, personas, application):
    authorization = _request(personas, application)
    before = _counts()
    body = _ok(
        _post(amy, f"{AUTHORIZATIONS}/{authorization.pk}/accept", {"password": PASSWORD}), 403
    )
    assert body == {
        "code": "permission_denied",
        "message": "只有企业负责人可以签署授权。",
        "details": {},
    }
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"
    assert _counts() == before


def test_signing_what_is_not_pending_is_a_conflict(alice, personas, application):
    authorization = _request(personas, application)
    services.authorization_reject(authorization=authorization, user=personas.alice)
    before = _counts()
    body = _ok(
        _post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/accept", {"password": PASSWORD}), 409
    )
    assert body == {
        "code": "conflict",
        "message": "授权当前状态为“已拒绝”，不能签署。",
        "details": {"status": "rejected"},
    }
    assert _counts() == before


# --------------------------------------------------------------------------- changes


def test_the_enterprise_rejects_a_request(alice, personas, application):
    authorization = _request(personas, application)
    body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/reject"))
    assert (body["status"], body["answered_at"] is not None) == ("rejected", True)
    (event,) = OutboxEvent.objects.filter(kind="authorization.rejected")
    assert (event.organization_id, event.payload["application"]) == (
        personas.bank.pk,
        application.pk,
    )


def test_a_member_pauses_resumes_and_revokes_a_grant(amy, personas, profile):
    authorization = grant(personas)
    path = f"{AUTHORIZATIONS}/{authorization.pk}"
    assert _ok(_post(amy, f"{path}/pause"))["status"] == "paused"
    with pytest.raises(services.FetchRefused):
        fetch(personas)
    assert _ok(_post(amy, f"{path}/resume"))["status"] == "active"
    fetch(personas)
    revoked = _ok(_post(amy, f"{path}/revoke"))
    assert (revoked["status"], revoked["revoked_at"] is not None) == ("revoked", True)
    kinds = list(
        OutboxEvent.objects.filter(organization=personas.bank)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "authorization.granted",
        "authorization.paused",
        "authorization.resumed",
        "authorization.revoked",
    ]


@pytest.mark.parametrize(
    ("action", "message", "status"),
    [
        ("reject", "授权当前状态为“生效中”，不能拒绝。", "active"),
        ("resume", "授权当前状态为“生效中”，不能恢复。", "active"),
    ],
)
def test_a_change_the_status_does_not_allow_is_a_conflict(
    alice, personas, profile, action, message, status
):
    authorization = grant(personas)
    before = _counts()
    body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/{action}"), 409)
    assert body == {"code": "conflict", "message": message, "details": {"status": status}}
    assert Authorization.objects.get(pk=authorization.pk).status == "active"
    assert _counts() == before


def test_a_revoked_grant_stays_revoked(alice, personas, profile):
    authorization = grant(personas)
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    before = _counts()
    for action in ("pause", "resume", "revoke"):
        body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/{action}"), 409)
        assert body["details"] == {"status": "revoked"}
    assert _counts() == before


def test_a_change_with_a_body_field_is_refused(alice, personas, profile):
    authorization = grant(personas)
    before = _counts()
    body = _ok(_post(alice, f"{AUTHORIZATIONS}/{authorization.pk}/pause", {"reason": "x"}), 400)
    assert body["details"] == {"reason": ["未知字段，此操作不接受该字段。"]}
    assert Authorization.objects.get(pk=authorization.pk).status == "active"
    assert _counts() == before


# --------------------------------------------------------------------------- granting


def test_the_owner_grants_a_bank_of_its_own_accord(alice, personas, application):
    body = _ok(
        _post(
            alice,
            AUTHORIZATIONS,
            _grant_body(personas, application=application.pk, validity_days=30),
        ),
        201,
    )
    authorization = Authorization.objects.get(pk=body["id"])
    assert (authorization.enterprise, authorization.bank_id) == (
        personas.enterprise_a,
        personas.bank.pk,
    )
    assert (body["status"], body["application"], body["signed_method"]) == (
        "active",
        application.pk,
        "password",
    )
    assert [s["code"] for s in body["scopes"]] == ["tax", "public_credit"]
    validity = authorization.expires_at - authorization.valid_from
    assert abs(validity - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    (event,) = OutboxEvent.objects.filter(kind="authorization.granted")
    assert event.payload["application"] == application.pk


@pytest.mark.parametrize(
    ("overrides", "details"),
    [
        ({"password": "wrong"}, {"password": ["请重新输入登录密码以确认签署。"]}),
        ({"bank": 999999}, {"bank": ["请选择银行。"]}),
        ({"scopes": ["gold"]}, {"scopes": ["未知的数据范围：gold"]}),
        ({"validity_days": 400}, {"validity_days": ["授权期限最长一年。"]}),
        ({"purpose": "marketing"}, {"purpose": ["请选择授权用途。"]}),
        ({"banc": 1}, {"banc": ["未知字段，此操作不接受该字段。"]}),
    ],
)
def test_a_bad_grant_is_refused_and_creates_nothing(alice, personas, overrides, details):
    before = _counts()
    body = _ok(_post(alice, AUTHORIZATIONS, _grant_body(personas, **overrides)), 400)
    assert (body["code"], body["details"]) == ("invalid", details)
    assert _counts() == before


def test_a_grant_may_not_name_another_enterprises_application(alice, personas):
    from tests.financing.conftest import give_profile, make_product
    from xinyidai.financing import services as financing

    give_profile(personas.enterprise_b, "B")
    others = financing.application_create(
        enterprise=personas.enterprise_b,
        product=make_product(personas.bank, personas.officer),
        actor=personas.bob,
        amount="500000",
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )
    before = _counts()
    body = _ok(_post(alice, AUTHORIZATIONS, _grant_body(personas, application=others.pk)), 400)
    assert body["details"] == {"application": ["只能关联本企业的贷款申请。"]}
    assert _counts() == before


def test_a_staff_member_may_not_grant(amy, personas):
    before = _counts()
    body = _ok(_post(amy, AUTHORIZATIONS, _grant_body(personas)), 403)
    assert body["code"] == "permission_denied"
    assert _counts() == before


# --------------------------------------------------------------------------- outsiders


def _paths(authorization: Authorization) -> list[tuple[str, str]]:
    path = f"{AUTHORIZATIONS}/{authorization.pk}"
    return [("get", path)] + [("post", f"{path}/{action}") for action in ("accept", *CHANGES)]


def test_another_enterprise_gets_404_and_lists_nothing(bob, personas, application):
    authorization = _request(personas, application)
    before = _counts()
    for method, path in _paths(authorization):
        response = bob.get(path) if method == "get" else _post(bob, path, {"password": PASSWORD})
        assert _ok(response, 404) == {"code": "not_found", "message": "未找到。", "details": {}}
    assert _ok(bob.get(AUTHORIZATIONS))["results"] == []
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"
    assert _counts() == before


def test_a_bank_officer_gets_404(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.officer, verify=True)
    before = _counts()
    for method, path in [("get", AUTHORIZATIONS), ("post", AUTHORIZATIONS), *_paths(authorization)]:
        response = (
            client.get(path) if method == "get" else _post(client, path, {"password": PASSWORD})
        )
        assert _ok(response, 404)["code"] == "not_found"
    assert _counts() == before


def test_an_anonymous_visitor_is_not_authenticated(client, personas, application):
    authorization = _request(personas, application)
    before = _counts()
    for method, path in [("get", AUTHORIZATIONS), ("post", AUTHORIZATIONS), *_paths(authorization)]:
        response = client.get(path) if method == "get" else _post(client, path)
        assert _ok(response, 403)["code"] == "not_authenticated"
    assert _counts() == before


# --------------------------------------------------------------------------- documentation


def test_the_schema_documents_every_authorization_endpoint(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    operations = {
        paths[AUTHORIZATIONS]["get"]["operationId"]: {"200", "400", "403", "404"},
        paths[AUTHORIZATIONS]["post"]["operationId"]: {"201", "400", "403", "404"},
        paths[f"{AUTHORIZATIONS}/{{id}}"]["get"]["operationId"]: {"200", "403", "404"},
    }
    for action in ("accept", *CHANGES):
        operation = paths[f"{AUTHORIZATIONS}/{{id}}/{action}"]["post"]
        operations[operation["operationId"]] = {"200", "400", "403", "404", "409"}
        assert operation["summary"]
        conflict = operation["responses"]["409"]["content"]["application/json"]["examples"]
        assert all(e["value"]["code"] == "conflict" for e in conflict.values())
    assert operations == {
        "enterprise_authorizations_list": {"200", "400", "403", "404"},
        "enterprise_authorizations_grant": {"201", "400", "403", "404"},
        "enterprise_authorization_retrieve": {"200", "403", "404"},
        **{
            f"enterprise_authorization_{action}": {"200", "400", "403", "404", "409"}
            for action in ("accept", *CHANGES)
        },
    }
    for path in (AUTHORIZATIONS, f"{AUTHORIZATIONS}/{{id}}/accept"):
        for operation in paths[path].values():
            assert set(operation["responses"]) >= {"403", "404"}
