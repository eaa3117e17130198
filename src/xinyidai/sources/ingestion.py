"""Validated, all-or-nothing ingestion of one delivered file into its record table.

The load pass streams the file in chunks: a reader thread parses and validates the next chunk
while PostgreSQL copies the previous one, so Python and the database work at the same time.
Rows go straight into the record table with ``COPY`` inside one transaction; a month that has no
partition yet is loaded into a fresh table, indexed once and attached as a partition. Rows for
months that already hold data are merged set-based: a row identical to the current version is
dropped (re-delivery changes nothing), a different one supersedes it and the old version stays
in history with its batch.

Any bad row, or two rows with the same natural key, rolls the whole transaction back: no row of
a rejected batch is ever visible. A second, read-only pass then writes the complete error report
(every bad row with its row number, column, value and reason, and every duplicate key).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

from risk_models.catalogue import Dtype
from risk_models.catalogue import Source as SourceSpec

from . import pgcopy
from .reading import Chunk, Delivery, FileProblem, RowProblem
from .validation import ERROR_SCHEMA, CheckedChunk, Rule, uscc_order, validate_chunk

logger = logging.getLogger(__name__)
ProgressCallback = Callable[[dict[str, Any]], None]
ERROR_SAMPLE_SIZE = 100
COPY_PIECE_BYTES = 4 << 20
STAGING = "ingest_staging"
ERROR_HEADER = ["行号", "列", "值", "错误原因"]


@dataclass
class Outcome:
    accepted: bool
    rows_total: int = 0
    rows_new: int = 0
    rows_corrected: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    error_count: int = 0
    error_sample: list[dict[str, Any]] = field(default_factory=list)
    error_report: bytes | None = None
    message: str = ""
    period_counts: dict[dt.date, int] = field(default_factory=dict)
    current_rows: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    file_format: str = ""
    encoding: str = ""
    timings: dict[str, float] = field(default_factory=dict)


class _Rejected(Exception):
    """Raised inside the load transaction to roll it back."""


# --- The record table ------------------------------------------------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class _Table:
    """Column names and SQL for one source's record table."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.name = f"records_{spec.code}"
        self.key = list(spec.key)
        self.values = list(spec.value_columns)
        self.period = spec.period_column
        self.spec_columns = [c.name for c in spec.columns]
        self.uscc_first = spec.column(self.key[0]).dtype is Dtype.USCC
        # How each column travels in a binary COPY.
        self.kinds = {c.name: pgcopy.kind_for(c.dtype) for c in spec.columns} | {
            "row_number": pgcopy.Kind.INT4,
            "batch_id": pgcopy.Kind.INT8,
        }

    def matches(self, left: str, right: str, columns: list[str], *, null_safe: bool) -> str:
        if null_safe:
            op = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
        else:
            op = "="
        return " AND ".join(f"{left}.{_quote(c)} {op} {right}.{_quote(c)}" for c in columns)


# --- Loaders: where validated rows go --------------------------------------------------------


@dataclass
class _Part:
    month: dt.date | None
    rows: int
    payload: Any


class _Loader:
    def __init__(self, cursor: CursorWrapper, table: _Table, batch_id: int) -> None:
        self.cursor = cursor
        self.table = table
        self.batch_id = batch_id
        self.period_counts: Counter[dt.date] = Counter()
        self.rows = 0
        self.merge_periods: set[dt.date] | None = None  # None: merge across the whole table
        self.fresh_periods: set[dt.date] = set()

    def lock(self) -> None:
        """Batches of one source are merged one at a time."""

    def prepare(self, valid: pa.Table) -> list[_Part]:
        """Split validated rows by month and encode them for the database (no database here)."""
        period = self.table.period
        if not period:
            return [_Part(None, len(valid), self._encode(self._with_batch(valid)))]
        months = pc.unique(valid.column(period)).to_pylist()
        parts = []
        for month in months:
            part = (
                valid if len(months) == 1 else valid.filter(pc.equal(valid.column(period), month))
            )
            if self._stamps_batch(month):
                part = self._with_batch(part)
            parts.append(_Part(month, len(part), self._encode(part)))
        return parts

    def _with_batch(self, rows: pa.Table) -> pa.Table:
        return rows.append_column("batch_id", pa.repeat(pa.scalar(self.batch_id), len(rows)))

    def _stamps_batch(self, month: dt.date) -> bool:
        """Whether rows for ``month`` carry the batch id themselves (else a column default)."""
        return True

    def _encode(self, rows: pa.Table) -> Any:
        return rows

    def write(self, parts: list[_Part]) -> None:
        for part in parts:
            self.rows += part.rows
            if part.month is not None:
                self.period_counts[part.month] += part.rows
            self._write(part)

    def _write(self, part: _Part) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Make loaded rows part of the record table (indexes, partitions)."""

    def merge(self) -> tuple[int, int]:
        """Drop rows identical to the current version, supersede the ones they correct."""
        if self.merge_periods is not None and not self.merge_periods:
            return 0, 0
        t = self.table
        name = _quote(t.name)
        where_period, params = "", []
        if self.merge_periods is not None and t.period:
            where_period = f" AND n.{_quote(t.period)} = ANY(%s)"
            params = [sorted(self.merge_periods)]
        self.cursor.execute(
            f"DELETE FROM {name} AS n WHERE n.batch_id = %s{where_period} AND EXISTS ("  # noqa: S608
            f"SELECT 1 FROM {name} AS o WHERE o.is_current AND o.batch_id <> %s"
            f" AND {t.matches('o', 'n', t.key, null_safe=False)}"
            f" AND {t.matches('o', 'n', t.values, null_safe=True)})",
            [self.batch_id, *params, self.batch_id],
        )
        unchanged = self.cursor.rowcount
        self.cursor.execute(
            f"UPDATE {name} AS o SET is_current = false, superseded_by_id = %s"  # noqa: S608
            f" WHERE o.is_current AND o.batch_id <> %s{where_period.replace('n.', 'o.')}"
            f" AND EXISTS (SELECT 1 FROM {name} AS n WHERE n.batch_id = %s"
            f" AND {t.matches('o', 'n', t.key, null_safe=False)})",
            [self.batch_id, self.batch_id, *params, self.batch_id],
        )
        return unchanged, self.cursor.rowcount


class _PostgresLoader(_Loader):
    """COPY into the record table; months without a partition load into a fresh one."""

    def __init__(self, cursor: CursorWrapper, table: _Table, batch_id: int) -> None:
        super().__init__(cursor, table, batch_id)
        self.partitions: dict[dt.date, str] = {}
        self.fresh: dict[dt.date, str] = {}
        self.staged = False
        if table.period:
            self.merge_periods = set()

    def lock(self) -> None:
        self.cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.table.name])
        if self.table.period:
            self.cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = %s::regclass",
                [self.table.name],
            )
            for (relname,) in self.cursor.fetchall():
                stamp = relname.rsplit("_p", 1)[-1]
                self.partitions[dt.date(int(stamp[:4]), int(stamp[4:6]), 1)] = relname

    def _stamps_batch(self, month: dt.date) -> bool:
        # A fresh month table gets the batch id as its column default: less to send and parse.
        return month in self.partitions

    def _encode(self, rows: pa.Table) -> Any:
        # PostgreSQL's binary format: the server stores the values without parsing text. Rows go
        # in natural-key order within the chunk: a new month's index is then built from sorted
        # runs, in about half the time an unordered file takes (memory stays one chunk).
        return (rows.column_names, pgcopy.encode(rows, self.table.kinds, order=self._order(rows)))

    def _order(self, rows: pa.Table) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Rows by the natural key's first column (a month's other key column is its month)."""
        first = self.table.key[0]
        if self.table.uscc_first:
            return uscc_order(rows.column(first))
        return pc.sort_indices(rows, sort_keys=[(first, "ascending")]).to_numpy()

    def _write(self, part: _Part) -> None:
        columns, data = part.payload
        target = self.table.name if part.month is None else self._target(part.month)
        if target == self.table.name:
            # Rows for keys that may already exist wait in a temporary table and are merged
            # set-based at the end: only new and changed rows ever reach the record table.
            target = self._staging()
        names = ", ".join(_quote(c) for c in columns)
        freeze = ", FREEZE" if target != STAGING else ""
        with connection.wrap_database_errors:
            self.cursor.copy_expert(
                f"COPY {_quote(target)} ({names}) FROM STDIN WITH (FORMAT binary{freeze})",
                pgcopy.Reader(data),
                # Large pieces: each read takes the GIL from the reader thread. Positional:
                # Django's debug cursor wrapper passes only positional arguments on.
                COPY_PIECE_BYTES,
            )

    def _staging(self) -> str:
        if not self.staged:
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING} (LIKE {_quote(self.table.name)}"
                " INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            self.staged = True
        return STAGING

    def merge(self) -> tuple[int, int]:
        """Merge the staged rows: drop the unchanged, supersede the changed, insert the rest."""
        if not self.staged:
            return 0, 0
        t = self.table
        name = _quote(t.name)
        keys = ", ".join(_quote(c) for c in t.key)
        self.cursor.execute(f"ANALYZE {STAGING}")
        # A key twice in the file, even twice unchanged, rejects the batch.
        self.cursor.execute(
            f"SELECT 1 FROM {STAGING} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 1"  # noqa: S608
        )
        if self.cursor.fetchone() is not None:
            raise IntegrityError("duplicate natural key in the delivered file")
        where_period, params = "", []
        if self.merge_periods is not None and t.period:
            where_period = f" AND o.{_quote(t.period)} = ANY(%s)"
            params = [sorted(self.merge_periods)]
        self.cursor.execute(
            f"DELETE FROM {STAGING} AS n USING {name} AS o"  # noqa: S608
            f" WHERE o.is_current{where_period}"
            f" AND {t.matches('o', 'n', t.key, null_safe=False)}"
            f" AND {t.matches('o', 'n', t.values, null_safe=True)}",
            params,
        )
        unchanged = self.cursor.rowcount
        self.cursor.execute(
            f"UPDATE {name} AS o SET is_current = false, superseded_by_id = %s"  # noqa: S608
            f" FROM {STAGING} AS n WHERE o.is_current{where_period}"
            f" AND {t.matches('o', 'n', t.key, null_safe=False)}",
            [self.batch_id, *params],
        )
        corrected = self.cursor.rowcount
        columns = ", ".join(_quote(c) for c in [*t.spec_columns, "row_number", "batch_id"])
        self.cursor.execute(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {STAGING}"  # noqa: S608
        )
        # ON COMMIT DROP covers a transaction of our own; inside a caller's, drop it now.
        self.cursor.execute(f"DROP TABLE {STAGING}")
        self.staged = False
        return unchanged, corrected

    def _target(self, month: dt.date) -> str:
        if month in self.partitions:
            assert self.merge_periods is not None  # noqa: S101
            self.merge_periods.add(month)
            return self.table.name
        if month not in self.fresh:
            name = f"{self.table.name}_p{month:%Y%m}"
            upper = (month + dt.timedelta(days=32)).replace(day=1)
            self.cursor.execute(
                f"CREATE TABLE {_quote(name)} (LIKE {_quote(self.table.name)}"
                " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            self.cursor.execute(
                f"ALTER TABLE {_quote(name)} ALTER COLUMN batch_id SET DEFAULT %s",
                [self.batch_id],
            )
            # The range as a constraint lets ATTACH skip scanning the month again.
            self.cursor.execute(
                f"ALTER TABLE {_quote(name)} ADD CONSTRAINT {_quote(name + '_range')}"
                f" CHECK ({_quote(self.table.period or '')} >= %s"
                f" AND {_quote(self.table.period or '')} < %s)",
                [month, upper],
            )
            self.fresh[month] = name
            self.fresh_periods.add(month)
        return self.fresh[month]

    def finish(self) -> None:
        key = ", ".join(_quote(c) for c in [*self.table.key, "batch_id"])
        if self.fresh:
            # Room to sort a month of keys in memory rather than on disk, and one helper
            # process: the leader and one worker keep two cores busy without contending.
            self.cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            self.cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        for month, name in sorted(self.fresh.items()):
            upper = (month + dt.timedelta(days=32)).replace(day=1)
            # One sorted index build instead of a million index insertions; a duplicate key in
            # the file fails here as it would on insert.
            self.cursor.execute(f"ALTER TABLE {_quote(name)} ADD PRIMARY KEY ({key})")
            self.cursor.execute(f"ALTER TABLE {_quote(name)} ALTER COLUMN batch_id DROP DEFAULT")
            self.cursor.execute(
                f"ALTER TABLE {_quote(self.table.name)} ATTACH PARTITION {_quote(name)}"
                " FOR VALUES FROM (%s) TO (%s)",
                [month, upper],
            )


class _GenericLoader(_Loader):
    """Plain INSERTs: SQLite for the demo, and any database without COPY."""

    def lock(self) -> None:
        self.cursor.execute(f"SELECT 1 FROM {_quote(self.table.name)} LIMIT 1")  # noqa: S608
        if self.cursor.fetchone() is None:
            self.merge_periods = set()  # an empty table: nothing to merge with

    def _write(self, part: _Part) -> None:
        rows: pa.Table = part.payload
        columns = ", ".join(_quote(c) for c in rows.column_names)
        marks = ", ".join(["%s"] * rows.num_columns)
        values = zip(*(col.to_pylist() for col in rows.columns), strict=True)
        self.cursor.executemany(
            f"INSERT INTO {_quote(self.table.name)} ({columns}) VALUES ({marks})",  # noqa: S608
            list(values),
        )


def _loader(cursor: CursorWrapper, table: _Table, batch_id: int) -> _Loader:
    if connection.vendor == "postgresql":
        return _PostgresLoader(cursor, table, batch_id)
    return _GenericLoader(cursor, table, batch_id)


# --- Passes ----------------------------------------------------------------------------------


def _checked(chunk: Chunk, rules: list[Rule], today: dt.date) -> CheckedChunk:
    checked = validate_chunk(chunk.table, rules, row_numbers=chunk.row_numbers, today=today)
    if chunk.problems:
        problems = pa.table(
            {
                "row": [p.row for p in chunk.problems],
                "column": [p.column for p in chunk.problems],
                "value": [p.value for p in chunk.problems],
                "reason": [p.reason for p in chunk.problems],
            },
            schema=ERROR_SCHEMA,
        )
        checked.errors = pa.concat_tables([problems, checked.errors]).sort_by("row")
        checked.bad_rows += len(chunk.problems)
        checked.rows += len(chunk.problems)
    return checked


def _prefetched(
    delivery: Delivery,
    rules: list[Rule],
    today: dt.date,
    prepare: Callable[[pa.Table], list[_Part]],
    stop: threading.Event,
) -> Iterator[tuple[CheckedChunk, list[_Part]]]:
    """Read, validate and encode in a thread, ahead of the consumer (bounded memory)."""
    slots: queue.Queue[tuple[CheckedChunk, list[_Part]] | BaseException | None] = queue.Queue(
        maxsize=2
    )

    def produce() -> None:
        try:
            for chunk in delivery.chunks():
                if stop.is_set():
                    return
                checked = _checked(chunk, rules, today)
                parts = [] if checked.bad_rows else prepare(checked.valid)
                slots.put((checked, parts))
        except BaseException as exc:  # handed to the consumer
            slots.put(exc)
        else:
            slots.put(None)

    worker = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                slots.get_nowait()
        worker.join(timeout=30)


def load(
    *,
    delivery: Delivery,
    spec: SourceSpec,
    rules: list[Rule],
    batch_id: int,
    today: dt.date,
    progress: ProgressCallback | None = None,
) -> Outcome:
    """The load pass. Raises ``_Rejected``/``IntegrityError`` (rolled back) when the file is bad."""
    table = _Table(spec)
    stop = threading.Event()
    clock = _Clock()
    with transaction.atomic(), connection.cursor() as cursor:
        loader = _loader(cursor, table, batch_id)
        loader.lock()
        rows = 0
        waited = 0.0
        for checked, parts in _prefetched(delivery, rules, today, loader.prepare, stop):
            if checked.bad_rows:
                raise _Rejected
            if rows == 0:
                clock.lap("first_chunk")
            started = time.perf_counter()
            loader.write(parts)
            waited += time.perf_counter() - started
            rows += checked.rows
            if progress:
                progress({"phase": "loading", "fraction": delivery.fraction_read, "rows": rows})
        clock.lap("load")
        clock.timings["load_database"] = round(waited, 3)
        if progress:
            progress({"phase": "merging", "fraction": 1.0, "rows": rows})
        loader.finish()
        clock.lap("index")
        unchanged, corrected = loader.merge()
        current = _current_rows(cursor, table, loader)
        clock.lap("merge")
    clock.lap("commit")
    logger.info("ingested %s rows into %s: %s", rows, table.name, clock.timings)
    return Outcome(
        accepted=True,
        rows_total=rows,
        rows_new=rows - unchanged - corrected,
        rows_corrected=corrected,
        rows_unchanged=unchanged,
        period_counts=dict(loader.period_counts),
        current_rows=current,
        file_format=delivery.format,
        encoding=delivery.encoding,
        timings=clock.timings,
    )


class _Clock:
    """Seconds spent in each phase, for the log and the benchmark."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now


def _current_rows(
    cursor: CursorWrapper, table: _Table, loader: _Loader
) -> dict[tuple[int, dt.date], int]:
    """Current rows per provider and month for the months this batch touched."""
    if not table.period or not loader.period_counts:
        return {}
    merged = set(loader.period_counts) - loader.fresh_periods
    result: dict[tuple[int, dt.date], int] = {}
    if merged:
        period = _quote(table.period)
        marks = ", ".join(["%s"] * len(merged))
        cursor.execute(
            f"SELECT b.provider_id, t.{period}, COUNT(*) FROM {_quote(table.name)} t"  # noqa: S608
            f" JOIN sources_batch b ON b.id = t.batch_id"
            f" WHERE t.is_current AND t.{period} IN ({marks}) GROUP BY b.provider_id, t.{period}",
            sorted(merged),
        )
        for provider_id, month, count in cursor.fetchall():
            result[(provider_id, _as_date(month))] = count
    for month in loader.fresh_periods:
        result[(-1, month)] = loader.period_counts[month]  # -1: this batch's provider
    return result


def _as_date(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, dt.date)  # noqa: S101
    return value


class _ErrorReport:
    """The downloadable report: every error, in a CSV that Excel opens (UTF-8 with BOM)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.buffer.write("\ufeff".encode())
        self.buffer.write((",".join(ERROR_HEADER) + "\n").encode())
        self.count = 0
        self.sample: list[dict[str, Any]] = []

    def add(self, errors: pa.Table) -> None:
        if not errors.num_rows:
            return
        self.count += errors.num_rows
        room = ERROR_SAMPLE_SIZE - len(self.sample)
        if room > 0:
            self.sample.extend(errors.slice(0, room).to_pylist())
        pacsv.write_csv(errors, self.buffer, pacsv.WriteOptions(include_header=False))

    def content(self) -> bytes:
        return self.buffer.getvalue()


def report(
    *,
    delivery: Delivery,
    spec: SourceSpec,
    rules: list[Rule],
    today: dt.date,
    progress: ProgressCallback | None = None,
) -> Outcome:
    """The report pass over a rejected file: all row errors, then duplicate natural keys."""
    errors = _ErrorReport()
    rows = bad_rows = 0
    key = list(spec.key)
    labels = {rule.name: rule.label for rule in rules}
    key_table = "ingest_keys"
    with transaction.atomic(), connection.cursor() as cursor:
        columns = ", ".join(f"k{i} TEXT" for i in range(len(key)))
        cursor.execute(f"CREATE TEMPORARY TABLE {key_table} (row_number BIGINT, {columns})")
        try:
            try:
                for chunk in delivery.chunks():
                    checked = _checked(chunk, rules, today)
                    rows += checked.rows
                    bad_rows += checked.bad_rows
                    errors.add(checked.errors)
                    _store_keys(cursor, key_table, checked.valid, key)
                    if progress:
                        progress(
                            {
                                "phase": "reporting",
                                "fraction": delivery.fraction_read,
                                "rows": rows,
                            }
                        )
            except FileProblem as problem:
                errors.add(_problem_row(problem))
            partition = ", ".join(f"k{i}" for i in range(len(key)))
            cursor.execute(
                f"SELECT row_number, first_row, {partition} FROM ("  # noqa: S608
                f"SELECT row_number, {partition},"
                f" MIN(row_number) OVER (PARTITION BY {partition}) AS first_row,"
                f" COUNT(*) OVER (PARTITION BY {partition}) AS copies FROM {key_table}) d"
                " WHERE copies > 1 AND row_number <> first_row ORDER BY row_number"
            )
            key_label = "+".join(labels[c] for c in key)
            duplicate_rows: set[int] = set()
            while batch := cursor.fetchmany(10_000):
                duplicate_rows.update(row[0] for row in batch)
                errors.add(
                    pa.table(
                        {
                            "row": [row[0] for row in batch],
                            "column": [key_label] * len(batch),
                            "value": ["/".join(str(v) for v in row[2:]) for row in batch],
                            "reason": [f"与第{row[1]}行的主键（{key_label}）重复" for row in batch],
                        },
                        schema=ERROR_SCHEMA,
                    )
                )
            bad_rows += len(duplicate_rows)
        finally:
            cursor.execute(f"DROP TABLE {key_table}")
    return Outcome(
        accepted=False,
        rows_total=rows,
        rows_rejected=bad_rows,
        error_count=errors.count,
        error_sample=errors.sample,
        error_report=errors.content(),
        file_format=delivery.format,
        encoding=delivery.encoding,
    )


def _problem_row(problem: FileProblem) -> pa.Table:
    return pa.table(
        {
            "row": [0 if problem.code.startswith(("encoding", "file")) else 1],
            "column": [problem.column or "文件"],
            "value": [problem.value],
            "reason": [problem.message],
        },
        schema=ERROR_SCHEMA,
    )


def _store_keys(cursor: CursorWrapper, table: str, valid: pa.Table, key: list[str]) -> None:
    if not valid.num_rows:
        return
    keys = pa.table(
        {
            "row_number": valid.column("row_number"),
            **{f"k{i}": valid.column(c).cast(pa.string()) for i, c in enumerate(key)},
        }
    )
    if connection.vendor == "postgresql":
        sink = io.BytesIO()
        pacsv.write_csv(keys, sink, pacsv.WriteOptions(include_header=False))
        sink.seek(0)
        cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", sink)
    else:
        marks = ", ".join(["%s"] * keys.num_columns)
        cursor.executemany(
            f"INSERT INTO {table} VALUES ({marks})",  # noqa: S608
            list(zip(*(col.to_pylist() for col in keys.columns), strict=True)),
        )


def ingest(
    *,
    raw: IO[bytes],
    name: str,
    size: int,
    spec: SourceSpec,
    rules: list[Rule],
    source_name: str,
    batch_id: int,
    today: dt.date,
    progress: ProgressCallback | None = None,
    reopen: Callable[[], IO[bytes]],
) -> Outcome:
    """Load the file, or, if it is bad in any way, report every problem and load nothing."""
    try:
        delivery = Delivery(raw, name=name, size=size, rules=rules, source_name=source_name)
        return load(
            delivery=delivery,
            spec=spec,
            rules=rules,
            batch_id=batch_id,
            today=today,
            progress=progress,
        )
    except FileProblem as problem:
        report_buffer = _ErrorReport()
        report_buffer.add(_problem_row(problem))
        return Outcome(
            accepted=False,
            message=problem.message,
            error_count=1,
            error_sample=report_buffer.sample,
            error_report=report_buffer.content(),
        )
    except (_Rejected, IntegrityError):
        pass
    delivery = Delivery(reopen(), name=name, size=size, rules=rules, source_name=source_name)
    return report(delivery=delivery, spec=spec, rules=rules, today=today, progress=progress)


__all__ = ["FileProblem", "Outcome", "ProgressCallback", "RowProblem", "ingest"]
