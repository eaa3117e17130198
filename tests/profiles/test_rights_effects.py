"""What the rights processes change in the profile (``rights.effects``), on the synthetic city
delivered through real ingestion and scored by a real model: a repaired penalty stops counting
(the probability returns to what it was without it) and counts again once restored; negative
records past their retention period stop counting; the platform's list decisions set the flags
and the features; a breached commitment is a public-credit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from risk_models.features import FEATURE_NAMES
from tests.factories import UserFactory
from tests.financing.conftest import make_product
from xinyidai.accounts.models import Role
from xinyidai.accounts.services import membership_grant
from xinyidai.financing import selectors
from xinyidai.profiles import reading, services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.registry.models import Enterprise
from xinyidai.rights.effects import chunk_effects, effects_daily, profile_refresh, usccs_changing_on
from xinyidai.rights.models import (
    Commitment,
    CommitmentTemplate,
    ListEntry,
    RepairApplication,
)
from xinyidai.rights.models.lists import ListKind
from xinyidai.rights.services_lists import list_designate
from xinyidai.sources.models import Batch, Source

from .conftest import AS_OF, deliver_file

pytestmark = pytest.mark.django_db


def feature(profile: LendingProfile, name: str) -> float | None:
    return profile.features[FEATURE_NAMES.index(name)]


def current(uscc: str) -> LendingProfile:
    return LendingProfile.objects.get(enterprise__uscc=uscc, is_current=True)


def rebuild(*usccs: str) -> None:
    services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.RIGHTS,
        usccs=list(usccs),
        here=True,
    )


def clean_enterprise(delivered) -> str:
    """An enterprise of the city without any penalty or listing."""
    sources = delivered.city.sources
    marked = set(sources["admin_penalty"]["uscc"]) | set(sources["serious_dishonesty"]["uscc"])
    marked |= set(sources["dishonest_debtor"]["uscc"]) | set(sources["abnormal_operation"]["uscc"])
    return sorted(set(delivered.city.enterprises["uscc"]) - marked)[0]


def penalty(uscc: str, number: str, decided: str, *, fulfilled: str | None, severity="serious"):
    return pd.DataFrame(
        {
            "uscc": [uscc],
            "decision_number": [number],
            "decided_on": [pd.Timestamp(decided)],
            "severity": [severity],
            "amount": [200000.0],
            "authority": ["肇庆市市场监督管理局"],
            "reason": ["未按规定公示年度报告"],
            "fulfilled_on": [pd.Timestamp(fulfilled) if fulfilled else pd.NaT],
        }
    )


def deliver_penalty(delivered, tmp_path, frame: pd.DataFrame) -> Batch:
    with services.rebuilds_deferred():
        return deliver_file(
            delivered.providers["credit_centre"], "admin_penalty", frame, tmp_path / "p"
        )


def approve_repair(uscc: str, number: str, batch: Batch) -> RepairApplication:
    """An approved repair as the repair process leaves it (its own tests drive the steps)."""
    enterprise = Enterprise.objects.get(uscc=uscc)
    return RepairApplication.objects.create(
        enterprise=enterprise,
        source=Source.objects.get(code="admin_penalty"),
        record_key={"decision_number": number},
        batch=batch,
        severity="serious",
        decided_on=dt.date(2024, 3, 1),
        authority="肇庆市市场监督管理局",
        statement="已整改",
        state=RepairApplication.State.APPROVED,
        filed_at=timezone.now(),
        due_on=AS_OF,
        repaired_on=AS_OF - dt.timedelta(days=1),
        watch_until=AS_OF + dt.timedelta(days=365),
    )


def test_a_repaired_penalty_no_longer_changes_the_probability_of_default(
    credit_model, delivered, tmp_path
):
    uscc = clean_enterprise(delivered)
    before = current(uscc)
    assert before.probability is not None

    batch = deliver_penalty(
        delivered,
        tmp_path,
        penalty(uscc, "肇市监罚〔2024〕88号", "2024-03-01", fulfilled="2024-04-01"),
    )
    rebuild(uscc)
    penalized = current(uscc)
    assert penalized.probability > before.probability  # a serious penalty raises it
    assert any(e["key"] == {"decision_number": "肇市监罚〔2024〕88号"} for e in penalized.events)

    repair = approve_repair(uscc, "肇市监罚〔2024〕88号", batch)
    rebuild(uscc)
    repaired = current(uscc)
    assert repaired.probability == before.probability
    assert repaired.grade == before.grade
    assert repaired.features == before.features
    assert not [e for e in repaired.events if e["source"] == "admin_penalty"]
    assert repaired.sources["admin_penalty"]["records"] == 0
    # The record itself stays, current, in the record table (history for audit).
    model = Source.objects.get(code="admin_penalty").record_model
    assert model.objects.filter(uscc=uscc, is_current=True).count() == 1

    # Breaking the repair commitment restores the record's effect.
    repair.state = RepairApplication.State.RESTORED
    repair.save(update_fields=["state"])
    rebuild(uscc)
    assert current(uscc).probability == penalized.probability


def test_a_repair_of_another_enterprise_or_another_record_changes_nothing(
    credit_model, delivered, tmp_path
):
    uscc = clean_enterprise(delivered)
    batch = deliver_penalty(
        delivered,
        tmp_path,
        penalty(uscc, "肇市监罚〔2024〕90号", "2024-03-01", fulfilled="2024-04-01"),
    )
    rebuild(uscc)
    penalized = current(uscc)
    approve_repair(uscc, "肇市监罚〔2024〕99号", batch)  # not this enterprise's record
    rebuild(uscc)
    assert current(uscc).version == penalized.version


def test_a_negative_record_past_its_retention_no_longer_counts(
    credit_model, delivered, tmp_path, settings
):
    uscc = clean_enterprise(delivered)
    before = current(uscc)
    # Fulfilled six years ago: past the default five years, it counts for nothing.
    deliver_penalty(
        delivered, tmp_path, penalty(uscc, "旧罚〔2020〕1号", "2020-06-01", fulfilled="2020-07-01")
    )
    rebuild(uscc)
    old = current(uscc)
    assert old.version == before.version  # nothing to show, nothing scored
    assert old.features == before.features

    # Four years ago: within five years it counts; with a three-year retention it does not.
    deliver_penalty(
        delivered, tmp_path, penalty(uscc, "旧罚〔2022〕2号", "2022-09-01", fulfilled="2022-10-01")
    )
    rebuild(uscc)
    counted = current(uscc)
    assert [
        e["key"]["decision_number"] for e in counted.events if e["source"] == "admin_penalty"
    ] == ["旧罚〔2022〕2号"]
    assert counted.features != before.features
    settings.NEGATIVE_RECORD_RETENTION_YEARS = {
        **settings.NEGATIVE_RECORD_RETENTION_YEARS,
        "admin_penalty": 3,
    }
    rebuild(uscc)
    assert current(uscc).features == before.features


def test_an_unfulfilled_penalty_counts_from_its_decision(delivered):
    frame = penalty("91441200MA0000000X", "罚1", "2019-01-01", fulfilled=None)
    effects = chunk_effects({"admin_penalty": frame}, ["91441200MA0000000X"], AS_OF)
    assert effects.frames["admin_penalty"].empty
    assert effects.removed == {"retention:admin_penalty": 1}


def test_a_listing_never_removed_stays_whatever_its_age(delivered):
    frame = pd.DataFrame(
        {
            "uscc": ["91441200MA0000000X", "91441200MA0000000X"],
            "case_number": ["(2015)粤执1号", "(2016)粤执2号"],
            "listed_on": pd.to_datetime(["2015-01-01", "2016-01-01"]),
            "removed_on": pd.to_datetime([None, "2017-01-01"]),
            "court": ["肇庆市中级人民法院"] * 2,
            "amount_owed": [1000.0, 2000.0],
        }
    )
    effects = chunk_effects({"dishonest_debtor": frame}, ["91441200MA0000000X"], AS_OF)
    assert effects.frames["dishonest_debtor"]["case_number"].tolist() == ["(2015)粤执1号"]


def _designate(uscc: str, kind: str, **extra) -> ListEntry:
    enterprise = Enterprise.objects.get(uscc=uscc)
    values = {
        "kind": kind,
        "origin": ListEntry.Origin.OPERATOR,
        "uscc": uscc,
        "name": enterprise.name,
        "basis": "《关于对失信主体实施联合惩戒的合作备忘录》",
        "document_number": "肇信用〔2026〕3号",
        "authority": "肇庆市发展和改革局",
        "listed_on": dt.date(2026, 6, 1),
        "expires_on": dt.date(2029, 6, 1),
        **extra,
    }
    return ListEntry.objects.create(**values)


def test_the_platform_designations_set_the_flags_and_the_features(credit_model, delivered):
    uscc = clean_enterprise(delivered)
    before = current(uscc)
    assert before.flags["serious_dishonesty"] is False
    assert "key_attention" not in before.flags  # set only by the platform, shown only when set

    _designate(uscc, ListKind.KEY_ATTENTION)
    rebuild(uscc)
    watched = current(uscc)
    assert watched.flags["key_attention"] is True
    assert watched.features == before.features  # the key-attention list is not a model input

    entry = _designate(
        uscc, ListKind.SERIOUS_DISHONESTY, list_name="拖欠农民工工资失信联合惩戒对象"
    )
    rebuild(uscc)
    listed = current(uscc)
    assert listed.flags["serious_dishonesty"] is True
    assert feature(listed, "serious_dishonesty_listed") == 1  # the model sees it too
    event = next(e for e in listed.events if e["source"] == "serious_dishonesty")
    assert event["in_force"] is True
    assert "肇信用〔2026〕3号" in event["details"]["认定依据"]

    # Exit approved: no longer listed, in the flag and in the features.
    entry.state, entry.ended_on = ListEntry.State.EXITED, dt.date(2026, 10, 1)
    entry.save()
    rebuild(uscc)
    exited = current(uscc)
    assert exited.flags["serious_dishonesty"] is False
    assert (
        next(e for e in exited.events if e["source"] == "serious_dishonesty")["in_force"] is False
    )


def test_a_provider_listing_ended_on_the_platform_is_no_longer_in_force(
    credit_model, delivered, tmp_path
):
    uscc = clean_enterprise(delivered)
    listing = pd.DataFrame(
        {
            "uscc": [uscc],
            "list_name": ["违法失信上市公司"],
            "listed_on": [pd.Timestamp("2026-05-06")],
            "removed_on": [pd.NaT],
            "authority": ["肇庆市发展和改革局"],
            "reason": ["虚假申报"],
        }
    )
    with services.rebuilds_deferred():
        deliver_file(
            delivered.providers["credit_centre"], "serious_dishonesty", listing, tmp_path / "s"
        )
    rebuild(uscc)
    assert current(uscc).flags["serious_dishonesty"] is True
    assert feature(current(uscc), "serious_dishonesty_listed") == 1
    # The delivery mirrored the record into the list (rights.services_lists); the platform
    # then ends it (an exit approved).
    ListEntry.objects.update_or_create(
        source=Source.objects.get(code="serious_dishonesty"),
        # jsonb keeps no key order: the effects read the key in the catalogue's order
        record_key={"listed_on": "2026-05-06", "uscc": uscc, "list_name": "违法失信上市公司"},
        defaults={
            "kind": ListKind.SERIOUS_DISHONESTY,
            "origin": ListEntry.Origin.PROVIDER,
            "uscc": uscc,
            "name": "x",
            "list_name": "违法失信上市公司",
            "basis": "虚假申报",
            "authority": "肇庆市发展和改革局",
            "listed_on": dt.date(2026, 5, 6),
            "state": ListEntry.State.EXITED,
            "ended_on": dt.date(2026, 9, 30),
        },
    )
    rebuild(uscc)
    profile = current(uscc)
    assert profile.flags["serious_dishonesty"] is False
    assert feature(profile, "serious_dishonesty_listed") == 0
    event = next(e for e in profile.events if e["source"] == "serious_dishonesty")
    assert (event["in_force"], event["details"]["移出日期"]) == (False, "2026-09-30")


def test_a_breached_commitment_is_a_public_credit_event(delivered, settings):
    uscc = clean_enterprise(delivered)
    enterprise = Enterprise.objects.get(uscc=uscc)
    before = current(uscc)
    template = CommitmentTemplate.objects.get(code="public", version=1)
    commitment = Commitment.objects.create(
        template=template,
        kind=template.kind,
        enterprise=enterprise,
        subject="食品经营诚信承诺",
        text="……",
        signer_name="张三",
        signed_at=timezone.now() - dt.timedelta(days=200),
        digest="0" * 64,
        state=Commitment.State.BREACHED,
        breached_on=dt.date(2026, 8, 3),
        breach_authority="肇庆市市场监督管理局",
        breach_document_number="肇市监〔2026〕12号",
        breach_note="销售过期食品",
    )
    rebuild(uscc)
    profile = current(uscc)
    assert profile.version == before.version + 1
    event = next(e for e in profile.events if e["source"] == "credit_commitment")
    assert (event["source"], event["source_name"], event["date"]) == (
        "credit_commitment",
        "信用承诺违约",
        "2026-08-03",
    )
    assert event["details"]["违约情形"] == "销售过期食品"
    assert event["key"] == {"commitment": commitment.pk}

    settings.NEGATIVE_RECORD_RETENTION_YEARS = {
        **settings.NEGATIVE_RECORD_RETENTION_YEARS,
        "commitment_breach": 0,  # 0: no retention limit
    }
    commitment.breached_on = dt.date(2019, 1, 1)
    commitment.save()
    rebuild(uscc)
    breach = [e for e in current(uscc).events if e["source"] == "credit_commitment"]
    assert [e["date"] for e in breach] == ["2019-01-01"]
    settings.NEGATIVE_RECORD_RETENTION_YEARS = {
        **settings.NEGATIVE_RECORD_RETENTION_YEARS,
        "commitment_breach": 5,
    }
    rebuild(uscc)
    assert not [e for e in current(uscc).events if e["source"] == "credit_commitment"]


def test_profile_refresh_rebuilds_registered_enterprises_once_committed(
    delivered, django_capture_on_commit_callbacks
):
    uscc = clean_enterprise(delivered)
    operator = UserFactory(username="refresher")
    membership_grant(
        user=operator,
        organization=delivered.operator.memberships.first().organization,
        role=Role.PLATFORM_OPERATOR,
    )
    with django_capture_on_commit_callbacks(execute=True):
        profile_refresh([uscc, "91440000000000000X"], actor=operator)
    rebuild_row = ProfileRebuild.objects.latest("pk")
    assert rebuild_row.trigger == LendingProfile.Trigger.RIGHTS
    assert (rebuild_row.status, rebuild_row.enterprises_total) == ("done", 1)
    assert rebuild_row.requested_by == operator


def test_the_effects_cost_three_queries_per_chunk(delivered, django_assert_num_queries):
    usccs = sorted(Enterprise.objects.values_list("uscc", flat=True))
    frames = reading.source_frames(reading.Chunk(usccs=tuple(usccs)), AS_OF)
    with django_assert_num_queries(3):  # repairs, list entries, breached commitments
        chunk_effects(frames, usccs, AS_OF)


def test_the_calendar_rebuilds_the_profiles_whose_records_leave_today(
    credit_model, delivered, tmp_path, django_capture_on_commit_callbacks
):
    uscc = clean_enterprise(delivered)
    # Fulfilled on 2021-11-19: yesterday (2026-11-19) it was within five years, today it is not.
    deliver_penalty(
        delivered, tmp_path, penalty(uscc, "界罚〔2021〕1号", "2021-10-01", fulfilled="2021-11-19")
    )
    services.profiles_build_chunk(
        chunk=reading.Chunk(usccs=(uscc,)), as_of=AS_OF - dt.timedelta(days=1), trigger="request"
    )
    assert [e["source"] for e in current(uscc).events].count("admin_penalty") == 1
    assert uscc in usccs_changing_on(AS_OF)
    assert uscc not in usccs_changing_on(AS_OF + dt.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = effects_daily(AS_OF)
    assert result["enterprises"] >= 1
    profile = current(uscc)
    assert profile.as_of == AS_OF
    assert "admin_penalty" not in [e["source"] for e in profile.events]


def test_a_designation_is_rebuilt_the_day_after_it_starts_and_after_it_ends(delivered):
    uscc = clean_enterprise(delivered)
    _designate(
        uscc,
        ListKind.KEY_ATTENTION,
        listed_on=AS_OF - dt.timedelta(days=1),
        expires_on=AS_OF + dt.timedelta(days=9),
    )
    assert uscc in usccs_changing_on(AS_OF)
    assert uscc not in usccs_changing_on(AS_OF + dt.timedelta(days=5))
    assert uscc in usccs_changing_on(AS_OF + dt.timedelta(days=10))


def _rule_for(product, facts) -> str | None:
    """The rule the product fails for these facts (None: eligible)."""
    from xinyidai.financing import flags
    from xinyidai.financing.matching import NeedTerms

    terms = NeedTerms(
        amount=Decimal("800000"),
        term_months=12,
        max_rate=Decimal("6.00"),
        guarantee_mask=flags.mask(flags.Guarantee, ["credit"]),
        scenario_mask=flags.mask(flags.Scenario, ["tax_credit"]),
    )
    matches = selectors.matches_for(facts, terms)
    for shown, match in matches.ineligible:
        if shown.pk == product.pk:
            return f"{match.failed_rule}: {match.failure}"
    assert any(shown.pk == product.pk for shown, _match in matches.eligible)
    return None


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (ListKind.KEY_ATTENTION, "被列入重点关注名单的企业不能申请该产品"),
        (ListKind.SERIOUS_DISHONESTY, "被列入严重失信主体名单的企业不能申请该产品"),
    ],
)
def test_a_listed_enterprise_is_excluded_from_a_product_that_excludes_its_list(
    credit_model, delivered, personas, django_capture_on_commit_callbacks, kind, words
):
    uscc = clean_enterprise(delivered)
    enterprise = Enterprise.objects.get(uscc=uscc)
    product = make_product(
        personas.bank,
        personas.officer,
        name="诚信经营贷",
        excluded_flags=["key_attention", "serious_dishonesty"],
    )
    other = make_product(personas.other_bank, personas.other_officer, name="普惠经营贷")
    before = selectors.enterprise_facts(enterprise)
    assert not str(_rule_for(product, before) or "").startswith("lists")

    with django_capture_on_commit_callbacks(execute=True):
        list_designate(
            user=delivered.operator,
            kind=kind,
            uscc=uscc,
            basis="《肇庆市严重失信主体名单管理办法》第八条",
            document_number="肇信用〔2026〕21号",
            authority="肇庆市发展和改革局",
            listed_on=AS_OF,
        )
    after = selectors.enterprise_facts(enterprise)
    assert _rule_for(product, after) == f"lists: {words}"
    assert _rule_for(other, after) == _rule_for(other, before)  # a product without the exclusion
