"""A bank's system retries a POST that timed out: with the same Idempotency-Key it acts once and
gets the first answer back; the key is bound to its request, to its client and to a day."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import Personas
from tests.financing.conftest import give_profile, make_product
from xinyidai.financing import services as financing
from xinyidai.financing.models import Application, ApplicationEvent
from xinyidai.integrations import idempotency, tasks
from xinyidai.integrations.models import ApiCallLog, IdempotentRequest

from .conftest import Key, make_key, signed

SCOPES = ["applications:read", "applications:write"]
ACCEPT = {"action": "accept", "expected_state": "submitted", "note": "资料齐全"}


@pytest.fixture
def bank_key(personas: Personas) -> Key:
    return make_key(personas, scopes=SCOPES)


@pytest.fixture
def submitted(personas: Personas) -> Application:
    """Enterprise A's application to bank 1's product, submitted."""
    give_profile(personas.enterprise_a, "B")
    return financing.application_create(
        enterprise=personas.enterprise_a,
        product=make_product(personas.bank, personas.officer),
        actor=personas.alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )


def _path(application: Application) -> str:
    return f"/api/v1/bank/applications/{application.pk}/actions"


def act(
    http: Client, key: Key, path: str, payload: dict[str, Any], idempotency_key: str | None
) -> Any:
    extra: dict[str, Any] = {}
    if idempotency_key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    return signed(http, key, path, method="POST", body=json.dumps(payload).encode(), **extra)


def _events(application: Application, action: str) -> int:
    return ApplicationEvent.objects.filter(application=application, action=action).count()


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content.decode()[:500]
    assert response.json() == {
        "code": code,
        "message": str(idempotency.MESSAGES[code]),
        "details": {},
    }


def test_it_acts_once_for_a_repeated_key_and_replays_the_answer(client, bank_key, submitted):
    first = act(client, bank_key, _path(submitted), ACCEPT, "retry-0001")
    second = act(client, bank_key, _path(submitted), ACCEPT, "retry-0001")
    assert first.status_code == second.status_code == 200, first.content.decode()[:500]
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert _events(submitted, "accept") == 1
    submitted.refresh_from_db()
    assert submitted.state == "accepted"
    stored = IdempotentRequest.objects.get()
    assert (stored.client_id, stored.key, stored.method) == (
        bank_key.client.pk,
        "retry-0001",
        "POST",
    )
    assert (stored.path, stored.status_code) == (_path(submitted), 200)
    assert bytes(stored.response_body) == first.content
    # Both calls are in the call log: the replay is an answered request too.
    assert list(ApiCallLog.objects.values_list("status_code", flat=True)) == [200, 200]


def test_without_a_key_a_repeat_acts_again(client, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, None).status_code == 200
    again = act(client, bank_key, _path(submitted), ACCEPT, None)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert not IdempotentRequest.objects.exists()


def test_the_same_key_on_another_body_is_422(client, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, "k-1").status_code == 200
    other = act(client, bank_key, _path(submitted), {**ACCEPT, "note": "另一个"}, "k-1")
    _error(other, 422, "idempotency_key_reused")
    assert ApiCallLog.objects.latest("id").error_code == "idempotency_key_reused"
    assert _events(submitted, "accept") == 1


def test_the_same_key_on_another_path_is_422(client, personas, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, "k-2").status_code == 200
    response = act(client, bank_key, "/api/v1/bank/needs/999999/interest", {"product": 1}, "k-2")
    _error(response, 422, "idempotency_key_reused")


def test_a_repeat_while_the_first_is_running_is_409(client, bank_key, submitted):
    body = json.dumps(ACCEPT).encode()
    IdempotentRequest.objects.create(
        client=bank_key.client,
        key="k-3",
        method="POST",
        path=_path(submitted),
        request_sha256=idempotency.signing.body_digest(body),
    )
    response = act(client, bank_key, _path(submitted), ACCEPT, "k-3")
    _error(response, 409, "idempotency_in_progress")
    assert _events(submitted, "accept") == 0
    assert IdempotentRequest.objects.get().status_code is None


def test_a_first_request_that_died_frees_its_key_after_a_while(client, bank_key, submitted):
    body = json.dumps(ACCEPT).encode()
    IdempotentRequest.objects.create(
        client=bank_key.client,
        key="k-4",
        method="POST",
        path=_path(submitted),
        request_sha256=idempotency.signing.body_digest(body),
    )
    later = timezone.now() + dt.timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        response = act(client, bank_key, _path(submitted), ACCEPT, "k-4")
    assert response.status_code == 200, response.content.decode()[:500]
    assert _events(submitted, "accept") == 1
    assert IdempotentRequest.objects.get().status_code == 200


def test_a_4xx_first_answer_is_replayed_without_acting_again(client, personas, submitted):
    bank_key, other = make_key(personas, scopes=SCOPES), make_key(personas, scopes=SCOPES)
    review = {"action": "review", "expected_state": "accepted"}
    first = act(client, bank_key, _path(submitted), review, "k-5")
    assert (first.status_code, first.json()["code"]) == (409, "conflict")
    # Meanwhile the application is accepted: a review would now go through.
    assert act(client, other, _path(submitted), ACCEPT, None).status_code == 200
    repeat = act(client, bank_key, _path(submitted), review, "k-5")
    assert repeat.status_code == 409
    assert repeat.content == first.content
    assert repeat["Idempotent-Replayed"] == "true"
    submitted.refresh_from_db()
    assert submitted.state == "accepted"
    assert _events(submitted, "review") == 0


def test_a_5xx_is_not_stored_and_the_key_can_be_retried(personas, bank_key, submitted, monkeypatch):
    real = financing.application_transition

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    http = Client(raise_request_exception=False)
    monkeypatch.setattr(financing, "application_transition", broken)
    failed = act(http, bank_key, _path(submitted), ACCEPT, "k-6")
    assert failed.status_code == 500
    assert not IdempotentRequest.objects.exists()
    monkeypatch.setattr(financing, "application_transition", real)
    retried = act(http, bank_key, _path(submitted), ACCEPT, "k-6")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried
    assert _events(submitted, "accept") == 1


def test_keys_are_per_client(client, personas, submitted):
    bank_key, other = make_key(personas, scopes=SCOPES), make_key(personas, scopes=SCOPES)
    assert act(client, bank_key, _path(submitted), ACCEPT, "shared").status_code == 200
    review = {"action": "review", "expected_state": "accepted"}
    response = act(client, other, _path(submitted), review, "shared")
    assert response.status_code == 200, response.content.decode()[:500]
    assert "Idempotent-Replayed" not in response
    assert response.json()["state"] == "under_review"
    assert IdempotentRequest.objects.filter(key="shared").count() == 2


@pytest.mark.parametrize("value", ["", "x" * 65, "has space", "点", "a/b", "a.b"])
def test_a_malformed_key_is_400(client, bank_key, submitted, value):
    response = act(client, bank_key, _path(submitted), ACCEPT, value)
    _error(response, 400, "invalid_idempotency_key")
    assert _events(submitted, "accept") == 0
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("value", ["a", "A-z_0-9", "k" * 64])
def test_a_well_formed_key_is_accepted(client, bank_key, submitted, value):
    assert act(client, bank_key, _path(submitted), ACCEPT, value).status_code == 200
    assert IdempotentRequest.objects.get().key == value


def test_a_replay_is_still_a_signed_request_with_a_fresh_nonce(client, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, "k-7").status_code == 200
    body = json.dumps(ACCEPT).encode()
    nonce = "n" * 24
    kwargs: dict[str, Any] = {"method": "POST", "body": body, "HTTP_IDEMPOTENCY_KEY": "k-7"}
    bad = signed(client, bank_key, _path(submitted), HTTP_X_XYD_SIGNATURE="0" * 64, **kwargs)
    assert (bad.status_code, bad.json()["code"]) == (401, "signature_invalid")
    assert signed(client, bank_key, _path(submitted), nonce=nonce, **kwargs).status_code == 200
    reused = signed(client, bank_key, _path(submitted), nonce=nonce, **kwargs)
    assert (reused.status_code, reused.json()["code"]) == (401, "nonce_reused")
    assert "Idempotent-Replayed" not in reused


def test_a_replay_needs_the_scope_still(client, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, "k-8").status_code == 200
    bank_key.client.scopes = ["applications:read"]
    bank_key.client.save(update_fields=["scopes"])
    response = act(client, bank_key, _path(submitted), ACCEPT, "k-8")
    assert (response.status_code, response.json()["code"]) == (403, "scope_not_granted")


def test_a_key_on_a_get_is_ignored(client, bank_key, submitted):
    path = f"/api/v1/bank/applications/{submitted.pk}"
    response = signed(client, bank_key, path, HTTP_IDEMPOTENCY_KEY="not valid!")
    assert response.status_code == 200
    assert not IdempotentRequest.objects.exists()


def test_a_session_request_ignores_the_header(client, personas, submitted):
    from tests.conftest import login

    login(client, personas.alice)
    path = f"/api/v1/enterprise/applications/{submitted.pk}/withdraw"
    response = client.post(path, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert response.status_code == 200, response.content.decode()[:500]
    assert not IdempotentRequest.objects.exists()


def test_an_expired_key_is_free_again(client, personas, bank_key, submitted):
    assert act(client, bank_key, _path(submitted), ACCEPT, "k-10").status_code == 200
    review = {"action": "review", "expected_state": "accepted"}
    later = timezone.now() + dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = act(client, bank_key, _path(submitted), review, "k-10")
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json()["state"] == "under_review"
    assert IdempotentRequest.objects.get().method == "POST"


def test_the_daily_job_deletes_keys_past_their_life_in_one_statement(
    bank_key, django_assert_num_queries
):
    now = timezone.now()
    ttl = dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    for key, age in [
        ("old", ttl + dt.timedelta(minutes=1)),
        ("young", ttl - dt.timedelta(minutes=1)),
    ]:
        IdempotentRequest.objects.create(
            client=bank_key.client,
            key=key,
            method="POST",
            path="/api/v1/bank/applications/1/actions",
            request_sha256="0" * 64,
            status_code=200,
            created_at=now - age,
        )
    with time_machine.travel(now, tick=False), django_assert_num_queries(1):
        assert idempotency.idempotent_requests_prune() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["young"]
    with time_machine.travel(now + dt.timedelta(minutes=2), tick=False):
        assert tasks.idempotent_requests_prune.delay().get() == 1
    assert not IdempotentRequest.objects.exists()


def test_the_prune_job_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotent-requests-prune"]
    assert entry["task"] == tasks.idempotent_requests_prune.name
    schedule: Any = entry["schedule"]
    assert (schedule.hour, schedule.minute) == ({2}, {40})


def test_the_gate_wraps_drf_views_and_viewsets_and_nothing_else():
    from django.urls import resolve

    for path in ("/api/v1/bank/applications/1/actions", "/api/v1/batches/"):
        view = resolve(path).func
        gated = idempotency.gated_view(view)
        assert gated is not None
        assert issubclass(gated.cls, idempotency.IdempotentViewMixin)  # type: ignore[attr-defined]
        assert issubclass(gated.cls, view.cls)  # type: ignore[attr-defined]
        assert getattr(gated, "actions", None) == getattr(view, "actions", None)
        assert idempotency.gated_view(view) is gated
    assert idempotency.gated_view(resolve("/healthz").func) is None
