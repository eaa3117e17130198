"""Ingestion with real files: encodings, headers, bad rows, all-or-nothing, history."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import Workbook

from tests.sources.conftest import TAX_HEADER, TAX_HEADER_ZH, USCC, deliver, tax_csv
from xinyidai.accounts.services import data_provider_create
from xinyidai.sources import ingestion
from xinyidai.sources.models import PARTITIONED_SOURCES, RECORD_MODELS, Batch
from xinyidai.sources.services import records_prune_expired

TaxRecord = RECORD_MODELS["tax_monthly"]
PenaltyRecord = RECORD_MODELS["admin_penalty"]
UtilityRecord = RECORD_MODELS["utilities_monthly"]
pytestmark = pytest.mark.django_db


@pytest.fixture(params=["copy", "insert"])
def loader(request, monkeypatch):
    """Run a test through PostgreSQL COPY and through the INSERT path the SQLite demo uses."""
    if request.param == "insert":
        monkeypatch.setattr(ingestion, "_loader", ingestion._GenericLoader)
        with connection.cursor() as cursor:  # plain INSERTs need somewhere to land
            for code in ingestion_partitioned():
                cursor.execute(
                    f"CREATE TABLE records_{code}_default PARTITION OF records_{code} DEFAULT"
                )
    return request.param


def ingestion_partitioned() -> list[str]:
    return sorted(PARTITIONED_SOURCES)


def errors(batch: Batch) -> list[tuple[int, str, str, str]]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.error_sample]


def partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'records_tax_monthly'::regclass ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_it_reads_a_gbk_file_with_chinese_headers(providers):
    content = tax_csv(
        [f"{USCC[0]},2026-09,1200.50,300,0,56000,0", f"{USCC[1]},2026年9月,80,0,12.5,9000,150"],
        encoding="gbk",
    )
    batch = deliver(providers.tax, content)
    assert (batch.status, batch.encoding, batch.rows_new) == ("accepted", "gb18030", 2)
    record = TaxRecord.objects.get(uscc=USCC[1])
    assert record.period == dt.date(2026, 9, 1)
    assert (record.other_tax_paid, record.arrears_amount) == (Decimal("12.50"), Decimal("150"))
    assert partitions() == ["records_tax_monthly_p202609"]


def test_it_reads_utf8_with_a_bom_and_code_headers(providers):
    content = b"\xef\xbb\xbf" + tax_csv([f"{USCC[0]},202609,1,2,3,4,0"], header=TAX_HEADER)
    batch = deliver(providers.tax, content)
    assert (batch.status, batch.encoding) == ("accepted", "utf-8-sig")
    assert TaxRecord.objects.get().cit_paid == Decimal("2.00")


def test_it_keeps_provenance_on_every_row(providers):
    batch = deliver(
        providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0", f"{USCC[1]},2026-09,2,0,0,2,0"])
    )
    record = TaxRecord.objects.select_related("batch__provider").get(uscc=USCC[1])
    assert record.batch == batch
    assert record.batch.provider == providers.tax
    assert record.batch.received_at is not None
    assert record.row_number == 3
    assert record.is_current


def test_it_refuses_an_unknown_header(providers):
    content = tax_csv(
        [f"{USCC[0]},2026-09,1,0,0,1,0"],
        header="纳税人识别号,所属期,增值税实缴,企业所得税实缴,其他税费实缴,申报销售收入,欠税余额",
    )
    batch = deliver(providers.tax, content)
    assert batch.status == "rejected"
    assert batch.message.startswith(
        "第1行表头中的“纳税人识别号”不是数据源“纳税月度信息”的数据项。应为：统一社会信用代码（uscc）、"
    )
    assert errors(batch)[0][:3] == (1, "表头", "纳税人识别号")
    assert TaxRecord.objects.count() == 0


def test_it_refuses_a_file_missing_a_required_column(providers):
    content = tax_csv(
        [f"{USCC[0]},2026-09,1,0,0,1"],
        header="统一社会信用代码,所属期,增值税实缴,企业所得税实缴,其他税费实缴,申报销售收入",
    )
    batch = deliver(providers.tax, content)
    assert batch.status == "rejected"
    assert batch.message == "缺少必填列：欠税余额（arrears_amount）。"
    assert TaxRecord.objects.count() == 0


def test_it_reports_invalid_codes_row_by_row(providers):
    bad_check = USCC[1][:-1] + ("0" if USCC[1][-1] != "0" else "1")
    content = tax_csv(
        [
            f"{USCC[0]},2026-09,1,0,0,1,0",
            f"{bad_check},2026-09,1,0,0,1,0",
            "9144ABC,2026-09,1,0,0,1,0",
        ]
    )
    batch = deliver(providers.tax, content)
    assert batch.status == "rejected"
    assert errors(batch) == [
        (3, "统一社会信用代码", bad_check, "统一社会信用代码校验位错误"),
        (
            4,
            "统一社会信用代码",
            "9144ABC",
            "“9144ABC”不是有效的统一社会信用代码（应为18位数字或大写字母）",
        ),
    ]
    assert (batch.rows_total, batch.rows_rejected) == (3, 2)
    assert TaxRecord.objects.count() == 0


def test_it_refuses_negative_amounts_and_future_periods(providers):
    content = tax_csv(
        [
            f"{USCC[0]},2026-09,-5,0,0,1,0",
            f"{USCC[1]},2026-12,1,0,0,1,0",
            f"{USCC[2]},2026-11,1,0,0,1.234,0",
        ]
    )
    batch = deliver(providers.tax, content)
    assert errors(batch) == [
        (2, "增值税实缴", "-5", "不能为负数"),
        (3, "所属期", "2026-12", "所属期晚于当前月份"),
        (4, "申报销售收入", "1.234", "“1.234”不是有效的金额（元，最多两位小数）"),
    ]
    assert TaxRecord.objects.count() == 0


def test_it_reports_duplicate_keys_inside_one_file(providers, loader):
    content = tax_csv(
        [
            f"{USCC[0]},2026-09,1,0,0,1,0",
            f"{USCC[1]},2026-09,1,0,0,1,0",
            f"{USCC[0]},2026-09,2,0,0,1,0",
        ]
    )
    batch = deliver(providers.tax, content)
    assert batch.status == "rejected"
    assert errors(batch) == [
        (
            4,
            "统一社会信用代码+所属期",
            f"{USCC[0]}/2026-09-01",
            "与第2行的主键（统一社会信用代码+所属期）重复",
        )
    ]
    assert TaxRecord.objects.count() == 0
    assert "records_tax_monthly_p202609" not in partitions()


def test_a_file_of_half_bad_rows_is_reported_in_full(providers):
    rows = [f"{USCC[i]},2026-09,{'-1' if i % 2 else '10'},0,0,1,0" for i in range(40)]
    batch = deliver(providers.tax, tax_csv(rows))
    assert (batch.status, batch.rows_total, batch.rows_rejected, batch.error_count) == (
        "rejected",
        40,
        20,
        20,
    )
    assert [e[0] for e in errors(batch)] == list(range(3, 42, 2))
    report = batch.error_report.open("rb").read().decode("utf-8-sig").splitlines()
    assert report[0] == "行号,列,值,错误原因"
    assert report[1] == '3,"增值税实缴","-1","不能为负数"'
    assert len(report) == 21
    assert (
        batch.message
        == "已退回：40行中有20行存在错误，共20处，整批未入库。请下载错误报告，改正后重新报送。"
    )


def test_a_rejected_batch_changes_nothing(providers, loader):
    deliver(
        providers.tax, tax_csv([f"{USCC[0]},2026-09,100,0,0,1,0", f"{USCC[1]},2026-09,5,0,0,1,0"])
    )
    before = list(TaxRecord.objects.order_by("uscc").values_list("uscc", "vat_paid", "is_current"))
    tables = partitions()
    content = tax_csv(
        [
            f"{USCC[0]},2026-09,999,0,0,1,0",  # a correction
            f"{USCC[2]},2026-10,1,0,0,1,0",  # a new month
            f"{USCC[3]},2026-10,oops,0,0,1,0",  # the bad row
        ]
    )
    batch = deliver(providers.tax, content)
    assert batch.status == "rejected"
    assert TaxRecord.objects.count() == 2
    assert (
        list(TaxRecord.objects.order_by("uscc").values_list("uscc", "vat_paid", "is_current"))
        == before
    )
    assert partitions() == tables


def test_delivering_the_same_file_twice_changes_nothing(providers, loader):
    content = tax_csv([f"{USCC[i]},2026-09,{i}.5,0,0,1,0" for i in range(10)])
    first = deliver(providers.tax, content)
    second = deliver(providers.tax, content)
    assert (first.rows_new, second.rows_new, second.rows_unchanged) == (10, 0, 10)
    assert TaxRecord.objects.count() == 10
    assert set(TaxRecord.objects.values_list("batch_id", flat=True)) == {first.pk}


def test_a_correction_becomes_current_and_history_keeps_the_old_value(providers, loader):
    first = deliver(
        providers.tax, tax_csv([f"{USCC[0]},2026-09,100,0,0,1,0", f"{USCC[1]},2026-09,5,0,0,1,0"])
    )
    second = deliver(
        providers.tax,
        tax_csv(
            [
                f"{USCC[0]},2026-09,150,0,0,1,0",
                f"{USCC[1]},2026-09,5,0,0,1,0",
                f"{USCC[2]},2026-09,7,0,0,1,0",
            ]
        ),
    )
    assert (second.rows_new, second.rows_corrected, second.rows_unchanged) == (1, 1, 1)
    versions = list(
        TaxRecord.objects.filter(uscc=USCC[0])
        .order_by("batch_id")
        .values_list("vat_paid", "is_current", "batch_id", "superseded_by_id")
    )
    assert versions == [
        (Decimal("100.00"), False, first.pk, second.pk),
        (Decimal("150.00"), True, second.pk, None),
    ]
    assert TaxRecord.objects.filter(is_current=True).count() == 3


def test_a_new_month_is_attached_as_its_own_partition(providers):
    deliver(
        providers.tax, tax_csv([f"{USCC[0]},2026-08,1,0,0,1,0", f"{USCC[0]},2026-09,1,0,0,1,0"])
    )
    deliver(
        providers.tax, tax_csv([f"{USCC[0]},2026-10,1,0,0,1,0", f"{USCC[1]},2026-09,1,0,0,1,0"])
    )
    assert partitions() == [
        "records_tax_monthly_p202608",
        "records_tax_monthly_p202609",
        "records_tax_monthly_p202610",
    ]
    assert TaxRecord.objects.filter(period=dt.date(2026, 9, 1)).count() == 2


def test_it_reads_xlsx(providers):
    book = Workbook()
    sheet = book.active
    sheet.append(TAX_HEADER_ZH.split(","))
    sheet.append([USCC[0], "2026-09", 1200.5, 300, 0, 56000, 0])
    sheet.append([USCC[1], dt.datetime(2026, 9, 1), 80, 0, 12.25, 9000, None])
    sheet.append([None] * 7)  # Excel's trailing empty row
    buffer = io.BytesIO()
    book.save(buffer)
    batch = deliver(providers.tax, buffer.getvalue(), name="tax.xlsx")
    assert errors(batch) == [(3, "欠税余额", "", "必填项为空")]
    sheet.delete_rows(3)
    sheet.append([USCC[1], dt.datetime(2026, 9, 1), 80, 0, 12.25, 9000, 0])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = deliver(providers.tax, buffer.getvalue(), name="tax.xlsx")
    assert (batch.status, batch.file_format, batch.rows_new) == ("accepted", "xlsx", 2)
    assert TaxRecord.objects.get(uscc=USCC[1]).other_tax_paid == Decimal("12.25")


def test_it_reads_json_lines_and_reports_a_broken_line(providers):
    lines = [
        json.dumps(
            {
                "uscc": USCC[0],
                "period": "2026-09",
                "vat_paid": 10,
                "cit_paid": 0,
                "other_tax_paid": 0,
                "declared_sales": 1000.5,
                "arrears_amount": 0,
            }
        ),
        '{"uscc": "broken',
    ]
    batch = deliver(providers.tax, "\n".join(lines).encode(), name="tax.jsonl")
    assert batch.status == "rejected"
    assert errors(batch)[0][:2] == (2, "整行")
    assert errors(batch)[0][3].startswith("不是有效的JSON")
    batch = deliver(providers.tax, lines[0].encode() + b"\n", name="tax.jsonl")
    assert (batch.status, batch.file_format) == ("accepted", "jsonl")
    assert TaxRecord.objects.get().declared_sales == Decimal("1000.50")


def test_a_row_with_the_wrong_number_of_columns_is_reported(providers):
    content = tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0", f"{USCC[1]},2026-09,1,0,0,1"])
    batch = deliver(providers.tax, content)
    assert errors(batch) == [(3, "整行", f"{USCC[1]},2026-09,1,0,0,1", "该行有6列，表头有7列")]


def test_an_empty_file_is_refused(providers):
    batch = deliver(providers.tax, b"")
    assert (batch.status, batch.message) == ("rejected", "文件为空。")


def test_event_records_are_corrected_by_their_natural_key(providers, loader):
    header = (
        "统一社会信用代码,处罚决定文书号,处罚决定日期,严重程度,罚没金额,处罚机关,违法事实,"
        "履行完毕日期"
    )
    centre = data_provider_create(
        name="肇庆市公共信用信息中心", kind="credit_centre", region_code="441200"
    ).organization
    first = deliver(
        centre,
        f'{header}\n{USCC[0]},肇市监罚〔2026〕1号,2026-03-02,较重,5000,肇庆市市场监督管理局,"未按规定公示年报，且拒不改正",\n'.encode(),
        source="admin_penalty",
    )
    assert first.status == "accepted", first.error_sample
    record = PenaltyRecord.objects.get()
    assert (record.severity, record.amount, record.fulfilled_on) == (
        "major",
        Decimal("5000.00"),
        None,
    )
    assert record.reason == "未按规定公示年报，且拒不改正"
    second = deliver(
        centre,
        f'{header}\n{USCC[0]},肇市监罚〔2026〕1号,2026-03-02,较重,5000,肇庆市市场监督管理局,"未按规定公示年报，且拒不改正",2026-04-01\n'.encode(),
        source="admin_penalty",
    )
    assert (second.rows_corrected, second.rows_new) == (1, 0)
    current = PenaltyRecord.objects.get(is_current=True)
    assert current.fulfilled_on == dt.date(2026, 4, 1)
    assert PenaltyRecord.objects.count() == 2


def test_utilities_are_keyed_by_kind(providers):
    header = "统一社会信用代码,所属期,类别,用量,缴费金额,欠费金额"
    rows = [f"{USCC[0]},2026-09,电,1520.5,1200,0", f"{USCC[0]},2026-09,water,30.125,90,0"]
    batch = deliver(
        providers.utilities, "\n".join([header, *rows]).encode(), source="utilities_monthly"
    )
    assert batch.status == "accepted", batch.error_sample
    assert sorted(UtilityRecord.objects.values_list("utility", "consumption")) == [
        ("electricity", Decimal("1520.500")),
        ("water", Decimal("30.125")),
    ]


def test_months_past_retention_are_dropped_whole(providers):
    deliver(
        providers.tax, tax_csv([f"{USCC[0]},2021-10,1,0,0,1,0", f"{USCC[0]},2021-11,1,0,0,1,0"])
    )
    assert records_prune_expired(today=dt.date(2026, 11, 20)) == ["records_tax_monthly_p202110"]
    assert partitions() == ["records_tax_monthly_p202111"]
    assert list(TaxRecord.objects.values_list("period", flat=True)) == [dt.date(2021, 11, 1)]
    assert records_prune_expired(today=dt.date(2026, 11, 20)) == []


def test_a_repeated_key_for_a_month_with_data_is_refused_even_if_unchanged(providers, loader):
    first = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"]))
    again = deliver(
        providers.tax,
        tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0", f"{USCC[0]},2026-09,1,0,0,1,0"]),
    )
    assert again.status == "rejected"
    assert errors(again) == [
        (
            3,
            "统一社会信用代码+所属期",
            f"{USCC[0]}/2026-09-01",
            "与第2行的主键（统一社会信用代码+所属期）重复",
        )
    ]
    assert list(TaxRecord.objects.values_list("batch_id", "is_current")) == [(first.pk, True)]
