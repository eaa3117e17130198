"""The oversight cube: rebuilt a calendar year at a time, set-based, with pandas.

For one year the build reads, in one query each, the applications with an event in the year,
every loan disbursed before its end, the needs published in it and the banks' fetches and the
enterprises' revocations in it. It turns them into per-event frames (submitted, accepted,
decided, withdrawn, deadline due, disbursed, outstanding at a period's end...), groups each by
(period, county, dimension value) for months, quarters and the year, and replaces the year's
cells in one transaction with PostgreSQL ``COPY`` (plain inserts on SQLite). Nothing is looped
over per row in Python.

Changes mark years dirty (``signals.py``); ``refresh_dirty`` rebuilds them. Periods are calendar
periods in Asia/Shanghai; a running period's balances are as of today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinyidai.financing.flags import Guarantee, Scenario

from .indicators import (
    INCLUSIVE_MAX_FEN,
    INCLUSIVE_SIZES,
    MEASURE_CODES,
    RATE_BUCKET_BOUNDS,
    REJECT_REASONS,
)
from .models import Cell, CubeRefresh, Dimension, DirtyYear

KINDS = ("M", "Q", "Y")
_PANDAS_FREQ = {"M": "M", "Q": "Q", "Y": "Y"}
SCENARIO_CODES = tuple(str(v) for v in Scenario.values)
GUARANTEE_CODES = tuple(str(v) for v in Guarantee.values)


# --------------------------------------------------------------------------- reading


def _frame(sql: str, params: list[Any], columns: list[str]) -> pd.DataFrame:
    """Rows of ``sql`` as a frame; PostgreSQL streams them with ``COPY ... TO STDOUT``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.mogrify(sql, params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
            buffer.seek(0)
            if not buffer.getvalue():
                return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
            return pd.read_csv(
                buffer,
                names=columns,
                header=None,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
            )
        cursor.execute(sql, params)
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def _local_days(values: pd.Series) -> pd.Series:
    """Timestamps (UTC text or datetimes) as local calendar days (naive midnight)."""
    stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    return stamps.dt.tz_convert(settings.TIME_ZONE).dt.tz_localize(None).dt.normalize()


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601").dt.normalize()


def _ints(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")


def _categories(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Text columns with few distinct values as categoricals ("" for none): fast to group."""
    for column in columns:
        frame[column] = frame[column].fillna("").astype(str).astype("category")


def _bools(values: pd.Series) -> pd.Series:
    return values.astype(str).str.lower().isin(("1", "t", "true"))


def _stamp(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


_ENTERPRISE_COLUMNS = "e.region_code, e.industry_section, e.size_class"
_DIM_COLUMNS = ["enterprise", "region", "industry", "size"]


def _applications(lo: dt.date, hi: dt.date) -> pd.DataFrame:
    lo_ts, hi_ts = _stamp(lo - dt.timedelta(days=1)), _stamp(hi + dt.timedelta(days=1))
    columns = [
        *_DIM_COLUMNS,
        "bank",
        "branch",
        "scenario_mask",
        "guarantee",
        "submitted",
        "accepted",
        "decided",
        "withdrawn",
        "accept_due",
        "decision_due",
        "accept_days",
        "decision_days",
        "approved",
        "reject_reason",
    ]
    sql = f"""
        SELECT a.enterprise_id, {_ENTERPRISE_COLUMNS}, a.bank_id, a.branch_id, p.scenario_mask,
               a.guarantee, a.submitted_at, a.accepted_at, a.decided_at, a.withdrawn_at,
               a.accept_due_on, a.decision_due_on, a.accept_working_days,
               a.decision_working_days, a.approved_amount IS NOT NULL, a.reject_reason
        FROM financing_application a
        JOIN registry_enterprise e ON e.id = a.enterprise_id
        JOIN financing_loanproduct p ON p.id = a.product_id
        WHERE a.submitted_at IS NOT NULL AND a.submitted_at < %s AND (
            a.submitted_at >= %s OR a.accepted_at >= %s OR a.decided_at >= %s
            OR a.withdrawn_at >= %s OR a.accept_due_on >= %s OR a.decision_due_on >= %s)
    """  # noqa: S608 - no user input; the column list is a constant
    frame = _frame(sql, [hi_ts, lo_ts, lo_ts, lo_ts, lo_ts, lo, lo], columns)
    for column in ("submitted", "accepted", "decided", "withdrawn"):
        frame[column] = _local_days(frame[column])
    for column in ("accept_due", "decision_due"):
        frame[column] = _days(frame[column])
    for column in ("enterprise", "bank", "branch", "accept_days", "decision_days", "scenario_mask"):
        frame[column] = _ints(frame[column])
    frame["approved"] = _bools(frame["approved"])
    _categories(frame, ("region", "industry", "size", "guarantee", "reject_reason"))
    return frame


def _loans(hi: dt.date) -> pd.DataFrame:
    columns = [
        *_DIM_COLUMNS,
        "id",
        "bank",
        "branch",
        "scenario_mask",
        "guarantee",
        "disbursed",
        "fen",
        "rate_milli",
        "is_first",
        "settled",
        "overdue_since",
        "cured",
        "defaulted",
    ]
    sql = f"""
        SELECT a.enterprise_id, {_ENTERPRISE_COLUMNS}, a.id, a.bank_id, a.branch_id,
               p.scenario_mask, a.disbursed_guarantee, a.disbursed_on,
               CAST(ROUND(a.disbursed_amount * 100) AS BIGINT),
               CAST(ROUND(a.disbursed_rate * 1000) AS BIGINT),
               a.is_first_loan, a.settled_on, a.overdue_since, a.cured_on, a.defaulted_on
        FROM financing_application a
        JOIN registry_enterprise e ON e.id = a.enterprise_id
        JOIN financing_loanproduct p ON p.id = a.product_id
        WHERE a.disbursed_on IS NOT NULL AND a.disbursed_on < %s
    """  # noqa: S608
    frame = _frame(sql, [hi], columns)
    for column in ("disbursed", "settled", "overdue_since", "cured", "defaulted"):
        frame[column] = _days(frame[column])
    for column in ("enterprise", "bank", "branch", "id", "fen", "rate_milli", "scenario_mask"):
        frame[column] = _ints(frame[column])
    frame["is_first"] = _bools(frame["is_first"])
    _categories(frame, ("region", "industry", "size", "guarantee"))
    return frame


def _needs(lo: dt.date, hi: dt.date) -> pd.DataFrame:
    columns = [*_DIM_COLUMNS, "scenario_mask", "guarantee_mask", "published", "matched"]
    sql = f"""
        SELECT n.enterprise_id, {_ENTERPRISE_COLUMNS}, n.scenario_mask, n.guarantee_mask,
               n.published_at,
               CASE WHEN EXISTS (SELECT 1 FROM financing_interest i WHERE i.need_id = n.id)
                      OR EXISTS (SELECT 1 FROM financing_application a
                                 WHERE a.need_id = n.id AND a.submitted_at IS NOT NULL)
                    THEN 1 ELSE 0 END
        FROM financing_financingneed n
        JOIN registry_enterprise e ON e.id = n.enterprise_id
        WHERE n.published_at >= %s AND n.published_at < %s
    """  # noqa: S608
    lo_ts, hi_ts = _stamp(lo - dt.timedelta(days=1)), _stamp(hi + dt.timedelta(days=1))
    frame = _frame(sql, [lo_ts, hi_ts], columns)
    frame["published"] = _local_days(frame["published"])
    for column in ("enterprise", "scenario_mask", "guarantee_mask", "matched"):
        frame[column] = _ints(frame[column])
    _categories(frame, ("region", "industry", "size"))
    return frame


def _authorization_events(lo: dt.date, hi: dt.date) -> pd.DataFrame:
    columns = [*_DIM_COLUMNS, "bank", "at", "fetch"]
    sql = f"""
        SELECT l.enterprise_id, {_ENTERPRISE_COLUMNS}, l.bank_id, l.created_at, 1
        FROM consent_accesslogentry l
        JOIN registry_enterprise e ON e.id = l.enterprise_id
        WHERE l.outcome = 'allowed' AND l.bank_id IS NOT NULL
          AND l.created_at >= %s AND l.created_at < %s
        UNION ALL
        SELECT z.enterprise_id, {_ENTERPRISE_COLUMNS}, z.bank_id, z.revoked_at, 0
        FROM consent_authorization z
        JOIN registry_enterprise e ON e.id = z.enterprise_id
        WHERE z.revoked_at >= %s AND z.revoked_at < %s
    """  # noqa: S608
    lo_ts, hi_ts = _stamp(lo - dt.timedelta(days=1)), _stamp(hi + dt.timedelta(days=1))
    frame = _frame(sql, [lo_ts, hi_ts, lo_ts, hi_ts], columns)
    frame["at"] = _local_days(frame["at"])
    for column in ("enterprise", "bank", "fetch"):
        frame[column] = _ints(frame[column])
    _categories(frame, ("region", "industry", "size"))
    return frame


# --------------------------------------------------------------------------- grouping


@dataclass(frozen=True)
class _Dim:
    name: str
    column: str | None = None  # a plain column holding the key
    mask: str | None = None  # a bit-mask column: one row per set bit
    codes: tuple[str, ...] = ()


TOTAL = _Dim(Dimension.TOTAL)
BANK = _Dim(Dimension.BANK, column="bank")
BRANCH = _Dim(Dimension.BRANCH, column="branch")
INDUSTRY = _Dim(Dimension.INDUSTRY, column="industry")
SIZE = _Dim(Dimension.SIZE, column="size")
SCENARIO = _Dim(Dimension.SCENARIO, mask="scenario_mask", codes=SCENARIO_CODES)
GUARANTEE = _Dim(Dimension.GUARANTEE, column="guarantee")
NEED_GUARANTEE = _Dim(Dimension.GUARANTEE, mask="guarantee_mask", codes=GUARANTEE_CODES)

LENDING_DIMS = (TOTAL, BANK, BRANCH, INDUSTRY, SIZE, SCENARIO, GUARANTEE)
NEED_DIMS = (TOTAL, INDUSTRY, SIZE, SCENARIO, NEED_GUARANTEE)
AUTHORIZATION_DIMS = (TOTAL, BANK)


@dataclass
class _Part:
    """Rows of one event kind: ``day`` dates them, ``measures`` are their columns to sum."""

    frame: pd.DataFrame
    day: str
    measures: tuple[str, ...]


class _Registry:
    """Small integer codes for the values of one column across all the parts of a grouping."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.labels: list[str] = []

    def code(self, label: str) -> int:
        found = self.index.get(label)
        if found is None:
            found = self.index[label] = len(self.labels)
            self.labels.append(label)
        return found

    def encode(self, values: pd.Series) -> np.ndarray:
        """Codes of ``values`` (factorized first: only the distinct values are looked up)."""
        local, uniques = pd.factorize(values, use_na_sentinel=False)
        table = np.array([self.code(_label(u)) for u in uniques], dtype="int64")
        return table[local] if len(table) else np.zeros(len(values), dtype="int64")


def _label(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return str(value)


@dataclass
class _Rows:
    """One part's rows for one dimension: which rows (repeated per set bit of a mask), their
    month within the year, region code and key code."""

    part: _Part
    rows: np.ndarray
    month: np.ndarray
    region: np.ndarray
    key: np.ndarray
    enterprise: np.ndarray


@dataclass
class _Prepared:
    """A part's arrays that every dimension shares: the rows dated inside the year, their month
    in it, region code and enterprise."""

    part: _Part
    inside: np.ndarray
    month: np.ndarray
    region: np.ndarray
    enterprise: np.ndarray


def _prepare(part: _Part, lo: pd.Timestamp, regions: _Registry) -> _Prepared | None:
    frame = part.frame
    if frame.empty:
        return None
    days = pd.to_datetime(frame[part.day]).to_numpy().astype("datetime64[M]")
    month = days.astype("int64") - np.datetime64(lo, "M").astype("int64")
    inside = np.flatnonzero(~np.isnat(days) & (month >= 0) & (month < 12))
    if not len(inside):
        return None
    return _Prepared(
        part=part,
        inside=inside,
        month=month,
        region=regions.encode(frame["region"]),
        enterprise=frame["enterprise"].to_numpy(dtype="int64"),
    )


def _dim_rows(prepared: _Prepared, dim: _Dim, keys: _Registry) -> _Rows | None:
    frame, inside = prepared.part.frame, prepared.inside
    if dim.mask is not None:
        masks = frame[dim.mask].to_numpy()[inside]
        picked, codes = [], []
        for bit, label in enumerate(dim.codes):
            hit = np.flatnonzero((masks >> bit) & 1)
            picked.append(inside[hit])
            codes.append(np.full(len(hit), keys.code(label), dtype="int64"))
        rows = np.concatenate(picked)
        key = np.concatenate(codes)
    elif dim.column is None:
        rows = inside
        key = np.full(len(rows), keys.code(""), dtype="int64")
    else:
        rows = inside
        key = keys.encode(frame[dim.column].iloc[rows])
    if not len(rows):
        return None
    return _Rows(
        part=prepared.part,
        rows=rows,
        month=prepared.month[rows],
        region=prepared.region[rows],
        key=key,
        enterprise=prepared.enterprise[rows],
    )


_KIND_MONTHS = {"M": 1, "Q": 3, "Y": 12}


def _fold(cell: np.ndarray, step: int, block: int) -> np.ndarray:
    """Month cell ids to the cell ids of the quarter (step 3) or year (12) holding the month."""
    month = cell // block
    return (month - month % step) * block + cell % block


def _group(
    parts: list[_Part],
    *,
    dims: Iterable[_Dim],
    distinct: str,
    lo: pd.Timestamp,
    kinds: Iterable[str] = KINDS,
) -> list[pd.DataFrame]:
    """Cells (kind, period, region, dim, key, measures..., ``distinct``) of the parts' rows
    dated inside the year starting ``lo``.

    Every row of every part is grouped once per dimension, by month, on one integer cell id;
    quarters and the year are folded from the month sums, and their distinct enterprises from
    the months' distinct (cell, enterprise) pairs.
    """
    measures = sorted({m for part in parts for m in part.measures})
    regions = _Registry()
    prepared = [p for part in parts if (p := _prepare(part, lo, regions))]
    out = []
    for dim in dims:
        keys = _Registry()
        chunks = [r for p in prepared if (r := _dim_rows(p, dim, keys))]
        if not chunks:
            continue
        n_region, n_key = len(regions.labels), len(keys.labels)
        n_enterprise = max(int(c.enterprise.max()) for c in chunks) + 1
        sums, pairs = [], []
        for chunk in chunks:
            cell = (chunk.month * n_region + chunk.region) * n_key + chunk.key
            values = {
                m: chunk.part.frame[m].to_numpy(dtype="int64")[chunk.rows]
                for m in chunk.part.measures
            }
            sums.append(pd.DataFrame(values).groupby(cell, sort=False).sum())
            pairs.append(pd.unique(cell * n_enterprise + chunk.enterprise))
        month_sums = (
            pd.concat(sums)
            .groupby(level=0, sort=False)
            .sum()
            .reindex(columns=measures, fill_value=0)
        )
        month_pairs = pd.unique(np.concatenate(pairs))
        block = n_region * n_key
        for kind in kinds:
            step = _KIND_MONTHS[kind]

            cells_index = month_sums.index.to_numpy()
            folded = month_sums.groupby(_fold(cells_index, step, block), sort=False).sum()
            pair_cells = _fold(month_pairs // n_enterprise, step, block)
            unique_pairs = pd.unique(pair_cells * n_enterprise + month_pairs % n_enterprise)
            counts = pd.Series(unique_pairs // n_enterprise).value_counts()
            folded[distinct] = counts.reindex(folded.index, fill_value=0).to_numpy()
            ids = folded.index.to_numpy()
            frame = folded.reset_index(drop=True)
            frame["kind"] = kind
            month_of = pd.Series(ids // block)
            starts = {m: lo + pd.DateOffset(months=int(m)) for m in month_of.unique()}
            frame["period"] = pd.to_datetime(month_of.map(starts))
            frame["region"] = np.array(regions.labels, dtype=object)[(ids % block) // n_key]
            frame["key"] = np.array(keys.labels, dtype=object)[ids % n_key]
            frame["dim"] = str(dim.name)
            out.append(frame)
    return out


def _within(frame: pd.DataFrame, column: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    values = frame[column]
    return frame.loc[(values >= lo) & (values < hi)]


def _application_parts(
    apps: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, today: pd.Timestamp
) -> list[_Part]:
    parts = []
    submitted = _within(apps, "submitted", lo, hi).assign(apps_submitted=1)
    parts.append(_Part(submitted, "submitted", ("apps_submitted",)))
    accepted = _within(apps, "accepted", lo, hi).assign(apps_accepted=1)
    parts.append(_Part(accepted, "accepted", ("apps_accepted", "accept_days")))
    decided = _within(apps, "decided", lo, hi)
    reasons = {
        f"rej_{code.lower()}": (decided["reject_reason"] == code).astype("int64")
        for code in REJECT_REASONS
    }
    decided = decided.assign(
        apps_approved=decided["approved"].astype("int64"),
        apps_rejected=(decided["reject_reason"] != "").astype("int64"),
        **reasons,
    )
    parts.append(
        _Part(decided, "decided", ("apps_approved", "apps_rejected", "decision_days", *reasons))
    )
    withdrawn = _within(apps, "withdrawn", lo, hi).assign(apps_withdrawn=1)
    parts.append(_Part(withdrawn, "withdrawn", ("apps_withdrawn",)))
    # Deadlines: met if answered on or before the due day; late if answered after it, or not
    # answered and the day has passed (unless the enterprise withdrew by then). A deadline
    # counts once its day has come, so a running quarter stays the sum of its months.
    answered_accept = apps["accepted"].fillna(apps["decided"])
    for stage, answered in (("acc", answered_accept), ("dec", apps["decided"])):
        due = apps[f"{'accept' if stage == 'acc' else 'decision'}_due"]
        met = answered.notna() & (answered <= due)
        withdrew_first = answered.isna() & apps["withdrawn"].notna() & (apps["withdrawn"] <= due)
        late = ~met & ~withdrew_first & (due < today) & (answered.isna() | (answered > due))
        counted = (met | late) & (due >= lo) & (due < hi) & (due <= today)
        rows = apps.loc[counted].assign(
            due=due[counted], **{f"{stage}_due": 1, f"{stage}_late": late[counted].astype("int64")}
        )
        parts.append(_Part(rows, "due", (f"{stage}_due", f"{stage}_late")))
    return parts


def _loan_parts(loans: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> list[_Part]:
    flows = _within(loans, "disbursed", lo, hi)
    fen = flows["fen"]
    first = flows["first_ever"] & flows["is_first"]
    credit = flows["guarantee"] == str(Guarantee.CREDIT)
    inclusive = flows["size"].isin(INCLUSIVE_SIZES) & (fen <= INCLUSIVE_MAX_FEN)
    bucket = np.searchsorted(
        np.asarray(RATE_BUCKET_BOUNDS), flows["rate_milli"].to_numpy(), side="right"
    )
    buckets = {
        f"rate_b{i + 1}": (bucket == i).astype("int64") for i in range(len(RATE_BUCKET_BOUNDS) + 1)
    }
    flows = flows.assign(
        loans=1,
        loans_fen=fen,
        first_loans=first.astype("int64"),
        first_fen=fen.where(first, 0),
        credit_loans=credit.astype("int64"),
        credit_fen=fen.where(credit, 0),
        inclusive_loans=inclusive.astype("int64"),
        inclusive_fen=fen.where(inclusive, 0),
        **buckets,
    )
    measures = (
        "loans",
        "loans_fen",
        "first_loans",
        "first_fen",
        "credit_loans",
        "credit_fen",
        "inclusive_loans",
        "inclusive_fen",
        "rate_milli",
        *buckets,
    )
    return [_Part(flows, "disbursed", measures)]


def _balance_at(loans: pd.DataFrame, end: pd.Timestamp, period: pd.Timestamp) -> pd.DataFrame:
    """Loans outstanding at the end of ``end`` (a day), with balance measures, dated ``period``."""
    out = loans.loc[
        (loans["disbursed"] <= end) & (loans["settled"].isna() | (loans["settled"] > end))
    ]
    defaulted = out["defaulted"].notna() & (out["defaulted"] <= end)
    cured = out["cured"].notna() & (out["cured"] <= end) & (out["cured"] >= out["overdue_since"])
    overdue = defaulted | (out["overdue_since"].notna() & (out["overdue_since"] <= end) & ~cured)
    fen = out["fen"]
    return out.assign(
        at=period,
        bal_loans=1,
        bal_fen=fen,
        ovd_loans=overdue.astype("int64"),
        ovd_fen=fen.where(overdue, 0),
        dft_loans=defaulted.astype("int64"),
        dft_fen=fen.where(defaulted, 0),
    )


_BALANCE_MEASURES = ("bal_loans", "bal_fen", "ovd_loans", "ovd_fen", "dft_loans", "dft_fen")


def _balance_cells(loans: pd.DataFrame, year: int, today: pd.Timestamp) -> list[pd.DataFrame]:
    """Balances at each month's end (or today). A quarter's or the year's balances are those of
    its last month so far: the same snapshot, relabelled."""
    snapshots = []
    for period in pd.period_range(f"{year}-01", f"{year}-12", freq="M"):
        start = period.start_time.normalize()
        if start > today:
            break
        snapshots.append(
            _Part(
                _balance_at(loans, min(period.end_time.normalize(), today), start),
                "at",
                _BALANCE_MEASURES,
            )
        )
    months = _group(
        snapshots, dims=LENDING_DIMS, distinct="ent_bal", lo=pd.Timestamp(year, 1, 1), kinds=("M",)
    )
    if not months:
        return []
    monthly = pd.concat(months, ignore_index=True)
    out = [monthly]
    for kind in ("Q", "Y"):
        for period in pd.period_range(f"{year}-01", f"{year}-12", freq="M").asfreq(kind).unique():
            start = period.start_time.normalize()
            if start > today:
                continue
            last_month = min(period.end_time.normalize(), today).to_period("M").start_time
            cells = monthly.loc[monthly["period"] == last_month]
            if not cells.empty:
                out.append(cells.assign(kind=kind, period=start))
    return out


def build_year(year: int, *, today: dt.date | None = None) -> pd.DataFrame:
    """Every cell of ``year`` as a frame (kind, period, region, dim, key, measures...)."""
    today_ts = pd.Timestamp(today or timezone.localdate())
    lo_day, hi_day = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    lo, hi = pd.Timestamp(lo_day), pd.Timestamp(hi_day)
    frames: list[pd.DataFrame] = []

    apps = _applications(lo_day, hi_day)
    frames += _group(
        _application_parts(apps, lo, hi, today_ts),
        dims=LENDING_DIMS,
        distinct="ent_apps",
        lo=lo,
    )
    del apps

    loans = _loans(hi_day)
    order = loans.sort_values(["disbursed", "id"], kind="stable")
    loans["first_ever"] = ~order["enterprise"].duplicated().reindex(loans.index)
    loans = loans.loc[
        loans["settled"].isna() | (loans["settled"] >= lo) | (loans["disbursed"] >= lo)
    ]
    frames += _group(_loan_parts(loans, lo, hi), dims=LENDING_DIMS, distinct="ent_loans", lo=lo)
    frames += _balance_cells(loans, year, today_ts)
    del loans

    needs = _needs(lo_day, hi_day).assign(needs_published=1)
    needs = needs.rename(columns={"matched": "needs_matched"})
    frames += _group(
        [_Part(needs, "published", ("needs_published", "needs_matched"))],
        dims=NEED_DIMS,
        distinct="ent_needs",
        lo=lo,
    )

    auth = _authorization_events(lo_day, hi_day)
    auth = auth.assign(fetches=auth["fetch"], revocations=1 - auth["fetch"])
    frames += _group(
        [_Part(auth, "at", ("fetches", "revocations"))],
        dims=AUTHORIZATION_DIMS,
        distinct="ent_auth",
        lo=lo,
    )

    if not frames:
        return pd.DataFrame(columns=["kind", "period", "region", "dim", "key", *MEASURE_CODES])
    cells = pd.concat(frames, ignore_index=True)
    cells = cells.loc[
        (cells["period"] >= lo) & (cells["period"] < hi) & (cells["period"] <= today_ts)
    ]
    cells = cells.groupby(["kind", "period", "region", "dim", "key"], sort=False).sum(min_count=1)
    cells = cells.reindex(columns=list(MEASURE_CODES)).fillna(0).astype("int64").reset_index()
    cells["region"] = cells["region"].fillna("").astype(str)
    return cells


# --------------------------------------------------------------------------- writing

_COLUMNS = ["kind", "period", "region", "dim", "key", *MEASURE_CODES]
_LOCK_SPACE = 80_080  # pg_advisory_xact_lock(space, year): one rebuild of a year at a time


def _write(cells: pd.DataFrame) -> None:
    table = Cell._meta.db_table
    if cells.empty:
        return
    frame = cells[_COLUMNS].copy()
    frame["period"] = frame["period"].dt.strftime("%Y-%m-%d")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False, quoting=csv.QUOTE_MINIMAL)
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN "
                "WITH (FORMAT csv, FORCE_NOT_NULL (region, key))",
                buffer,
            )
        else:
            marks = ", ".join(["%s"] * len(_COLUMNS))
            rows = frame.astype(object).itertuples(index=False, name=None)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                list(rows),
            )


def rebuild_year(year: int, *, today: dt.date | None = None) -> int:
    """Replace the cells of ``year``; returns how many there are now."""
    started = timezone.now()
    clock = time.perf_counter()
    cells = build_year(year, today=today)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two rebuilds of one year (the five-minute refresh and the daily run) write one
            # after the other; the later one replaces the earlier one's cells.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, year])
        Cell.objects.filter(
            period__gte=dt.date(year, 1, 1), period__lt=dt.date(year + 1, 1, 1)
        ).delete()
        _write(cells)
        CubeRefresh.objects.create(
            year=year,
            started_at=started,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - clock, 3),
            cells=len(cells),
        )
    return len(cells)


def data_years(today: dt.date | None = None) -> list[int]:
    """Years from the first submitted application or published need to this one."""
    from django.db.models import Min

    from xinyidai.financing.models import Application, FinancingNeed

    this_year = (today or timezone.localdate()).year
    firsts = [
        Application.objects.aggregate(v=Min("submitted_at"))["v"],
        FinancingNeed.objects.aggregate(v=Min("published_at"))["v"],
    ]
    years = [timezone.localtime(v).year for v in firsts if v is not None]
    return list(range(min(years, default=this_year), this_year + 1))


def rebuild_all(*, today: dt.date | None = None) -> int:
    DirtyYear.objects.all().delete()
    return sum(rebuild_year(year, today=today) for year in data_years(today))


# --------------------------------------------------------------------------- dirty marks


def mark_dirty(days: Iterable[dt.date | None], *, through_today: bool = False) -> None:
    """Mark the years of ``days`` (and, with ``through_today``, every year since) for rebuild."""
    today = timezone.localdate()
    years = {d.year for d in days if d is not None}
    if through_today and years:
        years |= set(range(min(years), today.year + 1))
    if not years:
        return
    _upsert_marks(years)
    # Marked again once the change commits: a refresh that started in between (and so did not
    # see the change) deletes only marks made before it started.
    transaction.on_commit(lambda: _upsert_marks(years))


def _upsert_marks(years: set[int]) -> None:
    now = timezone.now()
    DirtyYear.objects.bulk_create(
        [DirtyYear(year=y, marked_at=now) for y in sorted(years)],
        update_conflicts=True,
        update_fields=["marked_at"],
        unique_fields=["year"],
    )


def refresh_dirty() -> list[int]:
    """Rebuild the marked years; a mark made while a year was rebuilt stays for the next run."""
    done = []
    for mark in DirtyYear.objects.order_by("year"):
        started = timezone.now()
        rebuild_year(mark.year)
        DirtyYear.objects.filter(pk=mark.pk, marked_at__lte=started).delete()
        done.append(mark.year)
    return done


def last_refresh() -> CubeRefresh | None:
    return CubeRefresh.objects.order_by("-finished_at").first()
