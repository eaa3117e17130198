"""The regulator's oversight at province scale: loading, the cube, the dashboard and the reports.

Its own database (``xinyidai_bench_oversight`` on the local PostgreSQL server, or
``BENCH_OVERSIGHT_DB``) is created, migrated and loaded with a deterministic synthetic province
(seeded numpy; invented names and codes, no real data) through PostgreSQL ``COPY``:

* 500,000 enterprises over Guangdong's 21 cities and ~124 county-level codes (the counties the
  bundled ``regions.csv`` lists for 深圳 and 肇庆; for the other cities, county codes numbered
  after the city's code, which the partial table accepts), 20 banks with 10 branches each and
  3 products each;
* 3,000,000 applications submitted over 36 months (2024-01 to 2026-12, the last one running:
  "today" is ``TODAY``), each with its lifecycle: accepted and decided in working days against
  its product's promise, 1,000,000 of them disbursed as loans (rates, terms, guarantees with a
  credit share near 30%, first-loan flags, settlements, overdues, cures and defaults), the others
  rejected with a reason, withdrawn, approved and not drawn, or still open;
* 200,000 published needs (80,000 of them answered by an application) and 500,000 access-log
  fetches by the banks (written directly: the hash chain is not valid on this database).

Then, each step in a fresh process so that its peak memory is its own, and each under
``time_machine`` at ``NOW``:

* the full cube build (``cube.rebuild_all()``), with its peak RSS;
* the refresh of one year after marking it dirty (``mark_dirty`` + ``refresh_dirty``), with the
  time spent in each phase of ``cube.build_year``;
* the dashboard pages for a province regulator (jurisdiction 44, logged in and TOTP-verified),
  through the Django test client: each page once to warm up, then ``PAGE_RUNS`` times; median,
  p95 and max. Target: p95 under 300 ms for every page. Then each cube read of the current
  month alone (``selectors.comparison``, ``series``, ``breakdown`` by every dimension);
* report generation for the province (``services.report_generate``, as the task runs it): last
  month (the first in its process), last year, and last month again.

About 8 minutes on 2 CPUs, most of it the load (~2 min) and the cube's build (~4 min).
``BENCH_OVERSIGHT_SCALE`` (default 1) scales every volume, e.g. 0.05 for a quick check.
``BENCH_OVERSIGHT_KEEP=1`` keeps the database afterwards; ``BENCH_OVERSIGHT_REUSE=1`` reuses a
kept database loaded with the same seed and scale instead of loading it again;
``BENCH_OVERSIGHT_PROFILE=1`` adds a cProfile of one year's build (~1.5 min more).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks._django import bench_database, bench_env, run_step

BENCH_DB = os.environ.get("BENCH_OVERSIGHT_DB", "xinyidai_bench_oversight")
SEED = 20261218
SCALE = float(os.environ.get("BENCH_OVERSIGHT_SCALE", "1"))
KEEP = os.environ.get("BENCH_OVERSIGHT_KEEP") == "1"
REUSE = os.environ.get("BENCH_OVERSIGHT_REUSE") == "1"
PROFILE = os.environ.get("BENCH_OVERSIGHT_PROFILE") == "1"

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 18)  # a Friday; every step runs at NOW
NOW = dt.datetime(2026, 12, 18, 15, 0, tzinfo=SHANGHAI)
FIRST_DAY = dt.date(2024, 1, 1)
REFRESH_YEAR = 2026  # the running year: the largest balances and the one that changes

ENTERPRISES = max(round(500_000 * SCALE), 2_000)
APPLICATIONS = max(round(3_000_000 * SCALE), 12_000)
LOANS = max(round(1_000_000 * SCALE), 4_000)
NEEDS = max(round(200_000 * SCALE), 800)
MATCHED_NEEDS = NEEDS * 2 // 5
FETCHES = max(round(500_000 * SCALE), 2_000)
BANKS = 20
BRANCHES_PER_BANK = 10  # the head office and nine city branches
PRODUCTS_PER_BANK = 3

PAGE_RUNS = 20
TARGET_MS = 300.0
REGULATOR = "bench_gd_regulator"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway benchmark account
SIGNATURE = f"bench_oversight seed={SEED} scale={SCALE:g} today={TODAY}"

# County-level units per city where ``regions.csv`` lists none (numbered after the city's code,
# as real codes are); 0: the city has no county level (东莞, 中山), its own code is used.
SYNTHETIC_COUNTIES = {
    "4401": 11, "4402": 10, "4404": 3, "4405": 7, "4406": 5, "4407": 7, "4408": 9, "4409": 5,
    "4413": 5, "4414": 8, "4415": 4, "4416": 6, "4417": 4, "4418": 8, "4419": 0, "4420": 0,
    "4451": 3, "4452": 5, "4453": 5,
}  # fmt: skip
CITY_WEIGHTS = {
    "4401": 20, "4403": 22, "4406": 9, "4419": 9, "4413": 4, "4420": 4, "4404": 3, "4407": 3,
    "4405": 3, "4408": 2.5, "4412": 2.5, "4409": 2, "4452": 2, "4418": 2, "4414": 1.5,
    "4402": 1.5, "4416": 1.2, "4417": 1.2, "4451": 1.2, "4415": 1, "4453": 1,
}  # fmt: skip
SECTION_WEIGHTS = {
    "A": 4, "B": 0.5, "C": 30, "D": 1, "E": 7, "F": 25, "G": 4, "H": 5, "I": 6, "K": 2,
    "L": 6, "M": 4, "N": 1, "O": 2.5, "P": 0.5, "Q": 0.5, "R": 1,
}  # fmt: skip
GUARANTEES = ("credit", "guarantee", "mortgage", "pledge_receivables", "pledge_ip",
              "pledge_warehouse")  # fmt: skip
# Three products per bank: credit (tax credit), secured (mortgage), pledges (supply chain).
PRODUCT_KINDS = (
    ("纳税信用贷", 0.38, {"credit": 0.9, "guarantee": 0.1}, ("tax_credit", "first_loan"), 1, 3),
    ("抵押经营贷", 0.37, {"mortgage": 0.7, "guarantee": 0.3}, ("agriculture",), 2, 7),
    (
        "供应链融资",
        0.25,
        {"pledge_receivables": 0.45, "pledge_ip": 0.25, "pledge_warehouse": 0.15,
         "guarantee": 0.15},
        ("supply_chain", "technology"),
        2,
        5,
    ),
)  # fmt: skip
BASE_RATE = {"credit": 4.3, "guarantee": 4.6, "mortgage": 3.7, "pledge_receivables": 4.4,
             "pledge_ip": 4.0, "pledge_warehouse": 4.5}  # fmt: skip
REJECT_REASONS = ("R01", "R02", "R03", "R04", "R05", "R06", "R07", "R99")
PURPOSES = ("working_capital", "equipment", "research", "orders", "expansion", "refinancing",
            "other")  # fmt: skip


def _env(media_root: str) -> dict[str, str]:
    return bench_env(
        BENCH_DB,
        media_root,
        BENCH_OVERSIGHT_SCALE=str(SCALE),
        BENCH_OVERSIGHT_DB=BENCH_DB,
        DATABASE_CONN_MAX_AGE="600",
    )


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    return run_step("bench_oversight", args, env)


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@contextmanager
def _at_now() -> Iterator[None]:
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


def _setup() -> None:
    import django

    django.setup()
    from django.utils import translation

    translation.activate("zh-hans")


# --- Synthetic province ---------------------------------------------------------------------------


def _regions() -> tuple[list[str], list[str], list[float]]:
    """County-level codes, the city (4 digits) of each, and each one's share of enterprises."""
    import numpy as np

    from risk_models.standards.regions import _table

    listed: dict[str, list[str]] = {}
    for code, region in _table().items():
        if code.startswith("44") and region.level == "county":
            listed.setdefault(code[:4], []).append(code)
    rng = np.random.default_rng(SEED + 1)
    codes: list[str] = []
    cities: list[str] = []
    shares: list[float] = []
    for city, weight in CITY_WEIGHTS.items():
        if city in listed:
            counties = sorted(listed[city])
        elif SYNTHETIC_COUNTIES[city]:
            counties = [f"{city}{n:02d}" for n in range(2, 2 + SYNTHETIC_COUNTIES[city])]
        else:
            counties = [f"{city}00"]
        split = rng.dirichlet(np.full(len(counties), 2.0))
        for county, part in zip(counties, split, strict=True):
            codes.append(county)
            cities.append(city)
            shares.append(weight * float(part))
    total = sum(shares)
    return codes, cities, [s / total for s in shares]


def _divisions() -> tuple[list[str], list[float]]:
    """Two-digit industry divisions and each one's share of enterprises."""
    from risk_models.standards.industries import divisions

    codes: list[str] = []
    weights: list[float] = []
    for section, weight in SECTION_WEIGHTS.items():
        members = [d.code for d in divisions(section) if len(d.code) == 2]
        codes += members
        weights += [weight / len(members)] * len(members)
    total = sum(weights)
    return codes, [w / total for w in weights]


class _Calendar:
    """Working days as day numbers (days since 1970-01-01), vectorized over the project's
    calendar of Chinese public holidays (``core.workdays``)."""

    def __init__(self) -> None:
        import numpy as np

        from xinyidai.core import workdays

        calendar = workdays._calendar()
        self.first = int(np.datetime64(workdays.FIRST, "D").astype(np.int64))
        self.cumulative = calendar.cumulative
        self.working = calendar.working

    def add(self, days: Any, count: Any) -> Any:
        """The ``count``-th working day after each day (the day itself for 0)."""
        import numpy as np

        index = np.asarray(days) - self.first
        target = self.cumulative[index] + count
        found = np.searchsorted(self.cumulative, target, side="left")
        return np.where(np.asarray(count) == 0, index, found) + self.first

    def is_working(self, days: Any) -> Any:
        import numpy as np

        return self.working[np.asarray(days) - self.first]


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _stamps(days: Any, seconds: Any) -> Any:
    """UTC epoch seconds of local (Beijing) day numbers and seconds into the day."""
    return days * 86_400 + seconds - 8 * 3_600


class _Tables:
    """Arrow tables and their COPY into PostgreSQL."""

    @staticmethod
    def column(values: Any, kind: str, valid: Any = None) -> Any:
        import numpy as np
        import pyarrow as pa

        types = {
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "date": pa.date32(),
            "stamp": pa.timestamp("s", tz="UTC"),
            "str": pa.string(),
        }
        mask = None if valid is None else ~np.asarray(valid, dtype=bool)
        array = np.asarray(values)
        if kind == "date":
            array = array.astype(np.int32)
        return pa.array(array, type=types[kind], mask=mask)

    @staticmethod
    def copy(cursor: Any, table: str, columns: dict[str, Any], chunk: int = 250_000) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        frame = pa.table(columns)
        names = ", ".join(f'"{name}"' for name in columns)
        options = pacsv.WriteOptions(include_header=False)
        for start in range(0, frame.num_rows, chunk):
            buffer = io.BytesIO()
            pacsv.write_csv(frame.slice(start, chunk), buffer, options)
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)


def _secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``table`` that no constraint owns."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = %s AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [table],
    )
    return list(cursor.fetchall())


def _load_table(cursor: Any, table: str, columns: dict[str, Any]) -> float:
    """COPY ``columns`` into ``table`` without its secondary indexes, then rebuild them."""
    started = time.perf_counter()
    indexes = _secondary_indexes(cursor, table)
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    _Tables.copy(cursor, table, columns)
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
    )
    return time.perf_counter() - started


def _organizations() -> dict[str, Any]:
    """Banks, branches and products through the services (a few hundred rows); the province's
    regulator and its analyst with a confirmed TOTP device."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinyidai.accounts.models import Branch, Role
    from xinyidai.accounts.services import (
        bank_create,
        branch_create,
        membership_grant,
        regulator_create,
    )
    from xinyidai.financing import flags
    from xinyidai.financing.flags import Guarantee, Scenario
    from xinyidai.financing.models import LoanProduct

    rng = np.random.default_rng(SEED + 2)
    codes, county_city, _shares = _regions()
    cities = list(CITY_WEIGHTS)
    counties_of = {
        c: [k for k, kc in zip(codes, county_city, strict=True) if kc == c] for c in cities
    }
    banks = []
    branch_of = np.zeros((BANKS, len(cities)), dtype=np.int64)  # the branch serving a city
    products = []
    for b in range(BANKS):
        home = cities[b % 2]  # head offices in 广州 and 深圳
        bank = bank_create(
            name=f"基准测试银行{b + 1:02d}股份有限公司",
            short_name=f"基准{b + 1:02d}行",
            licence_number=f"BENCH{b + 1:04d}",
            head_office_region=counties_of[home][0],
        )
        head = Branch.objects.get(bank=bank, is_head_office=True)
        branch_of[b, :] = head.pk
        others = [c for c in cities if c != home]
        for n, city in enumerate(rng.choice(others, BRANCHES_PER_BANK - 1, replace=False)):
            branch = branch_create(
                bank=bank,
                name=f"基准测试银行{b + 1:02d}{n + 1:02d}分行",
                code=f"{n + 2:04d}",
                region_code=counties_of[str(city)][0],
            )
            branch_of[b, cities.index(str(city))] = branch.pk
        banks.append(bank)
        for k, (name, _share, guarantees, scenarios, accept, decision) in enumerate(PRODUCT_KINDS):
            products.append(
                LoanProduct(
                    bank=bank,
                    name=f"{bank.short_name}{name}",
                    amount_min=10_000,
                    amount_max=20_000_000,
                    term_min=3,
                    term_max=60,
                    rate_min=2,
                    rate_max=12,
                    guarantee_mask=flags.mask(Guarantee, list(guarantees)),
                    scenario_mask=flags.mask(Scenario, list(scenarios[: 1 + (b + k) % 2])),
                    promised_accept_days=accept,
                    promised_decision_days=decision + b % 2,
                    status=LoanProduct.Status.PUBLISHED,
                    published_at=dt.datetime(2023, 12, 1, tzinfo=SHANGHAI),
                )
            )
    LoanProduct.objects.bulk_create(products)

    regulator = regulator_create(
        name="广东省基准测试监管局", jurisdiction="44", region_code="440100"
    )
    user = get_user_model().objects.create_user(
        username=REGULATOR, password=PASSWORD, display_name="省级监管分析员"
    )
    membership_grant(user=user, organization=regulator.organization, role=Role.REGULATOR_ANALYST)
    TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return {
        "banks": [bank.pk for bank in banks],
        "bank_names": [str(bank.organization.name) for bank in banks],
        "branch_of": branch_of,
        "cities": cities,
        "products": [p.pk for p in products],
    }


def _enterprises(rng: Any) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from risk_models.standards.industries import section_of
    from risk_models.standards.sme_size import classify_size_frame
    from risk_models.synth import uscc_check_chars

    n = ENTERPRISES
    codes, county_city, shares = _regions()
    county = rng.choice(len(codes), n, p=shares)
    region = np.asarray(codes)[county]
    divisions, weights = _divisions()
    industry = np.asarray(divisions)[rng.choice(len(divisions), n, p=weights)]
    employees = np.clip(np.round(rng.lognormal(2.3, 1.1, n)), 1, 5000).astype(np.int64)
    revenue = np.round(employees * rng.lognormal(np.log(350_000), 0.6, n), -2)
    assets = np.round(revenue * rng.uniform(0.4, 2.5, n), -2)
    sizes = (
        classify_size_frame(
            pd.DataFrame(
                {
                    "industry_code": industry,
                    "employees": employees,
                    "revenue": revenue,
                    "total_assets": assets,
                }
            )
        )
        .astype(object)
        .fillna("")
        .to_numpy()
        .astype(str)
    )
    sections = {code: section_of(code) for code in divisions}
    section = np.vectorize(sections.__getitem__, otypes=[str])(industry)
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), 9)
    body = np.char.add(np.char.add("91", region), numbers)
    uscc = np.char.add(body, uscc_check_chars(body))
    ids = np.arange(1, n + 1)
    established = _day_number(FIRST_DAY) - np.clip(rng.gamma(2.0, 900.0, n), 120, 365 * 30)
    capital = np.round(np.clip(rng.lognormal(np.log(1_000_000), 1.0, n), 30_000, 5e8), -4)
    created = _stamps(np.full(n, _day_number(dt.date(2023, 12, 1))), 9 * 3600)
    col = _Tables.column
    return {
        "ids": ids,
        "county": county,
        "city": np.asarray([list(CITY_WEIGHTS).index(c) for c in county_city])[county],
        "region": region,
        "section": section,
        "size": sizes,
        "columns": {
            "id": col(ids, "int"),
            "uscc": col(uscc, "str"),
            "name": col(np.char.add(np.char.add("基准测试企业", numbers), "有限公司"), "str"),
            "status": col(np.full(n, "operating"), "str"),
            "legal_rep_name": col(np.char.add("测试法人", numbers), "str"),
            "legal_rep_id_number": col(np.full(n, ""), "str"),
            "region_code": col(region, "str"),
            "industry_code": col(industry, "str"),
            "industry_section": col(section, "str"),
            "employees": col(employees, "int"),
            "annual_revenue": col(revenue, "float"),
            "total_assets": col(assets, "float"),
            "size_class": col(sizes, "str"),
            "established_on": col(established.astype(np.int64), "date"),
            "registered_capital": col(capital, "float"),
            "created_at": col(created, "stamp"),
            "updated_at": col(created, "stamp"),
        },
    }


def _applications(rng: Any, orgs: dict[str, Any], firms: dict[str, Any]) -> dict[str, Any]:
    """Three million applications with their lifecycles, as columns."""
    import numpy as np

    n = APPLICATIONS
    cal = _Calendar()
    first, today = _day_number(FIRST_DAY), _day_number(TODAY)
    now_seconds = NOW.hour * 3600 + NOW.minute * 60

    # Submissions: rising by half over the three years, fewer on days off.
    days = np.arange(first, today + 1)
    weight = (1 + 0.5 * (days - first) / (today - first)) * np.where(cal.is_working(days), 1, 0.2)
    sub_day = rng.choice(days, n, p=weight / weight.sum())
    sub_sec = rng.integers(8 * 3600, 21 * 3600, n)
    on_today = sub_day == today
    sub_sec[on_today] = rng.integers(8 * 3600, now_seconds - 3600, int(on_today.sum()))
    order = np.lexsort((sub_sec, sub_day))  # ids in submission order
    sub_day, sub_sec = sub_day[order], sub_sec[order]

    # Who applies where: a skewed share of enterprises, products by bank size and kind.
    firm_weight = rng.lognormal(0, 1.2, ENTERPRISES)
    firm = rng.choice(ENTERPRISES, n, p=firm_weight / firm_weight.sum())
    bank_weight = rng.dirichlet(np.full(BANKS, 1.5))
    kind_share = np.array([k[1] for k in PRODUCT_KINDS])
    product_weight = (bank_weight[:, None] * kind_share[None, :]).ravel()
    product = rng.choice(len(product_weight), n, p=product_weight)
    bank, kind = product // PRODUCTS_PER_BANK, product % PRODUCTS_PER_BANK
    branch = orgs["branch_of"][bank, firms["city"][firm]]

    guarantee = np.empty(n, dtype=object)
    for k, (_name, _share, options, _scenarios, _acc, _dec) in enumerate(PRODUCT_KINDS):
        rows = np.flatnonzero(kind == k)
        guarantee[rows] = rng.choice(list(options), rows.size, p=list(options.values()))
    guarantee = guarantee.astype(str)
    amount = np.round(np.clip(rng.lognormal(np.log(600_000), 1.0, n), 20_000, 20_000_000), -3)
    term = rng.choice([6, 12, 24, 36], n, p=[0.15, 0.55, 0.2, 0.1])

    # Answers in working days; two banks are slow to accept.
    promised_accept = np.array([k[4] for k in PRODUCT_KINDS])[kind]
    promised_decision = np.array([k[5] for k in PRODUCT_KINDS])[kind] + bank % 2
    accept_wd = rng.choice([0, 1, 2, 3, 4, 5, 6, 8], n, p=[0.35, 0.33, 0.14, 0.08, 0.04, 0.03,
                                                        0.02, 0.01])  # fmt: skip
    accept_wd = accept_wd + np.isin(bank, [3, 11]) * rng.integers(0, 3, n)
    decision_wd = accept_wd + 1 + rng.poisson(promised_decision - 1.5, n)
    accept_day = cal.add(sub_day, accept_wd)
    decision_day = cal.add(sub_day, decision_wd)
    accept_due = cal.add(sub_day, promised_accept)
    decision_due = cal.add(sub_day, promised_decision)

    def later(day: Any, after_day: Any, after_sec: Any) -> Any:
        """Seconds into ``day``: office hours, after the earlier event if on its day."""
        seconds = rng.integers(9 * 3600, 18 * 3600, n)
        same = day == after_day
        bumped = np.minimum(after_sec + rng.integers(600, 3 * 3600, n), 86_399)
        return np.where(same, np.maximum(seconds, bumped), seconds)

    accept_sec = later(accept_day, sub_day, sub_sec)
    decision_sec = later(decision_day, accept_day, accept_sec)
    accept_at = _stamps(accept_day, accept_sec)
    decision_at = _stamps(decision_day, decision_sec)
    now_at = int(NOW.timestamp())

    # Withdrawals happen before the decision would have come.
    withdraws = rng.random(n) < 0.15
    span = np.maximum(decision_day - sub_day, 0)
    withdraw_day = sub_day + np.floor(rng.random(n) * (span + 1)).astype(np.int64)
    withdraw_sec = later(withdraw_day, sub_day, sub_sec)
    withdraw_at = np.minimum(_stamps(withdraw_day, withdraw_sec), decision_at - 60)
    withdrawn = withdraws & (withdraw_at <= now_at)
    decided = ~withdraws & (decision_at <= now_at)
    accepted = np.where(withdrawn, accept_at < withdraw_at, accept_at <= now_at)
    open_ = ~withdrawn & ~decided

    # Loans among the decided whose money could have gone out by today; credit-product
    # applications are approved a little less often.
    disburse_day = decision_day + rng.geometric(0.35, n) - 1
    eligible = np.flatnonzero(decided & (disburse_day <= today))
    approval = np.where(kind == 0, 0.8, 1.0)[eligible]
    priority = np.log(rng.random(eligible.size)) / approval
    loan_rows = eligible[np.argpartition(-priority, LOANS - 1)[:LOANS]]
    loan = np.zeros(n, dtype=bool)
    loan[loan_rows] = True
    rest = decided & ~loan
    approved_only = rest & ((disburse_day > today) | (rng.random(n) < 0.06))
    rejected = rest & ~approved_only
    approved = loan | approved_only

    reason = np.where(
        rejected,
        rng.choice(REJECT_REASONS, n, p=[0.18, 0.22, 0.15, 0.17, 0.12, 0.06, 0.05, 0.05]),
        "",
    )
    approved_amount = np.maximum(np.round(amount * rng.uniform(0.6, 1.0, n), -3), 10_000)
    disbursed_guarantee = np.where(loan, guarantee, "")
    base = np.vectorize(BASE_RATE.__getitem__, otypes=[float])(guarantee)
    rate = np.round(np.clip(base + rng.normal(0, 0.8, n), 2.2, 11.5), 3)

    # First loans: an enterprise's first loan here, for those that had none elsewhere.
    first_loan = np.zeros(n, dtype=bool)
    by_firm = loan_rows[np.lexsort((loan_rows, disburse_day[loan_rows], firm[loan_rows]))]
    firsts = by_firm[np.r_[True, firm[by_firm][1:] != firm[by_firm][:-1]]]
    first_loan[firsts[rng.random(firsts.size) < 0.55]] = True

    # Outcomes of the loans.
    maturity = disburse_day + np.round(term * 30.44).astype(np.int64)
    last_day = np.minimum(maturity, today)
    overdue = loan & (rng.random(n) < 0.04) & (last_day - disburse_day > 31)
    overdue_since = (
        disburse_day
        + 30
        + np.floor(rng.random(n) * np.maximum(last_day - disburse_day - 30, 1)).astype(np.int64)
    )
    overdue &= overdue_since < today
    cured_on = overdue_since + rng.integers(5, 90, n)
    cured = overdue & (rng.random(n) < 0.55) & (cured_on <= today)
    defaulted_on = overdue_since + 90
    defaulted = overdue & ~cured & (rng.random(n) < 0.35) & (defaulted_on <= today)
    early = disburse_day + 30 + np.floor(rng.random(n) * (maturity - disburse_day - 30))
    settled_on = np.where(
        rng.random(n) < 0.06, early.astype(np.int64), maturity - rng.integers(0, 20, n)
    )
    settled = loan & ~defaulted & ~(overdue & ~cured) & (settled_on <= today)
    repaying_since = disburse_day + 30
    repaying = loan & (repaying_since <= today)

    state = np.full(n, "submitted", dtype=object)
    state[open_ & accepted] = "accepted"
    state[open_ & accepted & (rng.random(n) < 0.5)] = "under_review"
    state[withdrawn] = "withdrawn"
    state[rejected] = "rejected"
    state[approved_only] = "approved"
    state[loan] = "disbursed"
    state[repaying] = "repaying"
    state[overdue & ~cured] = "overdue"
    state[settled] = "settled"
    state[defaulted] = "defaulted"

    # Deadlines missed: answered after the day, or not answered and the day has passed.
    accept_late = np.where(accepted, accept_day > accept_due, open_ & (accept_due < today))
    decision_late = np.where(decided, decision_day > decision_due, open_ & (decision_due < today))

    ids = np.arange(1, n + 1)
    submitted_at = _stamps(sub_day, sub_sec)
    updated_at = np.maximum.reduce(
        [submitted_at, np.where(accepted, accept_at, 0), np.where(decided, decision_at, 0),
         np.where(withdrawn, withdraw_at, 0)]
    )  # fmt: skip
    col = _Tables.column
    columns = {
        "id": col(ids, "int"),
        "enterprise_id": col(firms["ids"][firm], "int"),
        "product_id": col(np.asarray(orgs["products"])[product], "int"),
        "bank_id": col(np.asarray(orgs["banks"])[bank], "int"),
        "branch_id": col(branch, "int"),
        "state": col(state.astype(str), "str"),
        "amount": col(amount, "float"),
        "term_months": col(term, "int"),
        "guarantee": col(guarantee, "str"),
        "purpose": col(rng.choice(PURPOSES, n), "str"),
        "note": col(np.full(n, ""), "str"),
        "submitted_at": col(submitted_at, "stamp"),
        "accept_due_on": col(accept_due, "date"),
        "decision_due_on": col(decision_due, "date"),
        "accepted_at": col(accept_at, "stamp", accepted),
        "decided_at": col(decision_at, "stamp", decided),
        "accept_working_days": col(accept_wd, "int", accepted),
        "decision_working_days": col(decision_wd, "int", decided),
        "accept_late": col(accept_late, "bool"),
        "decision_late": col(decision_late, "bool"),
        "withdrawn_at": col(withdraw_at, "stamp", withdrawn),
        "reminders": col(np.full(n, "[]"), "str"),
        "approved_amount": col(approved_amount, "float", approved),
        "approved_rate": col(rate, "float", approved),
        "approved_term_months": col(term, "int", approved),
        "approved_guarantee": col(np.where(approved, guarantee, ""), "str"),
        "reject_reason": col(reason, "str"),
        "reject_text": col(np.full(n, ""), "str"),
        "disbursed_amount": col(approved_amount, "float", loan),
        "disbursed_on": col(disburse_day, "date", loan),
        "disbursed_rate": col(rate, "float", loan),
        "disbursed_term_months": col(term, "int", loan),
        "disbursed_guarantee": col(disbursed_guarantee, "str"),
        "maturity_on": col(maturity, "date", loan),
        "is_first_loan": col(first_loan, "bool", loan),
        "is_credit_loan": col(guarantee == "credit", "bool", loan),
        "repaying_since": col(repaying_since, "date", repaying),
        "overdue_since": col(overdue_since, "date", overdue),
        "overdue_amount": col(np.round(approved_amount * 0.1, 2), "float", overdue),
        "cured_on": col(cured_on, "date", cured),
        "settled_on": col(settled_on, "date", settled),
        "defaulted_on": col(defaulted_on, "date", defaulted),
        "created_at": col(submitted_at, "stamp"),
        "updated_at": col(updated_at, "stamp"),
    }
    counts = {
        "applications": n,
        "loans": int(loan.sum()),
        "rejected": int(rejected.sum()),
        "withdrawn": int(withdrawn.sum()),
        "approved_not_drawn": int(approved_only.sum()),
        "open": int(open_.sum()),
        "credit_share_of_loans": round(float((guarantee[loan] == "credit").mean()), 3),
        "first_loans": int(first_loan.sum()),
        "settled": int(settled.sum()),
        "overdue_now": int((overdue & ~cured & ~defaulted & ~settled).sum()),
        "defaulted": int(defaulted.sum()),
        "enterprises_applying": int(np.unique(firm).size),
    }
    return {
        "columns": columns,
        "counts": counts,
        "firm": firm,
        "bank": bank,
        "submitted_at": submitted_at,
        "accepted": accepted,
    }


def _needs(rng: Any, firms: dict[str, Any], apps: dict[str, Any]) -> dict[str, Any]:
    """Published needs; the first ``MATCHED_NEEDS`` led to an application (its ``need_id``)."""
    import numpy as np

    n, matched = NEEDS, MATCHED_NEEDS
    first, now_at = _day_number(FIRST_DAY), int(NOW.timestamp())
    app_rows = rng.choice(APPLICATIONS, matched, replace=False)
    firm = np.concatenate([apps["firm"][app_rows], rng.choice(ENTERPRISES, n - matched)])
    published = np.concatenate(
        [
            apps["submitted_at"][app_rows] - rng.integers(3600, 20 * 86_400, matched),
            _stamps(rng.integers(first, _day_number(TODAY), n - matched), 0)
            + rng.integers(8 * 3600, 21 * 3600, n - matched),
        ]
    )
    published = np.clip(published, _stamps(first, 8 * 3600), now_at - 3600)
    age_days = (now_at - published) // 86_400
    status = np.where(
        np.arange(n) < matched,
        np.where(rng.random(n) < 0.6, "closed", "in_talks"),
        np.where(age_days < 60, "published", np.where(rng.random(n) < 0.5, "expired", "closed")),
    )
    closed = np.isin(status, ["closed", "expired"])
    closed_at = np.minimum(published + rng.integers(86_400, 60 * 86_400, n), now_at)
    guarantee_mask = rng.integers(1, 1 << len(GUARANTEES), n)
    scenario_mask = np.where(rng.random(n) < 0.5, 1 << rng.integers(0, 8, n), 0)
    need_id = np.zeros(APPLICATIONS, dtype=np.int64)
    need_id[app_rows] = np.arange(1, matched + 1)
    col = _Tables.column
    ids = np.arange(1, n + 1)
    return {
        "need_id": need_id,
        "columns": {
            "id": col(ids, "int"),
            "enterprise_id": col(firms["ids"][firm], "int"),
            "amount": col(np.round(rng.lognormal(np.log(500_000), 0.9, n), -3) + 10_000, "float"),
            "term_months": col(rng.choice([6, 12, 24, 36], n), "int"),
            "purpose": col(rng.choice(PURPOSES, n), "str"),
            "description": col(np.full(n, ""), "str"),
            "guarantee_mask": col(guarantee_mask, "int"),
            "max_rate": col(np.round(rng.uniform(4, 8, n), 3), "float"),
            "wanted_by": col(published // 86_400 + rng.integers(30, 90, n), "date"),
            "scenario_mask": col(scenario_mask, "int"),
            "status": col(status, "str"),
            "region_code": col(firms["region"][firm], "str"),
            "industry_section": col(firms["section"][firm], "str"),
            "size_class": col(firms["size"][firm], "str"),
            "grade": col(np.full(n, ""), "str"),
            "tax_grade": col(np.full(n, ""), "str"),
            "list_flag_mask": col(np.zeros(n, dtype=np.int64), "int"),
            "first_loan": col(rng.random(n) < 0.3, "bool"),
            "published_at": col(published, "stamp"),
            "closed_at": col(closed_at, "stamp", closed),
            "created_at": col(published, "stamp"),
            "updated_at": col(published, "stamp"),
        },
    }


def _fetches(rng: Any, orgs: dict[str, Any], firms: dict[str, Any], apps: dict[str, Any]) -> Any:
    """Banks' profile fetches about their applicants, shortly after an application arrived."""
    import numpy as np

    n, now_at = FETCHES, int(NOW.timestamp())
    rows = np.sort(rng.choice(np.flatnonzero(apps["accepted"]), n))
    created = np.minimum(apps["submitted_at"][rows] + rng.integers(600, 2 * 86_400, n), now_at)
    order = np.argsort(created, kind="stable")
    rows, created = rows[order], created[order]
    bank = apps["bank"][rows]
    allowed = rng.random(n) < 0.97
    ids = np.arange(1, n + 1)
    hashes = np.char.zfill(np.char.mod("%x", ids), 64)
    col = _Tables.column
    return {
        "id": col(ids, "int"),
        "created_at": col(created, "stamp"),
        "username": col(np.full(n, "bench_officer"), "str"),
        "organization_id": col(np.asarray(orgs["banks"])[bank], "int"),
        "organization_name": col(np.asarray(orgs["bank_names"])[bank], "str"),
        "bank_id": col(np.asarray(orgs["banks"])[bank], "int"),
        "enterprise_id": col(firms["ids"][apps["firm"][rows]], "int"),
        "purpose": col(np.full(n, "pre_loan"), "str"),
        "channel": col(rng.choice(["api", "web", "pdf"], n, p=[0.6, 0.3, 0.1]), "str"),
        "sections": col(np.full(n, "[]"), "str"),
        "report_sha256": col(np.full(n, ""), "str"),
        "outcome": col(np.where(allowed, "allowed", "refused"), "str"),
        "reason": col(np.where(allowed, "", "no_grant"), "str"),
        "previous_hash": col(np.concatenate([["0" * 64], hashes[:-1]]), "str"),
        "entry_hash": col(hashes, "str"),
    }


def _kept() -> dict[str, Any] | None:
    """What a kept database says it holds (its comment), if it was loaded alike."""
    import psycopg2

    url = os.environ["DATABASE_URL"]
    connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [BENCH_DB],
        )
        row = cursor.fetchone()
    connection.close()
    try:
        kept: dict[str, Any] = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return None
    return kept if kept.get("signature") == SIGNATURE else None


def _load() -> dict[str, Any]:
    """Create, migrate and load the database (or reuse a kept one loaded alike)."""
    kept = _kept() if REUSE else None
    if kept is not None:
        return {"reused": True, **kept}
    bench_database(BENCH_DB, create=True)
    started = time.perf_counter()
    _setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    phases: dict[str, float] = {"migrate": migrate_s}

    clock = time.perf_counter()
    with _at_now():
        orgs = _organizations()
    rng = np.random.default_rng(SEED)
    firms = _enterprises(rng)
    apps = _applications(rng, orgs, firms)
    needs = _needs(rng, firms, apps)
    apps["columns"]["need_id"] = _Tables.column(needs["need_id"], "int", needs["need_id"] > 0)
    fetches = _fetches(rng, orgs, firms, apps)
    phases["generate"] = time.perf_counter() - clock

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        phases["copy_enterprises"] = _load_table(cursor, "registry_enterprise", firms["columns"])
        phases["copy_needs"] = _load_table(cursor, "financing_financingneed", needs["columns"])
        phases["copy_applications"] = _load_table(cursor, "financing_application", apps["columns"])
        phases["copy_access_log"] = _load_table(cursor, "consent_accesslogentry", fetches)
    clock = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    phases["vacuum_analyze"] = time.perf_counter() - clock
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), version()")
        size, version = cursor.fetchone()
    counts = {
        **apps["counts"],
        "enterprises": ENTERPRISES,
        "banks": BANKS,
        "branches": BANKS * BRANCHES_PER_BANK,
        "products": len(orgs["products"]),
        "needs": NEEDS,
        "needs_matched": MATCHED_NEEDS,
        "fetches": FETCHES,
        "counties": len(_regions()[0]),
        "database_bytes": size,
    }
    with connection.cursor() as cursor:
        kept = {"signature": SIGNATURE, "counts": counts, "postgresql": version}
        cursor.execute(f"COMMENT ON DATABASE {BENCH_DB} IS %s", [json.dumps(kept)])
    return {
        "reused": False,
        "seconds": time.perf_counter() - started,
        "phases": phases,
        "counts": counts,
        "postgresql": version,
        "peak_rss_mib": _peak_mib(),
    }


# --- Steps --------------------------------------------------------------------------------------


def _cube_build() -> dict[str, Any]:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from xinyidai.oversight import cube
    from xinyidai.oversight.models import Cell, CubeRefresh

    with _at_now():
        baseline = _rss_mib()
        begun = timezone.now()
        started = time.perf_counter()
        cells = cube.rebuild_all()
        seconds = time.perf_counter() - started
        refreshes = CubeRefresh.objects.filter(started_at__gte=begun).order_by("year")
        years = {r.year: {"seconds": r.seconds, "cells": r.cells} for r in refreshes}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE oversight_cell")
        cursor.execute("SELECT pg_total_relation_size('oversight_cell')")
        (table_bytes,) = cursor.fetchone()
    return {
        "seconds": seconds,
        "cells": cells,
        "cells_stored": Cell.objects.count(),
        "years": years,
        "table_bytes": table_bytes,
        "rss_before_mib": baseline,
        "peak_rss_mib": _peak_mib(),
    }


class _Phases:
    """Exclusive wall time per wrapped function of ``cube`` (nested calls are not counted twice)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[float] = []

    def wrap(self, module: Any, name: str) -> None:
        function = getattr(module, name, None)
        if function is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                inclusive = time.perf_counter() - started
                children = self._stack.pop()
                self.seconds[name] = self.seconds.get(name, 0.0) + inclusive - children
                self.calls[name] = self.calls.get(name, 0) + 1
                if self._stack:
                    self._stack[-1] += inclusive

        setattr(module, name, timed)


# Functions of ``cube.py`` timed during the refresh, each without the others it calls: reading
# (``_frame``: the COPY out and the CSV parse; the readers: their conversions), events,
# balances, stacking and keying rows, grouping, writing; ``build_year`` and ``rebuild_year``
# keep what is left (the final concatenation and grouping; deleting the old cells).
CUBE_PHASES = (
    "rebuild_year",
    "build_year",
    "_frame",
    "_applications",
    "_loans",
    "_needs",
    "_authorization_events",
    "_application_parts",
    "_loan_parts",
    "_balance_at",
    "_balance_cells",
    "_stacked",
    "_keyed",
    "_group",
    "_write",
)


def _cube_refresh() -> dict[str, Any]:
    _setup()
    from xinyidai.oversight import cube

    phases = _Phases()
    for name in CUBE_PHASES:
        phases.wrap(cube, name)
    with _at_now():
        baseline = _rss_mib()
        started = time.perf_counter()
        cube.mark_dirty([dt.date(REFRESH_YEAR, 6, 30)])
        done = cube.refresh_dirty()
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "years": done,
        "phases": {k: round(v, 3) for k, v in phases.seconds.items()},
        "calls": phases.calls,
        "rss_before_mib": baseline,
        "peak_rss_mib": _peak_mib(),
    }


def _profile_year() -> dict[str, Any]:
    """cProfile of ``cube.build_year`` of the refreshed year: the top functions by own time."""
    import cProfile
    import pstats

    _setup()
    from xinyidai.oversight import cube

    profiler = cProfile.Profile()
    with _at_now():
        profiler.enable()
        cube.build_year(REFRESH_YEAR)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    rows = []
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({function})",
                "calls": calls,
                "own_s": round(own, 3),
                "cumulative_s": round(cumulative, 3),
            }
        )
    return {
        "by_own": sorted(rows, key=lambda r: -r["own_s"])[:25],
        "by_cumulative": sorted(rows, key=lambda r: -r["cumulative_s"])[:40],
    }


def _timed(call: Callable[[], Any], runs: int) -> dict[str, Any]:
    """``call`` once to warm up, then ``runs`` times: median, p95 (nearest rank) and max."""
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
    }


# The pages a province regulator opens, as ``oversight/views.py`` parses them.
PAGES = {
    "dashboard": "/oversight/",
    "dashboard_by_bank": "/oversight/?by=bank",
    "dashboard_by_industry": "/oversight/?by=industry",
    "dashboard_quarter": "/oversight/?period=2026-Q3",
    "dashboard_year": "/oversight/?period=2025",
    "dashboard_city_counties": "/oversight/?region=4403&by=region",
    "screen": "/oversight/screen/",
}


def _pages() -> dict[str, Any]:
    """Each page as the province's analyst (logged in, TOTP-verified session), through the
    test client: the whole middleware stack, the view and the template."""
    _setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinyidai.oversight.models import DirtyYear

    try:
        reverse("oversight:dashboard")
        reverse("oversight:screen")
    except NoReverseMatch:
        return {"available": False}
    # A marked year would make the first page run the refresh (eager tasks): not a page's time.
    assert not DirtyYear.objects.exists(), "a year is marked dirty before the page timings"
    with _at_now():
        user = get_user_model().objects.get(username=REGULATOR)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what passing TOTP records
        session.save()
        out: dict[str, Any] = {"available": True}
        for name, path in PAGES.items():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:300]!r}")

            def get(path: str = path) -> None:
                status = client.get(path).status_code
                assert status == 200, (path, status)

            out[name] = {"path": path, "bytes": len(response.content), **_timed(get, PAGE_RUNS)}
        out["selectors"] = _selectors()
    return out


def _selectors() -> dict[str, Any]:
    """Where a page's time goes: the cube reads of the province's current month, one by one."""
    from xinyidai.oversight import selectors
    from xinyidai.oversight.selectors import Period

    month = Period.current()
    calls: dict[str, Callable[[], Any]] = {
        "comparison": partial(selectors.comparison, "44", month),
        "series_12_months": partial(selectors.series, "44", selectors.trailing(month, 12)),
    }
    for by in selectors.BREAKDOWNS:
        calls[f"breakdown_{by}"] = partial(selectors.breakdown, "44", month, by)
    return {name: _timed(call, PAGE_RUNS)["median_ms"] for name, call in calls.items()}


REPORTS = (("month", "2026-11"), ("year", "2025"), ("month_again", "2026-11"))
REPORT_PHASES = ("report_content", "build_pdf", "build_xlsx", "build_csv")


def _reports() -> dict[str, Any]:
    """The province's reports, generated by the service as the task does: the previous month
    (first in the process: the PDF font is loaded then), last year, and the month again."""
    _setup()
    try:
        from xinyidai.oversight import report as builders
        from xinyidai.oversight import services
    except ImportError:
        return {"available": False}
    if not hasattr(services, "report_generate"):
        return {"available": False}
    from django.contrib.auth import get_user_model

    from xinyidai.accounts.models import Regulator
    from xinyidai.oversight.models import Report
    from xinyidai.oversight.selectors import Period

    regulator = Regulator.objects.get(jurisdiction="44")
    user = get_user_model().objects.get(username=REGULATOR)
    phases = _Phases()
    for name in REPORT_PHASES:
        phases.wrap(builders, name)
    out: dict[str, Any] = {"available": True}
    with _at_now():
        for name, code in REPORTS:
            period = Period.parse(code)
            assert period is not None
            report = Report.objects.create(
                regulator=regulator,
                region=regulator.jurisdiction,
                kind=period.kind,
                period=period.start,
                trigger=Report.Trigger.DEMAND,
                requested_by=user,
            )
            phases.seconds.clear()
            started = time.perf_counter()
            report = services.report_generate(report_id=report.pk)
            seconds = time.perf_counter() - started
            assert report.status == Report.Status.READY, report.error
            out[name] = {
                "period": code,
                "seconds": round(seconds, 3),
                "phases": {k: round(v, 3) for k, v in phases.seconds.items()},
                "pdf_bytes": report.pdf.size,
                "xlsx_bytes": report.xlsx.size,
                "csv_bytes": report.csv.size,
            }
    out["peak_rss_mib"] = _peak_mib()
    return out


def _drop() -> dict[str, Any]:
    bench_database(BENCH_DB, create=False)
    return {}


STEPS: dict[str, Callable[[], dict[str, Any]]] = {
    "load": _load,
    "cube": _cube_build,
    "refresh": _cube_refresh,
    "profile": _profile_year,
    "pages": _pages,
    "reports": _reports,
    "drop": _drop,
}


# --- Orchestration ------------------------------------------------------------------------------


def _figure(name: str, value: Any, unit: str, scale: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "scale": scale}


def _volumes(counts: dict[str, Any]) -> str:
    return (
        f"{counts['applications']:,} applications ({counts['loans']:,} loans) of "
        f"{counts['enterprises']:,} enterprises in {counts['counties']} counties of 广东, "
        f"{counts['banks']} banks, {counts['needs']:,} needs, {counts['fetches']:,} fetches; "
        f"36 months to {TODAY}"
    )


def run() -> list[dict[str, Any]]:
    load_before = os.getloadavg()
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-oversight-") as directory:
        env = _env(directory)
        try:
            loaded = _child(["load"], env)
            counts = loaded["counts"]
            built = _child(["cube"], env)
            refreshed = _child(["refresh"], env)
            pages = _child(["pages"], env)
            reports = _child(["reports"], env)
            profile = _child(["profile"], env) if PROFILE else None
        finally:
            if not KEEP:
                _child(["drop"], env)
    total_s = time.perf_counter() - clock

    data = _volumes(counts)
    figures = [
        _figure("oversight.data", counts, "facts", f"the synthetic province (seed {SEED})"),
        _figure(
            "oversight.load.seconds",
            None if loaded["reused"] else round(loaded["seconds"], 1),
            "s",
            f"{data}: create, migrate, generate (numpy), COPY without secondary indexes and "
            f"rebuild them, VACUUM ANALYZE"
            + (" (a kept database was reused: not measured)" if loaded["reused"] else ""),
        ),
    ]
    if not loaded["reused"]:
        figures.append(
            _figure(
                "oversight.load.phases",
                {k: round(v, 1) for k, v in loaded["phases"].items()},
                "s",
                "the load's phases",
            )
        )
    years = ", ".join(
        f"{year}: {v['seconds']:.0f} s, {v['cells']:,} cells" for year, v in built["years"].items()
    )
    build_scale = f"cube.rebuild_all() over {data}; {years}"
    figures += [
        _figure("oversight.cube_build.seconds", round(built["seconds"], 1), "s", build_scale),
        _figure("oversight.cube_build.cells", built["cells"], "cells", build_scale),
        _figure(
            "oversight.cube_build.peak_rss",
            built["peak_rss_mib"],
            "MiB",
            f"peak RSS of the build's process ({built['rss_before_mib']:.0f} MiB before it)",
        ),
        _figure(
            "oversight.cube_build.table_bytes",
            built["table_bytes"],
            "bytes",
            "oversight_cell with its index after the build",
        ),
    ]
    refresh_scale = (
        f"mark_dirty({REFRESH_YEAR}-06-30) then refresh_dirty(): the running year rebuilt; {data}"
    )
    figures += [
        _figure(
            "oversight.cube_refresh_year.seconds",
            round(refreshed["seconds"], 1),
            "s",
            refresh_scale,
        ),
        _figure(
            "oversight.cube_refresh_year.peak_rss",
            refreshed["peak_rss_mib"],
            "MiB",
            f"peak RSS of the refresh's process ({refreshed['rss_before_mib']:.0f} MiB before it)",
        ),
        _figure(
            "oversight.cube_refresh_year.phases",
            refreshed["phases"],
            "s",
            "exclusive time in each function of cube.py during the refresh (nested calls not "
            "counted twice); calls: "
            + ", ".join(f"{k} {v}" for k, v in refreshed["calls"].items()),
        ),
    ]
    if pages.get("available"):
        page_scale = (
            f"GET through the Django test client as the province's analyst (jurisdiction 44, "
            f"TOTP-verified session), test settings (DEBUG off); {PAGE_RUNS} requests after one "
            f"warm-up; {built['cells']:,} cells from {data}"
        )
        worst = 0.0
        for name in PAGES:
            page = pages[name]
            scale = f"{page['path']} ({page['bytes']:,} bytes); {page_scale}"
            worst = max(worst, page["p95_ms"])
            for stat in ("median_ms", "p95_ms", "max_ms"):
                figures.append(_figure(f"oversight.page.{name}.{stat}", page[stat], "ms", scale))
        figures += [
            _figure("oversight.pages.worst_p95_ms", worst, "ms", page_scale),
            _figure(
                "oversight.pages.target_met",
                worst < TARGET_MS,
                "bool",
                f"every page's p95 under {TARGET_MS:.0f} ms; {page_scale}",
            ),
            _figure(
                "oversight.pages.selectors_median_ms",
                pages["selectors"],
                "ms",
                "the cube reads of the province's current month, each alone (median of "
                f"{PAGE_RUNS})",
            ),
        ]
    else:
        figures.append(
            _figure("oversight.pages", "not available", "note", "oversight/views.py has no pages")
        )
    if reports.get("available"):
        for name, code in REPORTS:
            report = reports[name]
            figures.append(
                _figure(
                    f"oversight.report.{name}.seconds",
                    report["seconds"],
                    "s",
                    f"services.report_generate for 44 (广东), {code}: PDF "
                    f"{report['pdf_bytes']:,} B, XLSX {report['xlsx_bytes']:,} B, CSV "
                    f"{report['csv_bytes']:,} B; phases "
                    + ", ".join(f"{k} {v:.2f} s" for k, v in report["phases"].items())
                    + ("; the first in its process (font load)" if name == "month" else ""),
                )
            )
        figures.append(
            _figure(
                "oversight.report.peak_rss",
                reports["peak_rss_mib"],
                "MiB",
                "peak RSS of the process that generated the three reports",
            )
        )
    else:
        figures.append(
            _figure(
                "oversight.report",
                "not available",
                "note",
                "xinyidai.oversight.services.report_generate does not exist yet",
            )
        )
    if profile is not None:
        figures.append(
            _figure(
                "oversight.cube_profile",
                profile,
                "facts",
                f"cProfile of cube.build_year({REFRESH_YEAR}): top functions by own and "
                "cumulative time",
            )
        )
    figures += [
        _figure(
            "oversight.bench.seconds",
            round(total_s, 1),
            "s",
            "the whole benchmark: load, build, refresh, pages, reports"
            + (", profile" if PROFILE else "")
            + ("" if KEEP else ", drop"),
        ),
        _figure(
            "oversight.machine",
            _machine(loaded.get("postgresql", ""), load_before),
            "facts",
            "the machine and PostgreSQL server the figures were measured on",
        ),
    ]
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for figure in figures:
        figure["measured_at"] = measured_at
    return figures


def _machine(postgresql: str, load_before: tuple[float, float, float]) -> dict[str, Any]:
    from benchmarks.__main__ import _machine as runner_machine

    return {
        **runner_machine(),
        "postgresql": postgresql,
        # Other work on the machine when the benchmark started: 1, 5 and 15 minute averages.
        "load_average_before": [round(x, 2) for x in load_before],
    }


if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](), ensure_ascii=False, default=str))
