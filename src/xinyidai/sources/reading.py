"""Reading delivered files in bounded chunks: CSV, XLSX and JSON Lines; UTF-8 or GB18030.

``open_delivery`` looks at the first bytes (format, encoding), maps the header to catalogue
columns and returns a ``Delivery`` whose ``chunks()`` yields Arrow tables of strings named by
catalogue column, with the file row number of each chunk's first row. Memory stays bounded by
the chunk size whatever the size of the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .validation import Rule

# About 16,000 tax rows a block: the pipeline (one block read, two waiting, one being copied) holds
# some tens of MB whatever the file's size, and the database starts copying early.
CSV_BLOCK_BYTES = 1 << 20
ROWS_PER_CHUNK = 50_000
SNIFF_BYTES = 1 << 16


class FileProblem(Exception):
    """The file as a whole cannot be read: wrong format, encoding or header."""

    def __init__(self, message: str, *, code: str, column: str = "", value: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.column = column
        self.value = value


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Chunk:
    table: pa.Table
    row_numbers: np.ndarray[Any, np.dtype[np.int64]]  # each row's number in the file
    # Rows the reader could not split into values (wrong column count, broken JSON).
    problems: list[RowProblem] = field(default_factory=list)


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        return size

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.bytes_read += len(data)
        return data


def detect_format(name: str, head: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith(".xlsx") or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "jsonl"
    return "csv"


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, which reads GBK and GB2312 files too."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            "文件为UTF-16编码，请另存为UTF-8或GB18030（GBK）编码后重新报送。",
            code="encoding_unsupported",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            "无法识别文件编码，请使用UTF-8或GB18030（GBK）编码。", code="encoding_unknown"
        ) from exc
    return "gb18030"


def _normalize_header(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text.replace("\ufeff", "")).lower()


def map_header(header: Sequence[str], rules: Sequence[Rule], *, source_name: str) -> list[str]:
    """Catalogue column names for a delivered header, or a ``FileProblem`` naming what is wrong."""
    lookup: dict[str, str] = {}
    for rule in rules:
        for spelling in (rule.name, rule.label, *rule.aliases):
            lookup[_normalize_header(spelling)] = rule.name
    names: list[str] = []
    unknown: list[str] = []
    for cell in header:
        name = lookup.get(_normalize_header(cell))
        if name is None:
            unknown.append(cell)
        names.append(name or "")
    labels = {rule.name: rule.label for rule in rules}
    if unknown:
        expected = "、".join(f"{rule.label}（{rule.name}）" for rule in rules)
        raise FileProblem(
            f"第1行表头中的“{'”、“'.join(unknown)}”不是数据源“{source_name}”的数据项。"
            f"应为：{expected}。",
            code="header_unknown",
            column="表头",
            value=",".join(unknown),
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileProblem(
                f"第1行表头中“{labels[name]}”出现了不止一次。",
                code="header_duplicate",
                column=labels[name],
            )
        seen.add(name)
    missing = [rule for rule in rules if rule.required and rule.name not in seen]
    if missing:
        raise FileProblem(
            "缺少必填列：" + "、".join(f"{rule.label}（{rule.name}）" for rule in missing) + "。",
            code="header_missing_column",
            column="表头",
            value=",".join(rule.name for rule in missing),
        )
    return names


class Delivery:
    """One delivered file, opened for reading."""

    def __init__(
        self, raw: IO[bytes], *, name: str, size: int, rules: Sequence[Rule], source_name: str
    ) -> None:
        self._raw = raw
        self.size = max(size, 1)
        self.rules = list(rules)
        self.source_name = source_name
        head = raw.read(SNIFF_BYTES)
        raw.seek(0)
        if not head.strip():
            raise FileProblem("文件为空。", code="file_empty")
        self.format = detect_format(name, head)
        self.encoding = "" if self.format == "xlsx" else detect_encoding(head)
        self._counter = _CountingReader(raw)
        self.rows_read = 0
        self._xlsx_rows = 1

    @property
    def fraction_read(self) -> float:
        if self.format == "xlsx":
            return min(self.rows_read / self._xlsx_rows, 1.0)
        return min(self._counter.bytes_read / self.size, 1.0)

    def chunks(self) -> Iterator[Chunk]:
        if self.format == "csv":
            yield from self._csv_chunks()
        elif self.format == "xlsx":
            yield from self._xlsx_chunks()
        else:
            yield from self._jsonl_chunks()

    # CSV: the header by the csv module, the body by Arrow's streaming reader.
    def _csv_chunks(self) -> Iterator[Chunk]:
        encoding = self.encoding
        first_line = self._raw.readline()
        try:
            header_text = first_line.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FileProblem("第1行表头无法按文件编码读取。", code="encoding_unknown") from exc
        header = next(csv.reader([header_text.strip("\r\n")]), [])
        names = map_header(header, self.rules, source_name=self.source_name)
        self._counter.bytes_read = len(first_line)
        problems: list[RowProblem] = []
        expected = len(names)

        def on_invalid(row: Any) -> str:
            problems.append(
                RowProblem(
                    row=(row.number + 1) if row.number is not None else 0,
                    column="整行",
                    value=(row.text or "")[:200],
                    reason=f"该行有{row.actual_columns}列，表头有{expected}列",
                )
            )
            return "skip"

        arrow_encoding = "utf8" if encoding in {"utf-8", "utf-8-sig"} else encoding
        try:
            reader = pacsv.open_csv(
                pa.PythonFile(self._counter, mode="r"),
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    block_size=CSV_BLOCK_BYTES,
                    encoding=arrow_encoding,
                    use_threads=False,
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return
            raise FileProblem(f"文件无法按CSV格式读取：{exc}", code="csv_unreadable") from exc
        next_row = 2
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise FileProblem(
                    f"第{next_row}行附近的内容无法读取：{exc}", code="csv_unreadable"
                ) from exc
            table = pa.Table.from_batches([batch])
            chunk_problems, problems[:] = list(problems), []
            # Skipped rows still count in the file's row numbers.
            span = np.arange(next_row, next_row + table.num_rows + len(chunk_problems))
            skipped = np.array([p.row for p in chunk_problems], dtype=np.int64)
            numbers = np.setdiff1d(span, skipped)[: table.num_rows] if len(skipped) else span
            yield Chunk(table=table, row_numbers=numbers, problems=chunk_problems)
            next_row += table.num_rows + len(chunk_problems)
            self.rows_read += table.num_rows

    # XLSX: the first sheet, row by row (the format caps a sheet at 1,048,576 rows).
    def _xlsx_chunks(self) -> Iterator[Chunk]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self._raw, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise FileProblem("文件不是有效的Excel（xlsx）文件。", code="xlsx_unreadable") from exc
        sheet = workbook.worksheets[0]
        self._xlsx_rows = max((sheet.max_row or 1) - 1, 1)
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise FileProblem("文件为空。", code="file_empty")
        header = [_cell_text(cell) for cell in header_row]
        while header and not header[-1]:
            header.pop()
        names = map_header(header, self.rules, source_name=self.source_name)
        width = len(names)
        buffer: list[list[str]] = []
        numbers: list[int] = []
        for row_number, values in enumerate(rows, start=2):
            cells = [_cell_text(cell) for cell in values[:width]]
            cells.extend([""] * (width - len(cells)))
            if not any(cells):
                continue  # Excel keeps blank formatted rows at the end of sheets
            buffer.append(cells)
            numbers.append(row_number)
            if len(buffer) >= ROWS_PER_CHUNK:
                yield self._rows_chunk(names, buffer, numbers, [])
                buffer, numbers = [], []
        if buffer:
            yield self._rows_chunk(names, buffer, numbers, [])
        workbook.close()

    # JSON Lines: one object per line; keys are column names or Chinese labels.
    def _jsonl_chunks(self) -> Iterator[Chunk]:
        text = io.TextIOWrapper(
            io.BufferedReader(self._counter), encoding=self.encoding, newline=""
        )
        names: list[str] | None = None
        key_to_name: dict[str, str] = {}
        buffer: list[list[str]] = []
        numbers: list[int] = []
        problems: list[RowProblem] = []
        for line_number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(
                    RowProblem(line_number, "整行", line[:200], f"不是有效的JSON：{exc.msg}")
                )
                continue
            if not isinstance(obj, dict):
                problems.append(RowProblem(line_number, "整行", line[:200], "每行应为一个JSON对象"))
                continue
            if names is None:
                keys = list(obj)
                names = map_header(keys, self.rules, source_name=self.source_name)
                key_to_name = dict(zip(keys, names, strict=True))
            extra = [key for key in obj if key not in key_to_name]
            if extra:
                problems.append(
                    RowProblem(line_number, "整行", "、".join(extra), "含有第一行没有的字段")
                )
                continue
            values = {key_to_name[key]: _cell_text(value) for key, value in obj.items()}
            buffer.append([values.get(name, "") for name in names])
            numbers.append(line_number)
            if len(buffer) >= ROWS_PER_CHUNK:
                yield self._rows_chunk(names, buffer, numbers, problems)
                buffer, numbers, problems = [], [], []
        if names is None and not problems:
            raise FileProblem("文件为空。", code="file_empty")
        if buffer or problems:
            yield self._rows_chunk(names or [], buffer, numbers, problems)

    def _rows_chunk(
        self,
        names: list[str],
        rows: list[list[str]],
        numbers: list[int],
        problems: list[RowProblem],
    ) -> Chunk:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        table = pa.table(
            {name: pa.array(col, pa.string()) for name, col in zip(names, columns, strict=True)}
        )
        self.rows_read += len(rows)
        return Chunk(
            table=table, row_numbers=np.array(numbers, dtype=np.int64), problems=list(problems)
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
