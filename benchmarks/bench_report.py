"""The PDF credit report: time to build one report, without the font load.

``consent.report.build_report`` is a pure function of the authorized content and the report's
facts, so no database is needed: a synthetic content dict of the shape ``profile_fetch`` hands
over (every scope granted, 36 months of every monthly measure, tax-credit grades, a registration
record, 12 public-credit events, two records under objection) is built into a PDF once to load
and register the CJK font, then ``RUNS`` times; the median and p95 are reported with the PDF's
size and pages. Target: median under 200 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

RUNS = 200
TARGET_MS = 200.0
SEED = 20261130
AS_OF = dt.date(2026, 11, 1)


def _months() -> list[str]:
    last = AS_OF.year * 12 + AS_OF.month - 2
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - 35, last + 1)]


def sample_content() -> dict[str, Any]:
    """A full lending profile's authorized content (all scopes), synthetic."""
    from xinyidai.consent.scopes import Scope
    from xinyidai.profiles.content import MEASURES

    rng = random.Random(SEED)
    months = _months()
    names = {
        "tax_monthly": "纳税月度信息",
        "social_insurance_monthly": "社会保险缴纳信息",
        "housing_fund_monthly": "住房公积金缴存信息",
        "utilities_monthly": "水电气缴费信息",
    }
    base = {
        "tax_paid": 38_000,
        "declared_sales": 1_250_000,
        "arrears_amount": 0,
        "insured_headcount": 46,
        "amount_paid": 52_000,
        "arrears_months": 0,
        "contributors": 30,
        "electricity": 18_500,
        "water": 640,
        "gas": 1_200,
    }
    sources: dict[str, Any] = {}
    for code, measures in MEASURES.items():
        series = {}
        for measure in measures:
            level = base.get(measure.key, 1000)
            digits = 2 if measure.unit == "元" else (0 if measure.unit in ("人", "月") else 1)
            values: list[Any] = [
                None if rng.random() < 0.05 else round(level * rng.uniform(0.7, 1.3), digits)
                for _ in months
            ]
            series[measure.key] = values
        sources[code] = {
            "name": names[code],
            "kind": "monthly",
            "delivered": True,
            "missing": False,
            "months_12m": 12,
            "coverage_12m": 1.0,
            "latest_period": months[-1],
            "measures": [
                {"key": m.key, "label": m.label, "unit": m.unit, "latest": None, "total_12m": None}
                for m in measures
            ],
            "series": series,
        }
    sources["tax_credit_grade"] = {
        "name": "纳税信用等级",
        "kind": "yearly",
        "delivered": True,
        "missing": False,
        "history": [{"year": y, "grade": g} for y, g in ((2025, "B"), (2024, "A"), (2023, "B"))],
    }
    sources["registration"] = {
        "name": "登记注册信息",
        "kind": "registration",
        "delivered": True,
        "missing": False,
        "record": {
            "changed_on": "2024-03-18",
            "name": "肇庆市端州区示例制造有限公司",
            "status": "operating",
            "registered_capital": 5_000_000,
            "established_on": "2015-06-01",
            "legal_rep_name": "王示例",
            "region_code": "441202",
            "industry_code": "3311",
        },
    }
    event_codes = {
        "admin_licence": "行政许可信息",
        "admin_penalty": "行政处罚信息",
        "dishonest_debtor": "失信被执行人信息",
        "abnormal_operation": "经营异常名录信息",
        "serious_dishonesty": "严重失信主体名单信息",
        "red_list": "红名单信息",
    }
    events = []
    for i in range(12):
        code = list(event_codes)[i % len(event_codes)]
        events.append(
            {
                "source": code,
                "source_name": event_codes[code],
                "date": f"202{3 + i % 3}-{1 + i % 12:02d}-15",
                "key": {"uscc": "91441202MA51234567", "number": f"肇端市监罚〔2025〕{i + 1}号"},
                "in_force": None if code in ("admin_licence", "admin_penalty") else i % 2 == 0,
                "details": {
                    "决定文书号": f"肇端市监罚〔2025〕{i + 1}号",
                    "事由": "未按规定公示年度报告，责令改正并处以罚款",
                    "罚款金额": 5000 + i * 100,
                },
            }
        )
    for code, name in event_codes.items():
        sources[code] = {
            "name": name,
            "kind": "events",
            "delivered": True,
            "missing": False,
            "records": sum(e["source"] == code for e in events),
        }
    return {
        "enterprise": {"uscc": "91441202MA51234567", "name": "肇庆市端州区示例制造有限公司"},
        "profile": {
            "version": 7,
            "as_of": AS_OF.isoformat(),
            "built_at": "2026-11-02T03:15:00+08:00",
            "grade": "B",
            "probability": "0.021300",
            "model": "general-v3",
            "reasons": [
                {"feature": "tax_paid_trend_6m", "text": "近6个月纳税额下降 30%"},
                {"feature": "si_headcount_trend_3m", "text": "社保参保人数近3个月减少 4 人"},
                {"feature": "electricity_trend_6m", "text": "近6个月用电量下降 18%"},
                {"feature": "penalty_minor_count_36m", "text": "近3年有2次一般行政处罚"},
            ],
        },
        "months": months,
        "sources": sources,
        "scopes": list(Scope.values),
        "registration": {
            "uscc": "91441202MA51234567",
            "name": "肇庆市端州区示例制造有限公司",
            "status": "operating",
            "region_code": "441202",
            "region": "广东省 肇庆市 端州区",
            "industry_code": "3311",
            "industry": "金属结构制造",
            "size_class": "small",
            "established_on": "2015-06-01",
            "registered_capital": 5_000_000,
            "employees": 52,
        },
        "events": events,
        "flags": {
            "dishonest_debtor": False,
            "abnormal_operation": True,
            "serious_dishonesty": False,
            "red_list": None,
        },
        "under_objection": [
            {"source": "tax_monthly", "period": months[-3], "summary": "该月实缴税款有误"},
            {"source": events[1]["source"], "key": events[1]["key"], "summary": "处罚已撤销"},
        ],
        "legal_representative": {"name": "王示例"},
    }


def sample_meta() -> Any:
    from xinyidai.consent.report import ReportMeta

    moment = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC)
    return ReportMeta(
        number="XYD-20261130-000123",
        verification_code="bQ3xY7kP2mN9vR4t",
        verify_url="https://xinyidai.example/verify/bQ3xY7kP2mN9vR4t",
        generated_at=moment,
        bank="肇庆示例农村商业银行股份有限公司",
        branch="端州支行",
        officer="李客户经理",
        purpose="贷前审查",
        authorization="第 42 号",
        signed_at=moment - dt.timedelta(days=3),
        valid_from=moment - dt.timedelta(days=3),
        expires_at=moment + dt.timedelta(days=87),
        history_months=36,
    )


def _ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, max(0, round(0.95 * len(values)) - 1))]
    return {"median": round(statistics.median(values), 2), "p95": round(p95, 2)}


def run() -> list[dict[str, Any]]:
    import django

    django.setup()  # the builder translates its labels and shows local times
    from django.utils import translation

    from xinyidai.consent.report import build_report, register_font

    translation.activate("zh-hans")
    content, meta = sample_content(), sample_meta()
    started = time.perf_counter()
    register_font()
    font_s = time.perf_counter() - started
    started = time.perf_counter()
    document = build_report(content, meta)  # warm-up: the first document's code paths
    first_s = time.perf_counter() - started
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        document = build_report(content, meta)
        timings.append(time.perf_counter() - started)
    pages = document.count(b"/Type /Page\n") or document.count(b"/Type /Page ")
    measured = _ms(timings)
    measures = sum(len(s.get("series", {})) for s in content["sources"].values())
    scale = (
        f"one report of every scope: 36 months of {measures} "
        f"monthly measures charted, 12 events, {len(document):,} bytes, {pages} pages; "
        f"{RUNS} builds after one warm-up, the font loaded before"
    )
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    figures = [
        {"name": "report_pdf.median_ms", "value": measured["median"], "unit": "ms", "scale": scale},
        {"name": "report_pdf.p95_ms", "value": measured["p95"], "unit": "ms", "scale": scale},
        {
            "name": "report_pdf.target_met",
            "value": measured["median"] < TARGET_MS,
            "unit": "bool",
            "scale": f"{scale}; target: median under {TARGET_MS:.0f} ms",
        },
        {"name": "report_pdf.bytes", "value": len(document), "unit": "bytes", "scale": scale},
        {
            "name": "report_pdf.font_load_ms",
            "value": round(font_s * 1000, 1),
            "unit": "ms",
            "scale": "registering the GB2312 subset of WenQuanYi Micro Hei, once per process",
        },
        {
            "name": "report_pdf.first_build_ms",
            "value": round(first_s * 1000, 1),
            "unit": "ms",
            "scale": "the first report after the font load (not counted in the median)",
        },
    ]
    for figure in figures:
        figure["measured_at"] = measured_at
    return figures
