"""The credit-repair state machine: the one table of allowed transitions.

Each row names an action, the states it may start from, the state it leads to and the side that
may take it. ``opinion`` records the issuing department's opinion and keeps the application in
征求处罚机关意见. ``restore`` is taken only by ``services_repair.repairs_restore_for_commitment``
when the repair commitment is breached within the watch period; ``repair_transition`` refuses
it. ``services_repair.repair_transition`` is the only code that applies the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import RepairApplication

S = RepairApplication.State
OPEN = frozenset({S.SUBMITTED, S.ACCEPTED, S.CONSULTING})


class Side(StrEnum):
    ENTERPRISE = "enterprise"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    side: Side
    label: Promise


_TABLE = [
    Transition("withdraw", OPEN, S.WITHDRAWN, Side.ENTERPRISE, _("撤回申请")),
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, Side.OPERATOR, _("受理")),
    Transition(
        "consult", frozenset({S.ACCEPTED}), S.CONSULTING, Side.OPERATOR, _("征求处罚机关意见")
    ),
    Transition(
        "opinion", frozenset({S.CONSULTING}), S.CONSULTING, Side.OPERATOR, _("录入处罚机关意见")
    ),
    Transition(
        "approve",
        frozenset({S.ACCEPTED, S.CONSULTING}),
        S.APPROVED,
        Side.OPERATOR,
        _("准予修复"),
    ),
    Transition(
        "reject",
        frozenset({S.ACCEPTED, S.CONSULTING}),
        S.REJECTED,
        Side.OPERATOR,
        _("不予修复"),
    ),
    Transition("restore", frozenset({S.APPROVED}), S.RESTORED, Side.OPERATOR, _("恢复原记录效力")),
]

TRANSITIONS: dict[tuple[str, Side], Transition] = {(t.action, t.side): t for t in _TABLE}
ACTIONS: dict[str, Promise] = {t.action: t.label for t in _TABLE}
# Actions that close the application with a decision (reasons are required).
DECISIONS = frozenset({"approve", "reject"})
# Actions only the system takes (through their own service), never from a page.
SYSTEM_ACTIONS = frozenset({"restore"})


def allowed_actions(state: str, side: Side) -> list[Transition]:
    """The actions this side may take on an application in ``state``, in table order."""
    return [
        t
        for t in _TABLE
        if t.side == side and state in t.sources and t.action not in SYSTEM_ACTIONS
    ]
