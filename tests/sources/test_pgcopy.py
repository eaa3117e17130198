"""The binary COPY encoder, checked against PostgreSQL itself: what the server stores from a
binary payload must equal what it stores from the same values as text."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.db import connection

from risk_models.catalogue import Dtype
from risk_models.synth import uscc_check_chars
from tests.factories import make_uscc
from xinyidai.sources import pgcopy
from xinyidai.sources.validation import INTEGER_LIMIT, Rule, uscc_order
from xinyidai.sources.validation import validate_chunk as validate

pytestmark = pytest.mark.django_db

Kind = pgcopy.Kind
COLUMNS = {
    "code": ('varchar(18) COLLATE "C"', Kind.TEXT),
    "name": ("text", Kind.TEXT),
    "kind": ("varchar(11)", Kind.TEXT),
    "month": ("date", Kind.DATE),
    "year": ("smallint", Kind.INT2),
    "headcount": ("integer", Kind.INT4),
    "row_number": ("integer", Kind.INT4),
    "batch_id": ("bigint", Kind.INT8),
    "amount": ("bigint", Kind.INT8),  # whole fen, as validation gives money
    "volume": ("numeric(18,3)", Kind.QUANTITY),
}


def _load(table: pa.Table, *, binary: bool, order: np.ndarray | None = None) -> list[tuple]:
    """Copy ``table`` into a fresh temporary table and read it back in insertion order."""
    columns = table.column_names
    ddl = ", ".join(f"{name} {COLUMNS[name][0]}" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pgcopy_check")
        cursor.execute(f"CREATE TEMPORARY TABLE pgcopy_check (seq serial, {ddl})")
        names = ", ".join(columns)
        if binary:
            kinds = {name: COLUMNS[name][1] for name in columns}
            payload = pgcopy.encode(table, kinds, order=order)
            cursor.cursor.copy_expert(
                f"COPY pgcopy_check ({names}) FROM STDIN WITH (FORMAT binary)",
                pgcopy.Reader(payload),
                1 << 10,  # small pieces: the reader is read across many calls
            )
        else:
            if order is not None:
                table = table.take(pa.array(order))
            rows = zip(*(table.column(c).to_pylist() for c in columns), strict=True)
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO pgcopy_check ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, list(rows))
        cursor.execute(f"SELECT {names} FROM pgcopy_check ORDER BY seq")  # noqa: S608
        return cursor.fetchall()


def _sample(rows: int, *, nulls: bool) -> pa.Table:
    rng = np.random.default_rng(rows)
    amounts = rng.integers(-(10**17), 10**17, rows)
    amounts[:6] = [0, -1, 1, 10**18 - 1, -(10**18) + 1, 9999999999][: min(6, rows)]
    volume = rng.integers(0, 10**12, rows) / 1000
    table = {
        "code": pa.array([make_uscc(n) for n in range(rows)]),
        "name": pa.array([f'肇庆{"某" * (n % 7)}有限公司, "引号"\n{n}' for n in range(rows)]),
        "kind": pa.array([("water", "electricity", "gas")[n % 3] for n in range(rows)]),
        "month": pa.array([dt.date(1999 + n % 40, 1 + n % 12, 1) for n in range(rows)]),
        "year": pa.array([str(1990 + n % 40) for n in range(rows)]),
        "headcount": pa.array([f" {n * 7919 % INTEGER_LIMIT} " for n in range(rows)]),
        "row_number": pa.array(np.arange(2, rows + 2), pa.int64()),
        "batch_id": pa.array(np.full(rows, 2**40 + 3), pa.int64()),
        "amount": pa.array(amounts, pa.int64()),
        "volume": pa.array([f"{v:.3f}" if n % 4 else f"{v:.0f}" for n, v in enumerate(volume)]),
    }
    if nulls:
        for name in ("name", "month", "headcount", "amount", "volume", "year"):
            values = table[name].to_pylist()
            table[name] = pa.array(
                [None if n % 5 == 1 else v for n, v in enumerate(values)], table[name].type
            )
    return pa.table(table)


def _text_values(table: pa.Table) -> pa.Table:
    """The same values as Python would bind them (numbers as text PostgreSQL parses)."""
    return pa.table(
        {
            name: (
                pc.utf8_trim_whitespace(table.column(name))
                if name in {"headcount", "year"}
                else table.column(name)
            )
            for name in table.column_names
        }
    )


@pytest.mark.parametrize("nulls", [False, True], ids=["complete", "with-empty-values"])
def test_binary_rows_equal_the_same_values_sent_as_text(nulls):
    table = _sample(500, nulls=nulls)
    assert _load(table, binary=True) == _load(_text_values(table), binary=False)


def test_fixed_width_columns_only_take_the_fast_path_and_still_match():
    table = _sample(300, nulls=False).select(["code", "month", "amount", "row_number"])
    fields = [
        pgcopy._fields(table.column(n).combine_chunks(), COLUMNS[n][1], None)
        for n in table.column_names
    ]
    assert all(isinstance(f, pgcopy._Fixed) for f in fields)
    assert _load(table, binary=True) == _load(table, binary=False)


def test_quantities_beyond_what_a_double_holds_exactly_are_encoded_from_decimals():
    big = ["999999999999999.999", "-999999999999999.999", "123456789012345.678", "0.005"]
    table = pa.table({"volume": pa.array(big), "row_number": pa.array([1, 2, 3, 4], pa.int64())})
    stored = [row[0] for row in _load(table, binary=True)]
    assert [str(v) for v in stored] == big


def test_money_is_validated_into_exact_whole_fen():
    rules = [Rule(name="amount", label="金额", dtype=Dtype.MONEY, required=False)]
    delivered = [" 12.5 ", "-0.01", "9999999999999999.99", "-1234567890123456.78", "7", "", "1.234"]
    chunk = pa.table({"amount": pa.array(delivered)})
    checked = validate(chunk, rules, row_numbers=np.arange(2, 9), today=dt.date(2026, 11, 20))
    assert checked.valid.column("amount").type == pa.int64()
    assert checked.valid.column("amount").to_pylist() == [
        1250,
        -1,
        999999999999999999,
        -123456789012345678,
        700,
        None,
    ]
    assert [e["row"] for e in checked.errors.to_pylist()] == [8]  # three decimals
    stored = [row[0] for row in _load(checked.valid.select(["amount"]), binary=True)]
    assert stored == checked.valid.column("amount").to_pylist()


@pytest.mark.parametrize("nulls", [False, True], ids=["complete", "with-empty-values"])
def test_rows_go_in_the_given_order(nulls):
    table = _sample(200, nulls=nulls)
    order = np.random.default_rng(7).permutation(200)
    assert _load(table, binary=True, order=order) == _load(
        _text_values(table), binary=False, order=order
    )


def test_an_empty_chunk_is_a_valid_payload():
    table = _sample(3, nulls=False).slice(0, 0)
    assert _load(table, binary=True) == []


def test_uscc_order_is_the_databases_order():
    rng = np.random.default_rng(3)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    heads = np.array(["".join(h) for h in rng.choice(alphabet[:10], (4000, 8))])
    bodies = np.char.add(heads, ["".join(t) for t in rng.choice(alphabet, (4000, 9))])
    codes = pa.array(np.char.add(bodies, uscc_check_chars(bodies)).tolist())
    order = uscc_order(codes)
    assert pc.take(codes, order).to_pylist() == sorted(codes.to_pylist())


def test_uscc_order_with_more_prefixes_than_one_integer_holds(monkeypatch):
    codes = pa.array([make_uscc(n, region=f"{440000 + n % 17:06d}") for n in range(300)])
    monkeypatch.setattr("xinyidai.sources.validation.USCC_PACKED_HEADS", 4)
    assert pc.take(codes, uscc_order(codes)).to_pylist() == sorted(codes.to_pylist())


def test_integers_beyond_four_bytes_are_refused_row_by_row():
    rules = [Rule(name="headcount", label="参保人数", dtype=Dtype.INTEGER, min_value=None)]
    chunk = pa.table({"headcount": pa.array(["2147483647", "2147483648", " -3000000000 ", "12"])})
    checked = validate(chunk, rules, row_numbers=np.arange(2, 6), today=dt.date(2026, 11, 20))
    assert checked.valid.column("headcount").to_pylist() == ["2147483647", "12"]
    errors = checked.errors.to_pylist()
    assert [(e["row"], e["column"]) for e in errors] == [(3, "参保人数"), (4, "参保人数")]
    assert all("超出整数范围" in e["reason"] for e in errors)


def test_the_reader_hands_out_the_payload_piece_by_piece():
    payload = pgcopy.encode(_sample(20, nulls=True), {n: k for n, (_t, k) in COLUMNS.items()})
    reader = pgcopy.Reader(payload)
    pieces = iter(lambda: reader.read(100), b"")
    assert b"".join(pieces) == payload.tobytes()
    assert payload.tobytes().startswith(pgcopy.HEADER)
    assert payload.tobytes().endswith(pgcopy.TRAILER)
    assert io.BytesIO(payload.tobytes()).read(11) == b"PGCOPY\n\xff\r\n\x00"
