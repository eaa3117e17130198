"""Checks on delivered values, column by column, vectorized with Arrow compute.

A chunk arrives as an Arrow table of strings named by catalogue column. ``validate_chunk`` returns
the rows that passed, normalized for the record table (months as their first day, choices as
codes, empty optional values as nulls), and one error row per failed check: row number, column,
value and the reason in Chinese. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from risk_models.catalogue import Dtype

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
INTEGER_LIMIT = 2**31 - 1
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_USCC_LOOKUP = np.full(256, 0, dtype=np.uint8)
for _index, _char in enumerate(_USCC_ALPHABET):
    _USCC_LOOKUP[ord(_char)] = _index

_MONTH = r"^(?P<y>[0-9]{4})(?:[-/.年]?)(?P<m>[0-9]{1,2})(?:月|[-/.]0?1日?)?$"
_DATE = r"^(?P<y>[0-9]{4})[-/.年]?(?P<m>[0-9]{1,2})[-/.月]?(?P<d>[0-9]{1,2})日?$"

ERROR_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("column", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
    ]
)


@dataclass(frozen=True)
class Rule:
    """How one column is checked: the catalogue's entry for it."""

    name: str
    label: str
    dtype: Dtype
    required: bool = True
    max_length: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    choices: tuple[tuple[str, str], ...] = ()
    not_future: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class CheckedChunk:
    valid: pa.Table  # passing rows, normalized, with a "row_number" column
    errors: pa.Table  # ERROR_SCHEMA
    rows: int
    bad_rows: int


# A reason is fixed text, or text around the offending value: ("“", "”不是有效的日期").
Reason = str | tuple[str, str]


@dataclass
class _Column:
    rule: Rule
    values: pa.Array  # trimmed input strings
    output: pa.Array | None = None
    failures: list[tuple[pa.Array, Reason]] = field(default_factory=list)

    def fail(self, mask: pa.Array, reason: Reason) -> None:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            self.failures.append((mask, reason))


def _money_pattern(decimals: int) -> str:
    # Surrounding blanks are allowed (PostgreSQL ignores them): numbers are not trimmed first.
    return rf"^\s*-?[0-9]{{1,{18 - decimals}}}(\.[0-9]{{1,{decimals}}})?\s*$"


def _as_string(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.string():
        array = array.cast(pa.string())
    return pc.fill_null(array, "") if array.null_count else array


def _uscc_checksum_ok(codes: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Check characters of well-formed codes (all 18 ASCII characters), without a row loop."""
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    codes = pa.concat_arrays([codes])  # a fresh, zero-offset array
    offsets = np.frombuffer(codes.buffers()[1], dtype=np.int32)[: len(codes) + 1]
    data = np.frombuffer(codes.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    matrix = data.reshape(-1, 18)
    values = _USCC_LOOKUP[matrix]
    total = values[:, :17].astype(np.int32) @ _USCC_WEIGHTS.astype(np.int32)
    expected = (31 - total % 31) % 31
    ok: np.ndarray[Any, np.dtype[np.bool_]] = values[:, 17] == expected
    return ok


_BASE32 = 32.0 ** np.arange(9, -1, -1)
USCC_PACKED_HEADS = 1 << 14  # distinct 8-character heads one packed integer can rank
_USCC_VALUES = _USCC_LOOKUP.astype(np.float64)


def uscc_order(codes: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The indices that sort validated codes, as ``ORDER BY`` with ``COLLATE "C"`` would.

    Each code is packed into one integer, order kept: the rank of its first 8 characters among
    this chunk's (few: they name the registering authority and the region), then its last 10
    characters at 5 bits each. Several times faster than sorting the strings.
    """
    codes = pa.concat_arrays([codes]) if isinstance(codes, pa.Array) else codes.combine_chunks()
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.frombuffer(codes.buffers()[1], dtype=np.int32)[codes.offset]
    matrix = np.frombuffer(codes.buffers()[2], dtype=np.uint8, count=18 * len(codes), offset=start)
    # Exact in doubles (below 2**50), which lets the product run as one matrix multiplication.
    values = np.take(_USCC_VALUES, matrix.reshape(-1, 18))
    head = (values[:, :8] @ _BASE32[-8:]).astype(np.uint64)
    tail = (values[:, 8:] @ _BASE32).astype(np.uint64)
    heads, rank = np.unique(head, return_inverse=True)
    if len(heads) >= USCC_PACKED_HEADS:  # too many to share one integer: sort by both parts
        return np.lexsort((tail, head)).astype(np.int64)
    packed = rank.astype(np.uint64) << np.uint64(50) | tail
    return np.argsort(packed).astype(np.int64)  # keys are unique, or the batch is rejected


def _scatter(mask: pa.Array, values: np.ndarray[Any, Any]) -> pa.Array:
    """Place ``values`` (one per true element of ``mask``) back at their positions."""
    full = np.zeros(len(mask), dtype=values.dtype)
    full[np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)] = values
    return pa.array(full)


def _check_numeric(col: _Column, decimals: int | None) -> None:
    rule = col.rule
    values = col.values
    if decimals is None:
        pattern = r"^\s*-?[0-9]{1,12}\s*$"
        unit = "整数"
    else:
        pattern = _money_pattern(decimals)
        unit = "金额（元，最多两位小数）" if decimals == 2 else f"数值（最多{decimals}位小数）"
    present = pc.greater(pc.binary_length(values), 0)
    well_formed = pc.match_substring_regex(values, pattern)
    col.fail(
        pc.and_(present, pc.invert(well_formed)),
        ("“", f"”不是有效的{unit}"),
    )
    if decimals is None:
        # Stored as a 4-byte integer: a larger one is refused here, not by the database.
        whole = pc.cast(pc.if_else(well_formed, pc.utf8_trim_whitespace(values), "0"), pa.int64())
        col.fail(
            pc.and_(well_formed, pc.greater(pc.abs(whole), INTEGER_LIMIT)),
            f"超出整数范围（绝对值不能大于{INTEGER_LIMIT}）",
        )
    floor, ceiling = rule.min_value, rule.max_value
    if floor == 0:
        col.fail(pc.and_(well_formed, pc.match_substring(values, "-")), "不能为负数")
        floor = None
    if floor is not None or ceiling is not None:
        number = pc.cast(pc.if_else(well_formed, values, "0"), pa.float64())
        if floor is not None:
            col.fail(
                pc.and_(well_formed, pc.less(number, float(floor))),
                f"不能小于{floor.normalize()}",
            )
        if ceiling is not None:
            col.fail(
                pc.and_(well_formed, pc.greater(number, float(ceiling))),
                f"不能大于{ceiling.normalize()}",
            )
    if rule.dtype is Dtype.MONEY:
        # Stored as whole fen (``core.fields.FenField``).
        col.output = pa.array(units(pc.if_else(well_formed, values, "0"), 2))
    else:
        col.output = values


# Below this many units of the last decimal, a double parses and scales a value exactly.
_EXACT_IN_DOUBLE = 2**50


def _trimmed(array: pa.Array) -> pa.Array:
    """Validated numbers may carry blanks around them: trim only if a blank is there at all."""
    data = array.buffers()[2]
    if data is None or not (np.frombuffer(data, dtype=np.uint8) <= ord(" ")).any():
        return array
    return pc.utf8_trim_whitespace(array)


def units(array: pa.Array, scale: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Well-formed decimal strings as whole units of their last decimal place (fen for money,
    ``scale`` 2), exactly."""
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        array = _trimmed(array)
    doubles = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False) * 10**scale
    if len(doubles) and np.abs(doubles).max() < _EXACT_IN_DOUBLE:
        return np.rint(doubles).astype(np.int64)
    decimals = pc.cast(array, pa.decimal128(18, scale))
    # A decimal128 is a little-endian 128-bit integer of the unscaled value; |value| < 10**18
    # fits its low 64 bits.
    words = np.frombuffer(decimals.buffers()[1], dtype="<i8")
    return words[2 * decimals.offset : 2 * (decimals.offset + len(decimals)) : 2].copy()


def _ymd_to_dates(
    years: pa.Array, months: pa.Array, days: pa.Array | None
) -> tuple[pa.Array, pa.Array]:
    """Dates from integer parts, and a mask of parts that make a real date."""
    y = np.asarray(years.to_numpy(zero_copy_only=False), dtype=np.int64)
    m = np.asarray(months.to_numpy(zero_copy_only=False), dtype=np.int64)
    d = (
        np.ones_like(y)
        if days is None
        else np.asarray(days.to_numpy(zero_copy_only=False), dtype=np.int64)
    )
    ok = (y >= 1900) & (y <= 2999) & (m >= 1) & (m <= 12) & (d >= 1)
    month_start = (np.where(ok, y - 1970, 0) * 12 + np.where(ok, m - 1, 0)).astype("datetime64[M]")
    next_month = (month_start + 1).astype("datetime64[D]")
    start = month_start.astype("datetime64[D]")
    ok &= d <= (next_month - start).astype(np.int64)
    dates = start + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    return pa.array(dates, type=pa.date32()), pa.array(ok)


def _check_temporal(col: _Column, today: dt.date) -> None:
    rule = col.rule
    values = col.values
    present = pc.greater(pc.binary_length(values), 0)
    if rule.dtype is Dtype.MONTH:
        parts = pc.extract_regex(values, _MONTH)
        example = "2026-10"
    else:
        parts = pc.extract_regex(values, _DATE)
        example = "2026-10-05"
    matched = pc.is_valid(parts)

    def part(name: str) -> pa.Array:
        return pc.cast(pc.fill_null(pc.struct_field(parts, name), "0"), pa.int64())

    years, months = part("y"), part("m")
    days = None if rule.dtype is Dtype.MONTH else part("d")
    dates, real = _ymd_to_dates(years, months, days)
    ok = pc.and_(matched, real)
    kind = "月份" if rule.dtype is Dtype.MONTH else "日期"
    col.fail(
        pc.and_(present, pc.invert(ok)),
        ("“", f"”不是有效的{kind}（例如 {example}）"),
    )
    if rule.not_future:
        if rule.dtype is Dtype.MONTH:
            limit = today.replace(day=1)
            reason = "所属期晚于当前月份"
        else:
            limit = today
            reason = "日期晚于今天"
        col.fail(pc.and_(ok, pc.greater(dates, pa.scalar(limit, pa.date32()))), reason)
    col.output = pc.if_else(ok, dates, pa.scalar(None, pa.date32()))


def _check_year(col: _Column, today: dt.date) -> None:
    rule = col.rule
    values = col.values
    present = pc.greater(pc.binary_length(values), 0)
    ok = pc.match_substring_regex(values, r"^[0-9]{4}$")
    col.fail(
        pc.and_(present, pc.invert(ok)),
        ("“", "”不是有效的年度（例如 2025）"),
    )
    year = pc.cast(pc.if_else(ok, values, "0"), pa.int64())
    col.fail(pc.and_(ok, pc.greater(year, today.year)), "年度晚于当前年度")
    if rule.min_value is not None:
        col.fail(
            pc.and_(ok, pc.less(year, int(rule.min_value))),
            f"年度不能早于{int(rule.min_value)}年",
        )
    col.output = values


def _check_choice(col: _Column) -> None:
    rule = col.rule
    values = col.values
    codes = [code for code, _label in rule.choices]
    lowered = pc.utf8_lower(values)
    by_code = pc.index_in(lowered, value_set=pa.array([c.lower() for c in codes]))
    by_label = pc.index_in(values, value_set=pa.array([label for _c, label in rule.choices]))
    index = pc.coalesce(by_code, by_label)
    present = pc.greater(pc.binary_length(values), 0)
    allowed = "、".join(f"{code}（{label}）" for code, label in rule.choices)
    col.fail(
        pc.and_(present, pc.is_null(index)),
        ("“", f"”不是可选值；可选：{allowed}"),
    )
    col.output = pc.take(pa.array(codes), index)


def _check_text(col: _Column, pattern: str | None, what: str) -> None:
    rule = col.rule
    values = col.values
    present = pc.greater(pc.binary_length(values), 0)
    if pattern is not None:
        col.fail(
            pc.and_(present, pc.invert(pc.match_substring_regex(values, pattern))),
            ("“", f"”不是有效的{what}"),
        )
    if rule.max_length:
        col.fail(
            pc.greater(pc.utf8_length(values), rule.max_length),
            f"长度超过{rule.max_length}个字符",
        )
    col.output = values


def _check_uscc(col: _Column) -> None:
    values = pc.ascii_upper(col.values)
    present = pc.greater(pc.binary_length(values), 0)
    well_formed = pc.match_substring_regex(values, USCC_PATTERN)
    col.fail(
        pc.and_(present, pc.invert(well_formed)),
        ("“", "”不是有效的统一社会信用代码（应为18位数字或大写字母）"),
    )
    checksum_ok = _uscc_checksum_ok(pc.filter(values, well_formed))
    bad_check = _scatter(well_formed, ~checksum_ok)
    col.fail(bad_check, "统一社会信用代码校验位错误")
    col.output = values


NUMBERS = frozenset({Dtype.MONEY, Dtype.QUANTITY, Dtype.INTEGER})
FEW_DISTINCT = frozenset(
    {Dtype.MONTH, Dtype.DATE, Dtype.YEAR, Dtype.CHOICE, Dtype.REGION, Dtype.INDUSTRY}
)


def _check_column(rule: Rule, values: pa.Array, today: dt.date) -> _Column:
    col = _Column(rule=rule, values=values)
    empty = pc.equal(pc.binary_length(values), 0)
    if rule.required:
        col.fail(empty, "必填项为空")
    match rule.dtype:
        case Dtype.USCC:
            _check_uscc(col)
        case Dtype.MONEY:
            _check_numeric(col, 2)
        case Dtype.QUANTITY:
            _check_numeric(col, 3)
        case Dtype.INTEGER:
            _check_numeric(col, None)
        case Dtype.MONTH | Dtype.DATE:
            _check_temporal(col, today)
        case Dtype.YEAR:
            _check_year(col, today)
        case Dtype.CHOICE:
            _check_choice(col)
        case Dtype.REGION:
            _check_text(col, r"^[0-9]{6}$", "行政区划代码（6位数字）")
        case Dtype.INDUSTRY:
            _check_text(col, r"^([A-T]|[0-9]{2,4})$", "国民经济行业代码")
        case _:
            _check_text(col, None, "")
    assert col.output is not None  # noqa: S101
    if not rule.required:
        col.output = pc.if_else(empty, pa.scalar(None, col.output.type), col.output)
    return col


def validate_chunk(
    table: pa.Table,
    rules: list[Rule],
    *,
    row_numbers: np.ndarray[Any, np.dtype[np.int64]],
    today: dt.date,
) -> CheckedChunk:
    """Check every value of ``table``; ``row_numbers`` are the rows' numbers in the file."""
    n = table.num_rows
    columns: list[_Column] = []
    for rule in rules:
        if rule.name in table.column_names:
            raw = _as_string(table.column(rule.name))
        else:
            raw = pa.array([""] * n, type=pa.string()) if n else pa.array([], pa.string())
        if rule.dtype in FEW_DISTINCT:
            # Months, dates and codes repeat: check each distinct value once, then spread.
            encoded = raw.dictionary_encode()
            checked = _check_column(rule, pc.utf8_trim_whitespace(encoded.dictionary), today)
            indices = encoded.indices
            col = _Column(
                rule=rule,
                values=raw,
                output=pc.take(checked.output, indices),
                failures=[(pc.take(mask, indices), why) for mask, why in checked.failures],
            )
        elif rule.dtype in NUMBERS:
            col = _check_column(rule, raw, today)
        else:
            col = _check_column(rule, pc.utf8_trim_whitespace(raw), today)
        columns.append(col)

    row_array = pa.array(row_numbers, pa.int64())
    bad = pa.array(np.zeros(n, dtype=bool))
    error_parts: list[pa.Table] = []
    for col in columns:
        for mask, reason in col.failures:
            bad = pc.or_(bad, mask)
            rows = pc.filter(row_array, mask)
            count = len(rows)
            shown = pc.filter(col.values, mask)
            if isinstance(reason, str):
                reasons = pa.array([reason] * count, pa.string())
            else:
                reasons = pc.binary_join_element_wise(reason[0], shown, reason[1], "")
            error_parts.append(
                pa.table(
                    [
                        rows,
                        pa.array([col.rule.label] * count, pa.string()),
                        shown,
                        reasons,
                    ],
                    schema=ERROR_SCHEMA,
                )
            )
    if error_parts:
        errors = pa.concat_tables(error_parts).sort_by([("row", "ascending")])
    else:
        errors = ERROR_SCHEMA.empty_table()
    good = pc.invert(bad)
    bad_rows = n - pc.sum(pc.cast(good, pa.int64())).as_py() if n else 0
    valid = pa.table({**{c.rule.name: c.output for c in columns}, "row_number": row_array})
    if bad_rows:
        valid = valid.filter(good)
    return CheckedChunk(valid=valid, errors=errors, rows=n, bad_rows=bad_rows)
