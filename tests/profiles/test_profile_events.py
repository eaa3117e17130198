"""``profile.updated``: when a rebuild changes enterprises' profiles, each bank holding an active
grant of one of them hears of it once per enterprise, and the whole rebuild records its events in
a fixed number of queries, whatever the number of enterprises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinyidai.accounts.models import Bank
from xinyidai.accounts.services import bank_create
from xinyidai.consent.models import Authorization, ConsentText
from xinyidai.core.models import OutboxEvent
from xinyidai.core.signals import event_recorded
from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.registry.models import Enterprise

from .conftest import CITY_SIZE


class Aborted(Exception):
    """The task failed after the write (the transaction rolls back)."""


def in_failed_transaction(change: Callable[[], None]) -> None:
    with transaction.atomic():
        change()
        raise Aborted


@pytest.fixture
def banks(db) -> tuple[Bank, Bank]:
    return (
        bank_create(
            name="测试银行一",
            short_name="一行",
            licence_number="B0001",
            head_office_region="441202",
        ),
        bank_create(
            name="测试银行二",
            short_name="二行",
            licence_number="B0002",
            head_office_region="441202",
        ),
    )


def _grant(enterprise: Enterprise, bank: Bank, **values: object) -> Authorization:
    now = timezone.now()
    fields: dict[str, object] = {
        "enterprise": enterprise,
        "bank": bank,
        "purpose": "pre_loan",
        "scopes": ["tax"],
        "valid_from": now - dt.timedelta(days=1),
        "expires_at": now + dt.timedelta(days=90),
        "status": Authorization.Status.ACTIVE,
        "consent_text": ConsentText.objects.filter(purpose=values.get("purpose", "pre_loan"))
        .order_by("-version")
        .first(),
    }
    fields.update(values)
    return Authorization.objects.create(**fields)


def _changed_rebuild() -> ProfileRebuild:
    """A full rebuild that gives every enterprise a new profile version."""
    LendingProfile.objects.update(content_sha256="0" * 64)
    return services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )


def test_each_bank_with_an_active_grant_hears_once_per_enterprise(delivered, banks):
    bank, other = banks
    first, second, third, paused, lapsed, *_rest = Enterprise.objects.order_by("uscc")
    pre = _grant(first, bank)
    post = _grant(first, bank, purpose="post_loan")
    _grant(first, other)
    _grant(second, other)
    _grant(third, bank, status=Authorization.Status.REVOKED)
    _grant(paused, bank, status=Authorization.Status.PAUSED)
    _grant(lapsed, bank, expires_at=timezone.now() - dt.timedelta(seconds=1))

    _changed_rebuild()

    events = OutboxEvent.objects.filter(kind="profile.updated")
    assert sorted((e.organization_id, e.payload["enterprise"]) for e in events) == sorted(
        [(bank.pk, first.uscc), (other.pk, first.uscc), (other.pk, second.uscc)]
    )
    event = events.get(organization_id=bank.pk)
    profile = LendingProfile.objects.get(enterprise=first, is_current=True)
    assert event.payload == {
        "enterprise": first.uscc,
        "authorizations": [pre.pk, post.pk],
        "as_of": timezone.localtime(profile.built_at).isoformat(),
    }
    assert dt.datetime.fromisoformat(event.payload["as_of"]) == profile.built_at


def test_an_unchanged_rebuild_tells_nobody(delivered, banks):
    _grant(Enterprise.objects.order_by("uscc").first(), banks[0])
    services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )
    assert not OutboxEvent.objects.exists()


def test_a_rebuild_of_the_whole_city_records_its_events_in_a_fixed_number_of_queries(
    delivered, banks, django_capture_on_commit_callbacks, settings
):
    settings.PROFILE_CHUNK_SIZE = CITY_SIZE  # one chunk: one write of every profile
    bank, other = banks
    enterprises = list(Enterprise.objects.all())
    for enterprise in enterprises:
        _grant(enterprise, bank)
        _grant(enterprise, other)
    woken: list[dict[str, object]] = []

    def listener(sender: object, **kwargs: object) -> None:
        woken.append(kwargs)

    event_recorded.connect(listener)
    try:
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(transaction.get_connection()) as queries,
        ):
            _changed_rebuild()
    finally:
        event_recorded.disconnect(listener)

    assert OutboxEvent.objects.filter(kind="profile.updated").count() == 2 * CITY_SIZE
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in sql if '"consent_authorization"' in s]) == 1
    assert len([s for s in sql if s.startswith('INSERT INTO "core_outboxevent"')]) == 1
    assert len(woken) == 1  # one wake-up of the webhooks for the whole batch
    assert len(woken[0]["events"]) == 2 * CITY_SIZE  # type: ignore[arg-type]


def test_a_rolled_back_rebuild_records_nothing(delivered, banks):
    _grant(Enterprise.objects.order_by("uscc").first(), banks[0])

    def rebuild() -> None:
        _changed_rebuild()
        assert OutboxEvent.objects.count() == 1

    with pytest.raises(Aborted):
        in_failed_transaction(rebuild)
    assert not OutboxEvent.objects.exists()
