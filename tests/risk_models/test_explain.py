"""Tests for the Chinese reasons behind a score (risk_models.explain)."""

from __future__ import annotations

import dataclasses
import math
import re

import lightgbm
import numpy as np
import pandas as pd
import pytest

from risk_models.explain import Reason, reason_text, reasons
from risk_models.features import CATEGORICAL_FEATURES, FEATURE_NAMES, build_features
from risk_models.synth import synth_city

CJK = re.compile(r"[\u4e00-\u9fff]")
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 8,
    "min_data_in_leaf": 10,
    "num_threads": 1,
    "deterministic": True,
    "force_col_wise": True,
    "seed": 13,
    "verbose": -1,
}


def _train(features: pd.DataFrame, labels: np.ndarray, **extra: object) -> lightgbm.Booster:
    data = lightgbm.Dataset(features, label=labels, **extra)  # type: ignore[arg-type]
    return lightgbm.train(PARAMS, data, num_boost_round=30)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    city = synth_city(1500, seed=7)
    return build_features(city.sources, city.enterprises, city.as_of)


@pytest.fixture(scope="module")
def labels(features: pd.DataFrame) -> np.ndarray:
    city = synth_city(1500, seed=7)
    truth = city.truth.set_index("uscc").loc[features.index, "default_probability"]
    drawn = np.random.default_rng(1).random(len(truth)) < truth.to_numpy()
    return drawn.astype(np.int64)


@pytest.fixture(scope="module")
def booster(features: pd.DataFrame, labels: np.ndarray) -> lightgbm.Booster:
    return _train(features, labels, categorical_feature=list(CATEGORICAL_FEATURES))


@pytest.fixture(scope="module")
def toy() -> tuple[lightgbm.Booster, pd.DataFrame]:
    """A model whose risk is driven by known features, with an all-positive row to explain."""
    rng = np.random.default_rng(21)
    n = 3000
    dishonest = (rng.random(n) < 0.15).astype(float)
    yoy = rng.normal(0.0, 0.3, n)
    hf = np.where(rng.random(n) < 0.5, np.nan, rng.normal(0.0, 0.2, n))
    grade = rng.integers(1, 6, n).astype(float)
    logit = -2.5 + 3.0 * dishonest - 5.0 * yoy + 2.0 * np.isnan(hf) + 1.5 * (grade <= 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    frame = pd.DataFrame(
        {
            "dishonest_debtor_listed": dishonest,
            "tax_paid_yoy_12m": yoy,
            "hf_contributors_trend_3m": hf,
            "tax_credit_grade": grade,
        }
    ).astype(np.float32)
    model = _train(frame, y)
    row = pd.DataFrame(
        {
            "dishonest_debtor_listed": [1.0],
            "tax_paid_yoy_12m": [-0.35],
            "hf_contributors_trend_3m": [np.nan],
            "tax_credit_grade": [2.0],
        },
        index=pd.Index(["91440000TEST00001X"], name="uscc"),
    ).astype(np.float32)
    return model, row


def _plain(result: list[list[Reason]]) -> list[list[tuple[str, float, str]]]:
    """Reasons without their values (NaN != NaN would spoil comparisons)."""
    return [[(r.feature, round(r.contribution, 12), r.text) for r in row] for row in result]


# --------------------------------------------------------------------------- reasons


def test_reasons_are_positive_sorted_and_at_most_top(
    booster: lightgbm.Booster, features: pd.DataFrame
) -> None:
    contrib = np.asarray(booster.predict(features, pred_contrib=True))
    column = {name: i for i, name in enumerate(features.columns)}
    for top in (1, 3, 5):
        result = reasons(booster, features, top=top)
        assert len(result) == len(features)
        assert sum(bool(row) for row in result) > 0.9 * len(features)  # most rows have some
        for i, row in enumerate(result):
            assert len(row) <= top
            given = [reason.contribution for reason in row]
            assert all(c > 0 for c in given)
            assert given == sorted(given, reverse=True)
            assert len({reason.feature for reason in row}) == len(row)
            assert len({reason.text for reason in row}) == len(row)  # no sentence repeated
            for reason in row:
                assert isinstance(reason, Reason)
                j = column[reason.feature]
                assert reason.contribution == pytest.approx(contrib[i, j])
                actual = float(features.iat[i, j])
                assert (math.isnan(reason.value) and math.isnan(actual)) or (reason.value == actual)
                assert CJK.search(reason.text)
                assert reason.text == reason_text(reason.feature, reason.value)
            # The strongest positive contribution always comes first.
            best = int(np.argmax(contrib[i, :-1]))
            if contrib[i, best] > 0:
                assert row[0].feature == features.columns[best]
            else:
                assert row == []


def test_reason_is_frozen() -> None:
    reason = Reason("tax_credit_grade", 0.3, 2.0, "纳税信用等级为C级")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.text = "x"  # type: ignore[misc]


def test_contributions_and_bias_sum_to_the_raw_score(
    booster: lightgbm.Booster, features: pd.DataFrame
) -> None:
    contrib = np.asarray(booster.predict(features, pred_contrib=True))
    assert contrib.shape == (len(features), len(FEATURE_NAMES) + 1)
    raw = np.asarray(booster.predict(features, raw_score=True))
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-6, atol=1e-6)
    # ... and the raw score is the log-odds of the predicted probability.
    prob = np.asarray(booster.predict(features))
    np.testing.assert_allclose(1 / (1 + np.exp(-raw)), prob, rtol=1e-9)


def test_texts_cite_the_enterprises_own_figures(
    toy: tuple[lightgbm.Booster, pd.DataFrame],
) -> None:
    model, row = toy
    (found,) = reasons(model, row, top=4)
    texts = {reason.feature: reason.text for reason in found}
    assert set(texts) == set(row.columns)  # all four raise this enterprise's risk
    assert texts["dishonest_debtor_listed"] == "被列为失信被执行人"
    assert texts["tax_paid_yoy_12m"] == "近12个月纳税额同比下降35%"
    assert texts["hf_contributors_trend_3m"] == "缺少住房公积金缴存数据"
    assert texts["tax_credit_grade"] == "纳税信用等级为C级"
    assert math.isnan(next(r.value for r in found if r.feature == "hf_contributors_trend_3m"))
    assert len(reasons(model, row)[0]) == 3  # default top


def test_missing_housing_fund_on_a_real_model(
    booster: lightgbm.Booster, features: pd.DataFrame
) -> None:
    # Enterprises with housing-fund data, turned into ones without: where a housing-fund
    # feature now raises the risk, the reason says the data are missing.
    hf_columns = [name for name in features.columns if name.startswith("hf_contributors_")]
    with_fund = features[features["hf_coverage_12m"] > 0].head(50).copy()
    with_fund[hf_columns] = np.nan
    with_fund["hf_coverage_12m"] = np.float32(0.0)
    result = reasons(booster, with_fund, top=len(FEATURE_NAMES))
    hf_reasons = [r for row in result for r in row if r.feature in hf_columns]
    assert hf_reasons, "the model should penalise missing housing-fund data somewhere"
    assert all(r.text == "缺少住房公积金缴存数据" for r in hf_reasons)
    coverage = [r for row in result for r in row if r.feature == "hf_coverage_12m"]
    assert all(r.text == "近12个月没有住房公积金缴存数据" for r in coverage)


def test_dishonest_flag_on_a_real_model(booster: lightgbm.Booster, features: pd.DataFrame) -> None:
    rows = features.head(200).copy()
    rows["dishonest_debtor_listed"] = np.float32(1.0)
    for row in reasons(booster, rows, top=len(FEATURE_NAMES)):
        for reason in row:
            if reason.feature == "dishonest_debtor_listed":
                assert reason.text == "被列为失信被执行人"


def test_columns_are_aligned_by_name(booster: lightgbm.Booster, features: pd.DataFrame) -> None:
    sample = features.head(20)
    shuffled = sample[list(reversed(sample.columns))].assign(extra=1.0)
    assert _plain(reasons(booster, shuffled)) == _plain(reasons(booster, sample))
    with pytest.raises(ValueError, match="lack"):
        reasons(booster, sample.drop(columns=["tax_credit_grade", "age_years"]))
    assert reasons(booster, sample.iloc[:0]) == []
    with pytest.raises(ValueError, match="top"):
        reasons(booster, sample, top=0)


def test_custom_descriptions_are_used_for_unknown_features() -> None:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"mystery_score": rng.normal(size=500), "noise": rng.normal(size=500)})
    y = (frame["mystery_score"] + 0.3 * rng.normal(size=500) > 0.8).astype(np.int64)
    model = _train(frame, y.to_numpy())
    row = pd.DataFrame({"mystery_score": [2.5], "noise": [0.0]})
    (found,) = reasons(model, row, top=1, descriptions={"mystery_score": "神秘评分"})
    assert found[0].feature == "mystery_score"
    assert found[0].text == "神秘评分：2.5"


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        ("tax_paid_yoy_12m", -0.35, "近12个月纳税额同比下降35%"),
        ("tax_paid_yoy_12m", 0.124, "近12个月纳税额同比增长12%"),
        ("tax_paid_yoy_12m", 0.001, "近12个月纳税额同比基本持平"),
        ("declared_sales_trend_3m", -0.5, "近3个月申报销售收入较此前3个月下降50%"),
        ("si_headcount_trend_6m", -0.2, "近6个月社保参保人数较此前6个月下降20%"),
        ("si_amount_same_month_change", -0.41, "最近一个月社保缴费额较上年同月下降41%"),
        ("electricity_cv_12m", 0.853, "近12个月用电量月度波动系数为0.85"),
        ("water_mean_3m", 35.0, "近3个月用水量月均35吨"),
        ("tax_paid_mean_3m", 123456.0, "近3个月纳税额月均12.3万元"),
        ("hf_contributors_mean_3m", 48.0, "近3个月公积金缴存人数月均48人"),
        ("hf_contributors_mean_3m", math.nan, "缺少住房公积金缴存数据"),
        ("hf_contributors_yoy_12m", math.nan, "缺少住房公积金缴存数据"),
        ("si_headcount_trend_3m", math.nan, "缺少社保缴纳数据"),
        ("electricity_trend_3m", math.nan, "缺少用电数据"),
        ("si_coverage_12m", 5 / 12, "近12个月仅有5个月社保缴纳数据"),
        ("hf_coverage_12m", 0.0, "近12个月没有住房公积金缴存数据"),
        ("tax_coverage_12m", 1.0, "近12个月每月均有纳税数据"),
        ("tax_arrears_months_12m", 4.0, "近12个月有4个月欠税"),
        ("tax_arrears_months_12m", math.nan, "缺少纳税数据"),
        ("tax_arrears_latest", 5600.0, "最近一个月欠税余额5600元"),
        ("si_arrears_months_latest", 3.0, "最近一个月社保欠缴3个月"),
        ("si_arrears_months_max_12m", 2.0, "近12个月社保最长欠缴2个月"),
        ("utilities_arrears_months_12m", 2.0, "近12个月有2个月水电气欠费"),
        ("months_since_penalty_serious", 22.3, "22个月前受到严重行政处罚"),
        ("months_since_penalty_minor", 0.4, "近1个月内受到一般行政处罚"),
        ("months_since_penalty_major", math.nan, "未查到较重行政处罚记录"),
        ("penalty_major_count_36m", 2.0, "近36个月受到2次较重行政处罚"),
        ("penalty_minor_count_12m", 0.0, "近12个月未受到一般行政处罚"),
        ("has_penalty_serious", 1.0, "曾受到严重行政处罚"),
        ("penalty_amount_36m", 6600.0, "近36个月行政处罚罚没金额合计6600元"),
        ("dishonest_debtor_listed", 1.0, "被列为失信被执行人"),
        ("dishonest_debtor_listed", 0.0, "当前未被列为失信被执行人"),
        ("dishonest_debtor_amount_owed", 482000.0, "失信被执行案件未履行金额48.2万元"),
        ("has_dishonest_debtor", 1.0, "曾被列为失信被执行人"),
        ("months_since_dishonest_debtor", 7.0, "7个月前被列为失信被执行人"),
        ("abnormal_operation_listed", 1.0, "被列入经营异常名录"),
        ("serious_dishonesty_listed", 1.0, "被列入严重失信主体名单"),
        ("red_list_valid_count", 0.0, "没有有效的红名单或荣誉"),
        ("tax_credit_grade", 2.0, "纳税信用等级为C级"),
        ("tax_credit_grade", 3.0, "纳税信用等级为M级"),
        ("tax_credit_grade", math.nan, "暂无纳税信用等级"),
        ("dishonest_debtor_available", 0.0, "缺少失信被执行人数据"),
        ("age_years", 2.04, "企业成立2年"),
        ("age_years", 0.5, "企业成立不足1年"),
        ("log_employees", math.log1p(12), "从业人数12人"),
        ("log_registered_capital", math.log1p(850_000), "注册资本85万元"),
        ("log_revenue", math.log1p(3.2e8), "营业收入3.2亿元"),
        ("registration_not_operating", 1.0, "登记状态为非存续（吊销、注销或迁出）"),
        ("industry_section", 3.0, "所属国民经济行业门类为C"),
        ("industry_division", 5.0, "所属国民经济行业大类代码为05"),
        ("sme_size_class", 1.0, "企业规模为微型企业"),
    ],
)
def test_reason_text(feature: str, value: float, text: str) -> None:
    assert feature in FEATURE_NAMES
    assert reason_text(feature, value) == text


# Features of the 2026.11.2 feature set: three-year histories, ratios and 36-month counts.
LONG_MEASURES = ("tax_paid", "declared_sales", "si_headcount", "si_amount", "electricity", "water")
NEW_FEATURES = (
    *(f"{m}_{kind}" for m in LONG_MEASURES for kind in ("trend_36m", "slope_12m", "step_36m")),
    "tax_arrears_months_36m",
    "tax_arrears_max_to_tax_36m",
    "si_arrears_months_max_36m",
    "utilities_arrears_months_36m",
    "declared_sales_zero_months_36m",
    "tax_paid_to_sales_12m",
    "cit_to_sales_36m",
    "si_headcount_to_employees",
    "hf_to_si_headcount",
    "electricity_per_employee_12m",
    "tax_credit_grade_mean",
    "dishonest_debtor_count_36m",
    "abnormal_operation_count_36m",
    "serious_dishonesty_count_36m",
)


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        # last 12 of 36 months against the first 12
        ("tax_paid_trend_36m", -0.4, "近一年纳税额较两年前下降40%"),
        ("declared_sales_trend_36m", 0.25, "近一年申报销售收入较两年前增长25%"),
        ("si_amount_trend_36m", 0.002, "近一年社保缴费额较两年前基本持平"),
        ("water_trend_36m", math.nan, "缺少用水数据"),
        # least-squares slope per month over the mean
        ("electricity_slope_12m", -0.03, "近12个月用电量平均每月下降3%"),
        ("si_headcount_slope_12m", 0.034, "近12个月社保参保人数平均每月增长3.4%"),
        ("tax_paid_slope_12m", -0.126, "近12个月纳税额平均每月下降13%"),
        ("declared_sales_slope_12m", 0.00001, "近12个月申报销售收入基本平稳"),
        ("water_slope_12m", math.nan, "缺少用水数据"),
        # largest level shift, mean log after minus mean log before
        ("si_headcount_step_36m", math.log(0.55), "近三年社保参保人数出现一次下降约45%的断崖"),
        ("declared_sales_step_36m", math.log(1.6), "近三年申报销售收入出现一次增长约60%的跃升"),
        ("electricity_step_36m", math.log(0.92), "近三年用电量最大的一次水平变化为下降约8%"),
        ("water_step_36m", math.log(1.1), "近三年用水量最大的一次水平变化为增长约10%"),
        ("tax_paid_step_36m", 0.0, "近三年纳税额没有明显的水平变化"),
        ("si_amount_step_36m", math.nan, "缺少社保缴纳数据"),
        # 36-month arrears
        ("tax_arrears_months_36m", 7.0, "近36个月有7个月欠税"),
        ("tax_arrears_months_36m", 0.0, "近36个月没有欠税"),
        ("tax_arrears_months_36m", math.nan, "缺少纳税数据"),
        ("tax_arrears_max_to_tax_36m", 2.5, "近36个月欠税余额最高达到月均纳税额的2.5倍"),
        ("tax_arrears_max_to_tax_36m", 1.0, "近36个月欠税余额最高达到月均纳税额的1倍"),
        ("tax_arrears_max_to_tax_36m", 0.4, "近36个月欠税余额最高为月均纳税额的40%"),
        ("tax_arrears_max_to_tax_36m", 0.003, "近36个月欠税余额最高不足月均纳税额的1%"),
        ("tax_arrears_max_to_tax_36m", 0.0, "近36个月没有欠税"),
        ("tax_arrears_max_to_tax_36m", math.nan, "缺少纳税数据"),
        ("si_arrears_months_max_36m", 5.0, "近36个月社保最长欠缴5个月"),
        ("si_arrears_months_max_36m", 0.0, "近36个月没有社保欠缴"),
        ("si_arrears_months_max_36m", math.nan, "缺少社保缴纳数据"),
        ("utilities_arrears_months_36m", 3.0, "近36个月有3个月水电气欠费"),
        ("utilities_arrears_months_36m", 0.0, "近36个月没有水电气欠费"),
        ("utilities_arrears_months_36m", math.nan, "缺少水电气缴费数据"),
        # declarations and tax burden
        ("declared_sales_zero_months_36m", 5.0, "近36个月有5个月申报销售收入为零"),
        ("declared_sales_zero_months_36m", 0.0, "近36个月没有申报销售收入为零的月份"),
        ("declared_sales_zero_months_36m", math.nan, "缺少纳税申报数据"),
        ("tax_paid_to_sales_12m", 0.012, "近12个月税负率为1.2%"),
        ("tax_paid_to_sales_12m", 0.13, "近12个月税负率为13%"),
        ("tax_paid_to_sales_12m", 0.0004, "近12个月税负率为0.04%"),
        ("tax_paid_to_sales_12m", math.nan, "缺少纳税申报数据"),
        ("cit_to_sales_36m", 0.003, "近36个月企业所得税占申报销售收入的0.3%"),
        ("cit_to_sales_36m", 0.0, "近36个月企业所得税占申报销售收入的0%"),
        ("cit_to_sales_36m", math.nan, "缺少纳税申报数据"),
        # staffing and consumption relative to the firm
        ("si_headcount_to_employees", 0.4, "近3个月社保参保人数仅为从业人数的40%"),
        ("si_headcount_to_employees", 1.0, "近3个月社保参保人数为从业人数的100%"),
        ("si_headcount_to_employees", 0.0, "近3个月社保参保人数为0"),
        ("si_headcount_to_employees", math.nan, "缺少社保缴纳数据"),
        ("hf_to_si_headcount", 0.2, "近3个月公积金缴存人数仅为社保参保人数的20%"),
        ("hf_to_si_headcount", 0.004, "近3个月公积金缴存人数不足社保参保人数的1%"),
        ("hf_to_si_headcount", math.nan, "缺少住房公积金缴存数据"),
        ("electricity_per_employee_12m", 850.0, "近12个月人均月用电量850千瓦时"),
        ("electricity_per_employee_12m", 23456.0, "近12个月人均月用电量2.3万千瓦时"),
        ("electricity_per_employee_12m", 2.34, "近12个月人均月用电量2.3千瓦时"),
        ("electricity_per_employee_12m", math.nan, "缺少用电数据"),
        # three-year mean tax credit grade (A=5, B=4, C=2, D=1; M left out)
        ("tax_credit_grade_mean", 2.0, "近三年纳税信用等级平均为C级左右"),
        ("tax_credit_grade_mean", 2.5, "近三年纳税信用等级平均为C级左右"),
        ("tax_credit_grade_mean", 11 / 3, "近三年纳税信用等级平均为B级左右"),
        ("tax_credit_grade_mean", 5.0, "近三年纳税信用等级平均为A级左右"),
        ("tax_credit_grade_mean", 4 / 3, "近三年纳税信用等级平均为D级左右"),
        ("tax_credit_grade_mean", 3.0, "近三年纳税信用等级平均介于B级与C级之间"),
        ("tax_credit_grade_mean", 4.5, "近三年纳税信用等级平均介于A级与B级之间"),
        ("tax_credit_grade_mean", 1.5, "近三年纳税信用等级平均介于C级与D级之间"),
        ("tax_credit_grade_mean", math.nan, "暂无纳税信用等级"),
        ("tax_credit_grade_mean", 0.0, "暂无纳税信用等级"),
        # listings in the last 36 months
        ("dishonest_debtor_count_36m", 2.0, "近36个月被列为失信被执行人2次"),
        ("dishonest_debtor_count_36m", 0.0, "近36个月未被列为失信被执行人"),
        ("dishonest_debtor_count_36m", math.nan, "缺少失信被执行人数据"),
        ("abnormal_operation_count_36m", 1.0, "近36个月被列入经营异常名录1次"),
        ("abnormal_operation_count_36m", math.nan, "缺少经营异常名录数据"),
        ("serious_dishonesty_count_36m", 3.0, "近36个月被列入严重失信主体名单3次"),
        ("serious_dishonesty_count_36m", 0.0, "近36个月未被列入严重失信主体名单"),
    ],
)
def test_reason_text_new_features(feature: str, value: float, text: str) -> None:
    assert feature in FEATURE_NAMES
    assert reason_text(feature, value) == text


def test_new_features_are_listed_and_worded() -> None:
    assert set(NEW_FEATURES) <= set(FEATURE_NAMES)
    for feature in NEW_FEATURES:
        for value in (0.0, 0.3, 1.0, 2.0, 7.0, -0.3, math.nan):
            text = reason_text(feature, value)
            assert "：" not in text, (feature, value, text)  # not the description fallback
            assert reason_text(feature, value, {}) == text  # descriptions are not used


def test_new_features_float32_values() -> None:
    step = float(np.float32(math.log(0.55)))
    assert reason_text("si_headcount_step_36m", step) == "近三年社保参保人数出现一次下降约45%的断崖"
    assert reason_text("tax_paid_to_sales_12m", float(np.float32(0.012))) == "近12个月税负率为1.2%"
    grade = float(np.float32(3.0))
    assert reason_text("tax_credit_grade_mean", grade) == "近三年纳税信用等级平均介于B级与C级之间"
    # A shift too large for exp does not raise.
    assert reason_text("tax_paid_step_36m", 800.0).endswith("%的跃升")


def test_new_features_on_built_features(features: pd.DataFrame) -> None:
    # Every value the feature builder produces for the new features reads as a sentence.
    for feature in NEW_FEATURES:
        for value in features[feature].drop_duplicates().head(200):
            text = reason_text(feature, float(value))
            assert CJK.search(text), (feature, value, text)
            assert "：" not in text, (feature, value, text)
            assert "nan" not in text.lower(), (feature, value, text)


def test_reason_text_float32_percent() -> None:
    assert reason_text("tax_paid_yoy_12m", float(np.float32(-0.35))) == "近12个月纳税额同比下降35%"


def test_reason_text_fallback() -> None:
    assert reason_text("log_assets", math.nan) == "资产总额（取对数）：缺失"
    assert reason_text("tax_credit_grade", 9.0) == "暂无纳税信用等级"
    assert reason_text("unknown_feature", 1.5) == "unknown_feature：1.5"
    assert reason_text("unknown_feature", 1.5, {"unknown_feature": "某指标"}) == "某指标：1.5"


def test_every_feature_has_a_chinese_sentence() -> None:
    for feature in FEATURE_NAMES:
        for value in (0.0, 1.0, 2.0, -0.3, math.nan):
            text = reason_text(feature, value)
            assert CJK.search(text), (feature, value, text)
            assert "nan" not in text.lower(), (feature, value, text)
