"""Filing an objection: own current records only, one open objection per record, evidence
checked by content, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.rights.conftest import PDF, PNG, file_objection, stored_files, upload
from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights import services
from xinyidai.rights.models import Objection, ObjectionEvent, ObjectionEvidence
from xinyidai.rights.services import RecordNotFound

TEN_MB = 10 * 1024 * 1024


def _counts() -> tuple[int, int, int]:
    return (
        Objection.objects.count(),
        ObjectionEvidence.objects.count(),
        ObjectionEvent.objects.count(),
    )


def test_it_files_an_objection_to_the_enterprises_own_record(world):
    objection = file_objection(world)
    assert objection.state == Objection.State.SUBMITTED
    assert objection.record_key == {"uscc": world.p.enterprise_a.uscc, "period": "2026-01-01"}
    assert (objection.batch, objection.provider) == (world.batch_a, world.tax)
    assert objection.filed_by == world.p.alice
    assert objection.previous is None
    event = objection.events.get()
    assert (event.action, event.from_state, event.to_state) == ("file", "", "submitted")
    assert (event.actor, event.organization) == (world.p.alice, world.p.enterprise_a.organization)
    assert AuditEvent.objects.filter(action="objection.file", object_id=str(objection.pk)).exists()


def test_it_sets_the_deadline_twenty_working_days_ahead_across_the_spring_festival(world):
    # Filed Friday 2026-02-13. Working days: Sat 02-14 (调休, 1); 02-15..02-23 off; 02-24..02-27
    # (2-5); Sat 02-28 (调休, 6); 03-02..03-06 (7-11); 03-09..03-13 (12-16); 03-16..03-19 (17-20).
    assert file_objection(world).due_on == dt.date(2026, 3, 19)


def test_it_tells_the_providers_reviewers_only(world):
    objection = file_objection(world)
    notified = Notification.objects.filter(kind="objection.file")
    assert [n.recipient for n in notified] == [world.reviewer]
    assert notified.get().organization == world.tax
    assert "2026-03-19" in notified.get().body
    assert objection.provider == world.tax


def test_it_refuses_another_enterprises_record_as_not_found(world):
    with pytest.raises(RecordNotFound) as caught:
        file_objection(world, key=world.key_b)
    assert caught.value.message == "未找到贵企业在该数据源中的这条现行记录，无法提出异议。"
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "key",
    [
        {"uscc": "91441202000000999X", "period": "2026-01-01"},  # no such record
        {"uscc": "X", "period": "2026-13-01"},  # not a date
        {"uscc": "X"},  # incomplete key
        {"uscc": "X", "period": "2026-01-01", "extra": "1"},
    ],
)
def test_it_refuses_a_record_that_does_not_exist(world, key):
    if key.get("uscc") == "X":
        key = {**key, "uscc": world.p.enterprise_a.uscc}
    with pytest.raises(RecordNotFound):
        file_objection(world, key=key)
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_user_who_is_not_a_member_of_the_enterprise(world):
    with pytest.raises(PermissionDenied):
        file_objection(world, user=world.p.bob)
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_record_already_under_objection_and_writes_nothing(world):
    file_objection(world)
    before, files_before = _counts(), stored_files()
    with pytest.raises(ValidationError) as caught:
        file_objection(world, user=world.p.amy, files=[upload(PDF, "证明.pdf")])
    assert caught.value.messages == ["该记录已有异议正在处理中。"]
    assert _counts() == before
    assert stored_files() == files_before


def test_it_stores_valid_evidence_with_its_sha256(world):
    objection = file_objection(world, files=[upload(PDF, "完税证明.pdf"), upload(PNG, "回单.PNG")])
    pdf, png = objection.evidence.order_by("id")
    assert (pdf.original_name, pdf.content_type, pdf.size) == (
        "完税证明.pdf",
        "application/pdf",
        len(PDF),
    )
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (png.original_name, png.content_type) == ("回单.PNG", "image/png")
    assert png.sha256 == hashlib.sha256(PNG).hexdigest()
    assert pdf.file.name.startswith(f"objections/{objection.pk}/")
    assert pdf.file.name.endswith(".pdf")
    assert "完税证明" not in pdf.file.name
    with pdf.file.open("rb") as handle:
        assert handle.read() == PDF
    assert objection.events.get().data["evidence"] == [pdf.sha256, png.sha256]


def test_it_refuses_a_program_renamed_pdf_and_writes_nothing(world):
    files_before = stored_files()
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
    with pytest.raises(ValidationError) as caught:
        file_objection(world, files=[upload(PDF, "ok.pdf"), upload(exe, "scan.pdf")])
    assert caught.value.message_dict == {
        "evidence_files": ["文件“scan.pdf”不是允许的文件类型（仅限 PDF、JPG、PNG）。"]
    }
    assert _counts() == (0, 0, 0)
    assert stored_files() == files_before


def test_it_refuses_a_forbidden_extension_even_with_pdf_content(world):
    with pytest.raises(ValidationError) as caught:
        file_objection(world, files=[upload(PDF, "说明.docx")])
    assert caught.value.message_dict["evidence_files"] == [
        "文件“说明.docx”不是允许的文件类型（仅限 PDF、JPG、PNG）。"
    ]
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_file_over_ten_megabytes_and_writes_nothing(world):
    files_before = stored_files()
    big = PDF + b"0" * (TEN_MB + 1 - len(PDF))
    just_fits = PDF + b"0" * (TEN_MB - len(PDF))
    with pytest.raises(ValidationError) as caught:
        file_objection(world, files=[upload(just_fits, "a.pdf"), upload(big, "扫描件.pdf")])
    assert caught.value.message_dict == {
        "evidence_files": ["文件“扫描件.pdf”超过 10 MB 的大小上限。"]
    }
    assert _counts() == (0, 0, 0)
    assert stored_files() == files_before


def test_it_requires_a_reason_of_at_most_1000_characters(world):
    with pytest.raises(ValidationError) as caught:
        file_objection(world, reason="  ")
    assert caught.value.message_dict == {"reason": ["请填写异议理由。"]}
    with pytest.raises(ValidationError) as caught:
        file_objection(world, reason="错" * 1001)
    assert caught.value.message_dict == {"reason": ["异议理由不能超过 1000 字（现为 1001 字）。"]}
    assert file_objection(world, reason="错" * 1000).reason == "错" * 1000


def test_a_failure_after_the_files_were_stored_leaves_no_row_and_no_file(world, monkeypatch):
    files_before = stored_files()

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        file_objection(world, files=[upload(PDF, "证明.pdf")])
    assert _counts() == (0, 0, 0)
    assert stored_files() == files_before
