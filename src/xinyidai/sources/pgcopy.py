"""PostgreSQL's binary ``COPY`` format, built from validated Arrow columns with no loop over rows.

The server reads binary fields as they are stored (a date is a day number, a number its base-10000
digits), so it skips the text parsing a CSV ``COPY`` spends most of its time on. Each column is
turned into its encoded fields at once with numpy and Arrow:

- fixed-width fields (integers, dates, ``numeric(18, s)``, and strings that happen to be of one
  length in the chunk, such as USCCs) become parts: bytes shared by every row (a length, a
  numeric header) and arrays of one item per row;
- the others (strings of varying length, and any column with empty values) become an Arrow
  binary array of encoded fields.

When every column of a chunk is fixed-width, the rows are written part by part into one buffer;
otherwise Arrow joins each row's fields in C++. Values must have passed ``validation``: this
module checks ranges only where the format could not hold a value at all.

The format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from risk_models.catalogue import Dtype

from .validation import units

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_EMPTY = np.zeros(0, dtype=np.uint8)
NULL_FIELD = b"\xff\xff\xff\xff"  # a field length of -1
POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01, counted in days from 1970-01-01
NUMERIC_DIGITS = 5  # base-10000 digits for numeric(18, 3): 4 whole, 1 fraction
NUMERIC_NEG = 0x4000


class Kind(StrEnum):
    """A column's type in the record table, as far as the binary format is concerned."""

    TEXT = "text"  # varchar and text
    INT2 = "int2"
    INT4 = "int4"
    INT8 = "int8"
    DATE = "date"
    QUANTITY = "numeric(18,3)"


def kind_for(dtype: Dtype) -> Kind:
    """The storage kind of a catalogue column (``sources.models._field_for``)."""
    match dtype:
        case Dtype.INTEGER:
            return Kind.INT4
        case Dtype.YEAR:
            return Kind.INT2
        case Dtype.MONEY:
            return Kind.INT8  # whole fen: core.fields.FenField
        case Dtype.QUANTITY:
            return Kind.QUANTITY
        case Dtype.MONTH | Dtype.DATE:
            return Kind.DATE
    return Kind.TEXT


_SCALE = {Kind.QUANTITY: 3}
_INTEGERS = {Kind.INT2: ">i2", Kind.INT4: ">i4", Kind.INT8: ">i8"}


@dataclass
class _Fixed:
    """A column whose encoded fields all have one width, as parts in order: ``bytes`` are the
    same for every row, an array holds one item per row (a ``V`` dtype of the part's width)."""

    parts: list[bytes | np.ndarray[Any, Any]]

    def records(self, rows: int) -> np.ndarray[Any, Any]:
        return _assemble(self.parts, rows)


def _size(part: bytes | np.ndarray[Any, Any]) -> int:
    return len(part) if isinstance(part, bytes) else int(part.dtype.itemsize)


def _width(parts: list[bytes | np.ndarray[Any, Any]]) -> int:
    return sum(_size(p) for p in parts)


ASSEMBLY_ROWS = 8192  # rows assembled at a time: a block stays in the CPU cache for every part


def _assemble(
    parts: list[bytes | np.ndarray[Any, Any]],
    rows: int,
    out: np.ndarray[Any, np.dtype[np.uint8]] | None = None,
) -> np.ndarray[Any, Any]:
    """Rows of fixed width: the constant parts laid out once and repeated, then each varying
    part written into its place (one strided copy each, no byte-order conversion). Written
    into ``out`` (``rows`` times the width, in bytes) when given."""
    sizes = [_size(p) for p in parts]
    template = b"".join(
        p if isinstance(p, bytes) else bytes(len_) for p, len_ in zip(parts, sizes, strict=True)
    )
    width = len(template)
    out = np.empty(rows * width, dtype=np.uint8) if out is None else out
    if not width:
        return out
    varying = [(i, p) for i, p in enumerate(parts) if not isinstance(p, bytes)]
    offsets = np.cumsum([0, *sizes])
    layout = np.dtype(
        {
            "names": [f"p{i}" for i, _p in varying],
            "formats": [p.dtype for _i, p in varying],
            "offsets": [int(offsets[i]) for i, _p in varying],
            "itemsize": width,
        }
    )
    grid, view = out.reshape(rows, width), out.view(layout)
    constant = np.frombuffer(template, dtype=np.uint8)
    for start in range(0, rows, ASSEMBLY_ROWS):
        block = slice(start, start + ASSEMBLY_ROWS)
        grid[block] = constant
        for i, p in varying:
            view[f"p{i}"][block] = p[block]
    return out.view(f"V{width}")


def _plain(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        return array.combine_chunks()
    return array


def _is_text(array: pa.Array) -> bool:
    return bool(pa.types.is_string(array.type) or pa.types.is_large_string(array.type))


def _length(width: int) -> bytes:
    return width.to_bytes(4, "big")


Order = np.ndarray[Any, np.dtype[np.int64]] | None  # the rows' order, as indices; None: as given


def _fixed(values: np.ndarray[Any, Any], dtype: str, order: Order) -> _Fixed:
    if order is not None:
        values = values[order]
    typed = np.ascontiguousarray(values.astype(dtype, copy=False))
    width = typed.dtype.itemsize
    return _Fixed([_length(width), typed.view(f"V{width}")])


def _integers(array: pa.Array, kind: Kind, order: Order) -> _Fixed:
    if _is_text(array):
        array = pc.cast(pc.utf8_trim_whitespace(array), pa.int64())
    return _fixed(array.to_numpy(zero_copy_only=False), _INTEGERS[kind], order)


def _dates(array: pa.Array, order: Order) -> _Fixed:
    days = pc.cast(pc.cast(array, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
    return _fixed(days - POSTGRES_EPOCH_DAYS, ">i4", order)


def _numerics(array: pa.Array, scale: int, order: Order) -> _Fixed:
    """``numeric(18, scale)``: 4 whole base-10000 digits and 1 fractional one, weight 3.

    PostgreSQL strips the zero digits itself and checks the precision against the column.
    """
    unscaled = units(array, scale)
    if order is not None:
        unscaled = unscaled[order]
    magnitude = np.abs(unscaled)
    whole = magnitude // 10**scale
    high = (whole // 10**8).astype(np.int32)
    low = (whole % 10**8).astype(np.int32)
    # The part of each field that varies: sign, display scale, then the digits. Built column by
    # column (contiguous), then turned into rows of big-endian shorts in one pass.
    tail = np.empty((2 + NUMERIC_DIGITS, len(unscaled)), dtype=np.int32)
    tail[0] = (unscaled < 0) * NUMERIC_NEG
    tail[1] = scale
    tail[2], tail[3] = high // 10**4, high % 10**4
    tail[4], tail[5] = low // 10**4, low % 10**4
    tail[6] = (magnitude - whole * 10**scale) * 10 ** (4 - scale)
    head = struct.pack(">ihh", 8 + 2 * NUMERIC_DIGITS, NUMERIC_DIGITS, NUMERIC_DIGITS - 2)
    rows = np.ascontiguousarray(tail.T.astype(">i2"))
    return _Fixed([head, rows.view(f"V{2 * len(tail)}").reshape(-1)])


def _fixed_width_text(array: pa.Array, order: Order) -> _Fixed | None:
    """A string column whose values all have one byte length, as fixed fields; else None."""
    bounds = pc.min_max(pc.binary_length(array))
    width = bounds["min"].as_py()
    if not width or width != bounds["max"].as_py():
        return None
    start = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset]
    data = np.frombuffer(array.buffers()[2], dtype=f"S{width}", count=len(array), offset=start)
    return _Fixed([_length(width), (data if order is None else data[order]).view(f"V{width}")])


def _as_binary(records: np.ndarray[Any, Any]) -> pa.Array:
    """Fixed-width records as an Arrow binary array, one row per record, without copying."""
    rows, width = len(records), records.dtype.itemsize
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(records).view(np.uint8)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.binary(), rows, buffers)


def _text_fields(array: pa.Array) -> pa.Array:
    lengths = pc.fill_null(pc.binary_length(array), 0).to_numpy(zero_copy_only=False)
    prefix = _as_binary(lengths.astype(">i4"))
    return pc.binary_join_element_wise(prefix, pc.cast(pc.fill_null(array, ""), pa.binary()), b"")


def _zero_filled(array: pa.Array) -> pa.Array:
    """Empty values as a harmless zero of the column's type (they are sent as NULL anyway)."""
    if not array.null_count:
        return array
    if _is_text(array):
        return pc.fill_null(array, "0")
    if pa.types.is_date32(array.type):
        return pc.fill_null(array, pa.scalar(0, pa.int32()).cast(pa.date32()))
    return pc.fill_null(array, pa.scalar(0, array.type))


def _fields(array: pa.Array, kind: Kind, order: Order) -> _Fixed | pa.Array:
    """One column's encoded fields, rows in ``order``: fixed-width parts when it can, else a
    binary array."""
    if kind is Kind.TEXT and not array.null_count:
        fixed = _fixed_width_text(array, order)
        if fixed is not None:
            return fixed
    if order is not None and (array.null_count or kind is Kind.TEXT):
        # Empty values, or strings of varying length: reorder the column itself first.
        array, order = pc.take(array, order), None
    if kind is Kind.TEXT:
        encoded = _text_fields(array)
    else:
        filled = _zero_filled(array)
        if kind is Kind.DATE:
            fixed = _dates(filled, order)
        elif kind in _SCALE:
            fixed = _numerics(filled, _SCALE[kind], order)
        else:
            fixed = _integers(filled, kind, order)
        if not array.null_count:
            return fixed
        encoded = _as_binary(fixed.records(len(array)))
    if array.null_count:
        encoded = pc.if_else(pc.is_null(array), pa.scalar(NULL_FIELD, pa.binary()), encoded)
    return encoded


def encode(
    table: pa.Table, kinds: dict[str, Kind], *, order: np.ndarray[Any, Any] | None = None
) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The rows of ``table`` as one binary ``COPY`` payload (header, rows, trailer), columns in
    the table's order; rows in ``order`` (indices into the table) when given."""
    rows, count = table.num_rows, table.num_columns
    fields = [
        _fields(_plain(table.column(name)), kinds[name], order) for name in table.column_names
    ]
    prefix = count.to_bytes(2, "big")
    if all(isinstance(f, _Fixed) for f in fields):
        parts = [prefix, *(part for f in fields if isinstance(f, _Fixed) for part in f.parts)]
        width = _width(parts)
        payload = np.empty(len(HEADER) + rows * width + len(TRAILER), dtype=np.uint8)
        _assemble(parts, rows, out=payload[len(HEADER) : len(HEADER) + rows * width])
    else:
        counts = _as_binary(_assemble([prefix], rows))
        arrays = [f if isinstance(f, pa.Array) else _as_binary(f.records(rows)) for f in fields]
        joined = _plain(pc.binary_join_element_wise(counts, *arrays, b""))
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)
        start, end = offsets[joined.offset], offsets[joined.offset + rows]
        data = np.frombuffer(joined.buffers()[2], dtype=np.uint8)[start:end] if rows else _EMPTY
        payload = np.empty(len(HEADER) + len(data) + len(TRAILER), dtype=np.uint8)
        payload[len(HEADER) : len(HEADER) + len(data)] = data
    payload[: len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    payload[len(payload) - len(TRAILER) :] = np.frombuffer(TRAILER, dtype=np.uint8)
    return payload


class Reader:
    """A payload read by ``cursor.copy_expert`` in pieces, each copied only once, to bytes."""

    def __init__(self, payload: np.ndarray[Any, np.dtype[np.uint8]]) -> None:
        self.view = memoryview(payload.data)
        self.at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.view) if size < 0 else min(self.at + size, len(self.view))
        piece = self.view[self.at : end].tobytes()
        self.at = end
        return piece


__all__ = ["Kind", "Reader", "encode", "kind_for"]
