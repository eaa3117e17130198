"""Commitments: signing, the text and digest, due dates, the transitions, the daily job and
``breaches_for``. Today is 2026-02-13."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.rights.conftest import World
from tests.rights.fixtures_commitments import (  # noqa: F401 (fixture)
    CWorld,
    cw_fixture,
    sign,
    template,
)
from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights import selectors_commitments as selectors
from xinyidai.rights.models import Commitment, CommitmentEvent, RepairApplication
from xinyidai.rights.services_commitments import (
    TransitionNotAllowed,
    commitment_breach,
    commitment_fulfil,
    commitment_withdraw,
    commitments_daily,
)
from xinyidai.rights.signing import commitment_digest

pytestmark = pytest.mark.django_db
S = Commitment.State
D = dt.date


def breach(world: CWorld, commitment: Commitment, **overrides: object) -> Commitment:
    values: dict[str, object] = {
        "user": world.operator,
        "commitment": commitment,
        "breached_on": D(2026, 2, 13),
        "authority": "肇庆市市场监督管理局",
        "document_number": "肇市监罚〔2026〕12号",
        "note": "未按承诺补齐材料即开展经营活动。",
    }
    values.update(overrides)
    return commitment_breach(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- signing


def test_it_signs_for_the_owner_with_the_text_digest_and_due_date(cw: CWorld) -> None:
    commitment = sign(cw)
    a = cw.p.enterprise_a
    assert commitment.state == S.IN_FORCE
    assert commitment.kind == "approval_substitute"
    assert commitment.due_on == D(2026, 8, 13)  # 6 months from signing
    assert commitment.text.startswith(
        f"本企业{a.name}（统一社会信用代码：{a.uscc}）就“食品经营许可”郑重承诺："
    )
    assert "三、在2026年8月13日前补齐全部材料并接受核查" in commitment.text
    assert commitment.digest == commitment_digest(
        commitment.text, a.uscc, "张丽", commitment.signed_at
    )
    assert commitment.is_public is True
    assert list(commitment.events.values_list("action", "to_state")) == [("sign", S.IN_FORCE)]
    assert AuditEvent.objects.filter(action="rights.commitment_signed").count() == 1
    assert set(
        Notification.objects.filter(kind="commitment.sign").values_list(
            "recipient__username", flat=True
        )
    ) == {"alice", "amy"}


def test_it_takes_due_dates_from_the_template(cw: CWorld) -> None:
    assert sign(cw, "certification").due_on == D(2026, 5, 13)
    assert sign(cw, "repair").due_on == D(2027, 2, 13)
    standing = sign(cw, "public")
    assert standing.due_on is None
    assert "向社会郑重承诺" in standing.text
    assert sign(cw, "repair").is_public is False


@pytest.mark.parametrize("who", ["amy", "bob", "operator", "officer"])
def test_it_refuses_signing_to_anyone_but_the_owner(cw: CWorld, who: str) -> None:
    user = getattr(cw.p, who, None) or getattr(cw, who)
    with pytest.raises(PermissionDenied, match="只有企业负责人可以在线签署信用承诺。"):
        sign(cw, user=user)
    assert Commitment.objects.count() == 0
    assert CommitmentEvent.objects.count() == 0


def test_it_refuses_a_blank_subject_and_writes_nothing(cw: CWorld) -> None:
    with pytest.raises(ValidationError) as caught:
        sign(cw, subject="   ")
    assert caught.value.message_dict == {"subject": ["请填写承诺事项。"]}
    assert Commitment.objects.count() == 0
    assert Notification.objects.count() == 0


# --------------------------------------------------------------------------- fulfil


def test_the_operator_confirms_fulfilment(cw: CWorld) -> None:
    commitment = sign(cw)
    done = commitment_fulfil(user=cw.operator, commitment=commitment, note="材料已补齐。")
    assert done.state == S.FULFILLED
    assert done.fulfilled_at is not None
    assert done.closed_by == cw.operator
    event = done.events.get(action="fulfil")
    assert (event.from_state, event.to_state, event.note) == (
        S.IN_FORCE,
        S.FULFILLED,
        "材料已补齐。",
    )
    assert AuditEvent.objects.filter(action="rights.commitment_fulfil").count() == 1
    assert Notification.objects.filter(kind="commitment.fulfil", recipient=cw.p.alice).exists()


@pytest.mark.parametrize("who", ["alice", "amy", "editor", "centre_reviewer"])
def test_only_an_operator_confirms_fulfilment(cw: CWorld, who: str) -> None:
    commitment = sign(cw)
    user = getattr(cw.p, who, None) or getattr(cw, who)
    with pytest.raises(PermissionDenied):
        commitment_fulfil(user=user, commitment=commitment, note="")
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


def test_a_standing_commitment_is_not_fulfilled(cw: CWorld) -> None:
    commitment = sign(cw, "public")
    with pytest.raises(ValidationError, match="没有履约期限"):
        commitment_fulfil(user=cw.operator, commitment=commitment)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


def test_a_closed_commitment_cannot_be_fulfilled_breached_or_withdrawn(cw: CWorld) -> None:
    fulfilled = commitment_fulfil(user=cw.operator, commitment=sign(cw))
    with pytest.raises(TransitionNotAllowed, match="该承诺当前状态为“已履约”，不能确认履约。"):
        commitment_fulfil(user=cw.operator, commitment=fulfilled)
    with pytest.raises(TransitionNotAllowed, match="不能记录违约"):
        breach(cw, fulfilled)
    withdrawn = commitment_withdraw(user=cw.p.alice, commitment=sign(cw, "public"))
    with pytest.raises(TransitionNotAllowed, match="该承诺当前状态为“已撤销”，不能撤销承诺。"):
        commitment_withdraw(user=cw.p.alice, commitment=withdrawn)
    with pytest.raises(TransitionNotAllowed):
        breach(cw, withdrawn)
    breached = breach(cw, sign(cw, "certification"))
    with pytest.raises(TransitionNotAllowed):
        commitment_fulfil(user=cw.operator, commitment=breached)
    assert CommitmentEvent.objects.filter(action="fulfil").count() == 1


# --------------------------------------------------------------------------- breach


def test_the_operator_records_a_breach(cw: CWorld) -> None:
    commitment = breach(cw, sign(cw))
    assert commitment.state == S.BREACHED
    assert commitment.breached_on == D(2026, 2, 13)
    assert commitment.breach_authority == "肇庆市市场监督管理局"
    assert commitment.breach_document_number == "肇市监罚〔2026〕12号"
    event = commitment.events.get(action="breach")
    assert event.organization == cw.platform
    assert event.data["breached_on"] == "2026-02-13"
    assert AuditEvent.objects.filter(action="rights.commitment_breach").count() == 1
    recipients = Notification.objects.filter(kind="commitment.breach").values_list(
        "recipient__username", flat=True
    )
    assert sorted(recipients) == ["alice", "amy"]


def test_the_credit_centre_reviewer_records_a_breach(cw: CWorld) -> None:
    commitment = breach(cw, sign(cw), user=cw.centre_reviewer)
    assert commitment.state == S.BREACHED
    assert commitment.events.get(action="breach").organization == cw.centre


@pytest.mark.parametrize(
    "who", ["alice", "amy", "editor", "centre_uploader", "tax_reviewer", "officer"]
)
def test_others_may_not_record_a_breach(cw: CWorld, who: str) -> None:
    commitment = sign(cw)
    user = getattr(cw.p, who, None) or getattr(cw, who)
    with pytest.raises(PermissionDenied):
        breach(cw, commitment, user=user)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE
    assert not CommitmentEvent.objects.filter(action="breach").exists()


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"breached_on": D(2026, 2, 14)}, {"breached_on": ["违约日期不能晚于今天。"]}),
        (
            {"breached_on": D(2026, 2, 12)},
            None,  # the day before signing: filled in below from the signing date
        ),
        ({"breached_on": None}, {"breached_on": ["请填写违约日期。"]}),
        (
            {"authority": " ", "note": ""},
            {"authority": ["请填写认定违约的部门。"], "note": ["请填写违约情形。"]},
        ),
    ],
)
def test_a_breach_needs_a_valid_date_authority_and_note(
    cw: CWorld, overrides: dict[str, object], errors: dict[str, list[str]] | None
) -> None:
    commitment = sign(cw)
    if errors is None:  # signed today (2026-02-13): the 12th is before signing
        errors = {"breached_on": ["违约日期不能早于承诺签署日期（2026年2月13日）。"]}
    with pytest.raises(ValidationError) as caught:
        breach(cw, commitment, **overrides)
    assert caught.value.message_dict == errors
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE
    assert commitment.breached_on is None
    assert not Notification.objects.filter(kind="commitment.breach").exists()


def test_a_breach_today_is_accepted(cw: CWorld) -> None:
    commitment = breach(cw, sign(cw), breached_on=D(2026, 2, 13), document_number="")
    assert commitment.breached_on == D(2026, 2, 13)
    assert commitment.breach_document_number == ""


def test_breaches_for_lists_each_enterprise_breaches_in_one_query(
    cw: CWorld, django_assert_num_queries
) -> None:
    breach(cw, sign(cw, "certification", subject="住所证明"), breached_on=D(2026, 2, 13))
    sign(cw)  # in force: not a breach
    b = cw.p.enterprise_b
    breach(cw, sign(cw, enterprise=b, user=cw.p.bob, subject="卫生许可"), note="虚假承诺。")
    with django_assert_num_queries(1):
        found = selectors.breaches_for([cw.p.enterprise_a.uscc, b.uscc, "91440000000000000X"])
    assert found == {
        cw.p.enterprise_a.uscc: [
            {
                "date": "2026-02-13",
                "kind": "certification",
                "title": "证明事项告知承诺书",
                "subject": "住所证明",
                "authority": "肇庆市市场监督管理局",
                "document_number": "肇市监罚〔2026〕12号",
                "note": "未按承诺补齐材料即开展经营活动。",
            }
        ],
        b.uscc: [
            {
                "date": "2026-02-13",
                "kind": "approval_substitute",
                "title": "行政审批告知承诺书（审批替代型）",
                "subject": "卫生许可",
                "authority": "肇庆市市场监督管理局",
                "document_number": "肇市监罚〔2026〕12号",
                "note": "虚假承诺。",
            }
        ],
    }


def test_breaking_a_repair_commitment_restores_the_repaired_record(
    cw: CWorld, world: World
) -> None:
    commitment = sign(cw, "repair", subject="肇市监罚〔2025〕1号")
    application = RepairApplication.objects.create(
        enterprise=cw.p.enterprise_a,
        source=world.source,
        record_key={"decision_number": "肇市监罚〔2025〕1号"},
        batch=world.batch_a,
        severity="minor",
        decided_on=D(2025, 6, 1),
        authority="肇庆市市场监督管理局",
        statement="已履行处罚。",
        commitment=commitment,
        filed_by=cw.p.alice,
        filed_at=commitment.signed_at,
        due_on=D(2026, 3, 1),
        state=RepairApplication.State.APPROVED,
        repaired_on=D(2026, 2, 13),
        watch_until=D(2027, 2, 13),
    )
    breach(cw, commitment, note="再次发生同类违法行为。")
    application.refresh_from_db()
    assert application.state == RepairApplication.State.RESTORED
    assert "再次发生同类违法行为。" in application.restored_reason


# --------------------------------------------------------------------------- withdraw


def test_the_owner_withdraws_a_standing_commitment(cw: CWorld) -> None:
    commitment = commitment_withdraw(user=cw.p.alice, commitment=sign(cw, "public"))
    assert commitment.state == S.WITHDRAWN
    assert list(commitment.events.values_list("action", flat=True)) == ["sign", "withdraw"]
    assert Commitment.objects.filter(pk=commitment.pk).exists()  # stays in history


@pytest.mark.parametrize("who", ["amy", "bob", "operator"])
def test_only_the_owner_withdraws(cw: CWorld, who: str) -> None:
    commitment = sign(cw, "public")
    user = getattr(cw.p, who, None) or getattr(cw, who)
    with pytest.raises(PermissionDenied):
        commitment_withdraw(user=user, commitment=commitment)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


def test_a_commitment_with_a_due_date_cannot_be_withdrawn(cw: CWorld) -> None:
    commitment = sign(cw)
    with pytest.raises(ValidationError, match="有履约期限的承诺不能撤销"):
        commitment_withdraw(user=cw.p.alice, commitment=commitment)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


def test_a_commitment_used_by_a_repair_application_cannot_be_withdrawn(
    cw: CWorld, world: World
) -> None:
    commitment = sign(cw, "public")
    # A repair application naming it, written as a row: only the link matters here.
    RepairApplication.objects.create(
        enterprise=cw.p.enterprise_a,
        source=world.source,
        record_key={"decision_number": "肇市监罚〔2025〕1号"},
        batch=world.batch_a,
        severity="minor",
        decided_on=D(2025, 6, 1),
        authority="肇庆市市场监督管理局",
        statement="已履行处罚。",
        commitment=commitment,
        filed_by=cw.p.alice,
        filed_at=commitment.signed_at,
        due_on=D(2026, 3, 1),
    )
    with pytest.raises(ValidationError, match="该承诺已用于信用修复申请，不能撤销。"):
        commitment_withdraw(user=cw.p.alice, commitment=commitment)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE
    assert not commitment.events.filter(action="withdraw").exists()


# --------------------------------------------------------------------------- daily


def _reminders(commitment: Commitment) -> list[str]:
    return sorted(commitment.events.filter(action="remind").values_list("data__key", flat=True))


def test_the_owner_is_reminded_30_and_7_days_before_once_each(cw: CWorld) -> None:
    commitment = sign(cw, "certification")  # due 2026-05-13
    assert commitments_daily(today=D(2026, 4, 12)) == {"reminded": 0, "overdue": 0}
    assert commitments_daily(today=D(2026, 4, 13)) == {"reminded": 1, "overdue": 0}
    assert commitments_daily(today=D(2026, 4, 13)) == {"reminded": 0, "overdue": 0}
    assert commitments_daily(today=D(2026, 4, 30)) == {"reminded": 0, "overdue": 0}
    assert _reminders(commitment) == ["before_30"]
    assert commitments_daily(today=D(2026, 5, 6)) == {"reminded": 1, "overdue": 0}
    assert commitments_daily(today=D(2026, 5, 7)) == {"reminded": 0, "overdue": 0}
    assert _reminders(commitment) == ["before_30", "before_7"]
    reminded = Notification.objects.filter(kind="commitment.remind")
    assert list(reminded.values_list("recipient__username", flat=True)) == ["alice", "alice"]


def test_a_missed_day_sends_only_the_nearest_reminder(cw: CWorld) -> None:
    commitment = sign(cw, "certification")
    assert commitments_daily(today=D(2026, 5, 10)) == {"reminded": 1, "overdue": 0}
    assert _reminders(commitment) == ["before_30", "before_7"]
    assert commitments_daily(today=D(2026, 5, 11)) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(kind="commitment.remind").count() == 1


def test_closed_commitments_are_not_reminded(cw: CWorld) -> None:
    commitment_fulfil(user=cw.operator, commitment=sign(cw, "certification"))
    assert commitments_daily(today=D(2026, 5, 10)) == {"reminded": 0, "overdue": 0}
    assert commitments_daily(today=D(2026, 6, 1)) == {"reminded": 0, "overdue": 0}


def test_commitments_past_due_are_reported_to_the_operators_once(cw: CWorld) -> None:
    late = sign(cw, "certification")  # due 2026-05-13
    sign(cw)  # due 2026-08-13
    sign(cw, "public")  # no due date
    assert commitments_daily(today=D(2026, 5, 13))["overdue"] == 0
    assert commitments_daily(today=D(2026, 5, 14))["overdue"] == 1
    assert commitments_daily(today=D(2026, 5, 15))["overdue"] == 0
    late.refresh_from_db()
    assert late.overdue_notified is True
    assert late.state == S.IN_FORCE  # the report decides nothing
    notes = Notification.objects.filter(kind="commitment.overdue")
    assert list(notes.values_list("recipient__username", flat=True)) == ["operator"]
    assert "食品经营许可" in notes.get().body
