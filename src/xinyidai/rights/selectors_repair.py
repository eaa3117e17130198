"""Reads of credit repair: which penalties may be repaired, and the applications.

Eligibility is computed from the enterprise's current ``admin_penalty`` records, the
``RepairRule`` of each severity and the enterprise's applications: three queries for a whole
list (``eligible_penalties``), whatever its length. The ``*_for_*`` look-ups answer None to
outsiders (views turn that into 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import RECORD_MODELS, Source

from .models import RepairApplication, RepairEvidence, RepairRule

SOURCE_CODE = "admin_penalty"
A = RepairApplication.State
# States that keep a penalty from a new application: being handled, repaired, or restored after
# a breach of the repair commitment.
BLOCKING = (A.SUBMITTED, A.ACCEPTED, A.CONSULTING, A.APPROVED, A.RESTORED)


class PenaltyStatus(StrEnum):
    ELIGIBLE = "eligible"
    LATER = "later"  # the minimum publication period has not passed yet
    UNFULFILLED = "unfulfilled"  # the penalty is not yet recorded as fulfilled
    NOT_REPAIRABLE = "not_repairable"
    IN_PROGRESS = "in_progress"
    REPAIRED = "repaired"
    RESTORED = "restored"


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    met: bool
    reason: str = ""


@dataclass
class Eligibility:
    """Whether a penalty may be repaired now, condition by condition (reasons in Chinese)."""

    decision_number: str
    record: Any = None  # the admin_penalty record row
    rule: RepairRule | None = None
    conditions: list[Condition] = field(default_factory=list)
    eligible_from: dt.date | None = None
    status: PenaltyStatus = PenaltyStatus.NOT_REPAIRABLE
    application: RepairApplication | None = None  # the open, approved or restored one

    @property
    def eligible(self) -> bool:
        return bool(self.conditions) and all(c.met for c in self.conditions)

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.conditions if not c.met and c.reason]

    @property
    def reason(self) -> str:
        """The first reason it may not be repaired now ("" when it may)."""
        reasons = self.reasons
        return reasons[0] if reasons else ""

    @property
    def status_label(self) -> str:
        if self.status == PenaltyStatus.LATER and self.eligible_from:
            return _("%(date)s 起可申请") % {"date": self.eligible_from.isoformat()}
        return str(STATUS_LABELS[self.status])


STATUS_LABELS: dict[PenaltyStatus, Promise] = {
    PenaltyStatus.ELIGIBLE: gettext_lazy("可申请信用修复"),
    PenaltyStatus.LATER: gettext_lazy("公示期未满"),
    PenaltyStatus.UNFULFILLED: gettext_lazy("尚未履行处罚"),
    PenaltyStatus.NOT_REPAIRABLE: gettext_lazy("不可修复"),
    PenaltyStatus.IN_PROGRESS: gettext_lazy("修复申请办理中"),
    PenaltyStatus.REPAIRED: gettext_lazy("已修复"),
    PenaltyStatus.RESTORED: gettext_lazy("修复已撤销（违反承诺）"),
}


def penalty_source() -> Source:
    return Source.objects.get(code=SOURCE_CODE)


def today() -> dt.date:
    return timezone.localdate()


def rules_by_severity() -> dict[str, RepairRule]:
    return {rule.severity: rule for rule in RepairRule.objects.all()}


def eligible_from(rule: RepairRule, decided_on: dt.date) -> dt.date:
    """The first day repair may be asked: the decision date plus the minimum publication
    period in months."""
    return decided_on + relativedelta(months=rule.min_publication_months)


def penalty_records(enterprise: Enterprise) -> QuerySet[Any]:
    """The enterprise's current administrative penalty records, newest decision first."""
    model: Any = RECORD_MODELS[SOURCE_CODE]
    return (
        model._default_manager.filter(is_current=True, uscc=enterprise.uscc)
        .select_related("batch__provider")
        .order_by("-decided_on", "decision_number")
    )


def _blocking_applications(
    enterprise: Enterprise, numbers: list[str] | None = None
) -> dict[str, RepairApplication]:
    """The enterprise's applications that block a new one, by decision number (one query)."""
    queryset = RepairApplication.objects.filter(
        enterprise=enterprise, source_id=SOURCE_CODE, state__in=BLOCKING
    ).order_by("filed_at", "id")
    if numbers is not None:
        queryset = queryset.filter(record_key__decision_number__in=numbers)
    return {a.decision_number: a for a in queryset}


def _evaluate(
    number: str,
    record: Any,
    rule: RepairRule | None,
    application: RepairApplication | None,
    on: dt.date,
) -> Eligibility:
    result = Eligibility(decision_number=number, record=record, rule=rule)
    conditions = result.conditions
    if record is None:
        conditions.append(
            Condition(
                "record",
                _("贵企业的现行行政处罚记录"),
                False,
                _("未找到贵企业的这条现行行政处罚记录（决定书文号：%(number)s）。")
                % {"number": number},
            )
        )
        return result
    conditions.append(Condition("record", _("贵企业的现行行政处罚记录"), True))
    if rule is None or not rule.repairable:
        conditions.append(
            Condition(
                "repairable",
                _("该严重程度的处罚可申请修复"),
                False,
                _("按现行规则，%(severity)s行政处罚不可申请信用修复。")
                % {"severity": _severity_label(record.severity)},
            )
        )
        result.status = PenaltyStatus.NOT_REPAIRABLE
        return result
    conditions.append(Condition("repairable", _("该严重程度的处罚可申请修复"), True))
    start = eligible_from(rule, record.decided_on)
    result.eligible_from = start
    conditions.append(
        Condition(
            "publication",
            _("最短公示期 %(months)s 个月已满") % {"months": rule.min_publication_months},
            start <= on,
            ""
            if start <= on
            else _("最短公示期 %(months)s 个月未满，%(date)s 起可申请信用修复。")
            % {"months": rule.min_publication_months, "date": start.isoformat()},
        )
    )
    if rule.requires_fulfilment:
        fulfilled = record.fulfilled_on is not None
        conditions.append(
            Condition(
                "fulfilment",
                _("已履行行政处罚决定"),
                fulfilled,
                ""
                if fulfilled
                else _(
                    "处罚机关尚未报送该处罚的履行完毕日期；履行完毕并由处罚机关报送后方可申请。"
                ),
            )
        )
    free = application is None
    reason = ""
    if application is not None:
        reasons: dict[str, str] = {
            A.APPROVED: _("该处罚已修复。"),
            A.RESTORED: _("该处罚的信用修复因违反信用修复承诺已被撤销，不能再次申请。"),
        }
        reason = reasons.get(application.state, _("该处罚已有信用修复申请正在办理中。"))
    conditions.append(Condition("no_open", _("没有办理中或已生效的修复"), free, reason))
    result.application = application
    if application is not None:
        decided: dict[str, PenaltyStatus] = {
            A.APPROVED: PenaltyStatus.REPAIRED,
            A.RESTORED: PenaltyStatus.RESTORED,
        }
        result.status = decided.get(application.state, PenaltyStatus.IN_PROGRESS)
    elif start > on:
        result.status = PenaltyStatus.LATER
    elif not all(c.met for c in conditions):
        result.status = PenaltyStatus.UNFULFILLED
    else:
        result.status = PenaltyStatus.ELIGIBLE
    return result


def _severity_label(severity: str) -> str:
    from .models.repair import Severity

    return str(dict(Severity.choices).get(severity, severity))


def repair_eligibility(
    enterprise: Enterprise, decision_number: str, *, on: dt.date | None = None
) -> Eligibility:
    """Whether the enterprise may apply to repair this penalty now, with each condition met or
    not and, for each unmet one, the reason in Chinese."""
    number = (decision_number or "").strip()
    record = penalty_records(enterprise).filter(decision_number=number).first() if number else None
    rule = rules_by_severity().get(record.severity) if record is not None else None
    application = _blocking_applications(enterprise, [number]).get(number) if record else None
    return _evaluate(number, record, rule, application, on or today())


def eligible_penalties(enterprise: Enterprise, *, on: dt.date | None = None) -> list[Eligibility]:
    """Every current penalty of the enterprise with its repair status (three queries)."""
    on = on or today()
    rules = rules_by_severity()
    blocking = _blocking_applications(enterprise)
    return [
        _evaluate(r.decision_number, r, rules.get(r.severity), blocking.get(r.decision_number), on)
        for r in penalty_records(enterprise)
    ]


# --------------------------------------------------------------------------- applications


def _applications() -> QuerySet[RepairApplication]:
    return RepairApplication.objects.select_related("enterprise", "source", "batch__provider")


def _detailed(queryset: QuerySet[RepairApplication]) -> QuerySet[RepairApplication]:
    return queryset.select_related("filed_by", "decided_by", "commitment").prefetch_related(
        "evidence", "events__actor", "events__organization"
    )


def repairs_of_enterprise(enterprise: Enterprise) -> QuerySet[RepairApplication]:
    """The enterprise's applications, newest first."""
    return _applications().filter(enterprise=enterprise).order_by("-filed_at", "-id")


def repairs_for_operator() -> QuerySet[RepairApplication]:
    """Every application, open ones first by due date, then the decided ones newest first."""
    open_first = Case(
        When(state__in=RepairApplication.OPEN_STATES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return _applications().order_by(open_first, "due_on", "-filed_at", "-id")


def repair_for_enterprise(enterprise: Enterprise, pk: int) -> RepairApplication | None:
    return _detailed(repairs_of_enterprise(enterprise)).filter(pk=pk).first()


def repair_for_operator(pk: int) -> RepairApplication | None:
    return _detailed(_applications()).filter(pk=pk).first()


def evidence_of(application: RepairApplication, pk: int) -> RepairEvidence | None:
    return RepairEvidence.objects.filter(application=application, pk=pk).first()


def repair_rules() -> QuerySet[RepairRule]:
    return RepairRule.objects.select_related("updated_by").order_by("id")


def repairs_in_effect(enterprise: Enterprise) -> list[RepairApplication]:
    """The enterprise's approved repairs (its penalties no longer counted), newest first: the
    decision shown on its profile page."""
    return list(
        RepairApplication.objects.filter(
            enterprise=enterprise, state=RepairApplication.State.APPROVED
        ).order_by("-repaired_on", "-pk")
    )
