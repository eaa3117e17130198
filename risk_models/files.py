"""Department files: a source frame written the way a department would deliver it.

* CSV in UTF-8, UTF-8 with BOM (``utf-8-sig``) or the Chinese national encodings
  (``gb18030``, ``gbk``), written in chunks so that millions of rows never become one string;
* XLSX (one sheet, written with openpyxl in write-only mode);
* JSON Lines (one object per line, always UTF-8).

The header row carries the catalogue's Chinese labels (``headers="label"``) or its column names
(``headers="code"``). Months are written ``2026-10``, dates ``2026-10-05``, choices as their
codes and money as plain decimals (``12345.6``, no thousands separators). A missing optional
value is an empty field in CSV, an empty cell in XLSX and ``null`` in JSON Lines.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk_models.catalogue import SOURCES_BY_CODE, Dtype, Source

if TYPE_CHECKING:
    from risk_models.synth import SynthCity

__all__ = ["CSV_ENCODINGS", "FORMATS", "write_city", "write_source_file"]

FORMATS = {"csv": "csv", "xlsx": "xlsx", "jsonl": "jsonl"}  # format -> file extension
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk")
_CHUNK_ROWS = 100_000
_XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header
_DECIMALS = {Dtype.MONEY: 2, Dtype.QUANTITY: 3}


def _source(code: str) -> Source:
    try:
        return SOURCES_BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown source: {code!r}") from None


def _headers(source: Source, headers: str) -> list[str]:
    if headers == "label":
        return [column.label for column in source.columns]
    if headers == "code":
        return [column.name for column in source.columns]
    raise ValueError(f"headers must be 'label' or 'code', not {headers!r}")


def _as_text_dates(values: pd.Series, unit: str) -> pd.Series:
    """Dates as ``YYYY-MM`` (unit ``M``) or ``YYYY-MM-DD`` (unit ``D``); missing as None."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values)
    days = values.to_numpy().astype(f"datetime64[{unit}]")
    text = days.astype(str).astype(object)
    text[np.isnat(days)] = None
    return pd.Series(text, index=values.index, dtype=object)


def _prepared(chunk: pd.DataFrame, source: Source) -> pd.DataFrame:
    """The chunk's catalogue columns, with dates as text and numbers rounded."""
    columns: dict[str, Any] = {}
    for column in source.columns:
        values = chunk[column.name]
        if column.dtype == Dtype.MONTH:
            columns[column.name] = _as_text_dates(values, "M")
        elif column.dtype == Dtype.DATE:
            columns[column.name] = _as_text_dates(values, "D")
        elif column.dtype in _DECIMALS:
            number = pd.to_numeric(values).astype(np.float64)
            columns[column.name] = number.round(_DECIMALS[column.dtype])
        elif column.dtype in (Dtype.INTEGER, Dtype.YEAR):
            columns[column.name] = pd.to_numeric(values).astype("Int64")
        else:
            columns[column.name] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(columns, index=chunk.index)


def _chunks(frame: pd.DataFrame, source: Source) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), _CHUNK_ROWS):
        yield _prepared(frame.iloc[start : start + _CHUNK_ROWS], source)


def _write_csv(
    frame: pd.DataFrame, source: Source, path: Path, header: list[str], encoding: str
) -> None:
    if encoding.lower() not in CSV_ENCODINGS:
        raise ValueError(f"CSV encoding must be one of {', '.join(CSV_ENCODINGS)}")
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(header)
        for chunk in _chunks(frame, source):
            # Floats print in their shortest form (12345.6); pandas never groups thousands.
            chunk.to_csv(handle, header=False, index=False, na_rep="", lineterminator="\n")


def _native_rows(chunk: pd.DataFrame) -> list[list[Any]]:
    """Rows of Python values (str, int, float), None where a value is missing."""
    rows: list[list[Any]] = chunk.astype(object).where(chunk.notna(), None).to_numpy().tolist()
    return rows


def _write_xlsx(frame: pd.DataFrame, source: Source, path: Path, header: list[str]) -> None:
    from openpyxl import Workbook

    if len(frame) > _XLSX_MAX_ROWS:
        raise ValueError(f"an XLSX sheet holds at most {_XLSX_MAX_ROWS:,} rows")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=source.name[:31])
    sheet.append(header)
    for chunk in _chunks(frame, source):
        for row in _native_rows(chunk):
            sheet.append(row)
    book.save(path)


def _write_jsonl(frame: pd.DataFrame, source: Source, path: Path, header: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for chunk in _chunks(frame, source):
            lines = (
                json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) + "\n"
                for row in _native_rows(chunk)
            )
            handle.writelines(lines)


def write_source_file(
    frame: pd.DataFrame,
    source_code: str,
    path: Path,
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    headers: str = "label",
) -> Path:
    """Write ``frame`` (catalogue column names) as ``source_code``'s delivery file at ``path``.

    ``fmt`` is ``csv``, ``xlsx`` or ``jsonl``; ``encoding`` applies to CSV (JSON Lines is
    always UTF-8, XLSX has its own); ``headers`` is ``label`` (Chinese) or ``code``.
    """
    source = _source(source_code)
    header = _headers(source, headers)
    missing = [column.name for column in source.columns if column.name not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns of {source_code}: {', '.join(missing)}")
    path = Path(path)
    if fmt == "csv":
        _write_csv(frame, source, path, header, encoding)
    elif fmt == "xlsx":
        _write_xlsx(frame, source, path, header)
    elif fmt == "jsonl":
        if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ValueError("JSON Lines files are always UTF-8")
        _write_jsonl(frame, source, path, header)
    else:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return path


def write_city(
    city: SynthCity,
    directory: Path,
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    headers: str = "label",
) -> dict[str, Path]:
    """One delivery file per source of ``city`` in ``directory`` (``<source code>.<fmt>``)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {
        code: write_source_file(
            frame,
            code,
            directory / f"{code}.{FORMATS[fmt]}",
            fmt=fmt,
            encoding=encoding,
            headers=headers,
        )
        for code, frame in city.sources.items()
    }
