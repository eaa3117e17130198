"""A bank's system on the signed API: one correctly signed profile fetch goes through the guarded
path under the client's service user; every refusal has its status and code, is in the call
log, and writes nothing in the enterprise's access log."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import Personas
from tests.consent.conftest import grant
from xinyidai.consent.models import AccessLogEntry
from xinyidai.core.models import AuditEvent
from xinyidai.integrations import services
from xinyidai.integrations.errors import MESSAGES
from xinyidai.integrations.models import ApiCallLog

from .conftest import Key, make_key, signed

QUERY = "purpose=pre_loan"


def _path(personas: Personas) -> str:
    return f"/api/v1/enterprises/{personas.enterprise_a.uscc}/profile"


def _refused(response, status: int, code: str, key: Key | None = None) -> ApiCallLog:
    assert response.status_code == status, response.content.decode()[:500]
    assert response.json() == {"code": code, "message": str(MESSAGES[code]), "details": {}}
    entry = ApiCallLog.objects.order_by("-id").first()
    assert entry is not None
    assert (entry.status_code, entry.error_code) == (status, code)
    if key is not None:
        assert entry.client_id == key.client.pk
        assert entry.key_id == key.client.key_id
    assert not AccessLogEntry.objects.exists()
    return entry


@pytest.fixture
def granted(personas, profile):
    return grant(personas)


def test_it_answers_a_signed_fetch_and_logs_it_under_the_service_user(
    client, personas, key, granted
):
    response = signed(client, key, _path(personas), query=QUERY)
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json()["enterprise"]["uscc"] == personas.enterprise_a.uscc
    entry = AccessLogEntry.objects.get()
    assert (entry.outcome, entry.channel, entry.authorization_id) == ("allowed", "api", granted.pk)
    assert entry.user_id == key.client.service_user.pk
    assert entry.username == key.client.key_id.join(["api-", ""])
    assert entry.ip_address == "10.7.7.7"
    call = ApiCallLog.objects.get()
    assert (call.client_id, call.status_code, call.error_code) == (key.client.pk, 200, "")
    assert (call.method, call.path, call.ip_address) == ("GET", _path(personas), "10.7.7.7")
    assert call.latency_ms >= 0
    key.client.refresh_from_db()
    assert key.client.last_used_at is not None


def test_the_query_order_does_not_matter_to_the_signature(client, personas, key, granted):
    response = signed(client, key, _path(personas), query="sections=tax&purpose=pre_loan")
    assert response.status_code == 200
    assert AccessLogEntry.objects.get().sections == ["tax"]


def test_the_service_user_is_a_credit_officer_of_the_bank_without_a_password(personas, key):
    membership = key.client.service_membership
    assert membership.organization == personas.bank
    assert membership.role == "bank_credit_officer"
    assert not membership.user.has_usable_password()
    assert key.client.key_id.startswith("bk_")
    assert AuditEvent.objects.filter(action="api_client.create", object_id=str(key.client.pk))


def test_the_secret_is_encrypted_at_rest(key):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_apiclient WHERE id = %s", [key.client.pk])
        (stored,) = cursor.fetchone()
    assert key.secret not in stored


@pytest.mark.parametrize(
    "header",
    ["HTTP_X_XYD_TIMESTAMP", "HTTP_X_XYD_NONCE", "HTTP_X_XYD_SIGNATURE"],
)
def test_a_missing_signature_header_is_401(client, personas, key, granted, header):
    response = signed(client, key, _path(personas), query=QUERY, drop=(header,))
    assert response["WWW-Authenticate"] == "XYD-HMAC-SHA256"
    _refused(response, 401, "signature_missing", key)


def test_a_wrong_signature_is_401(client, personas, key, granted):
    response = signed(client, key, _path(personas), query=QUERY, HTTP_X_XYD_SIGNATURE="0" * 64)
    _refused(response, 401, "signature_invalid", key)


def test_a_changed_query_is_401(client, personas, key, granted):
    response = signed(client, key, _path(personas), query=QUERY, sent_query="purpose=post_loan")
    _refused(response, 401, "signature_invalid", key)


def test_a_body_changed_after_signing_is_401(client, personas, key, granted):
    response = signed(
        client,
        key,
        _path(personas),
        method="POST",
        query=QUERY,
        body=b'{"amount": 1}',
        sent_body=b'{"amount": 9}',
    )
    _refused(response, 401, "signature_invalid", key)


@pytest.mark.parametrize("skew", [301, -301])
def test_a_timestamp_skewed_by_301_seconds_is_401(client, personas, key, granted, skew):
    response = signed(client, key, _path(personas), query=QUERY, timestamp=int(time.time()) + skew)
    _refused(response, 401, "timestamp_skewed", key)


def test_a_timestamp_within_300_seconds_is_accepted(client, personas, key, granted):
    response = signed(client, key, _path(personas), query=QUERY, timestamp=int(time.time()) - 290)
    assert response.status_code == 200


def test_a_timestamp_that_is_not_a_number_is_401(client, personas, key, granted):
    response = signed(client, key, _path(personas), query=QUERY, HTTP_X_XYD_TIMESTAMP="soon")
    _refused(response, 401, "timestamp_skewed", key)


@pytest.mark.parametrize("nonce", ["x" * 15, "y" * 65])
def test_a_nonce_of_the_wrong_length_is_401(client, personas, key, granted, nonce):
    response = signed(client, key, _path(personas), query=QUERY, nonce=nonce)
    _refused(response, 401, "nonce_invalid", key)


def test_a_replayed_request_is_401(client, personas, key, granted):
    nonce = "n" * 20
    stamp = int(time.time())
    first = signed(client, key, _path(personas), query=QUERY, nonce=nonce, timestamp=stamp)
    assert first.status_code == 200
    before = AccessLogEntry.objects.count()
    replay = signed(client, key, _path(personas), query=QUERY, nonce=nonce, timestamp=stamp)
    assert replay.status_code == 401
    assert replay.json()["code"] == "nonce_reused"
    assert AccessLogEntry.objects.count() == before
    assert ApiCallLog.objects.order_by("-id").first().error_code == "nonce_reused"


def test_a_badly_signed_request_does_not_spend_the_nonce(client, personas, key, granted):
    nonce = "m" * 20
    bad = signed(client, key, _path(personas), query=QUERY, nonce=nonce, HTTP_X_XYD_SIGNATURE="0")
    assert bad.json()["code"] == "signature_invalid"
    assert signed(client, key, _path(personas), query=QUERY, nonce=nonce).status_code == 200


def test_an_unknown_key_is_401_and_logged_without_a_client(client, personas, key, granted):
    response = signed(client, key, _path(personas), query=QUERY, HTTP_X_XYD_KEY_ID="bk_nope")
    entry = _refused(response, 401, "key_unknown")
    assert (entry.client_id, entry.key_id) == (None, "bk_nope")


def test_a_revoked_key_is_401(client, personas, key, granted):
    services.api_client_revoke(client=key.client, actor=personas.officer)
    response = signed(client, key, _path(personas), query=QUERY)
    _refused(response, 401, "key_revoked", key)
    assert AuditEvent.objects.filter(action="api_client.revoke").exists()
    key.client.service_membership.refresh_from_db()
    assert not key.client.service_membership.is_active


def test_a_rotated_key_works_within_the_overlap_and_not_after(client, personas, key, granted):
    new_client, new_secret = services.api_client_rotate(client=key.client, actor=personas.officer)
    new = Key(new_client, new_secret)
    assert new_client.service_membership_id == key.client.service_membership_id
    assert new_client.scopes == key.client.scopes
    assert AuditEvent.objects.filter(action="api_client.rotate").exists()
    path = _path(personas)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23, minutes=59), tick=False):
        assert signed(client, key, path, query=QUERY).status_code == 200
        assert signed(client, new, path, query=QUERY).status_code == 200
    allowed = AccessLogEntry.objects.count()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1), tick=False):
        old = signed(client, key, path, query=QUERY)
        assert (old.status_code, old.json()["code"]) == (401, "key_revoked")
        assert AccessLogEntry.objects.count() == allowed
        assert ApiCallLog.objects.order_by("-id").first().error_code == "key_revoked"
        assert signed(client, new, path, query=QUERY).status_code == 200


def test_a_client_without_the_scope_is_403(client, personas, granted):
    key = make_key(personas, scopes=["products:read"])
    response = signed(client, key, _path(personas), query=QUERY)
    assert response.status_code == 403
    assert response.json() == {
        "code": "scope_not_granted",
        "message": str(MESSAGES["scope_not_granted"]),
        "details": {"required": ["profiles:read"], "granted": ["products:read"]},
    }
    assert ApiCallLog.objects.get().error_code == "scope_not_granted"
    assert not AccessLogEntry.objects.exists()


def test_an_endpoint_that_names_no_scope_is_closed_to_api_clients(client, personas, key):
    path = f"/api/v1/enterprises/{personas.enterprise_a.uscc}/queries"
    response = signed(client, key, path)
    assert (response.status_code, response.json()["code"]) == (403, "scope_not_granted")


@override_settings(API_MAX_BODY_BYTES=100)
def test_a_body_over_the_limit_is_413(client, personas, key, granted):
    body = b'{"x": "' + b"a" * 200 + b'"}'
    response = signed(client, key, _path(personas), method="POST", query=QUERY, body=body)
    _refused(response, 413, "body_too_large", key)


def test_a_body_that_is_not_json_is_415(client, personas, key, granted):
    response = signed(
        client,
        key,
        _path(personas),
        method="POST",
        query=QUERY,
        body=b"a=1",
        content_type="application/x-www-form-urlencoded",
    )
    _refused(response, 415, "unsupported_media_type", key)


def test_the_rate_limit_is_per_client_with_retry_after(client, personas, key, granted):
    cache.clear()
    other = make_key(personas)
    with override_settings(API_RATE="2/min"):
        for _ in range(2):
            assert signed(client, key, _path(personas), query=QUERY).status_code == 200
        allowed = AccessLogEntry.objects.count()
        response = signed(client, key, _path(personas), query=QUERY)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        body = response.json()
        assert body["code"] == "throttled"
        assert set(body) == {"code", "message", "details"}
        assert AccessLogEntry.objects.count() == allowed
        assert ApiCallLog.objects.order_by("-id").first().error_code == "throttled"
        assert signed(client, other, _path(personas), query=QUERY).status_code == 200


def test_requests_without_a_key_id_keep_the_session_answer(client, personas, profile):
    response = client.get(f"{_path(personas)}?{QUERY}")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"
    assert not ApiCallLog.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(client, personas, key, granted):
    from xinyidai.integrations.models import ApiClient

    signed(client, key, _path(personas), query=QUERY)
    first = ApiClient.objects.get(pk=key.client.pk).last_used_at
    signed(client, key, _path(personas), query=QUERY)
    assert ApiClient.objects.get(pk=key.client.pk).last_used_at == first


def test_unknown_scopes_are_refused_at_creation(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_key(personas, scopes=["everything"])


def test_it_needs_no_session_or_csrf(personas, key, granted):
    strict = Client(enforce_csrf_checks=True)
    response = signed(strict, key, _path(personas), method="POST", query=QUERY, body=b"{}")
    # Authenticated by signature: the view answers (405 for POST), not a CSRF 403.
    assert response.status_code == 405
