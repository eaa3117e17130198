"""The objection state machine: the one table of allowed transitions.

Each row names an action, the states it may start from, the state it leads to, and the side
that may take it from there. One action may appear once per side: the provider decides from
核查中 or 平台督办, the operator only once it has escalated the objection.
``services.objection_transition`` is the only code that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Objection

S = Objection.State


class Side(StrEnum):
    ENTERPRISE = "enterprise"
    PROVIDER = "provider"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    side: Side
    label: Promise


_TABLE = [
    Transition(
        "withdraw",
        frozenset({S.SUBMITTED, S.IN_REVIEW}),
        S.WITHDRAWN,
        Side.ENTERPRISE,
        _("撤回异议"),
    ),
    Transition("review", frozenset({S.SUBMITTED}), S.IN_REVIEW, Side.PROVIDER, _("开始核查")),
    Transition(
        "correct",
        frozenset({S.IN_REVIEW, S.ESCALATED}),
        S.CORRECTED,
        Side.PROVIDER,
        _("确认更正"),
    ),
    Transition(
        "uphold",
        frozenset({S.IN_REVIEW, S.ESCALATED}),
        S.UPHELD,
        Side.PROVIDER,
        _("维持原记录"),
    ),
    Transition(
        "escalate",
        frozenset({S.SUBMITTED, S.IN_REVIEW}),
        S.ESCALATED,
        Side.OPERATOR,
        _("平台督办"),
    ),
    Transition("correct", frozenset({S.ESCALATED}), S.CORRECTED, Side.OPERATOR, _("确认更正")),
    Transition("uphold", frozenset({S.ESCALATED}), S.UPHELD, Side.OPERATOR, _("维持原记录")),
]

TRANSITIONS: dict[tuple[str, Side], Transition] = {(t.action, t.side): t for t in _TABLE}
ACTIONS: dict[str, Promise] = {t.action: t.label for t in _TABLE}
# Actions that close the objection with a decision on the record (an explanation is required).
DECISIONS = frozenset({"correct", "uphold"})


def allowed_actions(state: str, side: Side) -> list[Transition]:
    """The actions this side may take on an objection in ``state``, in table order."""
    return [t for t in _TABLE if t.side == side and state in t.sources]
