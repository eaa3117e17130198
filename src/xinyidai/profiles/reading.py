"""Set-based reads of the record tables for a chunk of enterprises.

One query per source for the whole chunk (never one per enterprise), current versions only,
monthly sources from the first month the features look at. A chunk is either a list of USCCs
(the enterprises a batch touched) or a range of them (a full rebuild walks the registry in USCC
order, and a range is one index range scan per month partition). On PostgreSQL the rows come
back through ``COPY ... TO STDOUT`` and are parsed by pyarrow; elsewhere (SQLite, the demo)
through the ORM.

A source never delivered at all is left out of the mapping, so the features call it missing; a
delivered source without rows for the chunk is an empty frame (nothing recorded).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

from risk_models.catalogue import Dtype
from risk_models.catalogue import Source as SourceSpec
from xinyidai.core.fields import FEN_PER_YUAN
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import SOURCE_SPECS, Batch

MONTHS_READ = 37  # the 36 months the features hold, and the month being filled

_NUMERIC = {Dtype.INTEGER, Dtype.MONEY, Dtype.QUANTITY, Dtype.YEAR}
_DATES = {Dtype.MONTH, Dtype.DATE}

ENTERPRISE_COLUMNS = (
    "id",
    "uscc",
    "name",
    "status",
    "legal_rep_name",
    "region_code",
    "industry_code",
    "industry_section",
    "size_class",
    "employees",
    "annual_revenue",
    "total_assets",
    "established_on",
    "registered_capital",
)


@dataclass(frozen=True)
class Chunk:
    """Which enterprises: explicit USCCs, or every registered USCC in ``[low, high]``."""

    usccs: tuple[str, ...] = ()
    low: str | None = None
    high: str | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None


def first_month(as_of: dt.date) -> dt.date:
    """The first month whose records the features of ``as_of`` may use."""
    index = as_of.year * 12 + as_of.month - 1 - MONTHS_READ
    return dt.date(index // 12, index % 12 + 1, 1)


def delivered_sources() -> set[str]:
    """Sources with at least one accepted batch."""
    return set(
        Batch.objects.filter(status=Batch.Status.ACCEPTED)
        .values_list("source_id", flat=True)
        .distinct()
    )


def enterprise_frame(chunk: Chunk) -> pd.DataFrame:
    """The registered enterprises of the chunk, in USCC order, as the features expect them."""
    queryset = Enterprise.objects.order_by("uscc")
    if chunk.is_range:
        queryset = queryset.filter(uscc__gte=chunk.low, uscc__lte=chunk.high)
    else:
        queryset = queryset.filter(uscc__in=chunk.usccs)
    frame = pd.DataFrame.from_records(
        list(queryset.values_list(*ENTERPRISE_COLUMNS)), columns=list(ENTERPRISE_COLUMNS)
    )
    for column in ("employees", "annual_revenue", "total_assets", "registered_capital"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["established_on"] = pd.to_datetime(frame["established_on"])
    return frame


def source_frames(
    chunk: Chunk, as_of: dt.date, *, delivered: set[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The current records of every delivered source for the chunk's enterprises."""
    codes = delivered_sources() if delivered is None else delivered
    since = first_month(as_of)
    frames: dict[str, pd.DataFrame] = {}
    for code, spec in SOURCE_SPECS.items():
        if code not in codes:
            continue
        if connection.vendor == "postgresql":
            frames[code] = _read_copy(spec, chunk, since)
        else:
            frames[code] = _read_orm(spec, chunk, since)
    return frames


def _where(spec: SourceSpec, chunk: Chunk, since: dt.date) -> tuple[str, list[Any]]:
    clauses: list[str] = ["is_current"]
    params: list[Any] = []
    if chunk.is_range:
        clauses.append("uscc BETWEEN %s AND %s")
        params += [chunk.low, chunk.high]
    else:
        clauses.append("uscc = ANY(%s)")
        params.append(list(chunk.usccs))
    if spec.period_column:
        clauses.append(f'"{spec.period_column}" >= %s')
        params.append(since)
    return " AND ".join(clauses), params


def _read_copy(spec: SourceSpec, chunk: Chunk, since: dt.date) -> pd.DataFrame:
    names = [column.name for column in spec.columns]
    where, params = _where(spec, chunk, since)
    select = ", ".join(f'"{name}"' for name in names)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2: COPY takes no parameters, so bind them first
        query = raw.mogrify(
            f'SELECT {select} FROM "records_{spec.code}" WHERE {where}',  # noqa: S608
            params,
        ).decode()
        sink = io.BytesIO()
        raw.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", sink)
    if sink.tell() == 0:  # no rows: pyarrow refuses an empty file
        return _typed(pd.DataFrame({name: [] for name in names}), spec)
    types = {}
    for column in spec.columns:
        if column.dtype in _NUMERIC:
            types[column.name] = pa.float64()
        elif column.dtype in _DATES:
            types[column.name] = pa.timestamp("s")
        else:
            types[column.name] = pa.string()
    table = pacsv.read_csv(
        io.BytesIO(sink.getvalue()),
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    return _typed(table.to_pandas(), spec)


def _read_orm(spec: SourceSpec, chunk: Chunk, since: dt.date) -> pd.DataFrame:
    """Any other database (SQLite in the demo): one plain query, converted by pandas."""
    names = [column.name for column in spec.columns]
    clauses: list[str] = ["is_current"]
    params: list[Any] = []
    if chunk.is_range:
        clauses.append("uscc BETWEEN %s AND %s")
        params += [chunk.low, chunk.high]
    else:
        clauses.append(f"uscc IN ({', '.join(['%s'] * len(chunk.usccs)) or 'NULL'})")
        params += list(chunk.usccs)
    if spec.period_column:
        clauses.append(f'"{spec.period_column}" >= %s')
        params.append(since.isoformat())
    select = ", ".join(f'"{name}"' for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {select} FROM "records_{spec.code}" WHERE {" AND ".join(clauses)}',  # noqa: S608
            params,
        )
        rows = cursor.fetchall()
    return _typed(pd.DataFrame.from_records(rows, columns=names), spec)


def _typed(frame: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    """Numbers as float64 (amounts in yuan: the tables hold fen), dates as datetime64, the rest
    as strings (the same on any vendor)."""
    for column in spec.columns:
        values = frame[column.name]
        if column.dtype in _NUMERIC:
            number = pd.to_numeric(values, errors="coerce").astype("float64")
            frame[column.name] = number / FEN_PER_YUAN if column.dtype is Dtype.MONEY else number
        elif column.dtype in _DATES:
            frame[column.name] = pd.to_datetime(values).astype("datetime64[s]")
        else:
            frame[column.name] = values.astype("str").where(values.notna(), None)
    return frame


def range_chunks(usccs: Sequence[str], size: int) -> list[Chunk]:
    """Contiguous ranges of ``size`` registered USCCs (sorted), covering them all."""
    ordered = np.sort(np.asarray(usccs, dtype=object))
    return [
        Chunk(low=str(ordered[start]), high=str(ordered[min(start + size, len(ordered)) - 1]))
        for start in range(0, len(ordered), size)
    ]
