"""Monitoring reports: generated on demand and on a schedule as PDF (Chinese, charts), XLSX and
CSV with the dashboard's figures; listed, followed and downloaded by their regulator only.

The book (``march``): in March 2026 端州 (441202) has three borrowers (bank 1: 1,000,000 credit,
a first loan, and 2,000,000 guaranteed; bank 2: 1,500,000 credit), 鼎湖 (441203) three (bank 2:
800,000 credit and 3,000,000 mortgage; bank 1: 500,000 credit) and 高要 (441204) one (bank 1:
200,000 credit at 8.5%): seven loans, 9,000,000 yuan, 4,000,000 of it credit. Three applications
are rejected (R01 twice, R03). February 2026 has three borrowers, January one (hidden), March
2025 three (6,000,000 yuan). A Shenzhen loan lies outside Zhaoqing. "Today" is 2 April 2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from tests.conftest import login
from tests.factories import UserFactory
from tests.oversight.conftest import CST, Book, Regulators, at, regulator_client
from xinyidai.accounts.models import Role
from xinyidai.accounts.services import membership_grant
from xinyidai.core.models import AuditEvent
from xinyidai.oversight import cube, report, selectors, services, tasks
from xinyidai.oversight.indicators import INDICATORS
from xinyidai.oversight.models import Report
from xinyidai.oversight.selectors import Period
from xinyidai.registry.models import Enterprise

TODAY = dt.datetime(2026, 4, 2, 9, 30, tzinfo=CST)
MARCH = Period.parse("2026-03")
REPORTS = reverse("oversight:reports")
STANDARD_14 = {"/Helvetica", "/Times-Roman", "/Courier", "/Symbol", "/ZapfDingbats"}
TEAL = (0x0D, 0x94, 0x88)  # report.MONTH_BAR
AMBER = (0xD9, 0x77, 0x06)  # report.RANK_BAR
RED = (0xDC, 0x26, 0x26)  # report.CREDIT


@dataclass
class March:
    enterprises: list[Enterprise]
    shenzhen: Enterprise


@pytest.fixture
def today(time_machine: Any) -> None:
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def march(book: Book, today: None) -> March:
    other = {"product": book.other_product}
    e1, e2, e3 = (book.enterprise("441202", size) for size in ("small", "micro", "small"))
    e4, e5, e6 = (book.enterprise("441203", size) for size in ("small", "medium", "small"))
    e7 = book.enterprise("441204", "micro")
    book.loan(e1, "2026-03-05", "1000000.00", first=True, rate="3.500")
    book.loan(e2, "2026-03-10", "2000000.00", guarantee="guarantee", rate="4.500")
    book.loan(e3, "2026-03-12", "1500000.00", rate="5.000", **other)
    book.loan(e4, "2026-03-15", "800000.00", first=True, rate="4.200", **other)
    book.loan(e5, "2026-03-18", "3000000.00", guarantee="mortgage", rate="6.500", **other)
    book.loan(e6, "2026-03-20", "500000.00", rate="3.800")
    book.loan(e7, "2026-03-25", "200000.00", rate="8.500")
    for enterprise, reason in ((e1, "R01"), (e4, "R01"), (e6, "R03")):
        book.application(
            enterprise,
            submitted=at("2026-03-02"),
            accepted_at=at("2026-03-03"),
            decided_at=at("2026-03-04"),
            reject_reason=reason,
        )
    for enterprise in (e1, e2, e4):
        book.loan(enterprise, "2026-02-10", "1000000.00")
    book.loan(e1, "2026-01-12", "600000.00")
    for enterprise in (e2, e3, e5):
        book.loan(enterprise, "2025-03-10", "2000000.00")
    shenzhen = book.enterprise("440304")
    book.loan(shenzhen, "2026-03-09", "9000000.00", branch=book.second_branch)
    cube.rebuild_year(2025)
    cube.rebuild_year(2026)
    return March([e1, e2, e3, e4, e5, e6, e7], shenzhen)


def generate(regulator: Any, period: str = "2026-03", region: str = "", **kw: Any) -> Report:
    """A demand report generated through the Celery task (eager in the tests)."""
    user = kw.pop("user", None) or UserFactory()
    created = services.report_request(regulator=regulator, region=region, period=period, user=user)
    tasks.report_generate.delay(created.pk)
    created.refresh_from_db()
    return created


@pytest.fixture
def ready(march: March, regulators: Regulators) -> Report:
    return generate(regulators.zhaoqing_regulator)


def read(field: Any) -> bytes:
    with field.open("rb") as stream:
        data: bytes = stream.read()
    return data


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def page_totals(client: Any, period: str) -> dict[str, str]:
    """``data-indicator`` → ``data-value`` in the dashboard's ``data-key="total"`` rows, cards."""
    response = client.get(reverse("oversight:dashboard"), {"period": period})
    assert response.status_code == 200
    html = response.content.decode()
    found: dict[str, str] = {}
    for block in re.findall(r'data-key="total"[^>]*>(.*?)</(?:tr|li)>', html, re.S):
        for code, value in re.findall(r'data-indicator="([^"]+)" data-value="([^"]*)"', block):
            assert found.setdefault(code, value) == value  # cards and table agree
    return found


def same(cell: Any, raw: str) -> bool:
    """A spreadsheet number equals a page's raw value; an empty cell a suppressed one."""
    if raw == "":
        return cell is None
    return cell is not None and Decimal(str(cell)) == Decimal(raw)


# --------------------------------------------------------------------------- generation


def test_it_generates_the_three_files_through_the_celery_task(ready: Report):
    assert ready.status == Report.Status.READY
    assert ready.progress == 100
    assert ready.error == ""
    assert ready.generated_at == TODAY
    assert ready.seconds is not None
    assert ready.seconds >= 0
    assert read(ready.pdf).startswith(b"%PDF-")
    assert read(ready.xlsx).startswith(b"PK")  # a zip: the OOXML package
    assert read(ready.csv).startswith("\ufeff维度,键,名称,指标代码,指标,数值".encode())
    assert ready.pdf.name.startswith("oversight/202604/report-4412-2026-03-")


def test_the_request_enqueues_generation_once_committed(
    march, regulators: Regulators, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = services.report_request(
            regulator=regulators.zhaoqing_regulator,
            region="441203",
            period="2026-Q1",
            user=regulators.zhaoqing,
        )
    assert (created.status, created.progress, created.trigger) == ("queued", 0, "demand")
    assert (created.region, created.kind, created.period) == ("441203", "Q", dt.date(2026, 1, 1))
    assert len(callbacks) == 1
    callbacks[0]()
    created.refresh_from_db()
    assert (created.status, created.progress) == ("ready", 100)
    assert "信易贷监测报告（2026年第1季度）" in pdf_text(read(created.pdf))


def test_a_failure_is_recorded_and_a_ready_report_is_not_generated_again(
    march, regulators: Regulators, monkeypatch
):
    def broken(content: Any) -> bytes:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(report, "build_xlsx", broken)
    failed = generate(regulators.zhaoqing_regulator)
    assert failed.status == Report.Status.FAILED
    assert failed.progress == 70  # the PDF was built, the workbook was not
    assert failed.error == "RuntimeError: 磁盘已满"
    assert not failed.xlsx
    monkeypatch.undo()
    assert services.report_generate(report_id=failed.pk).status == Report.Status.READY
    first = Report.objects.get(pk=failed.pk).pdf.name
    assert services.report_generate(report_id=failed.pk).pdf.name == first  # left as it is


# --------------------------------------------------------------------------- the PDF


def test_the_pdf_shows_the_title_scope_figures_and_notes(ready: Report, march: March):
    data = read(ready.pdf)
    text = pdf_text(data)
    assert "信易贷监测报告（2026年3月）" in text
    assert "广东省 肇庆市" in text
    assert "肇庆测试监管局" in text
    assert "生成时间：2026-04-02 09:30（北京时间）" in text
    # 1.0 + 2.0 + 1.5 + 0.8 + 3.0 + 0.5 + 0.2 million yuan in seven loans; not Shenzhen's.
    assert "900.00万元" in text
    assert "44.4%" in text  # credit-loan share of the amount: 4.0 of 9.0 million
    assert "按地区" in text
    assert "按银行" in text
    assert "监测一行" in text
    assert "不符合产品准入条件" in text  # a rejection reason
    assert "少于 3 家企业" in text
    assert "docs/indicators.md" in text
    assert "credit_fen / loans_fen" in text
    assert "—" in text
    for enterprise in [*march.enterprises, march.shenzhen]:
        assert enterprise.name not in text
        assert enterprise.uscc not in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts
    assert not fonts & STANDARD_14
    assert all(name.endswith("+WenQuanYiMicroHei") for name in fonts)


def rasterize(data: bytes, tmp_path: Path) -> list[Image.Image]:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: `make services` installs poppler-utils")
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    subprocess.run(
        [pdftoppm, "-r", "60", "-png", str(source), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    return [Image.open(png).convert("RGB") for png in sorted(tmp_path.glob("p*.png"))]


def columns_of(image: Image.Image, colour: tuple[int, int, int]) -> list[int]:
    """x positions where at least three pixels have (nearly) ``colour``."""
    pixels = np.asarray(image, dtype=int)
    close = (np.abs(pixels - np.array(colour)) <= 24).all(axis=2)
    return [int(x) for x in np.nonzero(close.sum(axis=0) >= 3)[0]]


def runs(xs: list[int]) -> int:
    """Separate runs of consecutive x positions: the bars of a vertical bar chart."""
    return sum(1 for i, x in enumerate(xs) if i == 0 or x != xs[i - 1] + 1)


def test_the_pdf_rasterizes_with_chinese_text_and_its_charts(ready: Report, tmp_path: Path):
    pages = rasterize(read(ready.pdf), tmp_path)
    first = pages[0]
    width, height = first.size
    title = first.crop((0, int(height * 0.06), width, int(height * 0.13))).convert("L")
    assert sum(title.histogram()[:160]) > 400  # the big "信易贷监测报告（2026年3月）"
    # The monthly chart: one teal bar per visible month with loans — February and March
    # 2026; January's single borrower is hidden, March 2025 lies outside the twelve months.
    teal = [page for page in pages if columns_of(page, TEAL)]
    assert len(teal) == 1
    assert runs(columns_of(teal[0], TEAL)) == 2
    # Amount by bank and by region (amber bars) and the credit share (a red slice) are drawn.
    assert sum(len(columns_of(page, AMBER)) for page in pages) > 40
    assert sum(len(columns_of(page, RED)) for page in pages) > 20


def test_without_loans_the_charts_say_so_instead_of_drawing(
    book: Book, regulators: Regulators, today, tmp_path: Path
):
    cube.rebuild_year(2026)
    empty = generate(regulators.zhaoqing_regulator)
    pages = rasterize(read(empty.pdf), tmp_path)
    for colour in (TEAL, AMBER, RED):
        assert not any(columns_of(page, colour) for page in pages)
    text = pdf_text(read(empty.pdf))
    assert "近十二个月没有可显示的放款数据" in text
    assert "本期没有放款" in text


# --------------------------------------------------------------------------- XLSX and CSV


def test_the_xlsx_has_the_dashboard_figures(ready: Report, client, regulators: Regulators):
    page = page_totals(regulator_client(client, regulators.zhaoqing), "2026-03")
    book = openpyxl.load_workbook(io.BytesIO(read(ready.xlsx)))
    assert book.sheetnames == [
        "汇总", "地区", "银行", "行业门类", "企业规模", "产品场景", "担保方式",
        "月度趋势", "拒绝原因", "利率分布", "说明",
    ]  # fmt: skip
    summary = book["汇总"]
    assert [c.value for c in summary[1]][:4] == ["指标代码", "指标", "2026年3月", "单位"]
    values = {row[0].value: row[2] for row in summary.iter_rows(min_row=2)}
    assert list(values) == [i.code for i in INDICATORS]
    assert set(page) == set(values)
    for code, raw in page.items():
        assert same(values[code].value, raw), (code, values[code].value, raw)
    assert values["loans"].value == 7
    assert values["loans"].number_format == "#,##0"
    assert values["loans_amount"].value == 9_000_000.0
    assert values["loans_amount"].number_format == "#,##0.00"
    assert values["credit_amount_share"].value == 0.444444
    assert values["credit_amount_share"].number_format == "0.00%"


def test_the_xlsx_breakdowns_leave_hidden_figures_empty_with_a_comment(ready: Report):
    sheet = openpyxl.load_workbook(io.BytesIO(read(ready.xlsx)))["地区"]
    codes = [c.value for c in sheet[2]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    loans = codes.index("loans")
    assert list(rows) == ["441202", "441203", "441204", "total"]
    # 高要 has one borrower: hidden, and 端州 (the smaller of the rest) with it.
    for hidden in ("441202", "441204"):
        assert rows[hidden][loans].value is None
        assert rows[hidden][loans].comment.text == "少于3家企业，已隐藏"
    assert rows["441203"][loans].value == 3
    # A share of nothing (no needs were published) is empty too, but not hidden.
    assert rows["441203"][codes.index("match_rate")].value is None
    assert rows["441203"][codes.index("match_rate")].comment is None
    assert rows["441203"][codes.index("loans_amount")].value == 4_300_000.0
    assert rows["total"][loans].value == 7


def test_the_csv_has_the_dashboard_figures(ready: Report, client, regulators: Regulators):
    page = page_totals(regulator_client(client, regulators.zhaoqing), "2026-03")
    data = read(ready.csv)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["维度", "键", "名称", "指标代码", "指标", "数值"]
    total = {r[3]: r[5] for r in rows[1:] if r[0] == "total"}
    assert total == page
    assert total["loans_amount"] == "9000000.00"
    figures = {(r[0], r[1], r[3]): r[5] for r in rows[1:]}
    assert figures[("region", "441204", "loans")] == ""
    assert figures[("region", "441203", "loans")] == "3"
    assert figures[("month", "2026-02", "loans")] == "3"
    assert figures[("month", "2026-01", "loans")] == ""
    assert figures[("comparison", "last_year", "loans_amount")] == "6000000.00"
    assert figures[("reject_reason", "R01", "apps_rejected")] == "2"
    assert figures[("rate_bucket", "b6", "loans")] == "1"  # 8.5%


def test_the_exports_agree_with_the_selectors_for_a_quarter(march, regulators: Regulators):
    quarterly = generate(regulators.zhaoqing_regulator, period="2026-Q1")
    expected = selectors.totals("4412", [Period.parse("2026-Q1")])
    figures = next(iter(expected.values()))
    rows = list(csv.reader(io.StringIO(read(quarterly.csv).decode("utf-8-sig"))))
    total = {r[3]: r[5] for r in rows[1:] if r[0] == "total"}
    assert total == {
        i.code: ("" if (v := figures.value(i)) is None else str(v)) for i in INDICATORS
    }
    assert total["loans"] == "11"  # seven in March, three in February, one in January


# --------------------------------------------------------------------------- schedule


def test_the_schedule_creates_one_monthly_and_one_quarterly_report_per_regulator_in_april(
    regulators: Regulators, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.reports_schedule.delay().get() == 8
    reports = Report.objects.filter(trigger=Report.Trigger.SCHEDULE)
    assert sorted(
        (r.regulator.jurisdiction, r.region, r.kind, f"{r.period}") for r in reports
    ) == [
        ("44", "44", "M", "2026-03-01"), ("44", "44", "Q", "2026-01-01"),
        ("4403", "4403", "M", "2026-03-01"), ("4403", "4403", "Q", "2026-01-01"),
        ("4412", "4412", "M", "2026-03-01"), ("4412", "4412", "Q", "2026-01-01"),
        ("441202", "441202", "M", "2026-03-01"), ("441202", "441202", "Q", "2026-01-01"),
    ]  # fmt: skip
    assert len(callbacks) == 8
    with django_capture_on_commit_callbacks(execute=False):
        assert services.reports_schedule(today=dt.date(2026, 4, 3)) == []
    assert Report.objects.count() == 8


def test_in_may_only_the_monthly_report_is_due(regulators: Regulators):
    created = services.reports_schedule(today=dt.date(2026, 5, 20))
    assert {(r.kind, r.period) for r in created} == {("M", dt.date(2026, 4, 1))}
    assert len(created) == 4


def test_scheduled_reports_are_generated_and_failed_ones_retried(
    march, regulators: Regulators, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(report, "build_csv", lambda content: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_schedule(today=dt.date(2026, 4, 2))
    assert set(Report.objects.values_list("status", flat=True)) == {"failed"}
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_schedule(today=dt.date(2026, 4, 3)) == []
    assert set(Report.objects.values_list("status", "progress")) == {("ready", 100)}
    zhaoqing = Report.objects.get(regulator=regulators.zhaoqing_regulator, kind="M")
    assert zhaoqing.requested_by is None
    assert "900.00万元" in pdf_text(read(zhaoqing.pdf))


# --------------------------------------------------------------------------- pages


def test_the_list_shows_the_reports_with_their_downloads(
    ready: Report, client, regulators: Regulators, django_assert_max_num_queries
):
    regulator_client(client, regulators.zhaoqing)
    generate(regulators.zhaoqing_regulator, period="2026-Q1", region="441203")
    with django_assert_max_num_queries(12):
        response = client.get(REPORTS)
    html = response.content.decode()
    assert response.status_code == 200
    row = html.split(f'data-report="{ready.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "2026年3月" in row
    assert "月报" in row
    assert "广东省 肇庆市" in row
    assert "按需生成" in row
    assert "已生成" in row
    assert "2026-04-02 09:30" in row
    for fmt in ("pdf", "xlsx", "csv"):
        assert reverse("oversight:report_download", args=[ready.pk, fmt]) in row
    assert "2026年第1季度" in html
    assert "广东省 肇庆市 鼎湖区" in html
    assert "季报" in html
    assert 'value="4412" selected' in html  # the whole jurisdiction by default
    assert "端州区" in html  # a county to choose


def test_a_queued_report_shows_its_progress_and_the_poll(
    march, client, regulators: Regulators, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queued = services.report_request(
            regulator=regulators.zhaoqing_regulator,
            region="",
            period="2026-03",
            user=regulators.zhaoqing,
        )
    regulator_client(client, regulators.zhaoqing)
    html = client.get(REPORTS).content.decode()
    status_url = reverse("oversight:report_status", args=[queued.pk])
    assert f'data-status-url="{status_url}"' in html
    assert '<progress max="100" value="0"' in html
    assert "排队中" in html
    assert "fetch(row.dataset.statusUrl" in html
    assert client.get(status_url).json() == {
        "status": "queued", "status_display": "排队中", "progress": 0, "finished": False,
        "downloads": {},
    }  # fmt: skip
    tasks.report_generate.delay(queued.pk)
    state = client.get(status_url).json()
    assert (state["status"], state["progress"], state["finished"]) == ("ready", 100, True)
    assert state["downloads"]["pdf"] == reverse(
        "oversight:report_download", args=[queued.pk, "pdf"]
    )
    assert "fetch(row.dataset.statusUrl" not in client.get(REPORTS).content.decode()


def test_a_request_through_the_page_creates_and_generates_the_report(
    march, client, regulators: Regulators, django_capture_on_commit_callbacks
):
    regulator_client(client, regulators.zhaoqing)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, {"period": " 2026-Q1 ", "region": "441202"})
    assert response.status_code == 302
    created = Report.objects.get()
    assert (created.region, created.kind, created.period) == ("441202", "Q", dt.date(2026, 1, 1))
    assert (created.trigger, created.requested_by, created.status) == (
        "demand",
        regulators.zhaoqing,
        "ready",
    )
    event = AuditEvent.objects.get(action="oversight_report.request")
    assert (event.actor, event.object_id) == (regulators.zhaoqing, str(created.pk))
    assert event.data == {"region": "441202", "period": "2026-Q1"}
    html = client.get(REPORTS).content.decode()
    assert "已提交报告生成请求" in html


FORMAT = "请按格式填写报告期间：月度如 2026-03，季度如 2026-Q1，年度如 2026。"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"period": "2026-13", "region": "4412"}, "period", FORMAT),
        ({"period": "2026年3月", "region": "4412"}, "period", FORMAT),
        ({"period": "2026-05", "region": "4412"}, "period", "该期间尚未开始，不能生成报告。"),
        ({"period": "", "region": "4412"}, "period", "请填写报告期间。"),
        ({"period": "2026-03", "region": "4403"}, "region", "所选地区不在本部门辖区内。"),
        ({"period": "2026-03", "region": "44"}, "region", "所选地区不在本部门辖区内。"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_next_to_its_field_and_creates_nothing(
    march, client, regulators: Regulators, form, field, message
):
    regulator_client(client, regulators.zhaoqing)
    response = client.post(REPORTS, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="error" id="id_{field}_error">{message}</p>' in html
    assert not Report.objects.exists()


def test_the_service_refuses_a_region_outside_the_jurisdiction(march, regulators: Regulators):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.report_request(
            regulator=regulators.zhaoqing_regulator,
            region="440304",
            period="2026-03",
            user=regulators.zhaoqing,
        )
    assert refused.value.message_dict == {"region": ["所选地区不在本部门辖区内。"]}
    assert not Report.objects.exists()


def test_the_regulator_downloads_each_file_with_a_good_name(
    ready: Report, client, regulators: Regulators
):
    regulator_client(client, regulators.zhaoqing)
    for fmt, content_type in (
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
    ):
        response = client.get(reverse("oversight:report_download", args=[ready.pk, fmt]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "private, no-store"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        # 信易贷监测报告_广东省肇庆市_2026-03.<fmt>, RFC 5987-encoded
        assert f"_2026-03.{fmt}" in disposition
        assert "%E4%BF%A1%E6%98%93%E8%B4%B7" in disposition  # 信易贷
        assert b"".join(response.streaming_content) == read(getattr(ready, fmt))
    assert client.get(f"/oversight/reports/{ready.pk}/docx/").status_code == 404


def test_a_report_not_ready_has_no_downloads(march, client, regulators: Regulators):
    queued = services.report_request(
        regulator=regulators.zhaoqing_regulator,
        region="",
        period="2026-03",
        user=regulators.zhaoqing,
    )
    regulator_client(client, regulators.zhaoqing)
    response = client.get(reverse("oversight:report_download", args=[queued.pk, "pdf"]))
    assert response.status_code == 404


@pytest.mark.parametrize("outsider", ["shenzhen", "county", "province"])
def test_another_regulator_gets_404_for_the_report_and_its_files(
    ready: Report, client, regulators: Regulators, outsider
):
    regulator_client(client, getattr(regulators, outsider))
    assert f'data-report="{ready.pk}"' not in client.get(REPORTS).content.decode()
    assert client.get(reverse("oversight:report_status", args=[ready.pk])).status_code == 404
    for fmt in ("pdf", "xlsx", "csv"):
        url = reverse("oversight:report_download", args=[ready.pk, fmt])
        assert client.get(url).status_code == 404


def test_a_bank_user_gets_404(ready: Report, client, book: Book):
    officer = UserFactory(username="report_officer")
    membership_grant(
        user=officer, organization=book.bank.organization, role=Role.BANK_CREDIT_OFFICER
    )
    login(client, officer, verify=True)
    assert client.get(REPORTS).status_code == 404
    assert client.post(REPORTS, {"period": "2026-03", "region": "4412"}).status_code == 404
    assert (
        client.get(reverse("oversight:report_download", args=[ready.pk, "pdf"])).status_code == 404
    )
    assert Report.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(ready: Report, client):
    response = client.get(reverse("oversight:report_download", args=[ready.pk, "pdf"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_report_left_running_by_a_dead_worker_is_failed_and_retried(
    march, regulators: Regulators, django_capture_on_commit_callbacks
):
    stalled = Report.objects.create(
        regulator=regulators.zhaoqing_regulator,
        region="4412",
        kind="M",
        period=dt.date(2026, 3, 1),
        trigger=Report.Trigger.SCHEDULE,
        status=Report.Status.RUNNING,
        progress=40,
    )
    recent = Report.objects.create(
        regulator=regulators.shenzhen_regulator,
        region="4403",
        kind="M",
        period=dt.date(2026, 2, 1),
        trigger=Report.Trigger.DEMAND,
        status=Report.Status.RUNNING,
        progress=40,
    )
    Report.objects.filter(pk=stalled.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_schedule(today=dt.date(2026, 4, 3))
    stalled.refresh_from_db()
    recent.refresh_from_db()
    assert (stalled.status, stalled.progress, stalled.error) == ("ready", 100, "")
    assert (recent.status, recent.progress) == ("running", 40)  # still within its time
