"""Tests for the synthetic city (risk_models.synth) and department files (risk_models.files)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import openpyxl
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from risk_models.catalogue import SOURCES, SOURCES_BY_CODE, Dtype
from risk_models.files import write_city, write_source_file
from risk_models.synth import (
    MONTHLY_SOURCES,
    SynthCity,
    synth_city,
    synth_enterprises,
    synth_monthly_source,
)

AS_OF = dt.date(2026, 11, 15)
SEED = 10


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return synth_city(5000, seed=SEED, as_of=AS_OF)


@pytest.fixture(scope="module")
def small_city() -> SynthCity:
    return synth_city(300, seed=7, as_of=AS_OF)


def _auc(score: npt.ArrayLike, label: npt.ArrayLike) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula; ties get average ranks."""
    positive = np.asarray(label, dtype=bool)
    ranks = pd.Series(np.asarray(score, dtype=float)).rank().to_numpy()
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _expected_months() -> list[pd.Timestamp]:
    return list(pd.date_range("2023-11-01", "2026-10-01", freq="MS"))


# --------------------------------------------------------------------------- shape


def test_every_source_has_exactly_the_catalogue_columns(city: SynthCity) -> None:
    assert list(city.sources) == [source.code for source in SOURCES]
    for source in SOURCES:
        frame = city.sources[source.code]
        assert list(frame.columns) == [column.name for column in source.columns], source.code
        assert len(frame) > 0, source.code


def test_natural_keys_are_unique(city: SynthCity) -> None:
    for source in SOURCES:
        frame = city.sources[source.code]
        assert not frame.duplicated(list(source.key)).any(), source.code
        assert frame[list(source.key)].notna().all().all(), source.code


def test_usccs_are_valid_and_known(city: SynthCity) -> None:
    known = set(city.enterprises["uscc"])
    assert len(known) == len(city.enterprises)
    for code, frame in city.sources.items():
        assert set(frame["uscc"]) <= known, code
        sample = frame["uscc"].sample(min(len(frame), 200), random_state=0)
        assert all(uscc.is_valid(value) for value in sample), code
    assert set(city.truth["uscc"]) == known
    assert set(city.loans["uscc"]) <= known


def test_choices_are_codes_and_required_values_present(city: SynthCity) -> None:
    for source in SOURCES:
        frame = city.sources[source.code]
        for column in source.columns:
            values = frame[column.name]
            if column.required:
                assert values.notna().all(), (source.code, column.name)
            if column.dtype == Dtype.CHOICE:
                assert set(values) <= {code for code, _ in column.choices}, column.name
            if column.max_length is not None:
                assert values.dropna().str.len().max() <= column.max_length, column.name


def test_money_is_yuan_with_fen_and_nothing_negative(city: SynthCity) -> None:
    for source in SOURCES:
        frame = city.sources[source.code]
        for column in source.columns:
            if column.dtype not in (Dtype.MONEY, Dtype.QUANTITY, Dtype.INTEGER):
                continue
            values = frame[column.name].dropna().to_numpy(dtype=float)
            assert (values >= 0).all(), (source.code, column.name)
            decimals = 2 if column.dtype == Dtype.MONEY else 3
            scaled = values * 10**decimals
            assert np.allclose(scaled, np.round(scaled), atol=1e-4), (source.code, column.name)
    assert (city.loans["amount"] > 0).all()


# --------------------------------------------------------------------------- time


def test_nothing_is_dated_after_as_of(city: SynthCity) -> None:
    limit = pd.Timestamp(AS_OF)
    for source in SOURCES:
        frame = city.sources[source.code]
        for column in source.columns:
            if column.dtype in (Dtype.DATE, Dtype.MONTH) and column.not_future:
                assert (frame[column.name].dropna() <= limit).all(), (source.code, column.name)
    for column in ("loan_date", "defaulted_on"):
        assert (city.loans[column].dropna() <= limit).all()
    # Only expiry dates may lie ahead.
    future = {
        (source.code, column.name)
        for source in SOURCES
        for column in source.columns
        if column.dtype == Dtype.DATE
        and (city.sources[source.code][column.name].dropna() > limit).any()
    }
    assert future <= {("admin_licence", "valid_until"), ("red_list", "valid_until")}


def test_monthly_sources_cover_the_window_on_month_starts(city: SynthCity) -> None:
    expected = _expected_months()
    assert [pd.Timestamp(day) for day in city.periods] == expected
    for code in MONTHLY_SOURCES:
        period = city.sources[code]["period"]
        assert (period.dt.day == 1).all(), code
        assert sorted(period.unique()) == expected, code


def test_firms_miss_months_start_late_and_stop(city: SynthCity) -> None:
    tax = city.sources["tax_monthly"]
    established = pd.to_datetime(city.enterprises.set_index("uscc")["established_on"])
    first = tax.groupby("uscc")["period"].min()
    last = tax.groupby("uscc")["period"].max()
    counts = tax.groupby("uscc").size()
    # New firms start with the month they were established in, never before.
    assert (first >= established[first.index].dt.to_period("M").dt.start_time).all()
    late_starters = first > pd.Timestamp("2023-11-01")
    assert late_starters.sum() > 100
    # Old firms that deliver up to the end still miss a month now and then.
    old = established[counts.index] < pd.Timestamp("2023-10-01")
    complete_span = (
        old & (first == pd.Timestamp("2023-11-01")) & (last == pd.Timestamp("2026-10-01"))
    )
    assert (counts[complete_span] < 36).sum() > 20
    # A few stop reporting before the end.
    assert 5 < (old & (last < pd.Timestamp("2026-07-01"))).sum() < 0.1 * len(counts)


def test_tax_credit_grades_are_published_years_only(city: SynthCity) -> None:
    grades = city.sources["tax_credit_grade"]
    assert sorted(grades["year"].unique()) == [2024, 2025]
    early = synth_city(150, seed=3, as_of=dt.date(2026, 3, 15))
    # 2023 is not whole in 2023-03..2026-02 and 2025 is published only in April 2026.
    assert sorted(early.sources["tax_credit_grade"]["year"].unique()) == [2024]
    shares = grades["grade"].value_counts(normalize=True)
    assert shares["B"] > 0.4
    assert 0.05 < shares["A"] < 0.25
    assert shares["D"] < 0.08


def test_registration_rows(city: SynthCity) -> None:
    registration = city.sources["registration"]
    enterprises = city.enterprises.set_index("uscc")
    first = registration.groupby("uscc").head(1).set_index("uscc")
    assert len(first) == len(enterprises)
    established = pd.to_datetime(enterprises["established_on"])
    assert (first["changed_on"] == established[first.index]).all()
    assert (first["status"] == "operating").all()
    assert (registration["status"] == "operating").mean() > 0.95
    changes = registration[registration.duplicated("uscc", keep=False)]
    assert len(changes) > 0
    latest = registration.groupby("uscc").tail(1).set_index("uscc")
    capital = enterprises["registered_capital"]
    assert (latest["registered_capital"] == capital[latest.index]).all()


# --------------------------------------------------------------------------- plausibility


def test_spring_festival_dip_in_vat(city: SynthCity) -> None:
    tax = city.sources["tax_monthly"]
    by_month = tax.groupby(tax["period"].dt.month)["vat_paid"].mean()
    assert by_month[[1, 2]].mean() < by_month.mean()
    assert by_month[[1, 2]].max() < by_month[[3, 4, 5, 6, 9, 10, 11, 12]].min()


def test_magnitudes(city: SynthCity) -> None:
    tax = city.sources["tax_monthly"]
    vat_share = tax["vat_paid"].sum() / tax["declared_sales"].sum()
    assert 0.005 < vat_share < 0.06
    insurance = city.sources["social_insurance_monthly"]
    last = insurance[insurance["period"] == insurance["period"].max()]
    employees = city.enterprises.set_index("uscc")["employees"]
    ratio = last["insured_headcount"].to_numpy() / employees[last["uscc"]].to_numpy()
    assert (ratio <= 1.2 + 1e-9).all()
    assert 0.4 < np.median(ratio) < 1.0
    utilities = city.sources["utilities_monthly"]
    kinds = utilities.groupby("uscc")["utility"].nunique()
    assert {2, 3} <= set(kinds)  # water and electricity; not every firm has gas
    assert 0.1 < (kinds == 3).mean() < 0.7


def test_default_probability_is_calibrated_and_is_the_ceiling(city: SynthCity) -> None:
    truth = city.truth
    assert list(truth.columns) == ["uscc", "health", "default_probability"]
    assert 0.02 < truth["default_probability"].mean() < 0.08
    loans = city.loans
    assert list(loans.columns) == [
        "uscc",
        "loan_date",
        "amount",
        "term_months",
        "defaulted",
        "default_probability",
        "defaulted_on",
    ]
    assert len(loans) > 1000
    assert 0.01 < loans["defaulted"].mean() < 0.1
    assert loans["defaulted_on"].notna().equals(loans["defaulted"])
    joined = loans.merge(truth, on="uscc", suffixes=("_at_loan", ""))
    assert _auc(joined["default_probability"], joined["defaulted"]) > 0.7
    assert _auc(loans["default_probability"], loans["defaulted"]) > 0.7
    # Health is the latent factor: the healthier, the safer.
    assert np.corrcoef(truth["health"], truth["default_probability"])[0, 1] < -0.5


def test_public_credit_follows_health(city: SynthCity) -> None:
    probability = city.truth.set_index("uscc")["default_probability"]

    def mean_pd(code: str) -> tuple[float, float]:
        listed = probability.index.isin(city.sources[code]["uscc"])
        return probability[listed].mean(), probability[~listed].mean()

    for code in ("dishonest_debtor", "abnormal_operation", "serious_dishonesty", "admin_penalty"):
        listed, others = mean_pd(code)
        assert listed > 1.5 * others, code
    honoured, others = mean_pd("red_list")
    assert honoured < others
    grades = city.sources["tax_credit_grade"]
    latest = grades[grades["year"] == 2025].set_index("uscc")["grade"]
    by_grade = probability[latest.index].groupby(latest).mean()
    assert by_grade["A"] < by_grade["B"] < by_grade["C"] < by_grade["D"]
    penalties = city.sources["admin_penalty"].merge(city.truth, on="uscc")
    by_severity = penalties.groupby("severity")["default_probability"].mean()
    assert by_severity["minor"] < by_severity["serious"]


def test_identifiers_look_like_documents(city: SynthCity) -> None:
    penalties = city.sources["admin_penalty"]["decision_number"]
    assert penalties.str.fullmatch(r"肇\w+罚〔20\d\d〕\d+号").all()
    cases = city.sources["dishonest_debtor"]["case_number"]
    assert cases.str.fullmatch(r"（20\d\d）粤12(\d\d)?执\d+号").all()
    licences = city.sources["admin_licence"]["decision_number"]
    assert licences.str.fullmatch(r"肇\w+许〔20\d\d〕\d+号").all()


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_city_other_seed_other_city() -> None:
    first = synth_city(250, seed=11, as_of=AS_OF, months=13)
    second = synth_city(250, seed=11, as_of=AS_OF, months=13)
    pd.testing.assert_frame_equal(first.enterprises, second.enterprises)
    pd.testing.assert_frame_equal(first.truth, second.truth)
    pd.testing.assert_frame_equal(first.loans, second.loans)
    for code, frame in first.sources.items():
        pd.testing.assert_frame_equal(frame, second.sources[code])
    other = synth_city(250, seed=12, as_of=AS_OF, months=13)
    assert not other.truth["uscc"].equals(first.truth["uscc"])


def test_monthly_source_alone_equals_the_city(small_city: SynthCity) -> None:
    periods = [dt.date(2024, 2, 1), dt.date(2026, 10, 1)]
    for code in MONTHLY_SOURCES:
        alone = synth_monthly_source(code, small_city.enterprises, periods, seed=7, as_of=AS_OF)
        rows = small_city.sources[code]
        expected = rows[rows["period"].isin(pd.to_datetime(periods))].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, expected)


def test_monthly_source_refuses_bad_requests(small_city: SynthCity) -> None:
    with pytest.raises(ValueError, match="monthly"):
        synth_monthly_source("red_list", small_city.enterprises, [dt.date(2026, 1, 1)])
    with pytest.raises(ValueError, match="before as_of"):
        synth_monthly_source(
            "tax_monthly", small_city.enterprises, [dt.date(2026, 11, 1)], as_of=AS_OF
        )


def test_synth_enterprises_is_unchanged_and_valid() -> None:
    frame = synth_enterprises(3000, seed=1)
    # The values of the first, loop-based generator (same seed, same draws).
    assert frame["uscc"].iloc[0] == "914412235370682327"
    assert frame["name"].iloc[1] == "肇庆鼎星商务咨询有限公司"
    assert frame["legal_rep_name"].iloc[2] == "吴志婷"
    assert frame["legal_rep_id_number"].iloc[3] == "441402198801051320"
    assert frame["uscc"].is_unique
    assert frame["name"].is_unique
    assert frame["uscc"].map(uscc.is_valid).all()
    assert frame["legal_rep_id_number"].map(ric.is_valid).all()
    assert isinstance(frame["established_on"].iloc[0], dt.date)
    assert len(synth_enterprises(0)) == 0


# --------------------------------------------------------------------------- files


def test_csv_in_gb18030_round_trips(small_city: SynthCity, tmp_path: Path) -> None:
    for code in ("tax_monthly", "admin_penalty", "dishonest_debtor"):
        frame = small_city.sources[code]
        path = write_source_file(frame, code, tmp_path / f"{code}.csv", encoding="gb18030")
        read = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
        source = SOURCES_BY_CODE[code]
        assert list(read.columns) == [column.label for column in source.columns]
        assert len(read) == len(frame)
        assert read["统一社会信用代码"].tolist() == frame["uscc"].tolist()
    tax = pd.read_csv(tmp_path / "tax_monthly.csv", encoding="gb18030", dtype=str)
    assert tax["所属期"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert tax["申报销售收入"].str.fullmatch(r"\d+(\.\d{1,2})?").all()
    penalties = pd.read_csv(
        tmp_path / "admin_penalty.csv", encoding="gb18030", dtype=str, keep_default_na=False
    )
    assert penalties["处罚决定日期"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(penalties["严重程度"]) <= {"minor", "major", "serious"}
    assert (penalties["履行完毕日期"] == "").any()  # missing optional values are empty
    money = pd.to_numeric(penalties["罚没金额"].replace("", np.nan))
    expected = small_city.sources["admin_penalty"]["amount"]
    np.testing.assert_allclose(money.to_numpy(), expected.to_numpy())


def test_xlsx_and_jsonl_are_readable(small_city: SynthCity, tmp_path: Path) -> None:
    frame = small_city.sources["admin_penalty"]
    path = write_source_file(frame, "admin_penalty", tmp_path / "p.xlsx", fmt="xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(book.worksheets) == 1
    assert rows[0][:3] == ("统一社会信用代码", "处罚决定文书号", "处罚决定日期")
    assert len(rows) == len(frame) + 1
    assert rows[1][0] == frame["uscc"].iloc[0]
    assert rows[1][2] == frame["decided_on"].iloc[0].strftime("%Y-%m-%d")

    debtors = small_city.sources["dishonest_debtor"]
    path = write_source_file(
        debtors, "dishonest_debtor", tmp_path / "d.jsonl", fmt="jsonl", headers="code"
    )
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(debtors)
    assert list(records[0]) == [
        column.name for column in SOURCES_BY_CODE["dishonest_debtor"].columns
    ]
    assert any(record["removed_on"] is None for record in records)
    assert records[0]["case_number"] == debtors["case_number"].iloc[0]

    utilities = small_city.sources["utilities_monthly"].head(50)
    path = write_source_file(utilities, "utilities_monthly", tmp_path / "u.jsonl", fmt="jsonl")
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["所属期"] == utilities["period"].iloc[0].strftime("%Y-%m")
    assert first["缴费金额"] == utilities["amount_paid"].iloc[0]


def test_write_city_writes_one_file_per_source(small_city: SynthCity, tmp_path: Path) -> None:
    paths = write_city(small_city, tmp_path / "out", encoding="utf-8-sig", headers="code")
    assert set(paths) == {source.code for source in SOURCES}
    for code, path in paths.items():
        assert path.name == f"{code}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        read = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        assert len(read) == len(small_city.sources[code])
        assert list(read.columns) == list(small_city.sources[code].columns)


def test_writer_refuses_bad_arguments(small_city: SynthCity, tmp_path: Path) -> None:
    frame = small_city.sources["tax_monthly"]
    with pytest.raises(ValueError, match="unknown source"):
        write_source_file(frame, "nope", tmp_path / "x.csv")
    with pytest.raises(ValueError, match="fmt"):
        write_source_file(frame, "tax_monthly", tmp_path / "x.parquet", fmt="parquet")
    with pytest.raises(ValueError, match="encoding"):
        write_source_file(frame, "tax_monthly", tmp_path / "x.csv", encoding="latin-1")
    with pytest.raises(ValueError, match="lacks columns"):
        write_source_file(frame.drop(columns="vat_paid"), "tax_monthly", tmp_path / "x.csv")
