"""The PDF credit report: built by a task through the guarded path, kept with its hash, checked
on the public verify page, downloaded only by the credit officers of the bank that asked."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from tests.conftest import Personas, login
from tests.consent.conftest import grant
from xinyidai.accounts.models import Membership
from xinyidai.consent import report_services, services
from xinyidai.consent.models import AccessLogEntry, Authorization, CreditReport
from xinyidai.consent.report import ReportMeta, build_report

STANDARD_14 = {
    "/Courier",
    "/Courier-Bold",
    "/Courier-BoldOblique",
    "/Courier-Oblique",
    "/Helvetica",
    "/Helvetica-Bold",
    "/Helvetica-BoldOblique",
    "/Helvetica-Oblique",
    "/Symbol",
    "/Times-Bold",
    "/Times-BoldItalic",
    "/Times-Italic",
    "/Times-Roman",
    "/ZapfDingbats",
}
ALL_BUT_PERSONAL = [
    "registration",
    "tax",
    "social_insurance",
    "housing_fund",
    "utilities",
    "public_credit",
]


def request_report(personas: Personas, **kwargs: Any) -> CreditReport:
    values: dict[str, Any] = {
        "membership": Membership.objects.get(user=personas.officer),
        "enterprise": personas.enterprise_a,
        "purpose": "pre_loan",
        "ip_address": "10.1.2.3",
    }
    values.update(kwargs)
    return report_services.report_request(**values)


@pytest.fixture
def built(personas, profile, django_capture_on_commit_callbacks):
    """Build a report for a grant of ``scopes`` (all but personal ones by default)."""

    def build(scopes: list[str] | None = None) -> CreditReport:
        grant(personas, scopes=scopes or ALL_BUT_PERSONAL)
        with django_capture_on_commit_callbacks(execute=True):
            report = request_report(personas)
        report.refresh_from_db()
        return report

    return build


def pdf_bytes(report: CreditReport) -> bytes:
    with report.file.open("rb") as stream:
        return stream.read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --------------------------------------------------------------------------- building


def test_it_builds_the_report_through_the_guarded_path(built, personas):
    report = built()
    data = pdf_bytes(report)
    assert report.status == CreditReport.Status.READY
    assert re.fullmatch(r"XYD-\d{8}-\d{6}", report.number)
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", report.verification_code)
    assert data.startswith(b"%PDF-")
    assert report.size == len(data)
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    entry = AccessLogEntry.objects.get(pk=report.access_log_entry_id)
    assert entry.outcome == AccessLogEntry.Outcome.ALLOWED
    assert entry.channel == AccessLogEntry.Channel.PDF
    assert entry.report_sha256 == report.sha256
    assert entry.user_id == personas.officer.pk
    assert report.authorization_id == entry.authorization_id


def test_every_font_in_the_pdf_is_embedded_truetype(built):
    reader = PdfReader(io.BytesIO(pdf_bytes(built())))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    assert not set(fonts) & STANDARD_14
    for name, font in fonts.items():
        assert name.endswith("+WenQuanYiMicroHei")  # a subset (ABCDEF+ prefix) of our font
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_its_text_names_the_enterprise_the_bank_and_the_authorized_sections(built, personas):
    report = built()
    text = pdf_text(pdf_bytes(report))
    assert "企业信用报告" in text
    assert "肇庆甲有限公司" in text
    assert personas.enterprise_a.uscc in text
    assert "测试银行一" in text
    assert report.number in text
    assert f"http://127.0.0.1:8000/verify/{report.verification_code}" in text
    assert "贷前审查" in text
    for heading in ("登记注册信息", "纳税信息", "社会保险信息", "住房公积金信息", "公共信用信息"):
        assert heading in text
    assert "近6个月纳税额下降 30%" in text  # a reason
    assert "2.10%" in text  # the probability
    assert "说明与免责声明" in text


def test_it_leaves_out_what_the_grant_does_not_cover(built):
    text = pdf_text(pdf_bytes(built(["registration", "tax"])))
    assert "纳税信息" in text
    assert "近6个月纳税额下降 30%" in text
    assert "社会保险信息" not in text
    assert "社保参保人数减少" not in text  # a reason drawing on social insurance
    assert "住房公积金" not in text
    assert "公共信用信息" not in text
    assert "行政处罚" not in text


def test_a_request_for_some_sections_gets_only_those(
    personas, profile, django_capture_on_commit_callbacks
):
    grant(personas)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(personas, sections=["tax"])
    report.refresh_from_db()
    text = pdf_text(pdf_bytes(report))
    assert "纳税信息" in text
    assert "登记注册信息" not in text
    assert AccessLogEntry.objects.get(pk=report.access_log_entry_id).sections == ["tax"]


def test_every_page_carries_the_watermark(built, personas):
    report = built()
    reader = PdfReader(io.BytesIO(pdf_bytes(report)))
    stamp = f"测试银行一 · {personas.officer.display_name} · "
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert stamp in page.extract_text()


def test_page_one_rasterizes_with_its_chinese_text(built, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: `make services` installs poppler-utils")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf_bytes(built()))
    subprocess.run(
        [pdftoppm, "-r", "60", "-f", "1", "-l", "1", "-png", str(source), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    (png,) = Path(tmp_path).glob("p*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * width * height  # title, tables, QR code
    title = image.crop((0, int(height * 0.12), width, int(height * 0.2)))
    assert sum(title.histogram()[:200]) > 300  # the big "企业信用报告"


def test_a_revoked_grant_refuses_the_report(personas, profile, django_capture_on_commit_callbacks):
    authorization = grant(personas)
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(personas)
    report.refresh_from_db()
    assert report.status == CreditReport.Status.REFUSED
    assert report.reason == "revoked"
    assert not report.file
    assert report.sha256 == ""
    entry = AccessLogEntry.objects.get(pk=report.access_log_entry_id)
    assert (entry.outcome, entry.reason, entry.channel) == ("refused", "revoked", "pdf")


def test_without_any_grant_the_report_is_refused(
    personas, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(personas)
    report.refresh_from_db()
    assert (report.status, report.reason) == (CreditReport.Status.REFUSED, "no_grant")


def test_the_request_enqueues_the_build_once_committed(
    personas, profile, django_capture_on_commit_callbacks
):
    grant(personas)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request_report(personas)
    assert len(callbacks) == 1
    assert CreditReport.objects.get(pk=report.pk).status == CreditReport.Status.QUEUED
    callbacks[0]()  # the eager task runs the build
    report.refresh_from_db()
    assert report.status == CreditReport.Status.READY
    assert report_services.report_build(report_id=report.pk).sha256 == report.sha256  # once


def test_an_enterprise_cannot_request_a_report(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        request_report(personas, membership=Membership.objects.get(user=personas.alice))


def test_a_builder_error_marks_the_report_failed_and_logs_nothing(
    personas, profile, django_capture_on_commit_callbacks, monkeypatch
):
    grant(personas)

    def broken(content: Any, meta: Any) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(report_services, "build_report", broken)
    before = AccessLogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(personas)
    report.refresh_from_db()
    assert (report.status, report.reason) == (CreditReport.Status.FAILED, "error")
    assert AccessLogEntry.objects.count() == before


# --------------------------------------------------------------------------- the builder alone


def meta(**overrides: Any) -> ReportMeta:
    values: dict[str, Any] = {
        "number": "XYD-20261130-000001",
        "verification_code": "abcdefghijklmnop",
        "verify_url": "https://xinyidai.example/verify/abcdefghijklmnop",
        "generated_at": dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC),
        "bank": "测试银行一",
        "officer": "李经理",
        "purpose": "贷前审查",
    }
    values.update(overrides)
    return ReportMeta(**values)


def content(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "enterprise": {"uscc": "91441202MA51234567", "name": "肇庆丙有限公司"},
        "profile": {"version": 1, "as_of": "2026-11-01", "grade": "", "reasons": []},
        "months": ["2026-09", "2026-10"],
        "sources": {},
        "scopes": ["public_credit"],
        "events": [
            {
                "source": "admin_penalty",
                "source_name": "行政处罚信息",
                "date": "2025-05-01",
                "key": {"number": "罚〔2025〕1号"},
                "in_force": None,
                "details": {"决定文书号": "罚〔2025〕1号"},
            }
        ],
        "flags": {"dishonest_debtor": True},
        "under_objection": [],
    }
    values.update(overrides)
    return values


def test_records_under_objection_are_marked(db):
    plain = pdf_text(build_report(content(), meta()))
    assert "异议处理中" not in plain
    marked = content(
        under_objection=[
            {"source": "admin_penalty", "key": {"number": "罚〔2025〕1号"}, "summary": "已撤销"}
        ]
    )
    text = pdf_text(build_report(marked, meta()))
    assert "异议处理中" in text
    assert "异议处理中的记录" in text  # the list of them
    assert "在列" in text  # the dishonest-debtor flag


def test_a_character_outside_the_font_does_not_stop_the_report(db):
    rare = content(enterprise={"uscc": "91441202MA51234567", "name": "肇庆𠀀䶮有限公司"})
    data = build_report(rare, meta())
    assert data.startswith(b"%PDF-")
    assert "有限公司" in pdf_text(data)


# --------------------------------------------------------------------------- verification


def test_the_verify_page_confirms_a_genuine_report_without_its_content(built, client: Client):
    report = built()
    response = client.get(f"/verify/{report.verification_code}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "报告真实有效" in page
    assert report.number in page
    assert f"{timezone.localtime(report.ready_at):%Y-%m-%d %H:%M}" in page
    assert report.sha256 in page
    assert "测试银行一" in page
    assert "肇庆甲有限公司" not in page
    assert "2.10%" not in page
    assert "纳税" not in page


def test_an_unknown_code_is_404(built, client: Client):
    built()
    response = client.get("/verify/AAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "核验未通过" in response.content.decode()


def test_a_refused_report_cannot_be_verified(personas, profile, client: Client):
    report = request_report(personas)  # no grant: refused once built
    report_services.report_build(report_id=report.pk)
    assert client.get(f"/verify/{report.verification_code}").status_code == 404


def test_the_genuine_file_matches_and_a_changed_byte_does_not(built, client: Client):
    report = built()
    data = pdf_bytes(report)
    url = f"/verify/{report.verification_code}"
    response = client.post(url, {"file": SimpleUploadedFile("r.pdf", data, "application/pdf")})
    assert "一致：上传的文件与平台留存的报告逐字节相同" in response.content.decode()
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    response = client.post(
        url, {"file": SimpleUploadedFile("r.pdf", bytes(changed), "application/pdf")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "不一致" in page
    assert "逐字节相同" not in page


def test_the_verify_index_sends_a_code_to_its_page(client: Client):
    response = client.get("/verify/", {"code": " abc123 "})
    assert response.status_code == 302
    assert response["Location"] == "/verify/abc123"


# --------------------------------------------------------------------------- download


def test_the_requesting_banks_officer_downloads_the_pdf(built, personas, client: Client):
    report = built()
    login(client, personas.officer, verify=True)
    response = client.get(f"/verify/report/{report.number}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{report.number}.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == pdf_bytes(report)


@pytest.mark.parametrize("outsider", ["other_officer", "alice", "regulator"])
def test_anyone_else_gets_404(built, personas, client: Client, outsider):
    report = built()
    login(client, getattr(personas, outsider), verify=True)
    response = client.get(f"/verify/report/{report.number}/download")
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(built, client: Client):
    report = built()
    response = client.get(f"/verify/report/{report.number}/download")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_after_the_data_life_the_report_is_no_longer_served(built, personas, client: Client):
    report = built()  # the grant keeps downloaded data 90 days
    CreditReport.objects.filter(pk=report.pk).update(
        ready_at=report.ready_at - dt.timedelta(days=90, minutes=1)
    )
    login(client, personas.officer, verify=True)
    response = client.get(f"/verify/report/{report.number}/download")
    assert response.status_code == 404


def test_the_public_check_needs_no_second_factor_but_the_download_does(
    built, client: Client, personas: Personas
):
    from tests.factories import PASSWORD

    report = built()
    client.post("/accounts/login/", {"username": personas.officer.username, "password": PASSWORD})
    assert client.get(f"/verify/{report.verification_code}").status_code == 200
    response = client.get(f"/verify/report/{report.number}/download")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


# --------------------------------------------------------------------------- the PDF channel matrix


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("pending", "no_grant"),
        ("rejected", "no_grant"),
        ("paused", "paused"),
        ("revoked", "revoked"),
        ("expired", "expired"),
    ],
)
def test_the_pdf_channel_refuses_what_the_grant_does_not_open(personas, profile, status, code):
    authorization = grant(personas)
    Authorization.objects.filter(pk=authorization.pk).update(status=status)
    report = report_services.report_build(report_id=request_report(personas).pk)
    assert (report.status, report.reason) == ("refused", code)
    assert not report.file
    entry = AccessLogEntry.objects.get()
    assert (entry.channel, entry.outcome, entry.reason) == ("pdf", "refused", code)


def test_the_pdf_channel_checks_time_role_and_bank(personas, profile):
    from tests.factories import UserFactory
    from xinyidai.accounts.models import Role
    from xinyidai.accounts.services import membership_grant

    authorization = grant(personas)
    with time_machine.travel(authorization.expires_at + dt.timedelta(seconds=1), tick=False):
        late = report_services.report_build(report_id=request_report(personas).pk)
    assert late.reason == "expired"
    manager = UserFactory(username="pdf_manager")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    by_manager = report_services.report_build(
        report_id=request_report(personas, membership=Membership.objects.get(user=manager)).pk
    )
    assert by_manager.reason == "role"
    other = report_services.report_build(
        report_id=request_report(
            personas, membership=Membership.objects.get(user=personas.other_officer)
        ).pk
    )
    assert other.reason == "no_grant"
    assert list(
        AccessLogEntry.objects.order_by("id").values_list("channel", "outcome", "reason")
    ) == [("pdf", "refused", "expired"), ("pdf", "refused", "role"), ("pdf", "refused", "no_grant")]
