"""The access log: the database refuses changes; the chain shows what a superuser changed."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from xinyidai.consent import access_log
from xinyidai.consent.models import AccessLogEntry

from .conftest import fetch, grant


@pytest.fixture
def entries(personas, profile):
    grant(personas)
    for _ in range(4):
        fetch(personas)
    return list(AccessLogEntry.objects.order_by("id"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consent_accesslogentry SET outcome = 'refused' WHERE id = 2",
        "DELETE FROM consent_accesslogentry WHERE id = 2",
    ],
)
def test_raw_sql_cannot_change_or_remove_an_entry(entries, sql):
    with (
        pytest.raises(DatabaseError, match="access log is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AccessLogEntry.objects.get(pk=2).outcome == "allowed"


def test_the_orm_cannot_either(entries):
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=3).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=3).delete()


def test_an_intact_log_verifies(entries, capsys):
    assert access_log.verify() == (4, None)
    call_command("verify_access_log")
    assert "access log intact: 4 entries" in capsys.readouterr().out


def _bypass(sql: str) -> None:
    """What a superuser can do: switch triggers off for the session (replica role)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_an_altered_entry_is_named(entries):
    _bypass("UPDATE consent_accesslogentry SET username = 'someone_else' WHERE id = 3")
    checked, problem = access_log.verify()
    assert (checked, problem.entry_id) == (2, 3)
    assert problem.reason == "its content does not match its hash"
    with pytest.raises(CommandError, match="access log broken at entry 3"):
        call_command("verify_access_log")


def test_a_removed_entry_is_named(entries):
    _bypass("DELETE FROM consent_accesslogentry WHERE id = 2")
    checked, problem = access_log.verify()
    assert (checked, problem.entry_id) == (1, 2)
    assert problem.reason == "missing (the next entry present is 3)"


def test_a_removed_last_entry_is_named(entries):
    _bypass("DELETE FROM consent_accesslogentry WHERE id = 4")
    checked, problem = access_log.verify()
    assert checked == 3
    assert problem.entry_id == 4


def test_swapped_entries_are_named(entries):
    second, third = entries[1], entries[2]
    swap = (
        "UPDATE consent_accesslogentry SET entry_hash = 'x' || id WHERE id IN (2, 3);"
        "UPDATE consent_accesslogentry SET previous_hash = '{0}', entry_hash = '{1}' WHERE id = 2;"
        "UPDATE consent_accesslogentry SET previous_hash = '{2}', entry_hash = '{3}' WHERE id = 3;"
    )
    _bypass(
        swap.format(third.previous_hash, third.entry_hash, second.previous_hash, second.entry_hash)
    )
    checked, problem = access_log.verify()
    assert (checked, problem.entry_id) == (1, 2)
    assert problem.reason == "does not follow the entry before it"


def test_every_entry_carries_the_hash_of_the_one_before(entries):
    assert entries[0].previous_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.entry_hash
    assert [e.pk for e in entries] == [1, 2, 3, 4]
