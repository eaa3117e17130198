"""Profiles built from the record tables: triggers, chunks, versions, content."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from risk_models.catalogue import Dtype
from risk_models.features import FEATURE_NAMES, build_features
from tests.profiles.conftest import AS_OF, CITY_SIZE, deliver_file, register
from xinyidai.accounts.services import data_provider_create
from xinyidai.profiles import reading, services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.registry.models import Enterprise


def test_every_registered_enterprise_gets_a_scored_profile(credit_model, delivered):
    current = LendingProfile.objects.filter(is_current=True)
    assert current.count() == CITY_SIZE
    profile = current.select_related("scoring_model").first()
    assert profile.scoring_model == credit_model
    assert 0 < profile.probability < 1
    assert profile.grade in {"A", "B", "C", "D", "E"}
    assert len(profile.features) == len(FEATURE_NAMES)
    assert profile.as_of == AS_OF


def test_the_first_delivery_of_a_source_rebuilds_everyone_then_batches_what_they_touch(
    credit_model, city, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    register(city.enterprises)
    tax = data_provider_create(name="测试税务局", kind="tax", region_code="441200").organization
    frame = city.sources["tax_monthly"]
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver_file(
            tax, "tax_monthly", frame[frame["period"] < frame["period"].max()], tmp_path
        )
    rebuild = ProfileRebuild.objects.get(batch_id=first.pk)
    assert (rebuild.scope, rebuild.status, rebuild.versions_created) == ("all", "done", CITY_SIZE)

    last_month = frame[frame["period"] == frame["period"].max()]
    with django_capture_on_commit_callbacks(execute=True):
        second = deliver_file(tax, "tax_monthly", last_month.iloc[:5], tmp_path / "x")
    rebuild = ProfileRebuild.objects.get(batch_id=second.pk)
    assert (rebuild.scope, rebuild.enterprises_total, rebuild.chunks_total) == ("batch", 5, 1)
    assert rebuild.versions_created == 5
    assert LendingProfile.objects.filter(rebuild=rebuild).count() == 5

    # The same file again changes no record and starts no rebuild.
    with django_capture_on_commit_callbacks(execute=True):
        again = deliver_file(tax, "tax_monthly", last_month.iloc[:5], tmp_path / "y")
    assert (again.rows_new, again.rows_corrected) == (0, 0)
    assert not ProfileRebuild.objects.filter(batch_id=again.pk).exists()


def test_the_grade_follows_the_configured_bands(credit_model, delivered):
    bands = [("A", 0.01), ("B", 0.03), ("C", 0.07), ("D", 0.15), ("E", None)]
    for profile in LendingProfile.objects.filter(is_current=True):
        p = float(profile.probability)
        expected = next(name for name, bound in bands if bound is None or p < bound)
        assert profile.grade == expected


def test_a_full_rebuild_in_many_chunks_changes_nothing(credit_model, delivered, settings):
    settings.PROFILE_CHUNK_SIZE = 7
    before = dict(
        LendingProfile.objects.filter(is_current=True).values_list("pk", "content_sha256")
    )

    rebuild = services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )

    assert (rebuild.status, rebuild.chunks_total, rebuild.chunks_done) == ("done", 6, 6)
    assert rebuild.enterprises_done == CITY_SIZE
    assert rebuild.versions_created == 0  # chunked fusion gives the same profiles
    after = dict(LendingProfile.objects.filter(is_current=True).values_list("pk", "content_sha256"))
    assert after == before


def test_the_profile_features_are_those_of_the_whole_city(credit_model, delivered):
    city = delivered.city
    expected = build_features(
        {k: v for k, v in city.sources.items() if k != "housing_fund_monthly"},
        city.enterprises,
        AS_OF,
    )
    stored = pd.DataFrame(
        [
            [np.nan if v is None else v for v in vector]
            for vector in LendingProfile.objects.filter(is_current=True)
            .order_by("enterprise__uscc")
            .values_list("features", flat=True)
        ],
        columns=FEATURE_NAMES,
        index=sorted(expected.index),
    )
    np.testing.assert_allclose(
        stored.to_numpy(),
        expected.loc[stored.index].to_numpy(dtype=np.float64),
        rtol=1e-5,
        atol=1e-6,  # stored with six decimals
    )


def test_a_correction_adds_a_version_for_that_enterprise_only(
    credit_model, delivered, tmp_path, django_capture_on_commit_callbacks
):
    city = delivered.city
    tax = city.sources["tax_monthly"]
    last = tax["period"].max()
    row = tax[tax["period"] == last].iloc[[0]].copy()
    uscc = row["uscc"].iloc[0]
    row["arrears_amount"] = 987654.32
    before = set(
        LendingProfile.objects.filter(enterprise__uscc=uscc).values_list("version", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = deliver_file(delivered.providers["tax"], "tax_monthly", row, tmp_path)
    assert batch.rows_corrected == 1

    rebuild = ProfileRebuild.objects.get(batch_id=batch.pk)
    assert (rebuild.status, rebuild.enterprises_total, rebuild.versions_created) == ("done", 1, 1)
    enterprise = Enterprise.objects.get(uscc=uscc)
    after = dict(
        LendingProfile.objects.filter(enterprise=enterprise).values_list("version", "is_current")
    )
    assert len(after) == len(before) + 1
    assert after[max(after)] is True  # the new version is current
    assert {v: False for v in before} == {v: c for v, c in after.items() if v in before}
    others = LendingProfile.objects.exclude(enterprise=enterprise)
    assert others.filter(rebuild=rebuild).count() == 0
    current = LendingProfile.objects.get(enterprise=enterprise, is_current=True)
    assert current.sources["tax_monthly"]["series"]["arrears_amount"][-1] == 987654.32


def test_the_profile_charts_the_delivered_figures(credit_model, delivered):
    tax = delivered.city.sources["tax_monthly"]
    last = tax[tax["period"] == tax["period"].max()].iloc[0]
    profile = LendingProfile.objects.get(enterprise__uscc=last["uscc"], is_current=True)
    entry = profile.sources["tax_monthly"]
    assert entry["latest_period"] == f"{last['period']:%Y-%m}"
    paid = last["vat_paid"] + last["cit_paid"] + last["other_tax_paid"]
    assert entry["series"]["tax_paid"][-1] == pytest.approx(round(paid, 2), abs=0.01)
    assert len(entry["series"]["tax_paid"]) == 36
    assert profile.registration["months"][-1] == "2026-10"


def test_a_source_never_delivered_is_shown_missing_not_guessed(credit_model, delivered):
    profile = LendingProfile.objects.filter(is_current=True).first()
    housing = profile.sources["housing_fund_monthly"]
    assert (housing["delivered"], housing["missing"]) == (False, True)
    assert (
        "住房公积金缴存信息" in profile.missing_sources
        or housing["name"] in profile.missing_sources
    )
    index = FEATURE_NAMES.index("hf_contributors_mean_3m")
    assert profile.features[index] is None  # not imputed
    assert profile.features[FEATURE_NAMES.index("hf_coverage_12m")] == 0.0


def test_public_credit_events_and_list_flags_come_from_the_records(credit_model, delivered):
    penalties = delivered.city.sources["admin_penalty"]
    penalties = penalties[penalties["decided_on"] < pd.Timestamp(AS_OF)]
    uscc = penalties["uscc"].iloc[0]
    expected = set(penalties.loc[penalties["uscc"] == uscc, "decision_number"])
    profile = LendingProfile.objects.get(enterprise__uscc=uscc, is_current=True)
    found = {e["key"]["decision_number"] for e in profile.events if e["source"] == "admin_penalty"}
    assert found == expected
    assert profile.sources["admin_penalty"]["records"] == len(expected)
    assert set(profile.flags) == {
        "dishonest_debtor",
        "abnormal_operation",
        "serious_dishonesty",
        "red_list",
    }


def test_reasons_are_chinese_sentences_with_the_enterprise_figures(credit_model, delivered):
    profiles = LendingProfile.objects.filter(is_current=True).exclude(reasons=[])
    assert profiles.exists()
    for profile in profiles:
        assert 1 <= len(profile.reasons) <= 3
        for reason in profile.reasons:
            assert reason["contribution"] > 0
            assert any("\u4e00" <= ch <= "\u9fff" for ch in reason["text"])
    digits = [r["text"] for p in profiles for r in p.reasons if any(c.isdigit() for c in r["text"])]
    assert digits, "some reasons cite the enterprise's own figures"


def test_without_an_active_model_a_profile_has_no_score(delivered):
    profile = LendingProfile.objects.filter(is_current=True).first()
    assert (profile.probability, profile.grade, profile.reasons) == (None, "", [])


def test_reading_is_set_based_whatever_the_chunk_size(
    credit_model, delivered, django_assert_max_num_queries
):
    usccs = sorted(Enterprise.objects.values_list("uscc", flat=True))
    with django_assert_max_num_queries(25):
        services.profiles_build_chunk(
            chunk=reading.Chunk(usccs=tuple(usccs[:3])), as_of=AS_OF, trigger="request"
        )
    with django_assert_max_num_queries(25):
        services.profiles_build_chunk(
            chunk=reading.Chunk(low=usccs[0], high=usccs[-1]), as_of=AS_OF, trigger="request"
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_copy_reads_the_same_frames_as_plain_queries(delivered):
    usccs = tuple(sorted(Enterprise.objects.values_list("uscc", flat=True))[:15])
    chunk = reading.Chunk(usccs=usccs)
    since = reading.first_month(AS_OF)
    for code, spec in reading.SOURCE_SPECS.items():
        if code == "housing_fund_monthly":
            continue
        copied = reading._read_copy(spec, chunk, since)
        plain = reading._read_orm(spec, chunk, since)
        keys = list(spec.key)
        pd.testing.assert_frame_equal(
            copied.sort_values(keys).reset_index(drop=True),
            plain.sort_values(keys).reset_index(drop=True),
            check_dtype=False,
        )
        assert len(copied) > 0 or code in {"dishonest_debtor", "serious_dishonesty"}


def test_amounts_are_read_back_in_yuan_as_delivered(delivered):
    """Record tables hold whole fen; the frames the features see hold the delivered yuan."""
    usccs = tuple(sorted(Enterprise.objects.values_list("uscc", flat=True)))
    frames = reading.source_frames(reading.Chunk(usccs=usccs), AS_OF)
    checked = 0
    for code, frame in frames.items():
        spec = reading.SOURCE_SPECS[code]
        money = [c.name for c in spec.columns if c.dtype is Dtype.MONEY]
        if not money or frame.empty:
            continue
        keys = list(spec.key)
        sent = delivered.city.sources[code].copy()
        for key in keys:
            if pd.api.types.is_datetime64_any_dtype(frame[key]):
                sent[key] = pd.to_datetime(sent[key]).astype(frame[key].dtype)
        both = frame.merge(sent, on=keys, suffixes=("", "_sent"))
        assert len(both) == len(frame), code
        for column in money:
            np.testing.assert_allclose(
                both[column].to_numpy(dtype=float),
                both[f"{column}_sent"].round(2).to_numpy(dtype=float),
                rtol=0,
                atol=1e-6,
                err_msg=f"{code}.{column}",
            )
            checked += 1
    assert checked >= 8  # tax (5), social insurance, utilities (2), penalties, registration


def test_an_unchanged_rebuild_adds_no_version(credit_model, delivered):
    enterprise = Enterprise.objects.first()
    before = LendingProfile.objects.filter(enterprise=enterprise).count()
    result = services.profile_rebuild_now(enterprise=enterprise)
    assert result.created == 0
    assert LendingProfile.objects.filter(enterprise=enterprise).count() == before
    assert not math.isnan(float(LendingProfile.objects.get(enterprise=enterprise).probability))
