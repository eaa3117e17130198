"""The application state machine, through the one service that applies it."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from tests.conftest import Personas
from xinyidai.core.models import AuditEvent
from xinyidai.financing import services
from xinyidai.financing.models import Application, ApplicationEvent, FinancingNeed
from xinyidai.financing.services import TransitionNotAllowed
from xinyidai.financing.transitions import TRANSITIONS, Side
from xinyidai.notifications.models import Notification

from .conftest import MONDAY, act, approve_data

S = Application.State

# The data each action needs (the bank's outcome reports need a date; approve/disburse terms).
DATA = {
    "approve": approve_data(),
    "reject": {"reason": "R04", "text": "经营流水不足"},
    "disburse": {**approve_data(), "disbursed_on": dt.date(2026, 3, 2)},
    "repay": {"on": dt.date(2026, 3, 2)},
    "overdue": {"on": dt.date(2026, 3, 2), "amount": Decimal("10000")},
    "cure": {"on": dt.date(2026, 3, 2)},
    "settle": {"on": dt.date(2026, 3, 2)},
    "default": {"on": dt.date(2026, 3, 2)},
}

# A path from "submitted" to every state.
PATHS = {
    S.SUBMITTED: [],
    S.ACCEPTED: ["accept"],
    S.UNDER_REVIEW: ["accept", "review"],
    S.APPROVED: ["accept", "review", "approve"],
    S.REJECTED: ["accept", "review", "reject"],
    S.WITHDRAWN: ["withdraw"],
    S.DISBURSED: ["accept", "review", "approve", "disburse"],
    S.REPAYING: ["accept", "review", "approve", "disburse", "repay"],
    S.OVERDUE: ["accept", "review", "approve", "disburse", "repay", "overdue"],
    S.SETTLED: ["accept", "review", "approve", "disburse", "repay", "settle"],
    S.DEFAULTED: ["accept", "review", "approve", "disburse", "repay", "overdue", "default"],
}


def _actor(personas: Personas, action: str):
    if TRANSITIONS[action].side == Side.ENTERPRISE:
        return personas.alice, personas.enterprise_a.organization
    return personas.officer, personas.bank


def _walk(personas: Personas, application: Application, actions: list[str]) -> Application:
    for action in actions:
        user, org = _actor(personas, action)
        application = act(application, action, user, org, **DATA.get(action, {}))
    return application


@pytest.fixture
def on_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize(
    ("state", "action"),
    [
        (state, t.action)
        for t in TRANSITIONS.values()
        for state in sorted(t.sources)
        if state != S.DRAFT
    ],
)
def test_it_applies_every_allowed_transition(personas, submitted, state, action):
    application = _walk(personas, submitted, PATHS[state])
    assert application.state == state
    user, org = _actor(personas, action)
    data = dict(DATA.get(action, {}))
    if action == "hand_over":
        from xinyidai.accounts.services import branch_create

        data["branch"] = branch_create(
            bank=application.bank, name="一行高要支行", code="0201", region_code="441204"
        )
    result = act(application, action, user, org, note="按规定办理", **data)
    expected = TRANSITIONS[action].target or state
    assert result.state == expected
    event = ApplicationEvent.objects.filter(application=result).last()
    assert (event.action, event.from_state, event.to_state) == (action, state, expected)
    assert event.actor == user
    assert event.organization == org
    assert event.note == "按规定办理"
    assert AuditEvent.objects.filter(
        action=f"application.{action}", object_id=str(result.pk)
    ).exists()


FORBIDDEN = [
    (S.SUBMITTED, "approve"),
    (S.SUBMITTED, "disburse"),
    (S.SUBMITTED, "review"),
    (S.ACCEPTED, "accept"),
    (S.APPROVED, "withdraw"),
    (S.APPROVED, "reject"),
    (S.REJECTED, "accept"),
    (S.WITHDRAWN, "accept"),
    (S.DISBURSED, "approve"),
    (S.SETTLED, "overdue"),
    (S.DEFAULTED, "settle"),
    (S.REPAYING, "default"),
]


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_it_refuses_a_forbidden_transition_and_changes_nothing(personas, submitted, state, action):
    application = _walk(personas, submitted, PATHS[state])
    events = ApplicationEvent.objects.filter(application=application).count()
    user, org = _actor(personas, action)
    with pytest.raises(TransitionNotAllowed) as caught:
        act(application, action, user, org, **DATA.get(action, {}))
    assert caught.value.state == state
    assert str(Application.State(state).label) in str(caught.value)
    application.refresh_from_db()
    assert application.state == state
    assert ApplicationEvent.objects.filter(application=application).count() == events


def test_every_state_is_reachable():
    reachable = {S.DRAFT}
    for _ in range(len(S)):
        for t in TRANSITIONS.values():
            if reachable & t.sources and t.target:
                reachable.add(t.target)
    assert reachable == set(S.values)


@pytest.mark.usefixtures("on_monday")
def test_the_wrong_side_cannot_act(personas, submitted):
    with pytest.raises(ValidationError, match="无权"):
        act(submitted, "accept", personas.alice, personas.enterprise_a.organization)
    with pytest.raises(ValidationError, match="无权"):
        act(submitted, "withdraw", personas.officer, personas.bank)
    with pytest.raises(ValidationError, match="无权"):
        act(submitted, "accept", personas.other_officer, personas.other_bank)
    with pytest.raises(ValidationError, match="无权"):
        act(submitted, "withdraw", personas.bob, personas.enterprise_b.organization)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


@pytest.mark.usefixtures("on_monday")
def test_submission_sets_promised_dates_in_working_days(personas, submitted):
    # Monday 2026-03-02: accept within 1 working day, decide within 3.
    assert submitted.accept_due_on == dt.date(2026, 3, 3)
    assert submitted.decision_due_on == dt.date(2026, 3, 5)
    with time_machine.travel(dt.datetime(2026, 3, 4, 9, 0, tzinfo=MONDAY.tzinfo), tick=False):
        accepted = act(submitted, "accept", personas.officer, personas.bank)
    assert accepted.accept_working_days == 2
    assert accepted.accept_late is True
    assert accepted.officer == personas.officer


@pytest.mark.usefixtures("on_monday")
def test_decisions_record_terms_and_notify_the_enterprise(
    personas, submitted, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = _walk(personas, submitted, ["accept", "review", "approve"])
    assert application.approved_amount == Decimal("500000")
    assert application.approved_rate == Decimal("3.850")
    assert application.decision_working_days == 0
    assert application.decision_late is False
    titles = list(
        Notification.objects.filter(recipient=personas.alice).values_list("title", flat=True)
    )
    assert "您的贷款申请已获批准" in titles
    assert Notification.objects.filter(recipient=personas.amy, kind="application.approve").exists()
    assert not Notification.objects.filter(recipient=personas.bob).exists()
    approved = [m for m in mail.outbox if m.subject == "[信易贷] 您的贷款申请已获批准"]
    assert sorted(m.to[0] for m in approved) == [personas.alice.email, personas.amy.email]
    assert "批准金额 50万元，年利率 3.85%，期限 12 个月。" in approved[0].body


@pytest.mark.usefixtures("on_monday")
def test_disbursement_flags_first_and_credit_loans(personas, submitted, product):
    loan = _walk(personas, submitted, ["accept", "review", "approve", "disburse"])
    assert loan.is_first_loan is True
    assert loan.is_credit_loan is True
    assert loan.maturity_on == dt.date(2027, 3, 2)
    second = services.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=Decimal("200000"),
        term_months=12,
        guarantee="guarantee",
        purpose="equipment",
    )
    data = {
        **approve_data(amount=Decimal("200000"), guarantee="guarantee"),
        "disbursed_on": dt.date(2026, 3, 2),
    }
    second = _walk(personas, second, ["accept", "review"])
    second = act(
        second,
        "approve",
        personas.officer,
        personas.bank,
        **approve_data(amount=Decimal("200000"), guarantee="guarantee"),
    )
    second = act(second, "disburse", personas.officer, personas.bank, **data)
    assert second.is_first_loan is False
    assert second.is_credit_loan is False


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (approve_data(rate=Decimal("6.5")), "rate", "年利率须在产品范围 3.45%–6.00% 内"),
        (approve_data(amount=Decimal("5000000")), "amount", "金额须在产品范围 10万元–300万元 内"),
        (approve_data(amount=Decimal("-1")), "amount", "金额必须大于 0。"),
        (approve_data(term_months=0), "term_months", "期限必须至少 1 个月。"),
        (
            approve_data(guarantee="mortgage"),
            "guarantee",
            "担保方式须为该产品接受的方式：信用、保证",
        ),
    ],
)
def test_bad_approval_terms_are_refused_with_the_field(personas, submitted, data, field, message):
    application = _walk(personas, submitted, ["accept", "review"])
    with pytest.raises(ValidationError) as caught:
        act(application, "approve", personas.officer, personas.bank, **data)
    assert caught.value.message_dict[field] == [message]
    application.refresh_from_db()
    assert application.state == S.UNDER_REVIEW
    assert application.approved_amount is None


@pytest.mark.usefixtures("on_monday")
def test_reject_needs_a_reason_from_the_list(personas, submitted):
    with pytest.raises(ValidationError) as caught:
        act(submitted, "reject", personas.officer, personas.bank, reason="X1")
    assert caught.value.message_dict["reason"] == ["请选择拒绝原因。"]
    with pytest.raises(ValidationError) as caught:
        act(submitted, "reject", personas.officer, personas.bank, reason="R99", text=" ")
    assert caught.value.message_dict["text"] == ["选择“其他原因”时请写明原因。"]
    rejected = act(submitted, "reject", personas.officer, personas.bank, reason="R03", text="")
    assert rejected.state == S.REJECTED
    assert rejected.get_reject_reason_display() == "信用记录不良"


@pytest.mark.usefixtures("on_monday")
def test_hand_over_moves_the_application_to_a_branch_of_the_same_bank(personas, submitted):
    from xinyidai.accounts.models import Bank, Branch
    from xinyidai.accounts.services import branch_create

    own = branch_create(
        bank=Bank.objects.get(organization=personas.bank),
        name="一行四会支行",
        code="0102",
        region_code="441284",
    )
    foreign = Branch.objects.filter(bank__organization=personas.other_bank).first()
    with pytest.raises(ValidationError) as caught:
        act(submitted, "hand_over", personas.officer, personas.bank, branch=foreign)
    assert caught.value.message_dict["branch"] == ["只能转交给本行的其他网点。"]
    moved = act(submitted, "hand_over", personas.officer, personas.bank, branch=own)
    assert moved.branch == own
    assert moved.state == S.SUBMITTED
    assert moved.events.last().data == {
        "from_branch": "测试银行一（总行）",
        "to_branch": "一行四会支行",
    }


@pytest.mark.usefixtures("on_monday")
def test_applying_from_a_need_puts_it_in_talks_and_a_withdrawal_puts_it_back(
    personas, need, product
):
    application = services.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=need.amount,
        term_months=need.term_months,
        guarantee="credit",
        purpose=need.purpose,
        need=need,
    )
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.IN_TALKS
    act(application, "withdraw", personas.alice, personas.enterprise_a.organization)
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.PUBLISHED


def test_states_and_actions_cover_the_issue():
    assert set(S.values) == {
        "draft",
        "submitted",
        "accepted",
        "under_review",
        "approved",
        "rejected",
        "withdrawn",
        "disbursed",
        "repaying",
        "settled",
        "overdue",
        "defaulted",
    }
    assert {a for t in TRANSITIONS.values() for a in [t.action]} >= {
        "submit",
        "withdraw",
        "accept",
        "review",
        "approve",
        "reject",
        "hand_over",
        "disburse",
        "repay",
        "overdue",
        "settle",
        "default",
    }
    assert list(
        itertools.chain.from_iterable(
            t.sources for t in TRANSITIONS.values() if t.action == "withdraw"
        )
    )
