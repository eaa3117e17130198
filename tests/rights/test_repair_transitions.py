"""The repair state machine, decisions, restoration on a breached commitment, the daily job."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.rights.fixtures_repair import (  # noqa: F401 (fixture)
    MAJOR,
    MINOR,
    Penalties,
    file_repair,
    penalties_fixture,
)
from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights.models import Commitment, RepairApplication
from xinyidai.rights.services_repair import (
    TransitionNotAllowed,
    repair_transition,
    repairs_daily,
    repairs_restore_for_commitment,
)
from xinyidai.rights.transitions_repair import ACTIONS, SYSTEM_ACTIONS, TRANSITIONS, Side

S = RepairApplication.State


def act(penalties: Penalties, application: RepairApplication, action: str, **kwargs):
    w = penalties.world
    enterprise_side = action == "withdraw"
    return repair_transition(
        application=application,
        action=action,
        actor=w.p.alice if enterprise_side else w.operator,
        organization=w.p.enterprise_a.organization if enterprise_side else w.platform,
        **kwargs,
    )


def in_state(penalties: Penalties, state: str) -> RepairApplication:
    """An application brought to ``state`` through the services."""
    application = file_repair(penalties)
    steps = {
        S.SUBMITTED: [],
        S.ACCEPTED: [("accept", {})],
        S.CONSULTING: [("accept", {}), ("consult", {})],
        S.APPROVED: [("accept", {}), ("approve", {"note": "已纠正，符合条件。"})],
        S.REJECTED: [("accept", {}), ("reject", {"note": "材料不实。"})],
        S.WITHDRAWN: [("withdraw", {})],
        S.RESTORED: [("accept", {}), ("approve", {"note": "已纠正。"})],
    }[state]
    for action, kwargs in steps:
        application = act(penalties, application, action, **kwargs)
    if state == S.RESTORED:
        assert application.commitment is not None
        repairs_restore_for_commitment(application.commitment, note="再次违规", actor=None)
        application.refresh_from_db()
    assert application.state == state
    return application


def _kwargs(action: str) -> dict[str, object]:
    if action in ("approve", "reject"):
        return {"note": "理由"}
    if action == "opinion":
        return {"note": "同意", "department_agrees": True}
    return {}


ALLOWED = [
    (t.action, state)
    for t in TRANSITIONS.values()
    if t.action not in SYSTEM_ACTIONS
    for state in sorted(t.sources)
]


@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_each_allowed_transition_applies(penalties: Penalties, action: str, state: str):
    application = in_state(penalties, state)
    if action == "approve" and state == S.CONSULTING:
        application = act(
            penalties, application, "opinion", note="同意修复", department_agrees=True
        )
    done = act(penalties, application, action, **_kwargs(action))
    assert (
        done.state
        == TRANSITIONS[(action, Side.ENTERPRISE if action == "withdraw" else Side.OPERATOR)].target
    )
    event = done.events.last()
    assert (event.action, event.from_state, event.to_state) == (action, state, done.state)
    assert AuditEvent.objects.filter(action=f"repair.{action}", object_id=str(done.pk)).exists()


FORBIDDEN = [
    (action, state)
    for action in ACTIONS
    if action not in SYSTEM_ACTIONS
    for state in S.values
    if (action, state) not in ALLOWED
]


@pytest.mark.parametrize(("action", "state"), FORBIDDEN)
def test_each_forbidden_transition_is_refused(penalties: Penalties, action: str, state: str):
    application = in_state(penalties, state)
    events = application.events.count()
    with pytest.raises(TransitionNotAllowed) as refused:
        act(penalties, application, action, **_kwargs(action))
    assert refused.value.state == state
    application.refresh_from_db()
    assert application.state == state
    assert application.events.count() == events


def test_restore_is_not_a_page_action(penalties: Penalties):
    application = in_state(penalties, S.APPROVED)
    with pytest.raises(ValidationError):
        act(penalties, application, "restore")


def test_the_enterprise_cannot_decide_and_others_cannot_act(penalties: Penalties):
    w = penalties.world
    application = in_state(penalties, S.ACCEPTED)
    with pytest.raises(PermissionDenied):
        repair_transition(
            application=application,
            action="approve",
            actor=w.p.alice,
            organization=w.p.enterprise_a.organization,
            note="x",
        )
    with pytest.raises(PermissionDenied):  # another enterprise
        repair_transition(
            application=application,
            action="withdraw",
            actor=w.p.bob,
            organization=w.p.enterprise_b.organization,
        )
    with pytest.raises(PermissionDenied):  # the platform's content editor
        repair_transition(
            application=application,
            action="approve",
            actor=w.editor,
            organization=w.platform,
            note="x",
        )
    application.refresh_from_db()
    assert application.state == S.ACCEPTED


def test_consulting_defaults_to_the_issuing_authority(penalties: Penalties):
    application = in_state(penalties, S.CONSULTING)
    assert application.department_name == "肇庆市市场监督管理局"
    told = Notification.objects.filter(kind="repair.consult", recipient=penalties.world.p.alice)
    assert told.get().body == f"行政处罚决定书：{MINOR}；征求意见部门：肇庆市市场监督管理局。"


def test_approving_after_consulting_needs_the_departments_agreement(penalties: Penalties):
    application = in_state(penalties, S.CONSULTING)
    with pytest.raises(ValidationError) as refused:
        act(penalties, application, "approve", note="符合条件")
    assert refused.value.messages == ["已征求肇庆市市场监督管理局的意见，请先录入其意见再作决定。"]
    with pytest.raises(ValidationError) as missing:
        act(penalties, application, "opinion", note="")
    assert missing.value.message_dict == {
        "department_agrees": ["请选择处罚机关是否同意修复。"],
        "note": ["请填写处罚机关的意见。"],
    }
    application = act(penalties, application, "opinion", note="不同意", department_agrees=False)
    assert application.state == S.CONSULTING
    with pytest.raises(ValidationError) as disagrees:
        act(penalties, application, "approve", note="符合条件")
    assert disagrees.value.messages == ["肇庆市市场监督管理局不同意修复，不能准予修复。"]
    application = act(
        penalties, application, "opinion", note="已整改到位，同意", department_agrees=True
    )
    application = act(penalties, application, "approve", note="符合条件")
    assert application.state == S.APPROVED


def test_decisions_need_reasons_and_are_told_to_the_enterprise(penalties: Penalties):
    application = in_state(penalties, S.ACCEPTED)
    with pytest.raises(ValidationError) as refused:
        act(penalties, application, "reject", note=" ")
    assert refused.value.message_dict == {"note": ["请填写不予修复的理由。"]}
    application = act(penalties, application, "reject", note="缴款凭证与处罚决定不符。")
    assert application.decided_by == penalties.operator
    told = Notification.objects.get(kind="repair.reject", recipient=penalties.world.p.alice)
    assert told.title == "信用修复申请结果：不予修复"
    assert "缴款凭证与处罚决定不符。" in told.body


def test_approval_sets_the_repair_and_watch_dates(penalties: Penalties):
    application = in_state(penalties, S.APPROVED)
    assert str(application.repaired_on) == "2026-02-13"
    assert str(application.watch_until) == "2027-02-13"  # minor: 12 months
    assert application.decision_note == "已纠正，符合条件。"
    told = Notification.objects.get(kind="repair.approve", recipient=penalties.world.p.amy)
    assert "观察期至 2027-02-13" in told.body


def _breach(commitment: Commitment, on: dt.date) -> None:
    Commitment.objects.filter(pk=commitment.pk).update(state="breached", breached_on=on)
    commitment.refresh_from_db()


def test_a_breach_within_the_watch_period_restores_the_record(penalties: Penalties):
    application = in_state(penalties, S.APPROVED)
    assert application.commitment is not None
    _breach(application.commitment, dt.date(2026, 6, 1))
    restored = repairs_restore_for_commitment(
        application.commitment, note="再次未按规定公示年报", actor=penalties.operator
    )
    assert [a.pk for a in restored] == [application.pk]
    application.refresh_from_db()
    assert application.state == S.RESTORED
    assert application.restored_reason == "再次未按规定公示年报"
    assert application.restored_at is not None
    assert application.events.last().action == "restore"
    assert AuditEvent.objects.filter(action="repair.restore").count() == 1
    assert Notification.objects.filter(
        kind="repair.restore", recipient=penalties.world.p.alice
    ).exists()
    assert Notification.objects.filter(kind="repair.restore", recipient=penalties.operator).exists()


def test_a_breach_after_the_watch_period_restores_nothing(penalties: Penalties):
    application = in_state(penalties, S.APPROVED)
    assert application.commitment is not None
    _breach(application.commitment, dt.date(2027, 2, 14))
    assert repairs_restore_for_commitment(application.commitment, note="x", actor=None) == []
    application.refresh_from_db()
    assert application.state == S.APPROVED


def test_daily_tells_enterprises_once_of_penalties_now_eligible(penalties: Penalties):
    w = penalties.world
    counts = repairs_daily()
    # A: the minor and the serious penalty; B: its minor one. Not the major (from 03-01), not
    # the unfulfilled one.
    assert counts["eligible_notified"] == 3
    notices = Notification.objects.filter(kind="repair.eligible_notice")
    assert notices.filter(recipient=w.p.alice).count() == 2
    assert notices.filter(recipient=w.p.bob).count() == 1
    assert notices.first().title == "您的行政处罚记录已可申请信用修复"
    assert repairs_daily()["eligible_notified"] == 0
    with time_machine.travel("2026-03-01 09:00:00+08:00"):
        assert repairs_daily()["eligible_notified"] == 1  # the major one
    assert notices.filter(body__contains=MAJOR, recipient=w.p.alice).count() == 1


def test_daily_does_not_tell_about_a_penalty_already_applied_for(penalties: Penalties):
    file_repair(penalties)
    assert repairs_daily()["eligible_notified"] == 2


def test_daily_reminds_operators_of_applications_due_soon(penalties: Penalties):
    application = file_repair(penalties)  # due 2026-03-05
    assert repairs_daily(today=dt.date(2026, 3, 2))["reminded"] == 0
    assert repairs_daily(today=dt.date(2026, 3, 3))["reminded"] == 1
    assert repairs_daily(today=dt.date(2026, 3, 4))["reminded"] == 0  # once
    told = Notification.objects.get(kind="repair.remind")
    assert told.recipient == penalties.operator
    assert told.url == f"/credit/repair/queue/{application.pk}/"
