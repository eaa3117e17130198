"""Tests for risk_models.standards (regions, industries, SME size classes)."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.standards.industries import (
    Industry,
    IndustryCodeError,
    divisions,
    get_industry,
    industry_display,
    section_of,
    sections,
    validate_industry_code,
)
from risk_models.standards.regions import (
    Region,
    RegionCodeError,
    children,
    get_region,
    is_within,
    provinces,
    region_display,
    region_path,
    validate_jurisdiction_prefix,
    validate_region_code,
)
from risk_models.standards.sme_size import (
    SIZE_CLASS_CHOICES,
    SIZE_RULES,
    MissingIndicator,
    SizeClass,
    classify_size,
    classify_size_frame,
    size_rule_for,
)

WAN = 10_000  # 1万元 in yuan


# --------------------------------------------------------------------------- regions


def test_get_region() -> None:
    assert get_region("441200") == Region(code="441200", name="肇庆市", level="city")
    assert get_region("440300") == Region(code="440300", name="深圳市", level="city")
    assert get_region("371100") == Region(code="371100", name="日照市", level="city")
    assert get_region("441202") == Region(code="441202", name="端州区", level="county")
    assert get_region("440000") == Region(code="440000", name="广东省", level="province")
    assert get_region(" 441284 ") == Region(code="441284", name="四会市", level="county")
    assert get_region("4412") == Region(code="441200", name="肇庆市", level="city")
    assert get_region("44") == Region(code="440000", name="广东省", level="province")
    assert get_region("441299") is None
    assert get_region("abc") is None
    assert get_region("") is None


def test_provinces() -> None:
    result = provinces()
    assert len(result) == 34
    assert result[0] == Region(code="110000", name="北京市", level="province")
    assert result[-1] == Region(code="820000", name="澳门特别行政区", level="province")
    names = {r.code: r.name for r in result}
    assert names["650000"] == "新疆维吾尔自治区"
    assert names["710000"] == "台湾省"
    assert names["810000"] == "香港特别行政区"
    assert all(r.level == "province" for r in result)


def test_children() -> None:
    assert [r.name for r in children("441200")] == [
        "端州区",
        "鼎湖区",
        "高要区",
        "广宁县",
        "怀集县",
        "封开县",
        "德庆县",
        "四会市",
    ]
    assert len(children("440000")) == 21  # all prefecture-level cities of 广东省
    assert len(children("320000")) == 13
    assert len(children("330000")) == 11
    assert len(children("370000")) == 16
    assert len(children("440300")) == 9
    assert [r.code for r in children("371100")] == ["371102", "371103", "371121", "371122"]
    assert children("441202") == []
    assert children("990000") == []


def test_region_path_and_display() -> None:
    assert [r.code for r in region_path("441202")] == ["440000", "441200", "441202"]
    assert region_display("441202") == "广东省 肇庆市 端州区"
    assert region_display("440305") == "广东省 深圳市 南山区"
    assert region_display("371122") == "山东省 日照市 莒县"
    assert region_display("330113") == "浙江省 杭州市 临平区"
    assert region_display("410104") == "河南省 郑州市 管城回族区"
    assert region_display("320115") == "江苏省 南京市 江宁区"
    assert region_display("441200") == "广东省 肇庆市"
    assert region_display("440000") == "广东省"
    # Unknown lower levels are skipped; placeholder 市辖区 is not displayed.
    assert region_display("130102") == "河北省"
    assert [r.code for r in region_path("110105")] == ["110000", "110100"]
    assert region_display("110105") == "北京市"
    assert region_display("419001") == "河南省 济源市"
    assert region_display("990000") == ""
    assert region_display("12") == "天津市"
    assert region_path("not a code") == []


def test_validate_region_code_ok() -> None:
    assert validate_region_code("441202") == "441202"
    assert validate_region_code(" 441200 ") == "441200"
    assert validate_region_code("440000") == "440000"
    # Partial table: 河北省 lists no cities, 北京 市辖区 lists no districts -> accepted.
    assert validate_region_code("130102") == "130102"
    assert validate_region_code("110105") == "110105"
    # 广州市 is listed but none of its districts is -> accepted.
    assert validate_region_code("440106") == "440106"


@pytest.mark.parametrize(
    ("code", "message", "error_code"),
    [
        ("44120", "行政区划代码应为6位数字", "invalid_format"),
        ("4412021", "行政区划代码应为6位数字", "invalid_format"),
        ("44120a", "行政区划代码应为6位数字", "invalid_format"),
        ("４４１２０２", "行政区划代码应为6位数字", "invalid_format"),  # full-width digits
        ("", "行政区划代码应为6位数字", "invalid_format"),
        ("991200", "未知的省级行政区划代码：99", "unknown_province"),
        ("000000", "未知的省级行政区划代码：00", "unknown_province"),
        ("449900", "未知的地市级行政区划代码：4499", "unknown_city"),
        ("371200", "未知的地市级行政区划代码：3712", "unknown_city"),  # 莱芜市, merged in 2019
        ("441299", "未知的区县级行政区划代码：441299", "unknown_county"),
        ("330103", "未知的区县级行政区划代码：330103", "unknown_county"),  # 下城区, abolished 2021
        ("440012", "未知的区县级行政区划代码：440012", "unknown_county"),
    ],
)
def test_validate_region_code_errors(code: str, message: str, error_code: str) -> None:
    with pytest.raises(RegionCodeError) as excinfo:
        validate_region_code(code)
    assert str(excinfo.value) == message
    assert excinfo.value.message == message
    assert excinfo.value.code == error_code
    assert isinstance(excinfo.value, ValueError)


def test_validate_jurisdiction_prefix() -> None:
    assert validate_jurisdiction_prefix("44") == "44"
    assert validate_jurisdiction_prefix("4412") == "4412"
    assert validate_jurisdiction_prefix("441202") == "441202"
    assert validate_jurisdiction_prefix("441200") == "4412"
    assert validate_jurisdiction_prefix("440000") == "44"
    assert validate_jurisdiction_prefix("4400") == "44"
    assert validate_jurisdiction_prefix("1301") == "1301"  # partial table: accepted


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("4", "辖区代码应为2位、4位或6位行政区划代码"),
        ("441", "辖区代码应为2位、4位或6位行政区划代码"),
        ("44120", "辖区代码应为2位、4位或6位行政区划代码"),
        ("", "辖区代码应为2位、4位或6位行政区划代码"),
        ("4a", "辖区代码应为2位、4位或6位行政区划代码"),
        ("99", "未知的省级行政区划代码：99"),
        ("4499", "未知的地市级行政区划代码：4499"),
        ("441299", "未知的区县级行政区划代码：441299"),
    ],
)
def test_validate_jurisdiction_prefix_errors(prefix: str, message: str) -> None:
    with pytest.raises(RegionCodeError) as excinfo:
        validate_jurisdiction_prefix(prefix)
    assert str(excinfo.value) == message


def test_is_within() -> None:
    assert is_within("441202", "44") is True
    assert is_within("441202", "4412") is True
    assert is_within("441202", "441202") is True
    assert is_within("441202", "441200") is True  # whole city
    assert is_within("441202", "440000") is True  # whole province
    assert is_within("441202", "4403") is False
    assert is_within("441202", "441203") is False
    assert is_within("440300", "4412") is False
    assert is_within("371102", "37") is True
    # Malformed input never matches.
    assert is_within("4412", "44") is False
    assert is_within("441202", "4") is False
    assert is_within("441202", "") is False
    assert is_within("", "44") is False


# --------------------------------------------------------------------------- industries


def test_industry_table() -> None:
    assert len(sections()) == 20
    assert sections()[0] == Industry(code="A", name="农、林、牧、渔业", section="A")
    assert sections()[-1] == Industry(code="T", name="国际组织", section="T")
    all_divisions = divisions()
    assert [d.code for d in all_divisions] == [f"{i:02d}" for i in range(1, 98)]
    assert [d.code for d in divisions("I")] == ["63", "64", "65"]
    assert [d.code for d in divisions("c")][:2] == ["13", "14"]
    assert len(divisions("C")) == 31
    assert divisions("Z") == []
    assert get_industry("13") == Industry(code="13", name="农副食品加工业", section="C")
    assert get_industry("65") == Industry(code="65", name="软件和信息技术服务业", section="I")
    assert get_industry("701") == Industry(code="701", name="房地产开发经营", section="K")
    assert get_industry("709") == Industry(code="709", name="其他房地产业", section="K")
    assert get_industry("c") == Industry(code="C", name="制造业", section="C")
    assert get_industry("1310") is None
    assert get_industry("99") is None


def test_section_of() -> None:
    assert section_of("13") == "C"
    assert section_of("1310") == "C"
    assert section_of("01") == "A"
    assert section_of("7010") == "K"
    assert section_of("97") == "T"
    assert section_of("C") == "C"
    with pytest.raises(IndustryCodeError) as excinfo:
        section_of("99")
    assert str(excinfo.value) == "未知的国民经济行业门类/大类：99"


def test_validate_industry_code() -> None:
    assert validate_industry_code("13") == "13"
    assert validate_industry_code("131") == "131"
    assert validate_industry_code(" 1310 ") == "1310"
    assert validate_industry_code("7010") == "7010"


@pytest.mark.parametrize(
    ("code", "message", "error_code"),
    [
        ("1", "国民经济行业代码应为2至4位数字", "invalid_format"),
        ("13101", "国民经济行业代码应为2至4位数字", "invalid_format"),
        ("C", "国民经济行业代码应为2至4位数字", "invalid_format"),
        ("C13", "国民经济行业代码应为2至4位数字", "invalid_format"),
        ("", "国民经济行业代码应为2至4位数字", "invalid_format"),
        ("99", "未知的国民经济行业门类/大类：99", "unknown_code"),
        ("9910", "未知的国民经济行业门类/大类：99", "unknown_code"),
        ("00", "未知的国民经济行业门类/大类：00", "unknown_code"),
        ("98", "未知的国民经济行业门类/大类：98", "unknown_code"),
    ],
)
def test_validate_industry_code_errors(code: str, message: str, error_code: str) -> None:
    with pytest.raises(IndustryCodeError) as excinfo:
        validate_industry_code(code)
    assert str(excinfo.value) == message
    assert excinfo.value.code == error_code
    assert isinstance(excinfo.value, ValueError)


def test_industry_display() -> None:
    assert industry_display("13") == "C 制造业 / 13 农副食品加工业"
    assert industry_display("1310") == "C 制造业 / 13 农副食品加工业"
    assert industry_display("7010") == "K 房地产业 / 701 房地产开发经营"
    assert industry_display("65") == "I 信息传输、软件和信息技术服务业 / 65 软件和信息技术服务业"
    assert industry_display("C") == "C 制造业"
    assert industry_display("99") == ""
    assert industry_display("x") == ""


# --------------------------------------------------------------------------- SME size


def test_size_class_enum_and_choices() -> None:
    assert SizeClass.LARGE.value == "large"
    assert isinstance(SizeClass.LARGE, str)
    assert str(SizeClass.LARGE) == "large"
    assert SizeClass("micro") is SizeClass.MICRO
    assert [s.label_zh for s in SizeClass] == ["大型", "中型", "小型", "微型"]
    assert SIZE_CLASS_CHOICES == [
        ("large", "大型"),
        ("medium", "中型"),
        ("small", "小型"),
        ("micro", "微型"),
    ]
    assert len(SIZE_RULES) == 16


@pytest.mark.parametrize(
    ("code", "group", "indicators", "by_reference"),
    [
        ("01", "农、林、牧、渔业", ("revenue",), False),
        ("0610", "工业", ("employees", "revenue"), False),
        ("13", "工业", ("employees", "revenue"), False),
        ("44", "工业", ("employees", "revenue"), False),
        ("47", "建筑业", ("revenue", "total_assets"), False),
        ("51", "批发业", ("employees", "revenue"), False),
        ("52", "零售业", ("employees", "revenue"), False),
        ("54", "交通运输业", ("employees", "revenue"), False),
        ("58", "交通运输业", ("employees", "revenue"), False),
        ("5910", "交通运输业", ("employees", "revenue"), False),
        ("53", "交通运输业", ("employees", "revenue"), True),
        ("59", "仓储业", ("employees", "revenue"), False),
        ("5920", "仓储业", ("employees", "revenue"), False),
        ("60", "邮政业", ("employees", "revenue"), False),
        ("61", "住宿业", ("employees", "revenue"), False),
        ("62", "餐饮业", ("employees", "revenue"), False),
        ("63", "信息传输业", ("employees", "revenue"), False),
        ("64", "信息传输业", ("employees", "revenue"), False),
        ("65", "软件和信息技术服务业", ("employees", "revenue"), False),
        ("701", "房地产开发经营", ("revenue", "total_assets"), False),
        ("7010", "房地产开发经营", ("revenue", "total_assets"), False),
        ("702", "物业管理", ("employees", "revenue"), False),
        ("703", "其他未列明行业", ("employees",), False),
        ("709", "其他未列明行业", ("employees",), False),
        ("704", "其他未列明行业", ("employees",), True),
        ("70", "其他未列明行业", ("employees",), True),
        ("71", "租赁和商务服务业", ("employees", "total_assets"), False),
        ("72", "租赁和商务服务业", ("employees", "total_assets"), False),
        ("73", "其他未列明行业", ("employees",), False),
        ("85", "其他未列明行业", ("employees",), False),
        ("66", "其他未列明行业", ("employees",), True),
        ("83", "其他未列明行业", ("employees",), True),
    ],
)
def test_size_rule_for(
    code: str, group: str, indicators: tuple[str, ...], by_reference: bool
) -> None:
    rule = size_rule_for(code)
    assert rule.name == group
    assert rule.indicators == indicators
    assert rule.by_reference is by_reference


def test_size_rule_thresholds_in_yuan() -> None:
    rule = size_rule_for("13")
    assert (rule.large.employees, rule.large.revenue) == (1000, 40000 * WAN)
    assert (rule.medium.employees, rule.medium.revenue) == (300, 2000 * WAN)
    assert (rule.small.employees, rule.small.revenue) == (20, 300 * WAN)
    assert rule.small.total_assets is None


def test_size_rule_invalid_code() -> None:
    with pytest.raises(IndustryCodeError) as excinfo:
        size_rule_for("99")
    assert str(excinfo.value) == "未知的国民经济行业门类/大类：99"


@pytest.mark.parametrize(
    ("code", "employees", "revenue", "total_assets", "expected"),
    [
        # 工业: employees 1000/300/20, revenue 40000/2000/300 万元
        ("13", 20, 300 * WAN, None, SizeClass.SMALL),
        ("13", 19, 300 * WAN, None, SizeClass.MICRO),
        ("13", 20, 300 * WAN - 1, None, SizeClass.MICRO),
        ("13", 300, 2000 * WAN, None, SizeClass.MEDIUM),
        ("13", 299, 2000 * WAN, None, SizeClass.SMALL),
        ("13", 1000, 40000 * WAN, None, SizeClass.LARGE),
        ("13", 999, 40000 * WAN, None, SizeClass.MEDIUM),
        ("13", 1000, 40000 * WAN - 1, None, SizeClass.MEDIUM),
        ("13", 5000, 1000 * WAN, None, SizeClass.SMALL),  # many staff, little revenue
        ("3911", 1000, Decimal("400000000.00"), None, SizeClass.LARGE),
        ("3911", 1000, Decimal("399999999.99"), None, SizeClass.MEDIUM),
        ("13", 20, 3_000_000.0, None, SizeClass.SMALL),
        # 零售业: employees 300/50/10, revenue 20000/500/100 万元
        ("52", 10, 100 * WAN, None, SizeClass.SMALL),
        ("52", 9, 100 * WAN, None, SizeClass.MICRO),
        ("52", 10, 100 * WAN - 1, None, SizeClass.MICRO),
        ("52", 50, 500 * WAN, None, SizeClass.MEDIUM),
        ("52", 300, 20000 * WAN, None, SizeClass.LARGE),
        # 批发业: employees 200/20/5, revenue 40000/5000/1000 万元
        ("51", 5, 1000 * WAN, None, SizeClass.SMALL),
        ("51", 4, 1000 * WAN, None, SizeClass.MICRO),
        ("51", 20, 5000 * WAN, None, SizeClass.MEDIUM),
        ("51", 200, 40000 * WAN, None, SizeClass.LARGE),
        # 软件和信息技术服务业: employees 300/100/10, revenue 10000/1000/50 万元
        ("65", 10, 50 * WAN, None, SizeClass.SMALL),
        ("65", 10, 50 * WAN - 1, None, SizeClass.MICRO),
        ("65", 9, 50 * WAN, None, SizeClass.MICRO),
        ("65", 100, 1000 * WAN, None, SizeClass.MEDIUM),
        ("65", 300, 10000 * WAN, None, SizeClass.LARGE),
        # 信息传输业: employees 2000/100/10, revenue 100000/1000/100 万元
        ("64", 1999, 100000 * WAN, None, SizeClass.MEDIUM),
        ("64", 2000, 100000 * WAN, None, SizeClass.LARGE),
        # 建筑业: revenue 80000/6000/300 万元, total assets 80000/5000/300 万元
        ("47", None, 300 * WAN, 300 * WAN, SizeClass.SMALL),
        ("47", None, 300 * WAN, 300 * WAN - 1, SizeClass.MICRO),
        ("47", None, 6000 * WAN, 5000 * WAN, SizeClass.MEDIUM),
        ("47", None, 80000 * WAN, 80000 * WAN, SizeClass.LARGE),
        # 农、林、牧、渔业: revenue 20000/500/50 万元
        ("01", None, 50 * WAN, None, SizeClass.SMALL),
        ("01", None, 50 * WAN - 1, None, SizeClass.MICRO),
        ("01", None, 500 * WAN, None, SizeClass.MEDIUM),
        ("01", None, 20000 * WAN, None, SizeClass.LARGE),
        # 仓储业 vs 装卸搬运 (交通运输业)
        ("5920", 100, 1000 * WAN, None, SizeClass.MEDIUM),
        ("5910", 100, 1000 * WAN, None, SizeClass.SMALL),
        # 房地产开发经营: revenue 200000/1000/100 万元, total assets 10000/5000/2000 万元
        ("7010", None, 100 * WAN, 2000 * WAN, SizeClass.SMALL),
        ("7010", None, 100 * WAN, 2000 * WAN - 1, SizeClass.MICRO),
        ("7010", None, 200000 * WAN, 10000 * WAN, SizeClass.LARGE),
        # 物业管理: employees 1000/300/100, revenue 5000/1000/500 万元
        ("702", 100, 500 * WAN, None, SizeClass.SMALL),
        ("702", 99, 500 * WAN, None, SizeClass.MICRO),
        # 租赁和商务服务业: employees 300/100/10, total assets 120000/8000/100 万元
        ("72", 10, None, 100 * WAN, SizeClass.SMALL),
        ("72", 100, None, 8000 * WAN, SizeClass.MEDIUM),
        ("72", 300, None, 120000 * WAN - 1, SizeClass.MEDIUM),
        ("72", 300, None, 120000 * WAN, SizeClass.LARGE),
        # 其他未列明行业: employees 300/100/10
        ("73", 100, None, None, SizeClass.MEDIUM),
        ("73", 99, None, None, SizeClass.SMALL),
        ("73", 10, None, None, SizeClass.SMALL),
        ("73", 9, None, None, SizeClass.MICRO),
        ("73", 300, None, None, SizeClass.LARGE),
        ("73", 0, None, None, SizeClass.MICRO),
    ],
)
def test_classify_size_boundaries(
    code: str,
    employees: int | None,
    revenue: Decimal | int | float | None,
    total_assets: Decimal | int | float | None,
    expected: SizeClass,
) -> None:
    result = classify_size(code, employees=employees, revenue=revenue, total_assets=total_assets)
    assert result is expected


def test_classify_size_ignores_unused_indicators() -> None:
    # 其他未列明行业 only looks at employees.
    assert classify_size("73", employees=100, revenue=None) is SizeClass.MEDIUM
    assert classify_size("73", employees=100, revenue=1, total_assets=1) is SizeClass.MEDIUM
    assert classify_size("73", employees=100, revenue=-5) is SizeClass.MEDIUM


@pytest.mark.parametrize(
    ("code", "kwargs", "indicator", "message"),
    [
        ("47", {"employees": 50, "revenue": 300 * WAN}, "total_assets", "建筑业划型需要资产总额"),
        ("47", {"employees": None, "revenue": None}, "revenue", "建筑业划型需要营业收入"),
        ("13", {"employees": None, "revenue": 300 * WAN}, "employees", "工业划型需要从业人员数"),
        ("13", {"employees": 20, "revenue": float("nan")}, "revenue", "工业划型需要营业收入"),
        ("52", {"employees": 20, "revenue": Decimal("NaN")}, "revenue", "零售业划型需要营业收入"),
        ("73", {"employees": None, "revenue": 1}, "employees", "其他未列明行业划型需要从业人员数"),
        (
            "72",
            {"employees": 20, "revenue": 1},
            "total_assets",
            "租赁和商务服务业划型需要资产总额",
        ),
    ],
)
def test_classify_size_missing_indicator(
    code: str, kwargs: dict[str, object], indicator: str, message: str
) -> None:
    with pytest.raises(MissingIndicator) as excinfo:
        classify_size(code, **kwargs)  # type: ignore[arg-type]
    assert excinfo.value.indicator == indicator
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)


def test_classify_size_rejects_negative_and_bad_code() -> None:
    with pytest.raises(ValueError, match=r"^从业人员数不能为负数$"):
        classify_size("13", employees=-1, revenue=300 * WAN)
    with pytest.raises(IndustryCodeError):
        classify_size("99", employees=1, revenue=1)


def _random_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = np.array(
        [
            "01", "05", "0610", "13", "3911", "44", "47", "50", "51", "52", "53", "54",
            "58", "59", "5910", "5920", "60", "61", "62", "63", "64", "65", "66", "70",
            "701", "7010", "702", "703", "704", "709", "71", "72", "73", "83", "85", "90",
            "97",
        ]
    )  # fmt: skip
    # Draw around the thresholds so that every size class and boundary is exercised.
    thresholds_wan = np.array([0, 50, 100, 300, 500, 1000, 2000, 5000, 8000, 20000, 200000])
    money = thresholds_wan[rng.integers(0, len(thresholds_wan), n)] * WAN + rng.integers(-1, 2, n)
    assets = thresholds_wan[rng.integers(0, len(thresholds_wan), n)] * WAN + rng.integers(-1, 2, n)
    staff = np.array([0, 5, 10, 20, 50, 100, 200, 300, 1000, 2000])
    employees = staff[rng.integers(0, len(staff), n)] + rng.integers(-1, 2, n)
    return pd.DataFrame(
        {
            "industry_code": codes[rng.integers(0, len(codes), n)],
            "employees": np.clip(employees, 0, None),
            "revenue": np.clip(money, 0, None).astype(np.float64),
            "total_assets": np.clip(assets, 0, None).astype(np.float64),
        }
    )


def test_classify_size_frame_agrees_with_scalar() -> None:
    df = _random_frame(5000, seed=20240601)
    # Knock out some values so missing-indicator handling is compared too.
    df.loc[df.index[::7], "total_assets"] = np.nan
    df.loc[df.index[::11], "employees"] = np.nan
    df.loc[df.index[::13], "revenue"] = np.nan

    result = classify_size_frame(df)
    assert isinstance(result.dtype, pd.CategoricalDtype)
    assert list(result.dtype.categories) == ["large", "medium", "small", "micro"]
    assert result.index.equals(df.index)

    expected: list[str | None] = []
    for row in df.itertuples(index=False):
        try:
            size = classify_size(
                row.industry_code,
                employees=None if pd.isna(row.employees) else int(row.employees),
                revenue=row.revenue,
                total_assets=row.total_assets,
            )
        except MissingIndicator:
            expected.append(None)
        else:
            expected.append(size.value)
    got = [None if pd.isna(v) else str(v) for v in result]
    assert got == expected
    # Every class and the missing case actually occur in the sample.
    assert set(expected) == {"large", "medium", "small", "micro", None}


def test_classify_size_frame_edge_cases() -> None:
    df = pd.DataFrame(
        {
            "industry_code": ["13", "13", "99", None, "47", "73", " 65 ", "13"],
            "employees": [20, 19, 20, 20, 5, 100, 10, -1],
            "revenue": [
                300 * WAN,
                300 * WAN,
                300 * WAN,
                300 * WAN,
                Decimal(300 * WAN),
                None,
                Decimal("500000"),
                300 * WAN,
            ],
            "total_assets": [None, None, None, None, 300 * WAN, None, None, None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )
    result = classify_size_frame(df)
    assert list(result.index) == [10, 11, 12, 13, 14, 15, 16, 17]
    assert [None if pd.isna(v) else v for v in result] == [
        "small",
        "micro",
        None,  # unknown industry
        None,  # missing industry
        "small",
        "medium",
        "small",
        None,  # negative employees
    ]


def test_classify_size_frame_without_total_assets_column() -> None:
    df = pd.DataFrame(
        {"industry_code": ["13", "47"], "employees": [300, 300], "revenue": [2000 * WAN] * 2}
    )
    result = classify_size_frame(df)
    assert result.iloc[0] == "medium"
    assert pd.isna(result.iloc[1])


def test_classify_size_frame_is_fast() -> None:
    df = _random_frame(1_000_000, seed=7)
    started = time.perf_counter()
    result = classify_size_frame(df)
    elapsed = time.perf_counter() - started
    assert len(result) == 1_000_000
    assert elapsed < 2.0


def test_importable_without_django() -> None:
    code = (
        "import sys; sys.modules['django'] = None; "
        "import risk_models.standards.sme_size, risk_models.standards.regions, "
        "risk_models.standards.industries; "
        "assert 'django' not in {m.split('.')[0] for m, v in sys.modules.items() if v}; "
        "from risk_models.standards.sme_size import classify_size; "
        "print(classify_size('13', employees=20, revenue=3000000).value)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "small"
