"""The list-exit state machine (移出名单申请): the one table of allowed transitions.

The enterprise files and may withdraw while the application is open; the platform operator
starts the review and decides (准予移出 / 不予移出) with reasons. ``services_lists.
list_exit_transition`` is the only code that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ListExit

S = ListExit.State


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
    Transition(
        "withdraw",
        frozenset({S.SUBMITTED, S.IN_REVIEW}),
        S.WITHDRAWN,
        Side.ENTERPRISE,
        _("撤回申请"),
    ),
    Transition("review", frozenset({S.SUBMITTED}), S.IN_REVIEW, Side.OPERATOR, _("开始审核")),
    Transition("approve", frozenset({S.IN_REVIEW}), S.APPROVED, Side.OPERATOR, _("准予移出")),
    Transition("reject", frozenset({S.IN_REVIEW}), S.REJECTED, Side.OPERATOR, _("不予移出")),
]

TRANSITIONS: dict[tuple[str, Side], Transition] = {(t.action, t.side): t for t in _TABLE}
ACTIONS: dict[str, Promise] = {t.action: t.label for t in _TABLE}
# Decisions close the application and need written reasons.
DECISIONS = frozenset({"approve", "reject"})


def allowed_actions(state: str, side: Side) -> list[Transition]:
    """The actions this side may take on an application in ``state``, in table order."""
    return [t for t in _TABLE if t.side == side and state in t.sources]
