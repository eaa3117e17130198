"""Daily outcome batch files: how a bank without an API reports decisions, disbursements and
repayment outcomes to the platform.

One row is one action on one application, in the order the bank wants them applied::

    申请编号,操作,日期,金额（元）,年利率（%）,期限（月）,担保方式,原因,首贷,备注,银行流水号
    1024,批准,2026-03-02,500000,3.85,12,信用,,,,
    1024,放款,2026-03-03,500000,,,,,是,,LN20260303001
    1031,结清,2026-03-03,,,,,,,,RP20260303017

Headers may be the Chinese labels or the English codes (``application_id``, ``action``, ...);
actions, guarantee modes and reject reasons may be codes or Chinese labels. Files are CSV
(UTF-8 with or without BOM, or GB18030/GBK) or XLSX (the first sheet).

:func:`read_batch` checks the format only (columns, values, duplicates) and returns every
problem as a :class:`RowError` in Chinese; whether an action is allowed for the application's
current state is the platform's business. :func:`write_batch` and :func:`write_template` let a
bank's system produce a file; :func:`write_error_report` writes the platform's error list as a
CSV that Excel opens (UTF-8 with BOM).

Pure Python and openpyxl: no Django, no ORM.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

MAX_ROWS = 500  # applied in one request: about 50 ms a row (services, savepoints)
MAX_BYTES = 4 * 1024 * 1024
MAX_AMOUNT = Decimal("100000000000")  # 1000亿元: beyond any SME loan
MAX_RATE = Decimal("36")  # the judicial protection ceiling for private lending, in percent
MAX_TERM = 360
MAX_NOTE = 1000
MAX_REFERENCE = 64
MAX_VALUE = 200  # characters of a value quoted in an error

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILE = "文件"
HEADER = "表头"
WHOLE_ROW = "整行"

Source = bytes | str | os.PathLike[str] | IO[bytes]
Target = str | os.PathLike[str] | IO[bytes]
Fail = Callable[[str, str], None]  # (column code, reason)


# --------------------------------------------------------------------------- the format


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    @property
    def title(self) -> str:
        return f"{self.label}（{self.code}）"


COLUMNS: tuple[Column, ...] = (
    Column(
        "application_id",
        "申请编号",
        ("申请号", "申请id"),
        True,
        "平台上的申请编号（申请页标题中 # 后的数字）",
    ),
    Column("action", "操作", ("操作类型",), True, "见“操作”表，中文或英文代码均可"),
    Column(
        "date",
        "日期",
        ("业务日期", "发生日期"),
        True,
        "业务发生日期，如 2026-03-05，不能晚于今天；受理、审查、批准、拒绝可不填",
    ),
    Column("amount", "金额（元）", ("金额", "金额(元)"), help="以元为单位，最多两位小数"),
    Column("rate", "年利率（%）", ("年利率", "利率", "年利率(%)"), help="百分数，如 3.85"),
    Column("term_months", "期限（月）", ("期限", "期限(月)"), help="整数个月"),
    Column("guarantee", "担保方式", (), help="信用、保证、抵押……，或英文代码"),
    Column("reason", "原因", ("拒绝原因", "原因代码"), help="拒绝原因代码 R01–R07、R99"),
    Column("first_loan", "首贷", ("是否首贷",), help="放款时可填“是”或“否”；不填由平台判断"),
    Column("note", "备注", ("说明",), help="拒绝时为给企业的拒绝说明；其他操作记入办理记录"),
    Column("reference", "银行流水号", ("流水号", "业务编号"), help="银行自己的业务编号，可不填"),
)
COLUMN_BY_CODE = {column.code: column for column in COLUMNS}


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    aliases: tuple[str, ...]
    needs: frozenset[str]  # columns that must have a value
    allows: frozenset[str]  # further columns that may have one


ALWAYS = frozenset({"application_id", "action", "date", "note", "reference"})
DECISION_DATE_OPTIONAL = frozenset({"accept", "review", "approve", "reject"})

ACTIONS: tuple[Action, ...] = (
    Action("accept", "受理", (), frozenset(), frozenset()),
    Action("review", "开始审查", ("审查",), frozenset(), frozenset()),
    Action(
        "approve",
        "批准",
        ("审批通过",),
        frozenset({"amount", "rate", "term_months"}),
        frozenset({"guarantee"}),
    ),
    Action("reject", "拒绝", ("审批拒绝",), frozenset({"reason"}), frozenset()),
    Action(
        "disburse",
        "放款",
        ("登记放款",),
        frozenset({"date", "amount"}),
        frozenset({"rate", "term_months", "guarantee", "first_loan"}),
    ),
    Action("repay", "开始还款", ("登记开始还款", "还款中"), frozenset({"date"}), frozenset()),
    Action("overdue", "逾期", ("登记逾期",), frozenset({"date", "amount"}), frozenset()),
    Action("cure", "逾期还清", ("登记逾期已还清", "逾期已还清"), frozenset({"date"}), frozenset()),
    Action("settle", "结清", ("登记结清",), frozenset({"date"}), frozenset()),
    Action("default", "违约", ("登记违约",), frozenset({"date"}), frozenset()),
)
ACTION_BY_CODE = {action.code: action for action in ACTIONS}

# The platform's codes (financing.flags.Guarantee, Application.RejectReason); a test keeps
# these lists equal to the platform's.
GUARANTEES: dict[str, str] = {
    "credit": "信用",
    "guarantee": "保证",
    "mortgage": "抵押",
    "pledge_receivables": "应收账款质押",
    "pledge_ip": "知识产权质押",
    "pledge_warehouse": "仓单质押",
}
REJECT_REASONS: dict[str, str] = {
    "R01": "不符合产品准入条件",
    "R02": "经营状况不足以支持申请金额",
    "R03": "信用记录不良",
    "R04": "还款能力不足",
    "R05": "担保或抵质押不足",
    "R06": "申请资料不全或无法核实",
    "R07": "超出银行授信政策或额度",
    "R99": "其他原因",
}
OTHER_REASON = "R99"
YES = frozenset({"是", "y", "yes", "true", "1", "首贷"})
NO = frozenset({"否", "n", "no", "false", "0", "非首贷"})


@dataclass(frozen=True)
class RowError:
    """One problem: the file row (the header is row 1; 0 is the file as a whole), the column's
    Chinese label, the value as written and the reason in Chinese."""

    row: int
    column: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        if len(self.value) > MAX_VALUE:  # a report quotes a value, it does not carry the file
            object.__setattr__(self, "value", self.value[: MAX_VALUE - 1] + "…")

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class BatchRow:
    """One action on one application, with typed values (``None`` or ``""`` when empty)."""

    application_id: int
    action: str
    date: dt.date | None = None
    amount: Decimal | None = None
    rate: Decimal | None = None
    term_months: int | None = None
    guarantee: str = ""
    reason: str = ""
    first_loan: bool | None = None
    note: str = ""
    reference: str = ""
    row: int = 0
    # The cells as written, by column code: what an error report quotes.
    cells: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        action = ACTION_BY_CODE.get(self.action)
        return action.label if action else self.action

    def cell(self, code: str) -> str:
        return self.cells.get(code, "")


@dataclass
class BatchFile:
    """A read file: the rows that passed the format checks, and every problem found."""

    rows: list[BatchRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    format: str = ""
    encoding: str = ""
    row_count: int = 0  # data rows read (with or without errors)
    # Application id -> the first row naming it that has an error (when its id was readable):
    # a caller applying the rows should not act on that application after that row.
    failed_applications: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> frozenset[int]:
        return frozenset(error.row for error in self.errors)


# --------------------------------------------------------------------------- reading


class _FileProblem(Exception):
    def __init__(self, reason: str, *, row: int = 0, column: str = FILE, value: str = "") -> None:
        super().__init__(reason)
        self.error = RowError(row, column, value, reason)


def _normalize(text: str) -> str:
    text = text.replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return re.sub(r"[\s\u3000]+", "", text).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _spelling in (_column.code, _column.label, *_column.aliases):
        _HEADER_LOOKUP[_normalize(_spelling)] = _column.code

_ACTION_LOOKUP: dict[str, str] = {}
for _action in ACTIONS:
    for _spelling in (_action.code, _action.label, *_action.aliases):
        _ACTION_LOOKUP[_normalize(_spelling)] = _action.code

_GUARANTEE_LOOKUP = {
    **{_normalize(code): code for code in GUARANTEES},
    **{_normalize(label): code for code, label in GUARANTEES.items()},
}
_REASON_LOOKUP = {
    **{_normalize(code): code for code in REJECT_REASONS},
    **{_normalize(label): code for code, label in REJECT_REASONS.items()},
}

_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")
_MONEY_NOISE = re.compile(r"[,，\s\u3000¥￥]|元$")


def _read_source(source: Source) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.stat().st_size > MAX_BYTES:
            raise _FileProblem(_too_big())
        data = path.read_bytes()
    else:
        data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _FileProblem(_too_big())
    return data


def _too_big() -> str:
    return f"文件超过 {MAX_BYTES // (1024 * 1024)}MB，请拆分为多个文件分批上传。"


def detect_format(filename: str, head: bytes) -> str:
    lowered = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0") or lowered.endswith(".xls"):
        raise _FileProblem("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传。")
    if lowered.endswith(".xlsx"):
        raise _FileProblem("文件不是有效的 Excel（xlsx）文件。")
    return "csv"


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, which also reads GBK and GB2312."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _FileProblem("文件为 UTF-16 编码，请另存为 UTF-8 或 GB18030（GBK）编码后上传。")
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _FileProblem("无法识别文件编码，请使用 UTF-8 或 GB18030（GBK）编码。")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _csv_records(data: bytes) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    encoding = detect_encoding(data)
    text = data.decode(encoding).lstrip("\ufeff").replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","

    def records() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for number, record in enumerate(reader, start=1):
                yield number, [cell.strip() for cell in record]
        except csv.Error as exc:
            raise _FileProblem(f"第{reader.line_num}行附近无法按 CSV 格式读取：{exc}") from exc

    return encoding, records()


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _FileProblem("文件不是有效的 Excel（xlsx）文件。") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _map_header(number: int, header: list[str]) -> list[str]:
    while header and not header[-1]:
        header.pop()
    problems: list[RowError] = []
    codes: list[str] = []
    seen: set[str] = set()
    for cell in header:
        code = _HEADER_LOOKUP.get(_normalize(cell), "")
        if not code:
            problems.append(
                RowError(
                    number,
                    HEADER,
                    cell,
                    f"“{cell}”不是批量文件的列。可用的列："
                    + "、".join(column.title for column in COLUMNS)
                    + "。",
                )
            )
        elif code in seen:
            problems.append(
                RowError(number, HEADER, cell, f"“{COLUMN_BY_CODE[code].label}”列出现了不止一次。")
            )
        seen.add(code)
        codes.append(code)
    missing = [column for column in COLUMNS if column.required and column.code not in seen]
    if missing:
        problems.append(
            RowError(
                number,
                HEADER,
                ",".join(header),
                "缺少必填列：" + "、".join(column.title for column in missing) + "。",
            )
        )
    if problems:
        raise _Problems(problems)
    return codes


class _Problems(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].reason)
        self.errors = errors


def read_batch(source: Source, filename: str = "", *, today: dt.date | None = None) -> BatchFile:
    """Read and check one batch file (bytes, a path or a binary file object).

    ``today`` bounds the dates (the platform passes its local date: Asia/Shanghai)."""
    today = today or dt.date.today()
    result = BatchFile()
    try:
        data = _read_source(source)
        if not data.strip():
            raise _FileProblem("文件为空。")
        result.format = detect_format(filename, data[:8])
        if result.format == "xlsx":
            records: Iterator[tuple[int, list[str]]] = _xlsx_records(data)
        else:
            result.encoding, records = _csv_records(data)
        _read_records(records, result, today)
    except _FileProblem as problem:
        result.rows = []
        result.errors = [problem.error]
    except _Problems as problems:
        result.rows = []
        result.errors = problems.errors
    return result


def _read_records(
    records: Iterator[tuple[int, list[str]]], result: BatchFile, today: dt.date
) -> None:
    header: list[str] | None = None
    for number, cells in records:
        if not any(cells):
            continue
        if header is None:
            header = _map_header(number, cells)
            continue
        result.row_count += 1
        if result.row_count > MAX_ROWS:
            raise _FileProblem(
                f"文件超过 {MAX_ROWS} 行数据，请拆分为多个文件分批上传。", value=f">{MAX_ROWS}"
            )
        if len(cells) > len(header) and any(cells[len(header) :]):
            result.errors.append(
                RowError(
                    number,
                    WHOLE_ROW,
                    ",".join(cells)[:200],
                    f"该行有{len(cells)}列，表头只有{len(header)}列。",
                )
            )
            continue
        values = {code: cells[i] if i < len(cells) else "" for i, code in enumerate(header)}
        row, errors, application_id = _check_row(number, values, today)
        result.errors.extend(errors)
        if row is not None:
            result.rows.append(row)
        elif application_id is not None:
            result.failed_applications.setdefault(application_id, number)
    if header is None:
        raise _FileProblem("文件为空。")
    if result.row_count == 0:
        raise _FileProblem("文件只有表头，没有数据行。", row=1, column=HEADER)
    _check_duplicates(result)


def _check_row(
    number: int, cells: dict[str, str], today: dt.date
) -> tuple[BatchRow | None, list[RowError], int | None]:
    errors: list[RowError] = []

    def fail(code: str, reason: str) -> None:
        errors.append(RowError(number, COLUMN_BY_CODE[code].label, cells.get(code, ""), reason))

    application_id = _application_id(cells.get("application_id", ""), fail)
    action_text = cells.get("action", "")
    action = ACTION_BY_CODE.get(_ACTION_LOOKUP.get(_normalize(action_text), ""))
    if not action_text:
        fail("action", "操作不能为空。")
    elif action is None:
        fail(
            "action",
            "未知操作。可填：" + "、".join(f"{a.label}（{a.code}）" for a in ACTIONS) + "。",
        )
    day = _date(cells.get("date", ""), today, fail)
    amount = _amount(cells.get("amount", ""), fail)
    rate = _rate(cells.get("rate", ""), fail)
    term = _term(cells.get("term_months", ""), fail)
    guarantee = _choice(
        cells.get("guarantee", ""),
        _GUARANTEE_LOOKUP,
        fail,
        "guarantee",
        "未知担保方式。可填：" + "、".join(GUARANTEES.values()) + "。",
    )
    reason = _choice(
        cells.get("reason", ""),
        _REASON_LOOKUP,
        fail,
        "reason",
        "未知拒绝原因。可填："
        + "、".join(f"{code}（{label}）" for code, label in REJECT_REASONS.items())
        + "。",
    )
    first_loan = _yes_no(cells.get("first_loan", ""), fail)
    note = cells.get("note", "")
    if len(note) > MAX_NOTE:
        fail("note", f"备注不能超过 {MAX_NOTE} 字。")
    reference = cells.get("reference", "")
    if len(reference) > MAX_REFERENCE:
        fail("reference", f"银行流水号不能超过 {MAX_REFERENCE} 个字符。")
    if action is not None:
        for code in COLUMNS:
            if code.code in action.needs and not cells.get(code.code, ""):
                fail(code.code, f"“{action.label}”须填写{code.label}。")
            elif (
                cells.get(code.code, "") and code.code not in action.needs | action.allows | ALWAYS
            ):
                fail(code.code, f"“{action.label}”不使用{code.label}，请留空。")
        if action.code == "reject" and reason == OTHER_REASON and not note:
            fail("note", "拒绝原因为 R99（其他原因）时，须在备注中写明原因。")
    if errors or application_id is None or action is None:
        return None, errors, application_id
    return (
        BatchRow(
            application_id=application_id,
            action=action.code,
            date=day,
            amount=amount,
            rate=rate,
            term_months=term,
            guarantee=guarantee,
            reason=reason,
            first_loan=first_loan,
            note=note,
            reference=reference,
            row=number,
            cells=dict(cells),
        ),
        [],
        application_id,
    )


def _application_id(text: str, fail: Fail) -> int | None:
    if not text:
        fail("application_id", "申请编号不能为空。")
        return None
    digits = text.lstrip("#＃")
    if not digits.isascii() or not digits.isdigit() or not 0 < int(digits) < 2**63:
        fail("application_id", "申请编号须为正整数（申请页标题中 # 后的数字），如 1024。")
        return None
    return int(digits)


def _date(text: str, today: dt.date, fail: Fail) -> dt.date | None:
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    match = _DATE.match(text)
    try:
        day = dt.date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        fail("date", "日期格式不正确，请填写如 2026-03-05。")
        return None
    if day > today:
        fail("date", f"日期不能晚于今天（{today.isoformat()}）。")
        return None
    return day


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _amount(text: str, fail: Fail) -> Decimal | None:
    if not text:
        return None
    value = _number(_MONEY_NOISE.sub("", text))
    if value is None:
        fail("amount", "金额须为数字（元），如 500000.00。")
    elif value <= 0:
        fail("amount", "金额必须大于 0。")
    elif value > MAX_AMOUNT:
        fail("amount", "金额过大，请检查单位（元）。")
    elif value != value.quantize(Decimal("0.01")):
        fail("amount", "金额最多保留两位小数。")
    else:
        return value.quantize(Decimal("0.01"))
    return None


def _rate(text: str, fail: Fail) -> Decimal | None:
    if not text:
        return None
    value = _number(text.strip().rstrip("%％").strip())
    if value is None:
        fail("rate", "年利率须为百分数，如 3.85（表示 3.85%）。")
    elif value <= 0:
        fail("rate", "年利率必须大于 0。")
    elif value > MAX_RATE:
        fail("rate", f"年利率不能超过 {MAX_RATE}%。")
    elif value != value.quantize(Decimal("0.001")):
        fail("rate", "年利率最多保留三位小数。")
    else:
        return value
    return None


def _term(text: str, fail: Fail) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        fail("term_months", "期限须为整数个月，如 12。")
        return None
    term = int(text)
    if term <= 0:
        fail("term_months", "期限必须至少 1 个月。")
    elif term > MAX_TERM:
        fail("term_months", f"期限不能超过 {MAX_TERM} 个月。")
    else:
        return term
    return None


def _choice(text: str, lookup: dict[str, str], fail: Fail, code: str, message: str) -> str:
    if not text:
        return ""
    value = lookup.get(_normalize(text))
    if value is None:
        fail(code, message)
        return ""
    return value


def _yes_no(text: str, fail: Fail) -> bool | None:
    if not text:
        return None
    lowered = _normalize(text)
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    fail("first_loan", "首贷须填“是”或“否”。")
    return None


def _check_duplicates(result: BatchFile) -> None:
    """The same action on the same application and day twice, or one bank reference twice."""
    by_key: dict[tuple[int, str, dt.date | None], int] = {}
    by_reference: dict[str, int] = {}
    kept: list[BatchRow] = []
    for row in result.rows:
        key = (row.application_id, row.action, row.date)
        first = by_key.setdefault(key, row.row)
        duplicate = False
        if first != row.row:
            result.errors.append(
                RowError(
                    row.row,
                    WHOLE_ROW,
                    f"{row.application_id},{row.label},{row.cell('date')}",
                    f"与第{first}行重复（同一申请、同一操作、同一日期）。",
                )
            )
            duplicate = True
        if row.reference:
            earlier = by_reference.setdefault(row.reference, row.row)
            if earlier != row.row:
                result.errors.append(
                    RowError(
                        row.row,
                        COLUMN_BY_CODE["reference"].label,
                        row.reference,
                        f"银行流水号与第{earlier}行重复。",
                    )
                )
                duplicate = True
        if duplicate:
            result.failed_applications.setdefault(row.application_id, row.row)
        else:
            kept.append(row)
    result.rows = kept
    result.errors.sort(key=lambda error: error.row)


# --------------------------------------------------------------------------- writing


def _row_cells(row: BatchRow) -> list[Any]:
    action = ACTION_BY_CODE.get(row.action)
    return [
        row.application_id,
        action.label if action else row.action,
        row.date.isoformat() if row.date else "",
        "" if row.amount is None else f"{row.amount:f}",
        "" if row.rate is None else f"{row.rate:f}",
        "" if row.term_months is None else row.term_months,
        GUARANTEES.get(row.guarantee, row.guarantee),
        row.reason,
        "" if row.first_loan is None else ("是" if row.first_loan else "否"),
        row.note,
        row.reference,
    ]


def _csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _xlsx_bytes(rows: Iterable[Sequence[Any]], *, instructions: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "批量文件"
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
    sheet.freeze_panes = "A2"
    if instructions:
        notes = workbook.create_sheet("填写说明")
        notes.append(["列", "英文代码", "是否必有", "说明"])
        for column in COLUMNS:
            notes.append(
                [column.label, column.code, "是" if column.required else "否", column.help]
            )
        notes.append([])
        notes.append(["操作", "英文代码", "必填", "可填"])
        for action in ACTIONS:
            notes.append(
                [
                    action.label,
                    action.code,
                    "、".join(COLUMN_BY_CODE[c].label for c in _ordered(action.needs)) or "—",
                    "、".join(COLUMN_BY_CODE[c].label for c in _ordered(action.allows)) or "—",
                ]
            )
        notes.append([])
        notes.append(["拒绝原因", "说明"])
        for code, label in REJECT_REASONS.items():
            notes.append([code, label])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for letter, width in (("A", 14), ("B", 16), ("C", 24), ("D", 60)):
            notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ordered(codes: frozenset[str]) -> list[str]:
    return [column.code for column in COLUMNS if column.code in codes]


def header_labels() -> list[str]:
    return [column.label for column in COLUMNS]


def batch_bytes(rows: Iterable[BatchRow], file_format: str = "csv") -> bytes:
    """A batch file of ``rows`` (Chinese headers and labels) as CSV (UTF-8 with BOM) or XLSX."""
    table: list[Sequence[Any]] = [header_labels(), *(_row_cells(row) for row in rows)]
    return _xlsx_bytes(table) if file_format == "xlsx" else _csv_bytes(table)


def template_bytes(file_format: str = "csv") -> bytes:
    """An empty batch file: the header row (and, in XLSX, a sheet of instructions)."""
    if file_format == "xlsx":
        return _xlsx_bytes([header_labels()], instructions=True)
    return _csv_bytes([header_labels()])


def error_report_bytes(errors: Iterable[RowError | dict[str, Any]]) -> bytes:
    """The errors as a CSV that Excel opens: 行号,列,值,错误原因 (UTF-8 with BOM)."""
    table: list[Sequence[Any]] = [["行号", "列", "值", "错误原因"]]
    for error in errors:
        item = error.as_dict() if isinstance(error, RowError) else error
        row = int(item.get("row") or 0)
        table.append([row or "", item.get("column", ""), item.get("value", ""), item["reason"]])
    return _csv_bytes(table)


def _format_of(target: Target, file_format: str | None) -> str:
    if file_format:
        return file_format
    if isinstance(target, (str, os.PathLike)) and str(target).lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def _write(target: Target, data: bytes) -> None:
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def write_batch(
    rows: Iterable[BatchRow], target: Target, *, file_format: str | None = None
) -> None:
    """Write a batch file; the format follows the file name (``.xlsx``, else CSV)."""
    _write(target, batch_bytes(rows, _format_of(target, file_format)))


def write_template(target: Target, *, file_format: str | None = None) -> None:
    _write(target, template_bytes(_format_of(target, file_format)))


def write_error_report(errors: Iterable[RowError | dict[str, Any]], target: Target) -> None:
    _write(target, error_report_bytes(errors))


__all__ = [
    "ACTIONS",
    "COLUMNS",
    "CSV_TYPE",
    "GUARANTEES",
    "MAX_BYTES",
    "MAX_ROWS",
    "REJECT_REASONS",
    "XLSX_TYPE",
    "BatchFile",
    "BatchRow",
    "RowError",
    "batch_bytes",
    "error_report_bytes",
    "read_batch",
    "template_bytes",
    "write_batch",
    "write_error_report",
    "write_template",
]
