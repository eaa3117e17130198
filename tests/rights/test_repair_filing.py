"""Filing a repair application: all checks first, the commitment signed, nothing written on
bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.rights.conftest import PNG, stored_files, upload
from tests.rights.fixtures_repair import (  # noqa: F401 (fixture)
    B_MINOR,
    MAJOR,
    MINOR,
    SERIOUS,
    Penalties,
    file_repair,
    pdf,
    penalties_fixture,
)
from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights.models import (
    Commitment,
    RepairApplication,
    RepairEvent,
    RepairEvidence,
)


def _counts() -> tuple[int, ...]:
    return (
        RepairApplication.objects.count(),
        RepairEvidence.objects.count(),
        RepairEvent.objects.count(),
        Commitment.objects.count(),
        AuditEvent.objects.filter(action__startswith="repair.").count(),
        Notification.objects.filter(kind__startswith="repair.").count(),
        len(stored_files("repairs")),
    )


def test_it_files_an_application_and_signs_the_commitment(penalties: Penalties):
    w = penalties.world
    application = file_repair(penalties)
    assert application.state == "submitted"
    assert (application.severity, str(application.decided_on), str(application.fulfilled_on)) == (
        "minor",
        "2025-10-01",
        "2025-10-20",
    )
    assert application.authority == "肇庆市市场监督管理局"
    assert application.batch == penalties.batch
    # Filed Friday 2026-02-13, the last working day before the Spring Festival holiday:
    # ten working days (China's calendar with its make-up days) end on Thursday 2026-03-05.
    assert str(application.due_on) == "2026-03-05"
    commitment = application.commitment
    assert commitment is not None
    assert commitment.template.code == "repair"
    assert commitment.subject == f"行政处罚决定书 {MINOR} 信用修复"
    assert commitment.signer_name == "张丽"
    assert commitment.signed_by == w.p.alice
    assert "申请信用修复" in commitment.text
    assert w.p.enterprise_a.name in commitment.text
    assert application.conditions["rule"]["min_publication_months"] == 3
    assert application.conditions["evidence"] == {"fulfilment": 1}
    assert application.evidence.get().kind == "fulfilment"
    assert list(application.events.values_list("action", flat=True)) == ["file"]
    assert AuditEvent.objects.filter(action="repair.file", object_id=str(application.pk)).exists()
    told = Notification.objects.get(kind="repair.file")
    assert told.recipient == w.operator
    assert told.url == f"/credit/repair/queue/{application.pk}/"


def test_it_refuses_an_ineligible_penalty_with_its_reason_and_changes_nothing(
    penalties: Penalties,
):
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        file_repair(penalties, number=MAJOR)
    assert refused.value.message_dict == {
        "decision_number": ["最短公示期 6 个月未满，2026-03-01 起可申请信用修复。"]
    }
    with pytest.raises(ValidationError) as other:
        file_repair(penalties, number=B_MINOR)
    assert other.value.message_dict["decision_number"] == [
        f"未找到贵企业的这条现行行政处罚记录（决定书文号：{B_MINOR}）。"
    ]
    assert _counts() == before


def test_it_refuses_a_second_open_application(penalties: Penalties):
    file_repair(penalties)
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        file_repair(penalties)
    assert refused.value.message_dict == {"decision_number": ["该处罚已有信用修复申请正在办理中。"]}
    assert _counts() == before


def test_it_refuses_evidence_of_a_forbidden_type(penalties: Penalties):
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        file_repair(
            penalties,
            evidence={"fulfilment": [upload(b"MZ\x90\x00" * 10, "缴款凭证.pdf")]},
        )
    assert refused.value.message_dict == {
        "evidence_fulfilment": ["文件“缴款凭证.pdf”不是允许的文件类型（仅限 PDF、JPG、PNG）。"]
    }
    assert _counts() == before


def test_it_refuses_evidence_too_large(penalties: Penalties, settings):
    settings.OBJECTION_EVIDENCE_MAX_BYTES = 1024 * 1024
    before = _counts()
    big = upload(b"%PDF-1.7\n" + b"0" * (1024 * 1024), "大文件.pdf")
    with pytest.raises(ValidationError) as refused:
        file_repair(penalties, evidence={"fulfilment": [pdf()], "other": [big]})
    assert refused.value.message_dict == {
        "evidence_other": ["文件“大文件.pdf”超过 1 MB 的大小上限。"]
    }
    assert _counts() == before


def test_it_requires_the_evidence_training_and_commitment_of_the_rule(penalties: Penalties):
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        file_repair(penalties, number=SERIOUS, evidence={}, sign=False, signer_name="")
    assert refused.value.message_dict == {
        "training_completed_on": ["请填写信用修复培训的完成日期。"],
        "evidence_fulfilment": ["请上传“履行处罚的证明”。"],
        "evidence_training": ["请上传“信用修复培训证明”。"],
        "evidence_credit_report": ["请上传“信用报告”。"],
        "sign_commitment": ["该处罚的信用修复须签署信用修复承诺，请阅读并勾选。"],
        "signer_name": ["请填写签署人姓名。"],
    }
    assert _counts() == before


def test_it_files_a_serious_penalty_with_everything_the_rule_asks(penalties: Penalties):
    application = file_repair(
        penalties,
        number=SERIOUS,
        training_completed_on=dt.date(2026, 1, 20),
        evidence={
            "fulfilment": [pdf()],
            "training": [upload(PNG, "培训证书.png")],
            "credit_report": [pdf("信用报告.pdf")],
        },
    )
    assert str(application.training_completed_on) == "2026-01-20"
    assert sorted(application.evidence.values_list("kind", flat=True)) == [
        "credit_report",
        "fulfilment",
        "training",
    ]
    assert application.conditions["rule"]["requires_credit_report"] is True


def test_enterprise_staff_cannot_sign_the_commitment(penalties: Penalties):
    before = _counts()
    with pytest.raises(PermissionDenied):
        file_repair(penalties, user=penalties.world.p.amy)
    assert _counts() == before


def test_an_outsider_cannot_file_for_the_enterprise(penalties: Penalties):
    before = _counts()
    with pytest.raises(PermissionDenied):
        file_repair(penalties, user=penalties.world.p.bob)
    assert _counts() == before


def test_stored_files_are_deleted_when_the_transaction_fails(penalties: Penalties, monkeypatch):
    from xinyidai.rights import services_repair

    def boom(**kwargs):
        raise RuntimeError("notification backend down")

    monkeypatch.setattr(services_repair, "notify", boom)
    before = _counts()
    with pytest.raises(RuntimeError):
        file_repair(penalties)
    assert _counts() == before
