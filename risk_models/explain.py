"""Reasons behind a risk score, in plain Chinese, from LightGBM's per-feature contributions.

:func:`reasons` asks the booster for SHAP-style contributions (``pred_contrib=True``: one raw
log-odds contribution per feature plus the bias in the last column; contributions and bias add
up to the raw score) and keeps, per enterprise, the ``top`` features that raise the risk the
most (positive contributions only, largest first). Ranking is vectorized over the whole
contribution matrix (one argsort); only the few selected reasons are formatted one by one.

:func:`reason_text` turns one feature value into a sentence that cites the enterprise's own
figure, e.g. "近12个月纳税额同比下降35%", "近12个月有4个月欠税", "22个月前受到严重行政处罚",
"被列为失信被执行人", "纳税信用等级为C级", "近12个月仅有5个月社保缴纳数据", and for the
three-year features "近一年纳税额较两年前下降40%", "近12个月用电量平均每月下降3%",
"近三年社保参保人数出现一次下降约45%的断崖", "近12个月税负率为1.2%",
"近36个月被列为失信被执行人2次". A missing value of a monthly measure (or of a ratio built on
one) says which data are missing ("缺少住房公积金缴存数据") rather than guessing.
The sentence is built from the feature name's pattern; unknown features fall back to their
Chinese description and value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import lightgbm
import numpy as np
import numpy.typing as npt
import pandas as pd

from risk_models.features import FEATURE_DESCRIPTIONS

__all__ = ["Reason", "reason_text", "reasons"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Reason:
    """One feature that raises an enterprise's risk score."""

    feature: str
    contribution: float  # raw log-odds contribution (positive: raises the risk)
    value: float  # the enterprise's feature value (NaN if missing)
    text: str  # plain Chinese, citing the value


# --------------------------------------------------------------------------- vocabulary

# Monthly measures: prefix -> (subject, unit of a monthly level, monthly source's data name).
_MEASURES: Final[dict[str, tuple[str, str, str]]] = {
    "tax_paid": ("纳税额", "元", "纳税"),
    "declared_sales": ("申报销售收入", "元", "纳税申报"),
    "si_headcount": ("社保参保人数", "人", "社保缴纳"),
    "si_amount": ("社保缴费额", "元", "社保缴纳"),
    "hf_contributors": ("公积金缴存人数", "人", "住房公积金缴存"),
    "electricity": ("用电量", "千瓦时", "用电"),
    "water": ("用水量", "吨", "用水"),
}
# Monthly sources: coverage prefix -> data name.
_SOURCES: Final[dict[str, str]] = {
    "tax": "纳税",
    "si": "社保缴纳",
    "hf": "住房公积金缴存",
    "utilities": "水电气缴费",
}
_SEVERITY: Final[dict[str, str]] = {"minor": "一般", "major": "较重", "serious": "严重"}
_LISTS: Final[dict[str, tuple[str, str]]] = {
    # code -> (listed, data name)
    "dishonest_debtor": ("被列为失信被执行人", "失信被执行人"),
    "abnormal_operation": ("被列入经营异常名录", "经营异常名录"),
    "serious_dishonesty": ("被列入严重失信主体名单", "严重失信主体名单"),
}
_EVENT_DATA: Final[dict[str, str]] = {
    "admin_penalty": "行政处罚",
    "dishonest_debtor": "失信被执行人",
    "abnormal_operation": "经营异常名录",
    "serious_dishonesty": "严重失信主体名单",
    "red_list": "红名单与荣誉",
    "tax_credit_grade": "纳税信用等级",
}
_LOGGED_AMOUNTS: Final[dict[str, str]] = {
    "log_revenue": "营业收入",
    "log_assets": "资产总额",
    "log_registered_capital": "注册资本",
}
_GRADES: Final[dict[int, str]] = {5: "A", 4: "B", 3: "M", 2: "C", 1: "D"}
# The three-year mean grade leaves M out: it is read against A, B, C and D only.
_RANKED_GRADES: Final[tuple[tuple[float, str], ...]] = (
    (5.0, "A"),
    (4.0, "B"),
    (2.0, "C"),
    (1.0, "D"),
)
# A level shift (``*_step_36m``) of at least this relative size is a "断崖" (down) or "跃升" (up).
_STEP_SHARP: Final[float] = 0.3
_SIZES: Final[dict[int, str]] = {1: "微型", 2: "小型", 3: "中型", 4: "大型"}
_SECTIONS: Final[str] = "ABCDEFGHIJKLMNOPQRST"

_MEASURE_PATTERN: Final[re.Pattern[str]] = re.compile(
    r"^(?P<prefix>" + "|".join(_MEASURES) + r")_(?P<kind>mean_3m|trend_3m|trend_6m|yoy_12m|"
    r"same_month_change|cv_12m|trend_36m|slope_12m|step_36m)$"
)
_PENALTY_PATTERN: Final[re.Pattern[str]] = re.compile(
    r"^(?:penalty_(?P<sev1>minor|major|serious)_count_(?P<window>12|36)m"
    r"|has_penalty_(?P<sev2>minor|major|serious)"
    r"|months_since_penalty_(?P<sev3>minor|major|serious))$"
)


# --------------------------------------------------------------------------- formatting


def _percent(change: float) -> str:
    """A relative change as "下降35%" / "增长12%" / "基本持平" (no decimals)."""
    rounded = round(abs(change) * 100)
    if rounded == 0:
        return "基本持平"
    return f"{'下降' if change < 0 else '增长'}{rounded}%"


def _number(value: float) -> str:
    """An integer without decimals, else up to two decimals."""
    if abs(value - round(value)) < 1e-6:
        return f"{round(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _amount(value: float, unit: str = "元") -> str:
    """A money or quantity figure, in 万/亿 when large: 1234元, 12.3万元, 4.56亿元."""
    size = abs(value)
    if size >= 1e8:
        return f"{_number(round(value / 1e8, 2))}亿{unit}"
    if size >= 1e4:
        return f"{_number(round(value / 1e4, 1))}万{unit}"
    return f"{_number(round(value))}{unit}"


def _share(value: float) -> str:
    """A ratio as a percentage: "1.2%" (one decimal below 10%, two below 0.1%), "35%"."""
    percent = value * 100
    digits = 0 if abs(percent) >= 9.95 else 1 if abs(percent) >= 0.095 else 2
    return f"{_number(round(percent, digits))}%"


def _months(value: float) -> int:
    return round(value)


def _count(value: float) -> int:
    return round(value)


# --------------------------------------------------------------------------- sentences


def _measure_text(prefix: str, kind: str, value: float) -> str:
    subject, unit, data = _MEASURES[prefix]
    if math.isnan(value):
        return f"缺少{data}数据"
    if kind == "mean_3m":
        return f"近3个月{subject}月均{_amount(value, unit)}"
    if kind == "trend_3m":
        return f"近3个月{subject}较此前3个月{_percent(value)}"
    if kind == "trend_6m":
        return f"近6个月{subject}较此前6个月{_percent(value)}"
    if kind == "yoy_12m":
        return f"近12个月{subject}同比{_percent(value)}"
    if kind == "same_month_change":
        return f"最近一个月{subject}较上年同月{_percent(value)}"
    if kind == "trend_36m":  # the last 12 of 36 months against the first 12
        return f"近一年{subject}较两年前{_percent(value)}"
    if kind == "slope_12m":  # least-squares slope per month over the mean
        rate = _share(abs(value))
        if rate == "0%":
            return f"近12个月{subject}基本平稳"
        return f"近12个月{subject}平均每月{'下降' if value < 0 else '增长'}{rate}"
    if kind == "step_36m":  # mean log after the shift minus mean log before
        return _step_text(subject, value)
    # cv_12m
    return f"近12个月{subject}月度波动系数为{value:.2f}"


def _step_text(subject: str, log_shift: float) -> str:
    # The level after over the level before, minus 1 (capped: exp overflows past ~709).
    change = math.expm1(min(log_shift, 700.0))
    rounded = round(abs(change) * 100)
    if rounded == 0:
        return f"近三年{subject}没有明显的水平变化"
    direction = "下降" if change < 0 else "增长"
    if abs(change) >= _STEP_SHARP:
        return f"近三年{subject}出现一次{direction}约{rounded}%的{'断崖' if change < 0 else '跃升'}"
    return f"近三年{subject}最大的一次水平变化为{direction}约{rounded}%"


def _penalty_text(match: re.Match[str], value: float) -> str:
    sev = match.group("sev1") or match.group("sev2") or match.group("sev3")
    what = f"{_SEVERITY[sev]}行政处罚"
    if match.group("sev1"):
        window = match.group("window")
        if math.isnan(value):
            return "缺少行政处罚数据"
        if _count(value) == 0:
            return f"近{window}个月未受到{what}"
        return f"近{window}个月受到{_count(value)}次{what}"
    if match.group("sev2"):
        if math.isnan(value):
            return "缺少行政处罚数据"
        return f"曾受到{what}" if value > 0 else f"未曾受到{what}"
    # months since the latest penalty
    if math.isnan(value):
        return f"未查到{what}记录"
    if _months(value) < 1:
        return f"近1个月内受到{what}"
    return f"{_months(value)}个月前受到{what}"


def _coverage_text(source: str, value: float) -> str:
    data = _SOURCES[source]
    months = _months(value * 12) if not math.isnan(value) else 0
    if months == 0:
        return f"近12个月没有{data}数据"
    if months >= 12:
        return f"近12个月每月均有{data}数据"
    return f"近12个月仅有{months}个月{data}数据"


# Month counts: (when the source is missing, with months, with none).
_MONTH_COUNTS: Final[dict[str, tuple[str, str, str]]] = {
    "tax_arrears_months_12m": ("缺少纳税数据", "近12个月有{n}个月欠税", "近12个月没有欠税"),
    "tax_arrears_months_36m": ("缺少纳税数据", "近36个月有{n}个月欠税", "近36个月没有欠税"),
    "si_arrears_months_latest": (
        "缺少社保缴纳数据",
        "最近一个月社保欠缴{n}个月",
        "最近一个月无社保欠缴",
    ),
    "si_arrears_months_max_12m": (
        "缺少社保缴纳数据",
        "近12个月社保最长欠缴{n}个月",
        "近12个月没有社保欠缴",
    ),
    "si_arrears_months_max_36m": (
        "缺少社保缴纳数据",
        "近36个月社保最长欠缴{n}个月",
        "近36个月没有社保欠缴",
    ),
    "utilities_arrears_months_12m": (
        "缺少水电气缴费数据",
        "近12个月有{n}个月水电气欠费",
        "近12个月没有水电气欠费",
    ),
    "utilities_arrears_months_36m": (
        "缺少水电气缴费数据",
        "近36个月有{n}个月水电气欠费",
        "近36个月没有水电气欠费",
    ),
    "declared_sales_zero_months_36m": (
        "缺少纳税申报数据",
        "近36个月有{n}个月申报销售收入为零",
        "近36个月没有申报销售收入为零的月份",
    ),
}


def _arrears_text(feature: str, value: float) -> str | None:
    counted = _MONTH_COUNTS.get(feature)
    if counted is not None:
        missing, some, none = counted
        if math.isnan(value):
            return missing
        return some.format(n=_count(value)) if _count(value) > 0 else none
    if feature == "tax_arrears_latest":
        if math.isnan(value):
            return "缺少纳税数据"
        return f"最近一个月欠税余额{_amount(value)}" if value > 0 else "最近一个月无欠税"
    if feature == "tax_arrears_max_to_tax_36m":  # largest balance / mean monthly tax paid
        if math.isnan(value):
            return "缺少纳税数据"
        if not value > 0:
            return "近36个月没有欠税"
        if value >= 0.995:
            return f"近36个月欠税余额最高达到月均纳税额的{_number(round(value, 1))}倍"
        if value < 0.005:
            return "近36个月欠税余额最高不足月均纳税额的1%"
        return f"近36个月欠税余额最高为月均纳税额的{round(value * 100)}%"
    return None


def _ratio_text(feature: str, value: float) -> str | None:
    if feature == "tax_paid_to_sales_12m":
        if math.isnan(value):
            return "缺少纳税申报数据"
        return f"近12个月税负率为{_share(value)}"
    if feature == "cit_to_sales_36m":
        if math.isnan(value):
            return "缺少纳税申报数据"
        return f"近36个月企业所得税占申报销售收入的{_share(value)}"
    if feature == "si_headcount_to_employees":
        if math.isnan(value):
            return "缺少社保缴纳数据"
        return _of_headcount("近3个月社保参保人数", "从业人数", value)
    if feature == "hf_to_si_headcount":
        if math.isnan(value):
            return "缺少住房公积金缴存数据"
        return _of_headcount("近3个月公积金缴存人数", "社保参保人数", value)
    if feature == "electricity_per_employee_12m":  # mean monthly consumption per employee
        if math.isnan(value):
            return "缺少用电数据"
        figure = _number(round(value, 1)) + "千瓦时" if value < 10 else _amount(value, "千瓦时")
        return f"近12个月人均月用电量{figure}"
    return None


def _of_headcount(subject: str, base: str, value: float) -> str:
    percent = round(value * 100)
    if percent == 0:
        return f"{subject}不足{base}的1%" if value > 0 else f"{subject}为0"
    return f"{subject}{'仅为' if percent < 100 else '为'}{base}的{percent}%"


def _public_credit_text(feature: str, value: float) -> str | None:
    for code, (listed, data) in _LISTS.items():
        if feature == f"{code}_listed":
            if math.isnan(value):
                return f"缺少{data}数据"
            return listed if value > 0 else f"当前未{listed}"
    if feature == "dishonest_debtor_amount_owed":
        if math.isnan(value):
            return "缺少失信被执行人数据"
        return f"失信被执行案件未履行金额{_amount(value)}"
    if feature == "has_dishonest_debtor":
        if math.isnan(value):
            return "缺少失信被执行人数据"
        return "曾被列为失信被执行人" if value > 0 else "从未被列为失信被执行人"
    if feature == "months_since_dishonest_debtor":
        if math.isnan(value):
            return "未查到失信被执行人记录"
        if _months(value) < 1:
            return "近1个月内被列为失信被执行人"
        return f"{_months(value)}个月前被列为失信被执行人"
    if feature == "penalty_amount_36m":
        if math.isnan(value):
            return "缺少行政处罚数据"
        return f"近36个月行政处罚罚没金额合计{_amount(value)}"
    if feature == "red_list_valid_count":
        if math.isnan(value):
            return "缺少红名单与荣誉数据"
        if _count(value) == 0:
            return "没有有效的红名单或荣誉"
        return f"有{_count(value)}项有效的红名单或荣誉"
    if feature == "tax_credit_grade":
        grade = None if math.isnan(value) else _GRADES.get(round(value))
        return "暂无纳税信用等级" if grade is None else f"纳税信用等级为{grade}级"
    if feature == "tax_credit_grade_mean":
        return _mean_grade_text(value)
    for code, (listed, data) in _LISTS.items():
        if feature == f"{code}_count_36m":
            if math.isnan(value):
                return f"缺少{data}数据"
            if _count(value) == 0:
                return f"近36个月未{listed}"
            return f"近36个月{listed}{_count(value)}次"
    if feature.endswith("_available") and feature[: -len("_available")] in _EVENT_DATA:
        data = _EVENT_DATA[feature[: -len("_available")]]
        return f"已接入{data}数据" if value > 0 else f"缺少{data}数据"
    return None


def _mean_grade_text(value: float) -> str:
    """The three-year mean ordinal (A=5, B=4, C=2, D=1; M left out) as the nearest grade."""
    if math.isnan(value) or not 1.0 - 1e-6 <= value <= 5.0 + 1e-6:
        return "暂无纳税信用等级"
    distances = sorted((abs(value - ordinal), ordinal, grade) for ordinal, grade in _RANKED_GRADES)
    (nearest, first_ordinal, first), (second_distance, second_ordinal, second) = distances[:2]
    if second_distance - nearest < 1e-6:  # halfway between two grades: name both
        better, worse = (first, second) if first_ordinal > second_ordinal else (second, first)
        return f"近三年纳税信用等级平均介于{better}级与{worse}级之间"
    return f"近三年纳税信用等级平均为{first}级左右"


def _registry_text(feature: str, value: float) -> str | None:
    if math.isnan(value):
        return None
    if feature == "age_years":
        return "企业成立不足1年" if value < 1 else f"企业成立{_number(round(value, 1))}年"
    if feature == "log_employees":
        return f"从业人数{round(math.expm1(value))}人"
    if feature in _LOGGED_AMOUNTS:
        return f"{_LOGGED_AMOUNTS[feature]}{_amount(math.expm1(value))}"
    if feature == "registration_not_operating":
        return "登记状态为非存续（吊销、注销或迁出）" if value > 0 else "登记状态为存续"
    if feature == "region_city_code":
        return f"所在地市行政区划代码为{round(value)}"
    if feature == "industry_section":
        index = round(value) - 1
        if 0 <= index < len(_SECTIONS):
            return f"所属国民经济行业门类为{_SECTIONS[index]}"
        return None
    if feature == "industry_division":
        return f"所属国民经济行业大类代码为{round(value):02d}"
    if feature == "sme_size_class":
        size = _SIZES.get(round(value))
        return None if size is None else f"企业规模为{size}企业"
    return None


def _fallback(feature: str, value: float, descriptions: Mapping[str, str]) -> str:
    description = descriptions.get(feature, feature)
    if math.isnan(value):
        return f"{description}：缺失"
    return f"{description}：{_number(value)}"


_RULES: Final[tuple[Callable[[str, float], str | None], ...]] = (
    _arrears_text,
    _ratio_text,
    _public_credit_text,
    _registry_text,
)


def reason_text(
    feature: str, value: float, descriptions: Mapping[str, str] = FEATURE_DESCRIPTIONS
) -> str:
    """A plain Chinese sentence about ``feature`` that cites the enterprise's ``value``.

    Built from the feature name's pattern (``<measure>_trend_3m``, ``*_coverage_12m``,
    ``penalty_<severity>_count_12m``, ``months_since_*``, ``*_listed``, ...); unknown features
    (or values outside the known codes) fall back to ``descriptions[feature]`` and the value.
    """
    value = float(value)
    measure = _MEASURE_PATTERN.match(feature)
    if measure is not None:
        return _measure_text(measure.group("prefix"), measure.group("kind"), value)
    if feature.endswith("_coverage_12m") and feature[: -len("_coverage_12m")] in _SOURCES:
        return _coverage_text(feature[: -len("_coverage_12m")], value)
    penalty = _PENALTY_PATTERN.match(feature)
    if penalty is not None:
        return _penalty_text(penalty, value)
    for rule in _RULES:
        text = rule(feature, value)
        if text is not None:
            return text
    return _fallback(feature, value, descriptions)


# --------------------------------------------------------------------------- reasons


def _aligned(booster: lightgbm.Booster, features: pd.DataFrame) -> pd.DataFrame:
    """``features`` with the booster's columns in the booster's order."""
    names = [str(name) for name in booster.feature_name()]
    if all(name in features.columns for name in names):
        return features.loc[:, names]
    if features.shape[1] == len(names):  # a booster trained without column names
        return features
    missing = [name for name in names if name not in features.columns]
    raise ValueError(f"features lack the booster's columns: {missing[:10]}")


def reasons(
    booster: lightgbm.Booster,
    features: pd.DataFrame,
    *,
    top: int = 3,
    descriptions: Mapping[str, str] = FEATURE_DESCRIPTIONS,
) -> list[list[Reason]]:
    """Up to ``top`` reasons per row of ``features``: the features raising its risk the most.

    Contributions are the booster's raw (log-odds) per-feature contributions; only positive
    ones are reasons, largest first (ties in column order). A feature whose sentence repeats
    one already given (two features of the same missing source both read "缺少…数据") is
    skipped in favour of the next. One list per row, in row order; a row whose features all
    lower the risk gets an empty list.
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    frame = _aligned(booster, features)
    if len(frame) == 0:
        return []
    raw = booster.predict(frame, pred_contrib=True)
    contributions: Floats = np.asarray(raw, dtype=np.float64)
    width = frame.shape[1]
    if contributions.shape != (len(frame), width + 1):
        raise ValueError(
            f"expected contributions of shape {(len(frame), width + 1)} (a binary or regression"
            f" booster), got {contributions.shape}"
        )
    per_feature = contributions[:, :width]
    order = np.argsort(-per_feature, axis=1, kind="stable")
    ranked = np.take_along_axis(per_feature, order, axis=1)
    positives = (ranked > 0).sum(axis=1)  # positive contributions come first in each row
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    names = [str(name) for name in frame.columns]

    # A sentence depends only on the feature and its value (compared bit for bit, so NaN, -0.0
    # and 0.0 stay apart): word each pair once.
    bits = values.view(np.int64)
    worded: dict[tuple[int, int], str] = {}
    result: list[list[Reason]] = []
    for row in range(len(frame)):
        picked: list[Reason] = []
        said: set[str] = set()
        for j in range(int(positives[row])):
            column = int(order[row, j])
            feature = names[column]
            value = float(values[row, column])
            key = (column, int(bits[row, column]))
            text = worded.get(key)
            if text is None:
                text = worded[key] = reason_text(feature, value, descriptions)
            if text in said:  # e.g. two features of a missing source: "缺少…数据" once
                continue
            said.add(text)
            picked.append(Reason(feature, float(ranked[row, j]), value, text))
            if len(picked) == top:
                break
        result.append(picked)
    return result
