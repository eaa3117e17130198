"""Reads: each organization sees only its own objections; the open-objection flag."""

from __future__ import annotations

from tests.rights.conftest import PERIOD, file_objection
from xinyidai.consent.report import Objections
from xinyidai.rights import selectors
from xinyidai.rights.services import objection_transition
from xinyidai.sources.models import RECORD_MODELS


def _both(world):
    mine = file_objection(world)
    theirs = file_objection(
        world, user=world.p.bob, enterprise=world.p.enterprise_b, key=world.key_b
    )
    return mine, theirs


def test_each_enterprise_sees_only_its_own(world):
    mine, theirs = _both(world)
    assert list(selectors.objections_of_enterprise(world.p.enterprise_a)) == [mine]
    assert selectors.objection_for_enterprise(world.p.enterprise_a, mine.pk) == mine
    assert selectors.objection_for_enterprise(world.p.enterprise_a, theirs.pk) is None
    assert selectors.objection_for_enterprise(world.p.enterprise_b, mine.pk) is None


def test_a_provider_sees_only_objections_to_its_own_records(world):
    mine, theirs = _both(world)
    assert list(selectors.objections_for_provider(world.tax)) == [mine]
    assert list(selectors.objections_for_provider(world.other_tax)) == [theirs]
    assert selectors.objection_for_provider(world.tax, mine.pk) == mine
    assert selectors.objection_for_provider(world.tax, theirs.pk) is None
    assert selectors.objection_for_provider(world.other_tax, mine.pk) is None


def test_the_operator_sees_all(world):
    mine, theirs = _both(world)
    assert set(selectors.objections_for_operator()) == {mine, theirs}
    assert selectors.objection_for_operator(theirs.pk) == theirs


def test_the_provider_queue_is_one_query(world, django_assert_num_queries):
    _both(world)
    with django_assert_num_queries(1):
        rows = [
            (o.enterprise.name, o.source.name, o.provider.name, o.batch.pk)
            for o in selectors.objections_for_provider(world.tax)
        ]
    assert rows == [(world.p.enterprise_a.name, "纳税月度信息", "肇庆市税务局", world.batch_a.pk)]


def test_open_objection_keys_flag_the_record_until_it_is_closed(world):
    mine, _theirs = _both(world)
    a, b = world.p.enterprise_a.uscc, world.p.enterprise_b.uscc
    keys = selectors.open_objection_keys([a, b, "91441202000000999X"])
    assert keys == {a: {("tax_monthly", (a, PERIOD))}, b: {("tax_monthly", (b, PERIOD))}}
    record = RECORD_MODELS["tax_monthly"].objects.get(uscc=a, is_current=True)
    assert ("tax_monthly", selectors.record_key_tuple("tax_monthly", record)) in keys[a]
    assert selectors.record_key_tuple("tax_monthly", {"uscc": a, "period": record.period}) == (
        a,
        PERIOD,
    )
    objection_transition(
        objection=mine,
        action="withdraw",
        actor=world.p.alice,
        organization=mine.enterprise.organization,
    )
    assert selectors.open_objection_keys([a, b]) == {b: {("tax_monthly", (b, PERIOD))}}


def test_under_objection_entries_take_the_form_the_profile_and_report_read(world):
    _both(world)
    a = world.p.enterprise_a.uscc
    entries = selectors.under_objection_entries([a])
    assert entries == {a: [{"source": "tax_monthly", "period": "2026-01"}]}
    flagged = Objections(entries[a])
    assert flagged.month("tax_monthly", "2026-01")
    assert not flagged.month("tax_monthly", "2025-12")
