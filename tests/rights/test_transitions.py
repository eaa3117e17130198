"""The objection state machine: every allowed transition from every source state, the refused
ones, and who may act."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.rights.conftest import World, file_objection, redeliver
from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights.models import Objection, ObjectionEvent
from xinyidai.rights.services import TransitionNotAllowed, objection_transition
from xinyidai.rights.transitions import _TABLE, Side, allowed_actions
from xinyidai.sources.models import RECORD_MODELS

S = Objection.State
EXPLANATION = "经核对征管系统，原记录录入有误，已重新报送。"


def _actor(world: World, side: Side):
    return {
        Side.ENTERPRISE: (world.p.alice, world.p.enterprise_a.organization),
        Side.PROVIDER: (world.reviewer, world.tax),
        Side.OPERATOR: (world.operator, world.platform),
    }[side]


def _in_state(world: World, state: str) -> Objection:
    objection = file_objection(world)
    Objection.objects.filter(pk=objection.pk).update(state=state)
    objection.refresh_from_db()
    return objection


def _act(world: World, objection: Objection, action: str, side: Side, note: str = EXPLANATION):
    actor, organization = _actor(world, side)
    return objection_transition(
        objection=objection, action=action, actor=actor, organization=organization, note=note
    )


ALLOWED = [(t.action, t.side, source, t.target) for t in _TABLE for source in sorted(t.sources)]


def test_the_open_states_match_the_constraint():
    from xinyidai.rights.models.objections import _OPEN

    assert tuple(Objection.OPEN_STATES) == _OPEN


@pytest.mark.parametrize(("action", "side", "source", "target"), ALLOWED)
def test_it_applies_each_allowed_transition(world, action, side, source, target):
    objection = _in_state(world, source)
    if action == "correct":
        redeliver(world.tax, world.p.enterprise_a.uscc, "1500")
    result = _act(world, objection, action, side)
    actor, organization = _actor(world, side)
    assert result.state == target
    objection.refresh_from_db()
    assert objection.state == target
    event = objection.events.order_by("id").last()
    assert (event.action, event.from_state, event.to_state) == (action, source, target)
    assert (event.actor, event.organization) == (actor, organization)
    assert AuditEvent.objects.filter(
        action=f"objection.{action}", object_id=str(objection.pk), actor=actor
    ).exists()
    if target in Objection.OPEN_STATES:
        assert (objection.resolved_at, objection.resolved_by) == (None, None)
    else:
        assert objection.resolved_by == actor
        assert objection.resolved_at is not None


REFUSED = [
    (t.action, t.side, state) for t in _TABLE for state in S.values if state not in t.sources
]


@pytest.mark.parametrize(("action", "side", "state"), REFUSED)
def test_it_refuses_a_transition_from_a_state_outside_the_table(world, action, side, state):
    objection = _in_state(world, state)
    events = ObjectionEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as caught:
        _act(world, objection, action, side)
    assert caught.value.state == state
    assert f"异议当前状态为“{S(state).label}”" in str(caught.value)
    objection.refresh_from_db()
    assert objection.state == state
    assert ObjectionEvent.objects.count() == events


def test_the_message_names_the_state_and_the_action(world):
    objection = _in_state(world, S.UPHELD)
    with pytest.raises(TransitionNotAllowed) as caught:
        _act(world, objection, "withdraw", Side.ENTERPRISE)
    assert str(caught.value) == "异议当前状态为“维持原记录”，不能撤回异议。"


def test_allowed_actions_follow_the_table():
    assert [t.action for t in allowed_actions(S.SUBMITTED, Side.PROVIDER)] == ["review"]
    assert [t.action for t in allowed_actions(S.ESCALATED, Side.OPERATOR)] == ["correct", "uphold"]
    assert [t.action for t in allowed_actions(S.IN_REVIEW, Side.OPERATOR)] == ["escalate"]
    assert allowed_actions(S.ESCALATED, Side.ENTERPRISE) == []


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("bob", "withdraw"),  # enterprise B on A's objection
        ("other_reviewer", "review"),  # another provider on the tax bureau's record
        ("reviewer", "escalate"),  # only operators escalate
        ("alice", "escalate"),
        ("editor", "escalate"),  # a platform member without the operator role
        ("alice", "review"),  # the enterprise cannot decide for the provider
        ("operator", "withdraw"),  # nor the operator withdraw for the enterprise
        ("alice_for_b", "withdraw"),  # a member of A acting as enterprise B
        ("other_reviewer_for_tax", "review"),  # not a member of the bureau it acts for
    ],
)
def test_it_refuses_the_wrong_side_or_organization(world, who, action):
    objection = file_objection(world)
    people = {
        "bob": (world.p.bob, world.p.enterprise_b.organization),
        "other_reviewer": (world.other_reviewer, world.other_tax),
        "reviewer": (world.reviewer, world.tax),
        "alice": (world.p.alice, world.p.enterprise_a.organization),
        "editor": (world.editor, world.platform),
        "operator": (world.operator, world.platform),
        "alice_for_b": (world.p.alice, world.p.enterprise_b.organization),
        "other_reviewer_for_tax": (world.other_reviewer, world.tax),
    }
    actor, organization = people[who]
    with pytest.raises(PermissionDenied):
        objection_transition(
            objection=objection, action=action, actor=actor, organization=organization
        )
    objection.refresh_from_db()
    assert objection.state == S.SUBMITTED
    assert objection.events.count() == 1


def test_it_refuses_an_unknown_action(world):
    objection = file_objection(world)
    with pytest.raises(ValidationError):
        _act(world, objection, "delete", Side.PROVIDER)


@pytest.mark.parametrize("action", ["correct", "uphold"])
def test_a_decision_requires_an_explanation(world, action):
    objection = _in_state(world, S.IN_REVIEW)
    redeliver(world.tax, world.p.enterprise_a.uscc, "1500")
    with pytest.raises(ValidationError) as caught:
        _act(world, objection, action, Side.PROVIDER, note="  ")
    assert caught.value.message_dict == {"note": ["请填写处理说明，说明核查的依据和结果。"]}
    objection.refresh_from_db()
    assert (objection.state, objection.resolution) == (S.IN_REVIEW, "")


CORRECTION_MISSING = (
    "尚未收到该记录的更正数据。请先通过“数据报送”重新报送更正后的记录，入库后再确认更正。"
)


def test_correct_requires_a_redelivered_version(world):
    objection = _in_state(world, S.IN_REVIEW)
    with pytest.raises(ValidationError) as caught:
        _act(world, objection, "correct", Side.PROVIDER)
    assert caught.value.messages == [CORRECTION_MISSING]
    objection.refresh_from_db()
    assert (objection.state, objection.correcting_batch) == (S.IN_REVIEW, None)


def test_correct_refuses_a_version_from_another_provider(world):
    objection = _in_state(world, S.IN_REVIEW)
    redeliver(world.other_tax, world.p.enterprise_a.uscc, "1500")
    with pytest.raises(ValidationError) as caught:
        _act(world, objection, "correct", Side.PROVIDER)
    assert caught.value.messages == [CORRECTION_MISSING]


def test_correct_links_the_batch_that_delivered_the_corrected_row(world):
    TaxRecord = RECORD_MODELS["tax_monthly"]
    objection = _in_state(world, S.IN_REVIEW)
    correction = redeliver(world.tax, world.p.enterprise_a.uscc, "1500")
    assert correction.rows_corrected == 1
    result = _act(world, objection, "correct", Side.PROVIDER)
    assert (result.state, result.correcting_batch) == (S.CORRECTED, correction)
    assert result.resolution == EXPLANATION
    assert result.events.last().data == {"correcting_batch": correction.pk}
    versions = TaxRecord.objects.filter(uscc=world.p.enterprise_a.uscc).order_by("batch_id")
    assert [(str(r.vat_paid), r.is_current) for r in versions] == [
        ("1000.00", False),
        ("1500.00", True),
    ]


def test_a_decision_is_told_to_the_enterprises_members_only(world):
    objection = _in_state(world, S.IN_REVIEW)
    Notification.objects.all().delete()
    _act(world, objection, "uphold", Side.PROVIDER, note="经核对，原记录无误。")
    notified = Notification.objects.filter(kind="objection.uphold").order_by("recipient_id")
    assert {n.recipient for n in notified} == {world.p.alice, world.p.amy}
    assert notified.first().title == "您的异议已处理：维持原记录"
    assert "经核对，原记录无误。" in notified.first().body
    assert Notification.objects.exclude(kind="objection.uphold").count() == 0


def test_escalation_is_told_to_the_operators_and_the_provider(world):
    objection = file_objection(world)
    Notification.objects.all().delete()
    _act(world, objection, "escalate", Side.OPERATOR, note="临近期限未处理")
    recipients = set(
        Notification.objects.filter(kind="objection.escalate").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"operator", "reviewer"}


def test_the_enterprise_may_object_again_after_a_decision(world):
    first = _in_state(world, S.IN_REVIEW)
    _act(world, first, "uphold", Side.PROVIDER)
    second = file_objection(world, reason="对维持原记录的结论有异议，补充完税凭证。")
    assert second.previous == first
    assert second.state == S.SUBMITTED
    assert first.followed_by.get() == second


def test_a_withdrawn_objection_frees_the_record_but_is_not_linked(world):
    first = file_objection(world)
    _act(world, first, "withdraw", Side.ENTERPRISE, note="")
    second = file_objection(world)
    assert second.previous is None
