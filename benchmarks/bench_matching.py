"""Financing matchmaking on PostgreSQL: one need against every product, one bank's need list.

Its own database, ``xinyidai_bench_matching`` on the local PostgreSQL server, is bulk-loaded
with 5,000 published loan products of 50 banks (varied amounts, terms, rates, guarantees,
scenarios and eligibility rules), 20,000 synthetic enterprises and 100,000 published needs
(varied amounts, terms, regions, sizes, grades; wanted by a future date). Then, each in a fresh
process:

* ``match_one_need_5000_products``: ``selectors.matches_for(facts, terms)`` end to end (the
  product query, the numpy rules and scores, the explanations of the first 20 eligible and 20
  ineligible products, and their rows) for 50 needs after a warm-up; target under 50 ms. The
  phases are timed apart on the same needs to show where the time goes.
* ``bank_needs_first_page_100k``: ``selectors.needs_matching_bank(bank)`` for a bank with 10
  published products, the first page (20 cards) and the second one (``before`` the last card),
  repeated; target under 200 ms. The plan PostgreSQL chose is recorded for information.

``BENCH_MATCHING_SCALE`` (default 1) scales the row counts, e.g. 0.1 for a quick check.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

import numpy as np

from benchmarks._django import bench_database, bench_env, run_step

BENCH_DB = "xinyidai_bench_matching"
SEED = 20261201
SCALE = float(os.environ.get("BENCH_MATCHING_SCALE", "1"))
BANKS = 50
PRODUCTS = round(5_000 * SCALE)
TARGET_BANK_PRODUCTS = 10
NEEDS = round(100_000 * SCALE)
ENTERPRISES = max(round(20_000 * SCALE), 100)
SAMPLE_NEEDS = 50
WARM_UP = 5
PAGE_CALLS = 30
MATCH_TARGET_MS = 50.0
NEEDS_TARGET_MS = 200.0

# Counties of the needs: Zhaoqing (the platform's home), elsewhere in Guangdong, elsewhere.
COUNTIES = {
    "zhaoqing": ["441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284"],
    "guangdong": ["440103", "440104", "440106", "440303", "440304", "440305", "440604", "440606"],
    "elsewhere": ["110105", "310115", "320102", "330102", "330106", "510104"],
}
REGION_RULES = [[], ["4412"], ["44"], ["4401", "4403"], ["441202", "441203", "441284"]]
AMOUNT_MINS = [50_000, 100_000, 300_000, 500_000, 1_000_000]
AMOUNT_MAXES = [1_000_000, 3_000_000, 5_000_000, 10_000_000, 30_000_000]
TERMS = [3, 6, 12, 18, 24, 36, 60]


def _env(media_root: str) -> dict[str, str]:
    return bench_env(BENCH_DB, media_root, BENCH_MATCHING_SCALE=str(SCALE))


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    return run_step("bench_matching", args, env)


def _database(action: str) -> None:
    bench_database(BENCH_DB, create=action == "create")


def _ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, int(np.ceil(0.95 * len(values))) - 1)]
    return {"median": round(statistics.median(values), 2), "p95": round(p95, 2)}


# --- Loading ------------------------------------------------------------------------------------


def _pick_mask(rng: np.random.Generator, members: int, low: int, high: int) -> int:
    chosen = rng.choice(members, size=int(rng.integers(low, high + 1)), replace=False)
    return int(sum(1 << int(i) for i in chosen))


def _product_rows(rng: np.random.Generator, banks: list[Any], now: dt.datetime) -> list[Any]:
    """Published products: the first bank gets ``TARGET_BANK_PRODUCTS`` for Zhaoqing (4412),
    the second as many narrow ones (one county, farming or manufacturing, grade B or better:
    few needs fit),
    the other banks share the rest."""
    from xinyidai.financing import flags
    from xinyidai.financing.models import LoanProduct

    owners = [banks[0]] * TARGET_BANK_PRODUCTS + [banks[1]] * TARGET_BANK_PRODUCTS
    owners += [banks[2 + i % (len(banks) - 2)] for i in range(PRODUCTS - len(owners))]
    rows = []
    for i, bank in enumerate(owners):
        local, narrow = bank == banks[0], bank == banks[1]
        amount_min = int(rng.choice(AMOUNT_MINS))
        amount_max = max(int(rng.choice(AMOUNT_MAXES)), amount_min * 2)
        term_min = int(rng.choice([1, 3, 6, 12]))
        term_max = max(int(rng.choice([12, 24, 36, 60])), term_min)
        rate_min = round(float(rng.uniform(3.0, 5.5)), 2)
        regions = REGION_RULES[int(rng.integers(len(REGION_RULES)))]
        regions = ["4412"] if local else (["441226"] if narrow else regions)
        industries = 0 if rng.random() < 0.6 else _pick_mask(rng, len(flags.SECTION_CODES), 1, 4)
        industries = flags.industry_mask(["A", "C"]) if narrow else industries
        worst_grade = "B" if narrow else str(rng.choice(["", "B", "C", "C", "D"]))
        rows.append(
            LoanProduct(
                bank=bank,
                name=f"基准产品{i:05d}",
                summary="基准测试产品",
                scenario_mask=_pick_mask(rng, len(flags.Scenario), 1, 2),
                amount_min=Decimal(amount_min),
                amount_max=Decimal(amount_max),
                term_min=term_min,
                term_max=term_max,
                rate_min=Decimal(str(rate_min)),
                rate_max=Decimal(str(round(rate_min + float(rng.uniform(1.0, 4.0)), 2))),
                guarantee_mask=_pick_mask(rng, len(flags.Guarantee), 1, 3),
                region_prefixes=regions,
                industry_mask=industries,
                size_mask=0 if rng.random() < 0.6 else _pick_mask(rng, len(flags.SIZE_CODES), 1, 3),
                min_years=Decimal(int(rng.choice([0, 0, 1, 2, 3]))),
                worst_grade=worst_grade,
                excluded_flag_mask=int(rng.choice([0, 1, 3, 7])),
                worst_tax_grade=str(rng.choice(["", "", "B", "M"])),
                first_loan_friendly=bool(rng.random() < 0.2),
                promised_accept_days=int(rng.integers(1, 4)),
                promised_decision_days=int(rng.integers(3, 11)),
                status=LoanProduct.Status.PUBLISHED,
                published_at=now - dt.timedelta(days=int(rng.integers(1, 400))),
            )
        )
    return rows


def _need_rows(
    rng: np.random.Generator, enterprise_ids: list[int], now: dt.datetime, today: dt.date
) -> list[Any]:
    from xinyidai.financing import flags
    from xinyidai.financing.models import FinancingNeed

    n = NEEDS
    place = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    kinds = list(COUNTIES)
    amounts = np.round(np.exp(rng.uniform(np.log(50_000), np.log(20_000_000), n)), -4)
    published = rng.integers(0, 90 * 24 * 3600, n)
    sections = rng.choice(list(flags.SECTION_CODES), size=n)
    sizes = rng.choice(["micro", "small", "medium", "large"], size=n, p=[0.55, 0.33, 0.1, 0.02])
    grades = rng.choice(["A", "B", "C", "D", "E"], size=n, p=[0.05, 0.5, 0.3, 0.1, 0.05])
    tax = rng.choice(["A", "B", "M", "C", "D", ""], size=n, p=[0.1, 0.5, 0.2, 0.08, 0.04, 0.08])
    rows = []
    for i in range(n):
        counties = COUNTIES[kinds[place[i]]]
        rows.append(
            FinancingNeed(
                enterprise_id=enterprise_ids[i % len(enterprise_ids)],
                amount=Decimal(int(max(amounts[i], 10_000))),
                term_months=int(rng.choice(TERMS)),
                purpose=str(rng.choice(flags.Purpose.values)),
                description="基准测试需求",
                guarantee_mask=_pick_mask(rng, len(flags.Guarantee), 1, 3),
                max_rate=Decimal(str(round(float(rng.uniform(3.5, 8.0)), 2))),
                wanted_by=today + dt.timedelta(days=int(rng.integers(10, 180))),
                scenario_mask=_pick_mask(rng, len(flags.Scenario), 0, 2),
                status=FinancingNeed.Status.PUBLISHED,
                region_code=counties[int(rng.integers(len(counties)))],
                industry_section=str(sections[i]),
                size_class=str(sizes[i]),
                established_on=today - dt.timedelta(days=int(rng.integers(100, 20 * 365))),
                grade=str(grades[i]),
                tax_grade=str(tax[i]),
                list_flag_mask=int(rng.choice([0] * 18 + [1, 4])),
                first_loan=bool(rng.random() < 0.4),
                published_at=now - dt.timedelta(seconds=int(published[i])),
            )
        )
    return rows


def _prepare() -> dict[str, Any]:
    """The database, banks, products, enterprises and needs; then ANALYZE."""
    _database("create")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from risk_models.synth import synth_enterprises
    from xinyidai.accounts.services import bank_create
    from xinyidai.core.demo import _load_registry
    from xinyidai.financing.models import FinancingNeed, LoanProduct
    from xinyidai.registry.models import Enterprise

    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    now, today = timezone.now(), timezone.localdate()
    banks = [
        bank_create(
            name=f"基准银行{i:02d}股份有限公司",
            short_name=f"基准银行{i:02d}",
            licence_number=f"B{i:04d}H244120001",
            head_office_region="441202",
        )
        for i in range(BANKS)
    ]
    LoanProduct.objects.bulk_create(_product_rows(rng, banks, now), batch_size=1000)
    _load_registry(synth_enterprises(ENTERPRISES, seed=SEED))
    enterprise_ids = list(Enterprise.objects.values_list("pk", flat=True))
    FinancingNeed.objects.bulk_create(_need_rows(rng, enterprise_ids, now, today), batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE financing_financingneed")
        cursor.execute("VACUUM ANALYZE financing_loanproduct")
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    return {
        "postgresql": server,
        "products": LoanProduct.objects.count(),
        "needs": FinancingNeed.objects.count(),
        "enterprises": len(enterprise_ids),
        "load_s": time.perf_counter() - started,
    }


# --- Measuring ----------------------------------------------------------------------------------


def _facts_and_terms(need: Any) -> tuple[Any, Any]:
    from xinyidai.financing.selectors import need_facts, need_terms

    return need_facts(need), need_terms(need)


def _match() -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from xinyidai.financing import selectors
    from xinyidai.financing.matching import PRODUCT_COLUMNS, ProductFrame, match
    from xinyidai.financing.models import FinancingNeed, LoanProduct

    ids = sorted(FinancingNeed.objects.values_list("pk", flat=True))
    chosen = np.random.default_rng(SEED).choice(ids, WARM_UP + SAMPLE_NEEDS, replace=False)
    sample = list(FinancingNeed.objects.filter(pk__in=[int(i) for i in chosen]).order_by("pk"))
    cases = [_facts_and_terms(need) for need in sample]
    for facts, terms in cases[:WARM_UP]:
        selectors.matches_for(facts, terms)
    cases = cases[WARM_UP:]
    totals, eligible_counts = [], []
    gen2_before = gc.get_stats()[2]["collections"]
    for facts, terms in cases:
        started = time.perf_counter()
        found = selectors.matches_for(facts, terms)
        totals.append(time.perf_counter() - started)
        eligible_counts.append(found.result.eligible_count)
        assert len(found.eligible) == min(20, found.result.eligible_count)
    gen2 = gc.get_stats()[2]["collections"] - gen2_before

    # The first match after a product changed: the process rebuilds its frame of products.
    cold = []
    for facts, terms in cases:
        selectors.products_changed()
        started = time.perf_counter()
        selectors.matches_for(facts, terms)
        cold.append(time.perf_counter() - started)

    # The same needs again, phase by phase (what matches_for does, taken apart).
    phases: dict[str, list[float]] = {
        k: [] for k in ("fetch_raw", "fetch_orm", "frame", "rules", "explain", "rows")
    }
    queryset = selectors.published_products().values_list(*PRODUCT_COLUMNS)
    sql, params = queryset.query.sql_with_params()
    for facts, terms in cases:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
        t1 = time.perf_counter()
        rows = list(queryset.all())
        t2 = time.perf_counter()
        frame = ProductFrame.from_rows(rows)
        t3 = time.perf_counter()
        result = match(facts, terms, frame)
        t4 = time.perf_counter()
        shown = result.ranked(20) + result.ranked(20, eligible=False)
        t5 = time.perf_counter()
        LoanProduct.objects.select_related("bank").in_bulk([m.product_id for m in shown])
        t6 = time.perf_counter()
        for key, seconds in zip(
            phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True
        ):
            phases[key].append(seconds)
    return {
        "total": _ms(totals),
        "cold": _ms(cold),
        "phases": {k: _ms(v) for k, v in phases.items()},
        "products": len(frame),
        "eligible_median": int(statistics.median(eligible_counts)),
        "needs": len(cases),
        "gc_gen2": gen2,
    }


def _plan(sql: str, params: Any) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        (document,) = cursor.fetchone()
    if isinstance(document, str):
        document = json.loads(document)
    root = document[0]["Plan"]
    nodes = []
    node = root
    while node is not None:
        nodes.append(
            node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        )
        children = node.get("Plans") or []
        node = children[0] if children else None
    return {
        "top": root["Node Type"],
        "path": " > ".join(nodes),
        "rows_removed_by_filter": max([*_walk_plan(root, "Rows Removed by Filter"), 0]),
        "execution_ms": round(document[0]["Execution Time"], 2),
    }


def _walk_plan(node: dict[str, Any], key: str) -> list[Any]:
    found = [node[key]] if key in node else []
    for child in node.get("Plans") or []:
        found += _walk_plan(child, key)
    return found


def _bank_pages(bank: Any) -> dict[str, Any]:
    """First and second page of one bank's list, timed; the plans of both queries."""
    from django.db import connection

    from xinyidai.financing import selectors

    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    for _ in range(WARM_UP):
        first = selectors.needs_matching_bank(bank)
    assert first, "no need fits the bank's products"
    last = first[-1]
    assert last.published_at is not None
    cursor_at = (last.published_at, last.id)
    first_s, second_s = [], []
    for _ in range(PAGE_CALLS):
        started = time.perf_counter()
        page = selectors.needs_matching_bank(bank)
        first_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        second = selectors.needs_matching_bank(bank, before=cursor_at)
        second_s.append(time.perf_counter() - started)
        assert [c.id for c in page] == [c.id for c in first]
        assert not {c.id for c in second} & {c.id for c in first}
    with connection.execute_wrapper(capture):
        selectors.needs_matching_bank(bank)
        selectors.needs_matching_bank(bank, before=cursor_at)
    need_queries = [(sql, p) for sql, p in captured if "financing_financingneed" in sql]
    return {
        "first": _ms(first_s),
        "second": _ms(second_s),
        "first_plan": _plan(*need_queries[0]),
        "second_plan": _plan(*need_queries[1]),
        "matching": len(selectors.needs_matching_bank(bank, limit=NEEDS)),
        "pages": [len(first), len(second)],
        "products": bank.products.filter(status="published").count(),
    }


def _needs() -> dict[str, Any]:
    import django

    django.setup()
    from xinyidai.accounts.models import Bank

    return {
        kind: _bank_pages(Bank.objects.get(licence_number=f"B{i:04d}H244120001"))
        for i, kind in enumerate(("broad", "narrow"))
    }


# --- Orchestration ------------------------------------------------------------------------------


def _machine(postgresql: str) -> dict[str, Any]:
    """What the runner records of the machine, and the database server's version."""
    from benchmarks.__main__ import _machine as runner_machine

    return {**runner_machine(), "postgresql": postgresql}


def _figure(name: str, value: Any, unit: str, scale: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "scale": scale}


def _match_figures(matched: dict[str, Any], products: int) -> list[dict[str, Any]]:
    name = f"match_one_need_{products}_products"
    scale = (
        f"{products:,} published products of {BANKS} banks in PostgreSQL; "
        f"selectors.matches_for end to end for {matched['needs']} needs after {WARM_UP} "
        f"warm-up calls (median {matched['eligible_median']} eligible): query, numpy rules "
        "and scores, 20 eligible and 20 ineligible explained, their rows"
    )
    total = matched["total"]
    return [
        _figure(f"{name}.median_ms", total["median"], "ms", scale),
        _figure(
            f"{name}.p95_ms",
            total["p95"],
            "ms",
            f"{scale}; {matched['gc_gen2']} full garbage collections during the "
            f"{matched['needs']} calls",
        ),
        _figure(
            f"{name}.target_met",
            total["p95"] < MATCH_TARGET_MS,
            "bool",
            f"{scale}; target: under {MATCH_TARGET_MS:.0f} ms (p95); median {total['median']} "
            f"ms, p95 {total['p95']} ms measured",
        ),
        _figure(
            f"{name}.after_product_change.median_ms",
            matched["cold"]["median"],
            "ms",
            f"{scale}; each call right after a product changed, so the process re-reads and "
            f"rebuilds its frame of products first (p95 {matched['cold']['p95']} ms)",
        ),
        *[
            _figure(
                f"{name}.phase.{phase}.median_ms",
                values["median"],
                "ms",
                f"{products:,} products, the same needs; {PHASES[phase]}",
            )
            for phase, values in matched["phases"].items()
        ],
    ]


def _needs_figures(listed: dict[str, Any], needs: int) -> list[dict[str, Any]]:
    base = f"bank_needs_first_page_{needs // 1000}k"
    figures = []
    for kind, prefix in (("broad", base), ("narrow", f"{base}.narrow_bank")):
        bank = listed[kind]
        scale = (
            f"{needs:,} published needs in PostgreSQL; a bank with {bank['products']} "
            f"published {KINDS[kind]} products, {bank['matching']:,} needs fit one of them; "
            f"selectors.needs_matching_bank, pages of {bank['pages'][0]} and "
            f"{bank['pages'][1]} cards, {PAGE_CALLS} calls each after {WARM_UP} warm-up"
        )
        first, second = bank["first"], bank["second"]
        plan, plan_2 = bank["first_plan"], bank["second_plan"]
        figures += [
            _figure(f"{prefix}.median_ms", first["median"], "ms", scale),
            _figure(f"{prefix}.p95_ms", first["p95"], "ms", scale),
            _figure(f"{prefix}.second_page.median_ms", second["median"], "ms", scale),
            _figure(f"{prefix}.second_page.p95_ms", second["p95"], "ms", scale),
            _figure(
                f"{prefix}.target_met",
                max(first["p95"], second["p95"]) < NEEDS_TARGET_MS,
                "bool",
                f"{scale}; target: both pages under {NEEDS_TARGET_MS:.0f} ms (p95); "
                f"{first['p95']} and {second['p95']} ms measured",
            ),
            _figure(
                f"{prefix}.plan",
                plan["top"],
                "plan node",
                f"{scale}; EXPLAIN ANALYZE of the first page: {plan['path']}, "
                f"{plan['execution_ms']} ms in the server, {plan['rows_removed_by_filter']:,} "
                f"rows removed by the filter; of the second: {plan_2['path']}, "
                f"{plan_2['execution_ms']} ms",
            ),
        ]
    return figures


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as directory:
        env = _env(directory)
        try:
            prepared = _child(["prepare"], env)
            matched = _child(["match"], env)
            listed = _child(["needs"], env)
        finally:
            _child(["drop"], env)
    products, needs = prepared["products"], prepared["needs"]
    figures = [
        *_match_figures(matched, products),
        *_needs_figures(listed, needs),
        _figure(
            "bench_matching.load.seconds",
            round(prepared["load_s"], 1),
            "s",
            f"{BANKS} banks, {products:,} products, {prepared['enterprises']:,} enterprises, "
            f"{needs:,} needs bulk-loaded, then VACUUM ANALYZE",
        ),
        _figure(
            "bench_matching.machine",
            _machine(prepared["postgresql"]),
            "facts",
            "the machine and PostgreSQL server the figures were measured on",
        ),
    ]
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for figure in figures:
        figure["measured_at"] = measured_at
    return figures


KINDS = {
    "broad": "Zhaoqing (4412)",
    "narrow": "narrow (one county, farming or manufacturing, grade B or better)",
}
PHASES = {
    "fetch_raw": "the product query through the cursor, without Django's row conversion",
    "fetch_orm": "the same query through values_list (what product_frame reads)",
    "frame": "ProductFrame.from_rows: rows to numpy columns",
    "rules": "matching.match: every rule and score over all products (numpy)",
    "explain": "MatchResult.ranked: the 20 eligible and 20 ineligible explained",
    "rows": "in_bulk of the 40 shown products with their banks",
}


if __name__ == "__main__":
    step = sys.argv[1]
    if step == "prepare":
        out = _prepare()
    elif step == "match":
        out = _match()
    elif step == "needs":
        out = _needs()
    else:
        _database("drop")
        out = {}
    print(json.dumps(out, ensure_ascii=False, default=str))
