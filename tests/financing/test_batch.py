"""Outcome batch files of banks without an API: a good file takes applications from approval to
settlement; one bad row anywhere leaves everything as it was and reports every row error; other
banks' applications are row errors; an accepted file sent again changes nothing; the pages and
the API answer outsiders 404 (or 403 for the wrong role)."""

from __future__ import annotations

import codecs
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart
from openpyxl import Workbook, load_workbook

from bank_connectors import batch as batch_format
from tests.conftest import Personas, login
from tests.factories import UserFactory
from tests.integrations.conftest import Key, signed
from xinyidai.accounts.models import Bank, Membership, Role
from xinyidai.accounts.services import branch_create, membership_grant
from xinyidai.core.models import OutboxEvent
from xinyidai.financing import services
from xinyidai.financing.batch import outcome_batch_apply
from xinyidai.financing.flags import Guarantee
from xinyidai.financing.models import (
    Application,
    ApplicationEvent,
    FinancingNeed,
    Interest,
    LoanProduct,
    OutcomeBatch,
)
from xinyidai.integrations import services as integration_services
from xinyidai.notifications.models import Notification

from .conftest import MONDAY, act, give_profile, make_product, need_values

pytestmark = pytest.mark.django_db

S = Application.State
PAGE = "/financing/bank/batches/"
API = "/api/v1/bank/batches"
HEADER = "申请编号,操作,日期,金额（元）,年利率（%）,期限（月）,担保方式,原因,首贷,备注,银行流水号"
ENGLISH = (
    "application_id,action,date,amount,rate,term_months,guarantee,reason,first_loan,note,reference"
)
DAY = MONDAY.date().isoformat()  # 2026-03-02


@pytest.fixture(autouse=True)
def on_monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


def _reviewing(
    enterprise: Any, user: Any, product: LoanProduct, org: Any, need: Any = None
) -> Application:
    give_profile(enterprise, "B")
    application = services.application_create(
        enterprise=enterprise,
        product=product,
        actor=user,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
        need=need,
    )
    for action in ("accept", "review"):
        application = act(application, action, user=_officer(org), org=org)
    return application


def _officer(org: Any) -> Any:
    return Membership.objects.get(organization=org, role=Role.BANK_CREDIT_OFFICER).user


@pytest.fixture
def loans(personas: Personas, product: LoanProduct) -> tuple[Application, Application, Application]:
    """Three applications of bank 1: two under review, one just submitted. The first answers
    enterprise A's need, in which bank 2 has shown interest: disbursing it closes the need."""
    second = make_product(personas.bank, personas.officer, name="经营快贷")
    give_profile(personas.enterprise_a, "B")
    need = services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, publish=True, **need_values()
    )
    services.interest_express(
        need=need,
        product=make_product(personas.other_bank, personas.other_officer, name="二行快贷"),
        membership=_membership(personas.other_officer),
    )
    a = _reviewing(personas.enterprise_a, personas.alice, product, personas.bank, need)
    b = _reviewing(personas.enterprise_b, personas.bob, product, personas.bank)
    give_profile(personas.enterprise_a, "B")
    c = services.application_create(
        enterprise=personas.enterprise_a,
        product=second,
        actor=personas.alice,
        amount=Decimal("300000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )
    return a, b, c


def _good_rows(a: Application, b: Application, c: Application) -> list[str]:
    return [
        f"{a.pk},批准,{DAY},450000,4.20,12,信用,,,,",
        f"{b.pk},批准,,500000,3.85,24,保证,,,资料齐全,",
        f"{c.pk},拒绝,,,,,,R04,,近六个月经营流水不足,",
        f"{a.pk},放款,{DAY},450000,,,,,是,,LN001",
        f"{b.pk},放款,{DAY},480000,3.90,,,,否,,LN002",
        f"{a.pk},开始还款,{DAY},,,,,,,,",
        f"{b.pk},结清,{DAY},,,,,,,,RP001",
    ]


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def _xlsx(*rows: str, header: str = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in [header, *rows]:
        sheet.append([cell or None for cell in line.split(",")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _membership(user: Any) -> Membership:
    return Membership.objects.select_related("organization").get(user=user)


def _bank(org: Any) -> Bank:
    return Bank.objects.get(organization=org)


def apply(personas: Personas, content: bytes, filename: str = "outcomes.csv", user: Any = None):
    membership = _membership(user or personas.officer)
    return outcome_batch_apply(
        bank=_bank(membership.organization),
        membership=membership,
        filename=filename,
        content=content,
    )


def _snapshot() -> dict[str, Any]:
    return {
        "states": dict(Application.objects.values_list("pk", "state")),
        "needs": dict(FinancingNeed.objects.values_list("pk", "status")),
        "interests": dict(Interest.objects.values_list("pk", "status")),
        "events": ApplicationEvent.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _errors(batch: OutcomeBatch) -> list[tuple[int, str, str, str]]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.errors]


# --------------------------------------------------------------------------- applying


GOOD_FILES = {
    "utf8-english": lambda rows: _csv(*rows, header=ENGLISH).encode("utf-8"),
    "utf8-bom": lambda rows: codecs.BOM_UTF8 + _csv(*rows).encode("utf-8"),
    "gbk-chinese": lambda rows: _csv(*rows).encode("gbk"),
    "xlsx": lambda rows: _xlsx(*rows),
}


@pytest.mark.parametrize("kind", list(GOOD_FILES))
def test_a_good_file_takes_applications_from_approval_to_settlement(
    personas, loans, kind, django_capture_on_commit_callbacks
):
    a, b, c = loans
    filename = "outcomes.xlsx" if kind == "xlsx" else "outcomes.csv"
    notifications = Notification.objects.count()
    last_notification = Notification.objects.order_by("-id").values_list("id", flat=True).first()
    with django_capture_on_commit_callbacks() as callbacks:
        batch = apply(personas, GOOD_FILES[kind](_good_rows(a, b, c)), filename)
    assert batch.status == OutcomeBatch.Status.ACCEPTED, batch.errors
    assert not batch.is_duplicate
    assert batch.counts == {"approve": 2, "reject": 1, "disburse": 2, "repay": 1, "settle": 1}
    assert (batch.row_count, batch.errors, batch.channel) == (7, [], "web")
    assert batch.file_format == ("xlsx" if kind == "xlsx" else "csv")
    for application in (a, b, c):
        application.refresh_from_db()
    assert (a.state, b.state, c.state) == (S.REPAYING, S.SETTLED, S.REJECTED)
    assert (a.approved_amount, a.approved_rate, a.approved_guarantee) == (
        Decimal("450000.00"),
        Decimal("4.200"),
        "credit",
    )
    # A disbursement without rate, term or guarantee takes the approved terms.
    assert (a.disbursed_amount, a.disbursed_rate, a.disbursed_term_months) == (
        Decimal("450000.00"),
        Decimal("4.200"),
        12,
    )
    assert (a.disbursed_on.isoformat(), a.repaying_since.isoformat()) == (DAY, DAY)
    assert (a.is_first_loan, a.is_credit_loan) == (True, True)
    assert (b.approved_term_months, b.approved_guarantee) == (24, "guarantee")
    assert (b.disbursed_amount, b.disbursed_rate, b.disbursed_term_months) == (
        Decimal("480000.00"),
        Decimal("3.900"),
        24,
    )
    assert (b.is_first_loan, b.is_credit_loan, b.settled_on.isoformat()) == (False, False, DAY)
    assert (c.reject_reason, c.reject_text) == ("R04", "近六个月经营流水不足")
    # The disbursement closed the need it answered; bank 2's interest in it was declined.
    assert (a.need.status, Interest.objects.get().status) == ("closed", "declined")
    events = list(ApplicationEvent.objects.filter(application=a).order_by("id"))
    assert [e.action for e in events] == [
        "submit",
        "accept",
        "review",
        "approve",
        "disburse",
        "repay",
    ]
    assert events[3].data["bank_date"] == DAY
    assert (events[4].data["batch"], events[4].data["batch_row"]) == (batch.pk, 5)
    assert events[4].data["reference"] == "LN001"
    assert events[4].actor == personas.officer
    assert ApplicationEvent.objects.get(application=b, action="approve").note == "资料齐全"
    # Each transition told the enterprise, and their e-mails leave after commit.
    told = Notification.objects.filter(recipient=personas.bob, pk__gt=last_notification)
    assert list(told.order_by("id").values_list("kind", flat=True)) == [
        "application.approve",
        "application.disburse",
        "application.settle",
    ]
    assert Notification.objects.count() == notifications + 3 * 2 + 3 + 2  # A has two members
    assert len(callbacks) >= 7


def test_one_bad_row_among_good_rows_changes_nothing(
    personas, loans, django_capture_on_commit_callbacks
):
    a, b, c = loans
    rows = _good_rows(a, b, c)
    rows[1] = f"{b.pk},批准,,500000,7.00,24,保证,,,,"  # above the product's 6.00%
    before = _snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        batch = apply(personas, _csv(*rows).encode())
    assert batch.status == OutcomeBatch.Status.REJECTED
    assert _snapshot() == before
    assert callbacks == []  # no e-mail for a rolled-back notification
    assert _errors(batch) == [
        (3, "年利率（%）", "7.00", "年利率须在产品范围 3.45%–6.00% 内"),
        (6, "申请编号", str(b.pk), "该申请在第3行有错误，本行未办理。"),
        (8, "申请编号", str(b.pk), "该申请在第3行有错误，本行未办理。"),
    ]
    assert (batch.counts, batch.row_count) == ({}, 7)
    a.refresh_from_db()
    assert (a.state, a.approved_amount) == (S.UNDER_REVIEW, None)


def test_it_reports_format_and_state_errors_of_the_same_file(personas, loans):
    a, b, c = loans
    before = _snapshot()
    batch = apply(
        personas,
        _csv(
            f"{a.pk},批准,{DAY},-5,4.20,12,信用,,,,",
            f"{c.pk},放款,{DAY},300000,,,,,,,",
            f"{b.pk},结清,2099-01-01,,,,,,,,",
            f"{b.pk},批准,,500000,3.85,12,,,,,",
        ).encode(),
    )
    assert batch.status == OutcomeBatch.Status.REJECTED
    assert _errors(batch) == [
        (2, "金额（元）", "-5", "金额必须大于 0。"),
        (3, "操作", "放款", "申请当前状态为“已提交”，不能登记放款。"),
        (4, "日期", "2099-01-01", "日期不能晚于今天（2026-03-02）。"),
        (5, "申请编号", str(b.pk), "该申请在第4行有错误，本行未办理。"),
    ]
    assert _snapshot() == before


def test_another_banks_application_is_a_row_error(personas, loans, other_product):
    a, _b, _c = loans
    give_profile(personas.enterprise_b, "B")
    theirs = services.application_create(
        enterprise=personas.enterprise_b,
        product=other_product,
        actor=personas.bob,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )
    batch = apply(
        personas,
        _csv(
            f"{a.pk},受理,,,,,,,,,",
            f"{theirs.pk},受理,,,,,,,,,",
            "999999,受理,,,,,,,,,",
        ).encode(),
    )
    assert _errors(batch) == [
        (2, "操作", "受理", "申请当前状态为“审查中”，不能受理。"),
        (3, "申请编号", str(theirs.pk), "申请编号不存在或不属于本行"),
        (4, "申请编号", "999999", "申请编号不存在或不属于本行"),
    ]
    theirs.refresh_from_db()
    assert theirs.state == S.SUBMITTED


def test_a_branch_officer_acts_only_on_the_branch_applications(personas, loans):
    a, _b, _c = loans
    branch = branch_create(
        bank=_bank(personas.bank), name="一行高要支行", code="0201", region_code="441204"
    )
    officer = UserFactory(username="branch_officer")
    membership_grant(
        user=officer, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER, branch=branch
    )
    batch = apply(personas, _csv(f"{a.pk},拒绝,,,,,,R04,,,").encode(), user=officer)
    assert _errors(batch) == [(2, "申请编号", str(a.pk), "申请编号不存在或不属于本网点")]
    assert batch.branch == branch


def test_an_accepted_file_sent_again_changes_nothing(personas, loans):
    a, b, c = loans
    content = _csv(*_good_rows(a, b, c)).encode()
    first = apply(personas, content)
    assert first.status == OutcomeBatch.Status.ACCEPTED
    before = _snapshot()
    again = apply(personas, content, filename="outcomes-copy.csv")
    assert (again.pk, again.is_duplicate, again.filename) == (first.pk, True, "outcomes.csv")
    assert _snapshot() == before
    assert OutcomeBatch.objects.count() == 1


def test_a_rejected_file_is_checked_again_when_sent_again(personas, loans):
    a, _b, _c = loans
    content = _csv(f"{a.pk},结清,{DAY},,,,,,,,").encode()
    first = apply(personas, content)
    second = apply(personas, content)
    assert (first.status, second.status) == ("rejected", "rejected")
    assert second.pk != first.pk
    assert not second.is_duplicate
    assert _errors(second) == [(2, "操作", "结清", "申请当前状态为“审查中”，不能登记结清。")]


def test_an_unreadable_file_is_stored_as_rejected(personas, loans):
    batch = apply(personas, b"application_id,action\n1,accept\n")
    assert batch.status == OutcomeBatch.Status.REJECTED
    assert _errors(batch) == [(1, "表头", "application_id,action", "缺少必填列：日期（date）。")]


def test_the_stored_file_name_is_a_clean_base_name(personas, loans):
    batch = apply(personas, b"x", filename="C:\\银行\\回盘\x00\n/outcomes.csv")
    assert batch.filename == "outcomes.csv"


def test_product_managers_cannot_apply_a_file(personas, loans):
    manager = UserFactory(username="manager")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    with pytest.raises(PermissionDenied):
        apply(personas, b"x", user=manager)
    assert not OutcomeBatch.objects.exists()


def test_the_format_uses_the_platform_codes():
    assert {code: str(label) for code, label in Guarantee.choices} == batch_format.GUARANTEES
    assert {
        code: str(label) for code, label in Application.RejectReason.choices
    } == batch_format.REJECT_REASONS
    bank_actions = {"accept", "review", "approve", "reject", "disburse"} | {
        "repay",
        "overdue",
        "cure",
        "settle",
        "default",
    }
    assert {a.code for a in batch_format.ACTIONS} == bank_actions


# --------------------------------------------------------------------------- pages


def _upload(client: Client, content: bytes, name: str = "outcomes.csv") -> Any:
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content)})


def test_an_officer_uploads_a_file_and_reads_the_outcome(client, personas, loans):
    a, b, c = loans
    login(client, personas.officer, verify=True)
    page = client.get(PAGE).content.decode()
    assert 'href="/financing/bank/batches/template.xlsx"' in page
    assert "整批办理：任何一行有错，整个文件都不生效" in page
    response = _upload(client, _csv(*_good_rows(a, b, c)).encode("gbk"))
    batch = OutcomeBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert (
        "已生效：7 行全部办理完毕（批准 2 笔、拒绝 1 笔、放款 2 笔、开始还款 1 笔、结清 1 笔）。"
        in page
    )
    assert batch.sha256 in page
    listing = client.get(PAGE).content.decode()
    assert f'data-batch="{batch.pk}"' in listing


def test_a_rejected_upload_shows_every_row_error_and_the_report(client, personas, loans):
    a, _b, _c = loans
    login(client, personas.officer, verify=True)
    response = _upload(client, _csv(f"{a.pk},结清,{DAY},,,,,,,,", "abc,受理,,,,,,,,,").encode())
    page = client.get(response["Location"]).content.decode()
    assert "已退回：发现 2 处错误，整批未生效，任何申请都没有变化。" in page
    assert "申请编号须为正整数" in page
    assert "申请当前状态为“审查中”，不能登记结清。" in page
    batch = OutcomeBatch.objects.get()
    report = client.get(f"{PAGE}{batch.pk}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Disposition"] == f'attachment; filename="batch-{batch.pk}-errors.csv"'
    assert report.content.decode("utf-8-sig").splitlines() == [
        "行号,列,值,错误原因",
        "2,操作,结清,申请当前状态为“审查中”，不能登记结清。",
        "3,申请编号,abc,申请编号须为正整数（申请页标题中 # 后的数字），如 1024。",
    ]
    a.refresh_from_db()
    assert a.state == S.UNDER_REVIEW


def test_an_accepted_batch_has_no_error_report(client, personas, loans):
    a, _b, _c = loans
    batch = apply(personas, _csv(f"{a.pk},拒绝,,,,,,R01,,,").encode())
    login(client, personas.officer, verify=True)
    assert client.get(f"{PAGE}{batch.pk}/errors.csv").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("outcomes.pdf", b"%PDF-1.4", "不支持的文件类型“outcomes.pdf”，请上传 CSV 或 XLSX 文件。"),
        (
            "outcomes.xls",
            b"\xd0\xcf\x11\xe0",
            "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传。",
        ),
        ("outcomes.csv", b"", "文件为空。"),
    ],
)
def test_the_form_refuses_a_wrong_file(client, personas, name, content, message):
    login(client, personas.officer, verify=True)
    response = _upload(client, content, name)
    assert response.status_code == 200
    assert f'id="id_file_error">{message}</p>' in response.content.decode()
    assert not OutcomeBatch.objects.exists()


def test_the_form_asks_for_a_file(client, personas):
    login(client, personas.officer, verify=True)
    response = client.post(PAGE, {})
    assert 'id="id_file_error">请选择要上传的批量文件。</p>' in response.content.decode()


def test_the_templates_download_as_csv_and_xlsx(client, personas):
    login(client, personas.officer, verify=True)
    response = client.get(f"{PAGE}template.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == codecs.BOM_UTF8 + (HEADER + "\r\n").encode()
    response = client.get(f"{PAGE}template.xlsx")
    assert response["Content-Type"] == batch_format.XLSX_TYPE
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["批量文件", "填写说明"]
    workbook.close()
    assert client.get(f"{PAGE}template.xls").status_code == 404


def test_the_batch_list_uses_a_bounded_number_of_queries(
    client, personas, loans, django_assert_max_num_queries
):
    a, _b, _c = loans
    for i in range(30):
        apply(personas, _csv(f"{a.pk},结清,{DAY},,,,,,,,RP{i}").encode())
    login(client, personas.officer, verify=True)
    client.get(PAGE)
    with django_assert_max_num_queries(12):
        page = client.get(PAGE).content.decode()
    assert page.count("data-batch=") == 25


def test_outsiders_get_no_batch_page(client, personas, loans):
    a, _b, _c = loans
    batch = apply(personas, _csv(f"{a.pk},结清,{DAY},,,,,,,,").encode())
    pages = [
        PAGE,
        f"{PAGE}{batch.pk}/",
        f"{PAGE}{batch.pk}/errors.csv",
        f"{PAGE}template.csv",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    for user, verify in ((personas.alice, False), (personas.regulator, True)):
        login(client, user, verify=verify)
        for url in pages:
            assert client.get(url).status_code == 404, url
        assert _upload(client, b"x").status_code == 404
        client.logout()
    login(client, personas.other_officer, verify=True)
    for url in pages[1:3]:
        assert client.get(url).status_code == 404, url
    assert f'data-batch="{batch.pk}"' not in client.get(PAGE).content.decode()
    client.logout()
    manager = UserFactory(username="manager")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    login(client, manager, verify=True)
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert OutcomeBatch.objects.count() == 1


# --------------------------------------------------------------------------- API


SCOPES = ["applications:read", "applications:write"]


def _key(org: Any, actor: Any, scopes: list[str] | None = None) -> Key:
    client, secret = integration_services.api_client_create(
        bank=_bank(org), name="核心系统", scopes=SCOPES if scopes is None else scopes, actor=actor
    )
    return Key(client, secret)


@pytest.fixture
def key(personas: Personas) -> Key:
    return _key(personas.bank, personas.officer)


def _multipart(http: Client, key: Key, content: bytes, name: str = "outcomes.csv") -> Any:
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile(name, content)})
    return signed(
        http,
        key,
        API,
        method="POST",
        body=body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )


def test_a_bank_system_uploads_a_file_as_multipart(client, personas, loans, key):
    a, b, c = loans
    response = _multipart(client, key, _csv(*_good_rows(a, b, c)).encode())
    assert response.status_code == 201, response.content.decode()[:800]
    body = response.json()
    batch = OutcomeBatch.objects.get()
    assert body["id"] == batch.pk
    assert (body["status"], body["channel"], body["duplicate"]) == ("accepted", "api", False)
    assert body["counts"] == {"approve": 2, "reject": 1, "disburse": 2, "repay": 1, "settle": 1}
    assert body["message"].startswith("已生效：7 行全部办理完毕")
    assert batch.uploaded_by == key.client.service_user
    b.refresh_from_db()
    assert b.state == S.SETTLED
    again = _multipart(client, key, _csv(*_good_rows(a, b, c)).encode())
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["duplicate"]) == (batch.pk, True)


@pytest.mark.parametrize(
    ("content_type", "make", "query"),
    [
        (batch_format.CSV_TYPE, lambda rows: _csv(*rows).encode("gbk"), "filename=outcomes.csv"),
        (batch_format.XLSX_TYPE, lambda rows: _xlsx(*rows), "filename=outcomes.xlsx"),
        (batch_format.XLSX_TYPE, lambda rows: _xlsx(*rows), ""),
    ],
)
def test_a_bank_system_uploads_the_raw_file(
    client, personas, loans, key, content_type, make, query
):
    a, b, c = loans
    response = signed(
        client,
        key,
        API,
        method="POST",
        query=query,
        body=make(_good_rows(a, b, c)),
        content_type=content_type,
    )
    assert response.status_code == 201, response.content.decode()[:800]
    expected_name = query.removeprefix("filename=") or "batch.xlsx"
    assert response.json()["filename"] == expected_name
    c.refresh_from_db()
    assert c.state == S.REJECTED


def test_a_rejected_upload_answers_422_with_the_row_errors(client, personas, loans, key):
    a, b, c = loans
    rows = _good_rows(a, b, c)
    rows[0] = f"{a.pk},批准,{DAY},450000,4.20,12,抵押,,,,"
    before = _snapshot()
    response = signed(
        client, key, API, method="POST", body=_csv(*rows).encode(), content_type="text/csv"
    )
    assert response.status_code == 422, response.content.decode()[:800]
    batch = OutcomeBatch.objects.get()
    assert response.json() == {
        "code": "batch_rejected",
        "message": (
            "已退回：发现 3 处错误，整批未生效，任何申请都没有变化。请改正后重新上传整个文件。"
        ),
        "details": {
            "batch": batch.pk,
            "rows": [
                {
                    "row": 2,
                    "column": "担保方式",
                    "value": "抵押",
                    "reason": "担保方式须为该产品接受的方式：信用、保证",
                },
                {
                    "row": 5,
                    "column": "申请编号",
                    "value": str(a.pk),
                    "reason": "该申请在第2行有错误，本行未办理。",
                },
                {
                    "row": 7,
                    "column": "申请编号",
                    "value": str(a.pk),
                    "reason": "该申请在第2行有错误，本行未办理。",
                },
            ],
        },
    }
    assert _snapshot() == before
    detail = signed(client, key, f"{API}/{batch.pk}")
    assert detail.status_code == 200
    assert (detail.json()["status"], detail.json()["error_count"]) == ("rejected", 3)


def test_the_api_refuses_a_body_without_a_file(client, personas, key):
    body = encode_multipart("BoUnDaRy", {"note": "no file"})
    response = signed(client, key, API, method="POST", body=body, content_type=MULTIPART_CONTENT)
    assert response.status_code == 400
    assert response.json()["details"] == {
        "file": ["请用 file 字段上传批量文件（multipart/form-data）。"]
    }
    response = signed(
        client, key, API, method="POST", query="filename=a.pdf", body=b"x", content_type="text/csv"
    )
    assert response.status_code == 400
    assert response.json()["details"] == {
        "file": ["不支持的文件类型“a.pdf”，请上传 CSV 或 XLSX 文件。"]
    }
    response = signed(client, key, API, method="POST", body=b"a=1", content_type="text/plain")
    assert response.status_code == 415
    assert not OutcomeBatch.objects.exists()


def test_the_api_lists_only_the_banks_own_batches(client, personas, loans, key):
    a, _b, _c = loans
    ours = apply(personas, _csv(f"{a.pk},拒绝,,,,,,R01,,,").encode())
    other_key = _key(personas.other_bank, personas.other_officer)
    theirs = apply(personas, b"application_id\n1\n", user=personas.other_officer)
    listing = signed(client, key, API)
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["results"]] == [ours.pk]
    assert signed(client, key, f"{API}/{theirs.pk}").status_code == 404
    assert signed(client, other_key, f"{API}/{ours.pk}").status_code == 404
    assert [i["id"] for i in signed(client, other_key, API).json()["results"]] == [theirs.pk]


def test_the_api_needs_the_scopes(client, personas, loans):
    a, b, c = loans
    reader = _key(personas.bank, personas.officer, ["applications:read"])
    response = _multipart(client, reader, _csv(*_good_rows(a, b, c)).encode())
    assert response.status_code == 403
    assert response.json()["details"]["required"] == ["applications:write"]
    writer = _key(personas.bank, personas.officer, ["applications:write"])
    assert signed(client, writer, API).status_code == 403
    assert not OutcomeBatch.objects.exists()


def test_session_users_outside_the_bank_get_nothing_from_the_api(client, personas, loans):
    a, _b, _c = loans
    batch = apply(personas, _csv(f"{a.pk},拒绝,,,,,,R01,,,").encode())
    login(client, personas.alice)
    assert client.get(API).status_code == 404
    assert client.get(f"{API}/{batch.pk}").status_code == 404
    response = client.post(API, {"file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 404
    client.logout()
    login(client, personas.regulator, verify=True)
    assert client.get(API).status_code == 404
    assert client.get(f"{API}/{batch.pk}").status_code == 404
    assert OutcomeBatch.objects.count() == 1
