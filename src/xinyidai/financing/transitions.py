"""The application state machine: the one table of allowed transitions.

Each action names the states it may start from, the state it leads to, and which side may
take it. ``services.application_transition`` is the only code that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Application

S = Application.State


class Side(StrEnum):
    ENTERPRISE = "enterprise"
    BANK = "bank"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the state stays (handing over to another branch)
    side: Side
    label: Promise


_TABLE = [
    Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, Side.ENTERPRISE, _("提交申请")),
    Transition(
        "withdraw",
        frozenset({S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW}),
        S.WITHDRAWN,
        Side.ENTERPRISE,
        _("撤回申请"),
    ),
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, Side.BANK, _("受理")),
    Transition("review", frozenset({S.ACCEPTED}), S.UNDER_REVIEW, Side.BANK, _("开始审查")),
    Transition(
        "hand_over",
        frozenset({S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW}),
        None,
        Side.BANK,
        _("转交其他网点"),
    ),
    Transition("approve", frozenset({S.UNDER_REVIEW}), S.APPROVED, Side.BANK, _("批准")),
    Transition(
        "reject",
        frozenset({S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW}),
        S.REJECTED,
        Side.BANK,
        _("拒绝"),
    ),
    Transition("disburse", frozenset({S.APPROVED}), S.DISBURSED, Side.BANK, _("登记放款")),
    Transition("repay", frozenset({S.DISBURSED}), S.REPAYING, Side.BANK, _("登记开始还款")),
    Transition(
        "overdue",
        frozenset({S.DISBURSED, S.REPAYING}),
        S.OVERDUE,
        Side.BANK,
        _("登记逾期"),
    ),
    Transition("cure", frozenset({S.OVERDUE}), S.REPAYING, Side.BANK, _("登记逾期已还清")),
    Transition(
        "settle",
        frozenset({S.DISBURSED, S.REPAYING, S.OVERDUE}),
        S.SETTLED,
        Side.BANK,
        _("登记结清"),
    ),
    Transition("default", frozenset({S.OVERDUE}), S.DEFAULTED, Side.BANK, _("登记违约")),
]

TRANSITIONS: dict[str, Transition] = {t.action: t for t in _TABLE}


def allowed_actions(state: str, side: Side) -> list[Transition]:
    """The actions this side may take on an application in ``state``, in table order."""
    return [t for t in _TABLE if t.side == side and state in t.sources]
