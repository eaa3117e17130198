"""The outcome batch file format: reading CSV (UTF-8, BOM, GBK) and XLSX with Chinese or English
headers, every format error with its row, column, value and reason, and the writers."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bank_connectors import batch
from bank_connectors.batch import BatchRow, RowError, read_batch

TODAY = dt.date(2026, 3, 5)
CHINESE = "申请编号,操作,日期,金额（元）,年利率（%）,期限（月）,担保方式,原因,首贷,备注,银行流水号"
ENGLISH = (
    "application_id,action,date,amount,rate,term_months,guarantee,reason,first_loan,note,reference"
)
GOOD_ROWS = [
    "1024,批准,2026-03-02,500000,3.85,12,信用,,,,",
    '1024,放款,2026/3/3,"500,000.00",,,,,是,首笔,LN20260303001',
    "1031,结清,2026年3月4日,,,,,,,,RP017",
    "1040,拒绝,,,,,,R04,,经营流水不足,",
]
EXPECTED = [
    BatchRow(
        application_id=1024,
        action="approve",
        date=dt.date(2026, 3, 2),
        amount=Decimal("500000.00"),
        rate=Decimal("3.85"),
        term_months=12,
        guarantee="credit",
        row=2,
    ),
    BatchRow(
        application_id=1024,
        action="disburse",
        date=dt.date(2026, 3, 3),
        amount=Decimal("500000.00"),
        first_loan=True,
        note="首笔",
        reference="LN20260303001",
        row=3,
    ),
    BatchRow(
        application_id=1031, action="settle", date=dt.date(2026, 3, 4), reference="RP017", row=4
    ),
    BatchRow(application_id=1040, action="reject", reason="R04", note="经营流水不足", row=5),
]


def _csv(header: str, *rows: str) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def _read(text: str, encoding: str = "utf-8", name: str = "outcomes.csv") -> batch.BatchFile:
    return read_batch(text.encode(encoding), name, today=TODAY)


def _errors(*rows: str, header: str = CHINESE) -> list[RowError]:
    return _read(_csv(header, *rows)).errors


# --------------------------------------------------------------------------- reading


def test_it_reads_a_utf8_file_with_chinese_headers_and_labels() -> None:
    result = _read(_csv(CHINESE, *GOOD_ROWS))
    assert result.errors == []
    assert result.rows == EXPECTED
    assert (result.format, result.encoding, result.row_count) == ("csv", "utf-8", 4)


def test_it_reads_a_file_with_a_bom_and_english_codes() -> None:
    rows = [
        "1024,approve,2026-03-02,500000,3.85,12,credit,,,,",
        '1024,disburse,2026-03-03,"500,000.00",,,,,yes,首笔,LN20260303001',
        "1031,settle,20260304,,,,,,,,RP017",
        "1040,reject,,,,,,还款能力不足,,经营流水不足,",
    ]
    result = read_batch(
        codecs.BOM_UTF8 + _csv(ENGLISH, *rows).encode(), "outcomes.csv", today=TODAY
    )
    assert result.errors == []
    assert result.rows == EXPECTED
    assert result.encoding == "utf-8-sig"


def test_it_reads_a_gbk_file_from_excel() -> None:
    result = _read(_csv(CHINESE, *GOOD_ROWS), encoding="gbk")
    assert result.errors == []
    assert result.rows == EXPECTED
    assert result.encoding == "gb18030"


def test_it_reads_the_first_sheet_of_an_xlsx_with_typed_cells() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["申请编号", "操作", "日期", "金额(元)", "年利率", "期限", "担保方式"])
    sheet.append([1024, "批准", dt.datetime(2026, 3, 2), 500000, 3.85, 12, "信用"])
    sheet.append([1024.0, "放款", dt.date(2026, 3, 3), 500000.5, None, None, None])
    sheet.append([None, None, None])  # Excel keeps blank formatted rows
    workbook.create_sheet("说明").append(["不是数据"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_batch(buffer.getvalue(), "outcomes.xlsx", today=TODAY)
    assert result.errors == []
    assert [(r.row, r.action, r.date, r.amount, r.rate, r.term_months) for r in result.rows] == [
        (2, "approve", dt.date(2026, 3, 2), Decimal("500000.00"), Decimal("3.85"), 12),
        (3, "disburse", dt.date(2026, 3, 3), Decimal("500000.50"), None, None),
    ]
    assert (result.format, result.row_count) == ("xlsx", 2)


def test_it_reads_a_path_and_a_file_object(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(_csv(CHINESE, *GOOD_ROWS), encoding="utf-8")
    assert read_batch(path, today=TODAY).rows == EXPECTED
    with path.open("rb") as handle:
        assert read_batch(handle, "outcomes.csv", today=TODAY).rows == EXPECTED


# --------------------------------------------------------------------------- errors


def _first(*rows: str, header: str = CHINESE) -> tuple[int, str, str, str]:
    errors = _errors(*rows, header=header)
    assert len(errors) == 1, errors
    error = errors[0]
    return error.row, error.column, error.value, error.reason


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        ("1024,飞,2026-03-02,,,,,,,,", "操作", "飞", "未知操作。可填：受理（accept）"),
        (",结清,2026-03-02,,,,,,,,", "申请编号", "", "申请编号不能为空。"),
        ("A1024,结清,2026-03-02,,,,,,,,", "申请编号", "A1024", "申请编号须为正整数"),
        (
            "1024,结清,2026-02-30,,,,,,,,",
            "日期",
            "2026-02-30",
            "日期格式不正确，请填写如 2026-03-05。",
        ),
        ("1024,结清,3/4/2026,,,,,,,,", "日期", "3/4/2026", "日期格式不正确，请填写如 2026-03-05。"),
        ("1024,结清,2026-03-06,,,,,,,,", "日期", "2026-03-06", "日期不能晚于今天（2026-03-05）。"),
        ("1024,结清,,,,,,,,,", "日期", "", "“结清”须填写日期。"),
        ("1024,逾期,2026-03-02,-100,,,,,,,", "金额（元）", "-100", "金额必须大于 0。"),
        ("1024,逾期,2026-03-02,0,,,,,,,", "金额（元）", "0", "金额必须大于 0。"),
        ("1024,逾期,2026-03-02,12.345,,,,,,,", "金额（元）", "12.345", "金额最多保留两位小数。"),
        (
            "1024,逾期,2026-03-02,五万,,,,,,,",
            "金额（元）",
            "五万",
            "金额须为数字（元），如 500000.00。",
        ),
        ("1024,逾期,2026-03-02,,,,,,,,", "金额（元）", "", "“逾期”须填写金额（元）。"),
        (
            "1024,批准,,500000,abc,12,,,,,",
            "年利率（%）",
            "abc",
            "年利率须为百分数，如 3.85（表示 3.85%）。",
        ),
        ("1024,批准,,500000,0,12,,,,,", "年利率（%）", "0", "年利率必须大于 0。"),
        ("1024,批准,,500000,36.5,12,,,,,", "年利率（%）", "36.5", "年利率不能超过 36%。"),
        ("1024,批准,,500000,3.8555,12,,,,,", "年利率（%）", "3.8555", "年利率最多保留三位小数。"),
        ("1024,批准,,500000,3.85,1.5,,,,,", "期限（月）", "1.5", "期限须为整数个月，如 12。"),
        ("1024,批准,,500000,3.85,0,,,,,", "期限（月）", "0", "期限必须至少 1 个月。"),
        ("1024,批准,,500000,3.85,361,,,,,", "期限（月）", "361", "期限不能超过 360 个月。"),
        (
            "1024,批准,,500000,3.85,12,房产,,,,",
            "担保方式",
            "房产",
            "未知担保方式。可填：信用、保证",
        ),
        ("1024,拒绝,,,,,,R08,,,", "原因", "R08", "未知拒绝原因。可填：R01（不符合产品准入条件）"),
        ("1024,拒绝,,,,,,,,,", "原因", "", "“拒绝”须填写原因。"),
        ("1024,拒绝,,,,,,R99,,,", "备注", "", "拒绝原因为 R99（其他原因）时，须在备注中写明原因。"),
        ("1024,放款,2026-03-02,500000,,,,,也许,,", "首贷", "也许", "首贷须填“是”或“否”。"),
        (
            "1024,结清,2026-03-02,500000,,,,,,,",
            "金额（元）",
            "500000",
            "“结清”不使用金额（元），请留空。",
        ),
        ("1024,受理,,,,,,R04,,,", "原因", "R04", "“受理”不使用原因，请留空。"),
        (
            "1024,结清,2026-03-02,,,,,,,,,多余",
            "整行",
            "1024,结清,2026-03-02",
            "该行有12列，表头只有11列。",
        ),
    ],
)
def test_it_reports_each_format_error(row: str, column: str, value: str, reason: str) -> None:
    got_row, got_column, got_value, got_reason = _first(row)
    assert (got_row, got_column) == (2, column)
    assert got_value.startswith(value)
    assert got_reason.startswith(reason)


def test_it_reports_every_error_of_every_row_and_keeps_the_good_rows() -> None:
    result = _read(
        _csv(
            CHINESE,
            "1024,批准,2026-03-02,500000,3.85,12,信用,,,,",
            "abc,飞,x,-1,,,,,,,",
            "1031,结清,2026-03-04,,,,,,,,",
        )
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "申请编号"),
        (3, "操作"),
        (3, "日期"),
        (3, "金额（元）"),
    ]
    assert [row.row for row in result.rows] == [2, 4]
    assert result.row_count == 3


def test_a_row_with_errors_marks_its_application() -> None:
    result = _read(_csv(CHINESE, "1024,批准,2026-03-02,500000,99,12,,,,,", "1024,放款,,,,,,,,,"))
    assert result.failed_applications == {1024: 2}


def test_it_reports_a_duplicate_row_and_a_duplicate_reference() -> None:
    result = _read(
        _csv(
            CHINESE,
            "1024,结清,2026-03-02,,,,,,,,RP1",
            "1031,结清,2026-03-02,,,,,,,,RP1",
            "1024,结清,2026-03-02,,,,,,,,RP2",
        )
    )
    assert result.errors == [
        RowError(3, "银行流水号", "RP1", "银行流水号与第2行重复。"),
        RowError(
            4, "整行", "1024,结清,2026-03-02", "与第2行重复（同一申请、同一操作、同一日期）。"
        ),
    ]
    assert [row.row for row in result.rows] == [2]
    assert result.failed_applications == {1031: 3, 1024: 4}


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("申请编号,日期", "缺少必填列：操作（action）。"),
        ("application_id,action", "缺少必填列：日期（date）。"),
        (
            "申请编号,操作,日期,金额（万元）",
            "“金额（万元）”不是批量文件的列。可用的列：申请编号（application_id）",
        ),
        ("申请编号,操作,日期,金额,amount", "“金额（元）”列出现了不止一次。"),
    ],
)
def test_it_reports_a_bad_header_and_reads_no_row(header: str, reason: str) -> None:
    result = _read(_csv(header, "1024,结清,2026-03-02,1"))
    assert len(result.errors) == 1
    assert (result.errors[0].row, result.errors[0].column) == (1, "表头")
    assert result.errors[0].reason.startswith(reason)
    assert result.rows == []


def test_it_accepts_header_spellings_with_spaces_and_half_width_brackets() -> None:
    header = " 申请编号 ,操作,日期,金额(元),年利率(%),期限(月)"
    result = _read(_csv(header, "1024,批准,2026-03-02,500000,3.85,12"))
    assert result.errors == []
    assert result.rows[0].amount == Decimal("500000.00")


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"", "a.csv", "文件为空。"),
        (b"\r\n\r\n", "a.csv", "文件为空。"),
        (codecs.BOM_UTF16_LE + "申请编号".encode("utf-16-le"), "a.csv", "文件为 UTF-16 编码"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls", "不支持旧版 Excel（.xls）文件"),
        (b"PK\x03\x04not really a zip", "a.xlsx", "文件不是有效的 Excel（xlsx）文件。"),
        (b"\x81\x30\x81", "a.csv", "无法识别文件编码"),
    ],
)
def test_it_refuses_an_unreadable_file(content: bytes, name: str, reason: str) -> None:
    result = read_batch(content, name, today=TODAY)
    assert len(result.errors) == 1
    assert (result.errors[0].row, result.errors[0].column) == (0, "文件")
    assert result.errors[0].reason.startswith(reason)


def test_it_refuses_a_file_with_only_a_header() -> None:
    assert _errors(header=CHINESE) == [RowError(1, "表头", "", "文件只有表头，没有数据行。")]


def test_it_refuses_a_file_over_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_ROWS", 3)
    rows = [f"{1000 + i},结清,2026-03-02,,,,,,,," for i in range(4)]
    assert _errors(*rows) == [
        RowError(0, "文件", ">3", "文件超过 3 行数据，请拆分为多个文件分批上传。")
    ]
    assert _errors(*rows[:3]) == []


def test_it_refuses_a_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_BYTES", 100)
    result = _read(_csv(CHINESE, *GOOD_ROWS))
    assert len(result.errors) == 1
    assert result.errors[0].reason.endswith("MB，请拆分为多个文件分批上传。")


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_written_batch_reads_back_the_same(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"outcomes.{suffix}"
    batch.write_batch(EXPECTED, path)
    result = read_batch(path, today=TODAY)
    assert result.errors == []
    assert result.rows == EXPECTED
    assert result.format == suffix


def test_a_written_csv_has_a_bom_and_chinese_labels(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    batch.write_batch(EXPECTED[:2], path)
    text = path.read_bytes()
    assert text.startswith(codecs.BOM_UTF8)
    assert text.decode("utf-8-sig").splitlines() == [
        CHINESE,
        "1024,批准,2026-03-02,500000.00,3.85,12,信用,,,,",
        "1024,放款,2026-03-03,500000.00,,,,,是,首笔,LN20260303001",
    ]


def test_the_templates_hold_the_header_and_the_instructions(tmp_path: Path) -> None:
    batch.write_template(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == codecs.BOM_UTF8 + (CHINESE + "\r\n").encode()
    batch.write_template(tmp_path / "t.xlsx")
    workbook = load_workbook(tmp_path / "t.xlsx", read_only=True)
    assert workbook.sheetnames == ["批量文件", "填写说明"]
    header = next(workbook["批量文件"].iter_rows(values_only=True))
    assert ",".join(str(cell) for cell in header) == CHINESE
    notes = [row[0] for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert "放款" in notes
    assert "R99" in notes
    workbook.close()


def test_the_error_report_opens_in_excel() -> None:
    errors = [
        RowError(0, "文件", "", "文件为空。"),
        RowError(3, "金额（元）", "-1", "金额必须大于 0。"),
    ]
    data = batch.error_report_bytes(errors)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").splitlines() == [
        "行号,列,值,错误原因",
        ",文件,,文件为空。",
        "3,金额（元）,-1,金额必须大于 0。",
    ]
    assert batch.error_report_bytes([e.as_dict() for e in errors]) == data
    buffer = io.BytesIO()
    batch.write_error_report(errors, buffer)
    assert buffer.getvalue() == data


def test_an_error_quotes_at_most_200_characters_and_no_nul() -> None:
    result = _read(_csv(CHINESE, "1024,结\x00清,2026-03-02,,,,,,,,", f"1024,{'飞' * 300},,,,,,,,,"))
    assert result.rows[0].action == "settle"
    assert result.errors[0].value == "飞" * 199 + "…"
    assert (result.errors[0].row, result.errors[0].column) == (3, "操作")
