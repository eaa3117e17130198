"""Tests for the point-in-time feature builder (risk_models.features)."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from risk_models.catalogue import SOURCES_BY_CODE
from risk_models.features import (
    CATEGORICAL_FEATURES,
    FEATURE_DESCRIPTIONS,
    FEATURE_NAMES,
    FEATURE_SET_VERSION,
    build_features,
)
from risk_models.synth import SynthCity, synth_city

CITY_AS_OF = dt.date(2026, 11, 1)
MID_AS_OF = dt.date(2026, 3, 15)
MONTH_DAYS = 365.25 / 12


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return synth_city(300, seed=11, as_of=CITY_AS_OF)


@pytest.fixture(scope="module")
def city_features(city: SynthCity) -> pd.DataFrame:
    return build_features(city.sources, city.enterprises, CITY_AS_OF)


# --------------------------------------------------------------------------- shape


def test_shape_index_and_descriptions(city: SynthCity, city_features: pd.DataFrame) -> None:
    features = city_features
    assert isinstance(FEATURE_SET_VERSION, str)
    assert FEATURE_SET_VERSION == "2026.11.2"
    assert len(features) == len(city.enterprises)
    assert features.index.tolist() == city.enterprises["uscc"].tolist()
    assert features.index.name == "uscc"
    assert list(features.columns) == list(FEATURE_NAMES) == list(FEATURE_DESCRIPTIONS)
    assert all(dtype == np.float32 for dtype in features.dtypes)
    assert all(FEATURE_DESCRIPTIONS[name].strip() for name in features.columns)
    assert set(CATEGORICAL_FEATURES) <= set(features.columns)
    # Categorical codes are integers where present.
    for name in CATEGORICAL_FEATURES:
        codes = features[name].dropna()
        assert len(codes) > 0
        assert (codes == codes.round()).all()
    # Sources are all delivered: every coverage/availability flag is set somewhere.
    assert (features["tax_coverage_12m"] > 0).mean() > 0.8
    assert (features.filter(like="_available") == 1).all().all()


def test_enterprise_order_is_kept(city: SynthCity) -> None:
    shuffled = city.enterprises.sample(frac=1.0, random_state=3)
    features = build_features(city.sources, shuffled, CITY_AS_OF)
    assert features.index.tolist() == shuffled["uscc"].tolist()
    expected = build_features(city.sources, city.enterprises, CITY_AS_OF)
    pd.testing.assert_frame_equal(features, expected.loc[shuffled["uscc"]])


# --------------------------------------------------------------------------- leakage


def _after(values: pd.Series, as_of: dt.date) -> np.ndarray:
    return (pd.to_datetime(values) >= pd.Timestamp(as_of)).to_numpy(dtype=bool)


def _tamper(city: SynthCity, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Every record dated on or after as_of changed, and new records dated after it."""
    sources = {code: frame.copy() for code, frame in city.sources.items()}
    month_start = pd.Timestamp(as_of.year, as_of.month, 1)
    shift = pd.Timedelta(days=17)
    for code in ("tax_monthly", "social_insurance_monthly", "housing_fund_monthly"):
        frame = sources[code]
        late = (frame["period"] >= month_start).to_numpy()
        assert late.any()
        for column in SOURCES_BY_CODE[code].value_columns:
            frame.loc[late, column] = frame.loc[late, column] * 10 + 1
    utilities = sources["utilities_monthly"]
    late = (utilities["period"] >= month_start).to_numpy()
    for column in ("consumption", "amount_paid", "arrears_amount"):
        utilities.loc[late, column] = utilities.loc[late, column] * 10 + 1

    uscc = city.enterprises["uscc"].iloc[:60].to_numpy()
    penalties = sources["admin_penalty"]
    late = _after(penalties["decided_on"], as_of)
    assert late.any()
    penalties.loc[late, "decided_on"] = penalties.loc[late, "decided_on"] + shift
    penalties.loc[late, "severity"] = "serious"
    extra = penalties.iloc[: len(uscc)].copy()
    extra["uscc"] = uscc
    extra["decision_number"] = [f"X{i}" for i in range(len(uscc))]
    extra["decided_on"] = pd.Timestamp(as_of)
    extra["severity"] = "serious"
    sources["admin_penalty"] = pd.concat([penalties, extra], ignore_index=True)

    for code in ("dishonest_debtor", "abnormal_operation", "serious_dishonesty"):
        frame = sources[code]
        late = _after(frame["listed_on"], as_of)
        frame.loc[late, "listed_on"] = frame.loc[late, "listed_on"] + shift
        removed_late = _after(frame["removed_on"], as_of)
        frame.loc[removed_late, "removed_on"] = pd.NaT  # still listed at as_of either way
        extra = frame.iloc[np.zeros(len(uscc), dtype=int)].copy()
        extra["uscc"] = uscc
        extra["listed_on"] = pd.Timestamp(as_of) + pd.to_timedelta(np.arange(len(uscc)), "D")
        extra["removed_on"] = pd.NaT
        if "case_number" in extra:
            extra["case_number"] = [f"Y{i}" for i in range(len(uscc))]
        sources[code] = pd.concat([frame, extra], ignore_index=True)

    red = sources["red_list"]
    late = _after(red["awarded_on"], as_of)
    red.loc[late, "awarded_on"] = red.loc[late, "awarded_on"] + shift
    valid_late = _after(red["valid_until"], as_of)
    red.loc[valid_late, "valid_until"] = red.loc[valid_late, "valid_until"] + shift

    grades = sources["tax_credit_grade"]
    unpublished = (grades["year"] >= as_of.year - 1).to_numpy()  # published April of year + 1
    assert unpublished.any()
    grades.loc[unpublished, "grade"] = "D"

    registration = sources["registration"]
    late = _after(registration["changed_on"], as_of)
    extra = registration.drop_duplicates("uscc").copy()
    extra["changed_on"] = pd.Timestamp(as_of)
    extra["status"] = "revoked"
    extra["registered_capital"] = 1.0
    registration.loc[late, "registered_capital"] = 7.0
    sources["registration"] = pd.concat([registration, extra], ignore_index=True)
    return sources


def test_no_leakage_from_records_dated_on_or_after_as_of(city: SynthCity) -> None:
    before = build_features(city.sources, city.enterprises, MID_AS_OF)
    tampered = _tamper(city, MID_AS_OF)
    after = build_features(tampered, city.enterprises, MID_AS_OF)
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    # The tampering is not vacuous: at the city's own as_of the features change.
    late_before = build_features(city.sources, city.enterprises, CITY_AS_OF)
    late_after = build_features(tampered, city.enterprises, CITY_AS_OF)
    assert not late_before.equals(late_after)
    # And the mid-window features do see data: coverage is there.
    assert (before["tax_coverage_12m"] > 0).mean() > 0.5


def test_usable_month_changes_features(city: SynthCity) -> None:
    """The month before as_of's month is used; changing it changes the features."""
    sources = dict(city.sources)
    tax = sources["tax_monthly"].copy()
    last = (tax["period"] == pd.Timestamp(2026, 2, 1)).to_numpy()
    tax.loc[last, "vat_paid"] = tax.loc[last, "vat_paid"] + 1e6
    sources["tax_monthly"] = tax
    before = build_features(city.sources, city.enterprises, MID_AS_OF)
    after = build_features(sources, city.enterprises, MID_AS_OF)
    assert not np.allclose(before["tax_paid_mean_3m"], after["tax_paid_mean_3m"], equal_nan=True)


# --------------------------------------------------------------------------- exact values

AS_OF = dt.date(2026, 3, 15)  # last usable month: 2026-02


def _months(first: str, count: int) -> list[pd.Timestamp]:
    return list(pd.date_range(first, periods=count, freq="MS"))


def _enterprises() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["E_A", "E_B", "E_C"],
            "region_code": ["441202", "440103", "441284"],
            "industry_code": ["13", "52", "7010"],
            "employees": [10, 0, 300],
            "annual_revenue": [1_000_000.0, 0.0, 5e8],
            "total_assets": [2_000_000.0, 0.0, 1e9],
            "established_on": [dt.date(2016, 3, 15), dt.date(2025, 3, 15), dt.date(2000, 1, 1)],
        }
    )


def _tax_frame() -> pd.DataFrame:
    periods = _months("2024-03-01", 24)  # 2024-03 .. 2026-02
    # A: 100 a month in the first 12 months, 150 then, 300 in the last three.
    paid = [100.0] * 12 + [150.0] * 9 + [300.0] * 3
    arrears = [0.0] * 24
    arrears[15] = arrears[16] = 500.0  # 2025-06, 2025-07
    arrears[23] = 70.0  # 2026-02
    arrears[2] = 40.0  # 2024-05: in the 36 months, not in the 12
    a = pd.DataFrame(
        {
            "uscc": "E_A",
            "period": periods,
            "vat_paid": [p * 0.6 for p in paid],
            "cit_paid": [p * 0.3 for p in paid],
            "other_tax_paid": [p * 0.1 for p in paid],
            "declared_sales": [p * 10 for p in paid],
            "arrears_amount": arrears,
        }
    )
    # The current month (not ended at as_of) and a later one: ignored.
    a_late = a.iloc[:2].copy()
    a_late["period"] = [pd.Timestamp(2026, 3, 1), pd.Timestamp(2026, 4, 1)]
    a_late["vat_paid"] = 1e9
    a_late["arrears_amount"] = 1e9
    # B: 6 of the last 12 months (2025-09 .. 2026-02), 10 a month.
    b = pd.DataFrame(
        {
            "uscc": "E_B",
            "period": _months("2025-09-01", 6),
            "vat_paid": 10.0,
            "cit_paid": 0.0,
            "other_tax_paid": 0.0,
            "declared_sales": 100.0,
            "arrears_amount": 0.0,
        }
    )
    unknown = b.iloc[:1].assign(uscc="NOT_IN_REGISTRY")
    return pd.concat([a, a_late, b, unknown], ignore_index=True)


def _utilities_frame() -> pd.DataFrame:
    rows = []
    for period in _months("2025-03-01", 12):
        for utility in ("water", "electricity"):
            owed = 0.0
            if utility == "electricity" and period.month in (4, 5):
                owed = 10.0
            if utility == "water" and period.month in (5, 6):
                owed = 3.0
            rows.append(
                {
                    "uscc": "E_A",
                    "period": period,
                    "utility": utility,
                    "consumption": 100.0 if utility == "electricity" else 5.0,
                    "amount_paid": 50.0,
                    "arrears_amount": owed,
                }
            )
    return pd.DataFrame(rows)


def _ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text) if text else pd.NaT


def _hand_sources() -> dict[str, pd.DataFrame]:
    penalties = pd.DataFrame(
        {
            "uscc": ["E_A", "E_A", "E_A", "E_A", "E_C"],
            "decision_number": ["p1", "p2", "p3", "p4", "p5"],
            "decided_on": [
                _ts("2025-03-15"),  # serious, exactly 12 months before as_of: in the 12 months
                _ts("2023-01-01"),  # minor, more than 36 months before
                _ts("2026-03-15"),  # on as_of: not yet known
                _ts("2026-04-01"),  # after as_of
                _ts("2024-03-15"),  # major, C
            ],
            "severity": ["serious", "minor", "serious", "major", "major"],
            "amount": [1000.0, 50.0, 1e6, 1e6, np.nan],
            "authority": "x",
            "reason": "x",
            "fulfilled_on": pd.NaT,
        }
    )
    debtors = pd.DataFrame(
        {
            "uscc": ["E_A", "E_B", "E_C", "E_C"],
            "case_number": ["c1", "c2", "c3", "c4"],
            "listed_on": [
                _ts("2025-01-01"),
                _ts("2025-06-01"),
                _ts("2025-06-01"),
                _ts("2026-04-01"),
            ],
            "removed_on": [_ts("2026-01-01"), _ts("2026-03-15"), None, None],
            "court": "x",
            "amount_owed": [1.0, 2.0, 3.0, 1e9],
        }
    )
    grades = pd.DataFrame(
        {
            "uscc": ["E_A", "E_A", "E_A", "E_B", "E_C"],
            "year": [2023, 2024, 2025, 2024, 2025],
            "grade": ["B", "A", "D", "M", "A"],
        }
    )
    red = pd.DataFrame(
        {
            "uscc": ["E_A", "E_A", "E_B"],
            "honour_name": ["h1", "h2", "h3"],
            "awarded_on": [_ts("2025-01-01"), _ts("2024-01-01"), _ts("2026-03-20")],
            "valid_until": [_ts("2026-03-15"), _ts("2026-03-14"), _ts("2028-01-01")],
            "authority": "x",
        }
    )
    return {
        "tax_monthly": _tax_frame(),
        "utilities_monthly": _utilities_frame(),
        "housing_fund_monthly": pd.DataFrame(
            columns=["uscc", "period", "contributors", "amount_paid"]
        ),
        # social_insurance_monthly, abnormal_operation, serious_dishonesty: not delivered.
        "admin_penalty": penalties,
        "dishonest_debtor": debtors,
        "tax_credit_grade": grades,
        "red_list": red,
    }


@pytest.fixture(scope="module")
def hand() -> pd.DataFrame:
    return build_features(_hand_sources(), _enterprises(), AS_OF)


def test_monthly_levels_trends_and_growth(hand: pd.DataFrame) -> None:
    a = hand.loc["E_A"]
    assert a["tax_paid_mean_3m"] == pytest.approx(300.0)
    assert a["tax_paid_trend_3m"] == pytest.approx(1.0)  # 300 vs 150
    assert a["tax_paid_trend_6m"] == pytest.approx(0.5)  # 225 vs 150
    assert a["tax_paid_yoy_12m"] == pytest.approx(187.5 / 100 - 1)
    assert a["tax_paid_same_month_change"] == pytest.approx(2.0)  # 2026-02 vs 2025-02
    assert a["declared_sales_mean_3m"] == pytest.approx(3000.0)
    last12 = np.array([150.0] * 9 + [300.0] * 3)
    assert a["tax_paid_cv_12m"] == pytest.approx(last12.std() / last12.mean(), rel=1e-6)
    assert a["tax_coverage_12m"] == 1.0
    assert a["electricity_mean_3m"] == pytest.approx(100.0)
    assert a["water_mean_3m"] == pytest.approx(5.0)
    assert a["electricity_trend_3m"] == pytest.approx(0.0)
    assert np.isnan(a["electricity_yoy_12m"])  # only 12 months of utilities


def test_monthly_partial_and_absent_coverage(hand: pd.DataFrame) -> None:
    b, c = hand.loc["E_B"], hand.loc["E_C"]
    assert b["tax_coverage_12m"] == pytest.approx(0.5)
    assert b["tax_paid_trend_3m"] == pytest.approx(0.0)
    assert np.isnan(b["tax_paid_trend_6m"])  # no month in the previous six
    assert np.isnan(b["tax_paid_yoy_12m"])
    assert np.isnan(b["tax_paid_same_month_change"])
    assert b["tax_arrears_months_12m"] == 0.0
    assert c["tax_coverage_12m"] == 0.0
    assert np.isnan(c["tax_paid_mean_3m"])
    assert np.isnan(c["tax_arrears_months_12m"])
    assert np.isnan(c["tax_arrears_latest"])


def test_missing_and_empty_sources(hand: pd.DataFrame) -> None:
    for prefix in ("si", "hf"):
        assert (hand[f"{prefix}_coverage_12m"] == 0.0).all()
    assert hand["si_headcount_mean_3m"].isna().all()
    assert hand["si_arrears_months_max_12m"].isna().all()
    assert hand["hf_contributors_trend_3m"].isna().all()
    assert hand["abnormal_operation_listed"].isna().all()
    assert (hand["abnormal_operation_available"] == 0.0).all()
    assert (hand["serious_dishonesty_available"] == 0.0).all()
    assert (hand["dishonest_debtor_available"] == 1.0).all()
    # No registration source: status unknown.
    assert hand["registration_not_operating"].isna().all()


def test_arrears(hand: pd.DataFrame) -> None:
    a = hand.loc["E_A"]
    assert a["tax_arrears_months_12m"] == 3.0
    assert a["tax_arrears_latest"] == pytest.approx(70.0)
    assert a["utilities_arrears_months_12m"] == 3.0  # April, May, June 2025
    assert np.isnan(hand.loc["E_B", "utilities_arrears_months_12m"])  # no utility data


def test_long_window_and_relative_features(hand: pd.DataFrame) -> None:
    a, b, c = hand.loc["E_A"], hand.loc["E_B"], hand.loc["E_C"]
    assert a["tax_arrears_months_36m"] == 4.0
    assert b["tax_arrears_months_36m"] == 0.0
    assert np.isnan(c["tax_arrears_months_36m"])
    # Largest arrears 500 over 3450 / 24 months of tax paid.
    assert a["tax_arrears_max_to_tax_36m"] == pytest.approx(500.0 / (3450.0 / 24), rel=1e-6)
    assert a["utilities_arrears_months_36m"] == 3.0
    assert a["declared_sales_zero_months_36m"] == 0.0
    assert a["tax_paid_to_sales_12m"] == pytest.approx(0.1)
    assert a["cit_to_sales_36m"] == pytest.approx(0.03)
    assert b["cit_to_sales_36m"] == 0.0
    assert np.isnan(a["tax_paid_trend_36m"])  # nothing in 2023-03 .. 2024-02
    # Last 12 months 150 x 9, 300 x 3: slope 2025 / 143 a month, mean 187.5.
    assert a["tax_paid_slope_12m"] == pytest.approx(2025.0 / 143.0 / 187.5, rel=1e-6)
    # Levels 100 x 12, 150 x 9, 300 x 3: the most significant split is before the last three.
    step = np.log(300.0) - (12 * np.log(100.0) + 9 * np.log(150.0)) / 21
    assert a["tax_paid_step_36m"] == pytest.approx(step, rel=1e-6)
    assert b["tax_paid_step_36m"] == pytest.approx(0.0, abs=1e-6)  # 6 equal months: no shift
    assert a["electricity_slope_12m"] == 0.0
    assert a["electricity_per_employee_12m"] == pytest.approx(10.0)
    assert np.isnan(b["electricity_per_employee_12m"])
    assert np.isnan(a["si_headcount_to_employees"])  # no social insurance source
    assert a["tax_credit_grade_mean"] == pytest.approx(4.5)  # 2023 B, 2024 A
    assert np.isnan(b["tax_credit_grade_mean"])  # M only
    assert a["dishonest_debtor_count_36m"] == 1.0
    assert c["dishonest_debtor_count_36m"] == 1.0  # the case listed after as_of ignored
    assert np.isnan(a["abnormal_operation_count_36m"])  # not delivered
    later = build_features(_hand_sources(), _enterprises(), dt.date(2026, 5, 1))
    assert later.loc["E_A", "tax_credit_grade_mean"] == pytest.approx(10.0 / 3)


def test_three_year_trend_and_headcount_ratios() -> None:
    periods = _months("2023-03-01", 36)  # 2023-03 .. 2026-02, the whole window at AS_OF
    sales = [100.0] * 12 + [150.0] * 12 + [200.0] * 12
    tax = pd.DataFrame(
        {
            "uscc": "E_A",
            "period": periods,
            "vat_paid": 1.0,
            "cit_paid": 0.0,
            "other_tax_paid": 0.0,
            "declared_sales": sales,
            "arrears_amount": 0.0,
        }
    )
    si = pd.DataFrame(
        {
            "uscc": "E_C",
            "period": periods[-3:],
            "insured_headcount": [100, 150, 200],
            "amount_paid": 1.0,
            "arrears_months": [0, 2, 0],
        }
    )
    hf = pd.DataFrame(
        {"uscc": "E_C", "period": periods[-3:], "contributors": 30, "amount_paid": 1.0}
    )
    sources = {"tax_monthly": tax, "social_insurance_monthly": si, "housing_fund_monthly": hf}
    features = build_features(sources, _enterprises(), AS_OF)
    a, c = features.loc["E_A"], features.loc["E_C"]
    assert a["declared_sales_trend_36m"] == pytest.approx(1.0)  # 200 vs 100
    # Mean logs: the split after the first 12 months (weight sqrt(12 * 24 / 36)) beats the
    # one after 24 (same weight, smaller difference).
    step = (np.log(150.0) + np.log(200.0)) / 2 - np.log(100.0)
    assert a["declared_sales_step_36m"] == pytest.approx(step, rel=1e-6)
    assert c["si_headcount_to_employees"] == pytest.approx(150.0 / 300.0)
    assert c["hf_to_si_headcount"] == pytest.approx(30.0 / 150.0)
    assert c["si_arrears_months_max_36m"] == 2.0
    assert np.isnan(a["si_arrears_months_max_36m"])


def test_penalties(hand: pd.DataFrame) -> None:
    a, b, c = hand.loc["E_A"], hand.loc["E_B"], hand.loc["E_C"]
    assert a["penalty_serious_count_12m"] == 1.0
    assert a["penalty_serious_count_36m"] == 1.0
    assert a["months_since_penalty_serious"] == pytest.approx(365 / MONTH_DAYS)
    assert a["has_penalty_serious"] == 1.0
    assert a["has_penalty_major"] == 0.0
    assert np.isnan(a["months_since_penalty_major"])
    assert a["has_penalty_minor"] == 1.0
    assert a["penalty_minor_count_36m"] == 0.0
    assert a["penalty_amount_36m"] == pytest.approx(1000.0)
    assert b["has_penalty_serious"] == 0.0
    assert b["penalty_serious_count_36m"] == 0.0
    assert np.isnan(b["months_since_penalty_serious"])
    assert c["penalty_major_count_12m"] == 0.0
    assert c["penalty_major_count_36m"] == 1.0
    assert c["penalty_amount_36m"] == 0.0  # amount not given


def test_listings_grades_and_honours(hand: pd.DataFrame) -> None:
    a, b, c = hand.loc["E_A"], hand.loc["E_B"], hand.loc["E_C"]
    assert a["dishonest_debtor_listed"] == 0.0  # removed before as_of
    assert b["dishonest_debtor_listed"] == 1.0  # removed on as_of: still listed at as_of
    assert c["dishonest_debtor_listed"] == 1.0  # never removed
    assert c["dishonest_debtor_amount_owed"] == pytest.approx(3.0)  # the later case ignored
    assert a["has_dishonest_debtor"] == 1.0
    days = (AS_OF - dt.date(2025, 1, 1)).days
    assert a["months_since_dishonest_debtor"] == pytest.approx(days / MONTH_DAYS)
    assert a["tax_credit_grade"] == 5.0  # 2024 = A; 2025 (published April 2026) not yet
    assert b["tax_credit_grade"] == 3.0
    assert np.isnan(c["tax_credit_grade"])
    assert a["red_list_valid_count"] == 1.0
    assert b["red_list_valid_count"] == 0.0  # awarded after as_of


def test_grade_published_after_april(hand: pd.DataFrame) -> None:
    later = build_features(_hand_sources(), _enterprises(), dt.date(2026, 5, 1))
    assert later.loc["E_A", "tax_credit_grade"] == 1.0  # 2025 = D, published by 2026-04-30
    assert later.loc["E_C", "tax_credit_grade"] == 5.0


def test_registry_features(hand: pd.DataFrame) -> None:
    a, b, c = hand.loc["E_A"], hand.loc["E_B"], hand.loc["E_C"]
    assert a["age_years"] == pytest.approx((AS_OF - dt.date(2016, 3, 15)).days / 365.25)
    assert a["log_employees"] == pytest.approx(np.log1p(10))
    assert a["log_revenue"] == pytest.approx(np.log1p(1_000_000))
    assert b["log_employees"] == 0.0
    assert np.isnan(a["log_registered_capital"])  # neither column nor source
    assert a["region_city_code"] == 4412.0
    assert b["region_city_code"] == 4401.0
    assert a["industry_section"] == 3.0  # C
    assert b["industry_section"] == 6.0  # F
    assert c["industry_section"] == 11.0  # K
    assert a["industry_division"] == 13.0
    assert c["industry_division"] == 70.0
    assert a["sme_size_class"] == 1.0  # industry, fewer than 20 employees: micro
    assert c["sme_size_class"] == 3.0  # developer, revenue 5亿 < 20亿: medium


def test_registration_source_at_as_of() -> None:
    registration = pd.DataFrame(
        {
            "uscc": ["E_A", "E_A", "E_B"],
            "changed_on": [_ts("2016-03-15"), _ts("2026-04-01"), _ts("2025-03-15")],
            "name": "x",
            "status": ["operating", "revoked", "cancelled"],
            "registered_capital": [1000.0, 5000.0, 99.0],
            "established_on": _ts("2016-03-15"),
            "legal_rep_name": "x",
            "region_code": "441202",
            "industry_code": "13",
        }
    )
    enterprises = _enterprises().assign(registered_capital=[1.0, 2.0, 3.0])
    features = build_features({"registration": registration}, enterprises, AS_OF)
    assert features.loc["E_A", "log_registered_capital"] == pytest.approx(np.log1p(1000.0))
    assert features.loc["E_A", "registration_not_operating"] == 0.0
    assert features.loc["E_B", "registration_not_operating"] == 1.0
    assert features.loc["E_C", "log_registered_capital"] == pytest.approx(np.log1p(3.0))


def test_no_sources_at_all() -> None:
    features = build_features({}, _enterprises(), AS_OF)
    assert features.shape == (3, len(FEATURE_NAMES))
    assert (features.filter(like="coverage_12m") == 0.0).all().all()
    assert (features.filter(like="_available") == 0.0).all().all()
    assert features["tax_paid_mean_3m"].isna().all()
    assert features["age_years"].notna().all()


# --------------------------------------------------------------------------- signal


def test_signal_has_the_expected_sign() -> None:
    city = synth_city(2000, seed=5, as_of=CITY_AS_OF)
    started = time.perf_counter()
    features = build_features(city.sources, city.enterprises, CITY_AS_OF)
    print(f"build_features, 2000 enterprises: {time.perf_counter() - started:.3f} s")
    truth = city.truth.set_index("uscc")["default_probability"].reindex(features.index)

    def rank_correlation(name: str) -> float:
        return float(features[name].corr(truth, method="spearman"))

    assert rank_correlation("dishonest_debtor_listed") > 0.05
    assert rank_correlation("abnormal_operation_listed") > 0.05
    assert rank_correlation("tax_arrears_months_12m") > 0.0
    assert rank_correlation("tax_credit_grade") < -0.1
    assert rank_correlation("tax_paid_yoy_12m") < 0.0
    assert rank_correlation("si_headcount_yoy_12m") < 0.0
