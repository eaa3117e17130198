"""Writes of credit repair (信用修复): filing, the state machine, restoration, the daily job.

Every write is one transaction that validates first, then writes its event and audit rows and
its notifications (e-mails leave after commit). Bad input or an ineligible penalty raises
``ValidationError`` with Chinese messages keyed by field and changes nothing; a transition not
allowed from the current state raises ``TransitionNotAllowed`` (HTTP 409). An approved repair
and a restoration rebuild the enterprise's profile (``rights.effects.profile_refresh``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.core.models import AuditEvent, audit
from xinyidai.core.workdays import add_working_days
from xinyidai.notifications.services import members_of, notify
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import RECORD_MODELS

from . import selectors_repair as selectors
from .evidence import (
    CheckedFile,
    evidence_check,
    evidence_store,
    stored_files_removed_on_failure,
)
from .models import (
    Commitment,
    CommitmentTemplate,
    RepairApplication,
    RepairEvent,
    RepairEvidence,
    RepairRule,
)
from .models.repair import STATEMENT_MAX_LENGTH
from .people import is_member, operators
from .signing import commitment_sign
from .transitions_repair import ACTIONS, DECISIONS, SYSTEM_ACTIONS, TRANSITIONS, Side, Transition

A = RepairApplication.State
Kind = RepairEvidence.Kind
TEMPLATE_CODE = "repair"
ENTERPRISE_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF)
SIDE_ROLES: dict[Side, tuple[str, ...]] = {
    Side.ENTERPRISE: ENTERPRISE_ROLES,
    Side.OPERATOR: (Role.PLATFORM_OPERATOR,),
}
SIDE_KINDS: dict[Side, str] = {
    Side.ENTERPRISE: Organization.Kind.ENTERPRISE,
    Side.OPERATOR: Organization.Kind.PLATFORM,
}
ELIGIBLE_NOTICE = "repair.eligible_notice"
REMIND = "repair.remind"
REMIND_WORKING_DAYS = 2


class TransitionNotAllowed(Exception):
    """The action is not allowed from the application's current state (HTTP 409)."""

    def __init__(self, application: RepairApplication, action: str) -> None:
        self.application = application
        self.action = action
        self.state = application.state
        super().__init__(
            _("修复申请当前状态为“%(state)s”，不能%(action)s。")
            % {"state": application.get_state_display(), "action": ACTIONS.get(action, action)}
        )


def already_open_message() -> str:
    return _("该处罚已有信用修复申请正在办理中。")


def commitment_subject(decision_number: str) -> str:
    return _("行政处罚决定书 %(number)s 信用修复") % {"number": decision_number}


def repair_template() -> CommitmentTemplate | None:
    """The latest active version of the repair commitment template."""
    return (
        CommitmentTemplate.objects.filter(code=TEMPLATE_CODE, is_active=True)
        .order_by("-version")
        .first()
    )


def required_evidence(rule: RepairRule) -> list[str]:
    """The evidence kinds the rule requires, in the order the form shows them."""
    kinds = []
    if rule.requires_fulfilment:
        kinds.append(Kind.FULFILMENT.value)
    if rule.requires_training:
        kinds.append(Kind.TRAINING.value)
    if rule.requires_credit_report:
        kinds.append(Kind.CREDIT_REPORT.value)
    return kinds


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _detail_url(application: RepairApplication, *, operator: bool) -> str:
    name = "rights:repair_review" if operator else "rights:repair_detail"
    return reverse(name, args=[application.pk])


def _describe(application: RepairApplication) -> dict[str, str]:
    return {
        "enterprise": application.enterprise.name,
        "number": application.decision_number,
        "authority": application.authority,
        "due": application.due_on.isoformat(),
    }


def _profile_refresh(usccs: list[str], actor: User | None) -> None:
    from . import effects  # the lead's module: applies repairs to the profile build

    effects.profile_refresh(usccs, actor=actor)


def _rule_snapshot(rule: RepairRule) -> dict[str, Any]:
    return {
        "severity": rule.severity,
        "repairable": rule.repairable,
        "min_publication_months": rule.min_publication_months,
        "requires_fulfilment": rule.requires_fulfilment,
        "requires_commitment": rule.requires_commitment,
        "requires_training": rule.requires_training,
        "requires_credit_report": rule.requires_credit_report,
        "watch_months": rule.watch_months,
    }


# --------------------------------------------------------------------------- filing


def repair_file(
    *,
    user: User,
    enterprise: Enterprise,
    decision_number: str,
    statement: str,
    training_completed_on: dt.date | None = None,
    evidence: Mapping[str, Iterable[File[Any]]] | None = None,
    sign_commitment: bool = False,
    signer_name: str = "",
) -> RepairApplication:
    """Apply to repair one of the enterprise's penalties, all or nothing.

    Every check runs first: an ineligible penalty, a missing or bad evidence file, a missing
    training date or an unsigned commitment is a ``ValidationError`` and nothing is written or
    stored. If the rule requires the repair commitment, the owner signs it here (only the owner
    may file then)."""
    if not is_member(user, enterprise.organization, ENTERPRISE_ROLES):
        raise PermissionDenied(_("无权以该企业名义申请信用修复。"))
    eligibility = selectors.repair_eligibility(enterprise, decision_number)
    if not eligibility.eligible:
        raise ValidationError({"decision_number": eligibility.reasons})
    rule, record = eligibility.rule, eligibility.record
    assert rule is not None  # noqa: S101 (eligible)
    assert record is not None  # noqa: S101
    template: CommitmentTemplate | None = None
    if rule.requires_commitment and not is_member(
        user, enterprise.organization, [Role.ENTERPRISE_OWNER]
    ):
        raise PermissionDenied(
            _("该处罚的信用修复须签署信用修复承诺，只有企业负责人可以签署承诺并提交申请。")
        )
    errors: dict[str, list[str]] = {}
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = [_("请填写修复申请说明，说明纠正失信行为、消除不良影响的情况。")]
    elif len(statement) > STATEMENT_MAX_LENGTH:
        errors["statement"] = [
            _("修复申请说明不能超过 %(max)s 字（现为 %(length)s 字）。")
            % {"max": STATEMENT_MAX_LENGTH, "length": len(statement)}
        ]
    if rule.requires_training:
        if training_completed_on is None:
            errors["training_completed_on"] = [_("请填写信用修复培训的完成日期。")]
        elif training_completed_on > _today():
            errors["training_completed_on"] = [_("培训完成日期不能晚于今天。")]
        elif training_completed_on < record.decided_on:
            errors["training_completed_on"] = [_("培训完成日期不能早于处罚决定日期。")]
    else:
        training_completed_on = None
    checked: dict[str, list[CheckedFile]] = {}
    given = {kind: list(files) for kind, files in (evidence or {}).items() if kind in Kind.values}
    for kind in Kind.values:
        files = given.get(kind, [])
        field = f"evidence_{kind}"
        if not files:
            if kind in required_evidence(rule):
                errors[field] = [
                    _("请上传“%(kind)s”。") % {"kind": Kind(kind).label},
                ]
            continue
        try:
            checked[kind] = evidence_check(files)
        except ValidationError as error:
            errors[field] = [m for messages in error.message_dict.values() for m in messages]
    signer_name = (signer_name or "").strip()
    if rule.requires_commitment:
        template = repair_template()
        if template is None:
            errors["sign_commitment"] = [_("信用修复承诺书模板暂不可用，请联系平台运营方。")]
        elif not sign_commitment:
            errors["sign_commitment"] = [_("该处罚的信用修复须签署信用修复承诺，请阅读并勾选。")]
        if not signer_name:
            errors["signer_name"] = [_("请填写签署人姓名。")]
        elif len(signer_name) > 100:
            errors["signer_name"] = [_("签署人姓名不能超过 100 个字。")]
    if errors:
        raise ValidationError(errors)
    with stored_files_removed_on_failure() as stored:
        return _repair_create(
            user=user,
            enterprise=enterprise,
            eligibility=eligibility,
            statement=statement,
            training_completed_on=training_completed_on,
            evidence=checked,
            template=template,
            signer_name=signer_name,
            stored=stored,
        )


@transaction.atomic(durable=True)
def _repair_create(
    *,
    user: User,
    enterprise: Enterprise,
    eligibility: selectors.Eligibility,
    statement: str,
    training_completed_on: dt.date | None,
    evidence: dict[str, list[CheckedFile]],
    template: CommitmentTemplate | None,
    signer_name: str,
    stored: list[str],
) -> RepairApplication:
    rule, record = eligibility.rule, eligibility.record
    assert rule is not None  # noqa: S101
    assert record is not None  # noqa: S101
    number = eligibility.decision_number
    key = {"decision_number": number}
    blocking = RepairApplication.objects.filter(
        source_id=selectors.SOURCE_CODE, record_key=key, state__in=selectors.BLOCKING
    )
    if blocking.exists():
        raise ValidationError({"decision_number": [already_open_message()]})
    commitment: Commitment | None = None
    if template is not None:
        commitment = commitment_sign(
            user=user,
            enterprise=enterprise,
            template=template,
            subject=commitment_subject(number),
            signer_name=signer_name,
        )
    now = _now()
    today = timezone.localdate(now)
    conditions = {
        "rule": _rule_snapshot(rule),
        "checked": [
            {"code": c.code, "label": str(c.label), "met": c.met} for c in eligibility.conditions
        ],
        "eligible_from": eligibility.eligible_from.isoformat()
        if eligibility.eligible_from
        else None,
        "evidence": {kind: len(files) for kind, files in evidence.items()},
        "training_completed_on": training_completed_on.isoformat()
        if training_completed_on
        else None,
        "commitment": commitment.pk if commitment else None,
    }
    application = RepairApplication(
        enterprise=enterprise,
        source_id=selectors.SOURCE_CODE,
        record_key=key,
        batch=record.batch,
        severity=record.severity,
        decided_on=record.decided_on,
        fulfilled_on=record.fulfilled_on,
        authority=record.authority,
        conditions=conditions,
        statement=statement,
        commitment=commitment,
        training_completed_on=training_completed_on,
        filed_by=user,
        filed_at=now,
        due_on=add_working_days(today, settings.REPAIR_DECISION_WORKING_DAYS),
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Another application for the record was filed at the same moment.
        raise ValidationError({"decision_number": [already_open_message()]}) from None
    for kind, files in evidence.items():
        for item in files:
            evidence_store(RepairEvidence(application=application, kind=kind), item, stored)
    RepairEvent.objects.create(
        application=application,
        action="file",
        from_state="",
        to_state=application.state,
        actor=user,
        organization=enterprise.organization,
        note=statement,
        data={
            "evidence": {k: [f.sha256 for f in v] for k, v in evidence.items()},
            "batch": record.batch_id,
            "commitment": conditions["commitment"],
        },
    )
    audit(
        action="repair.file",
        actor=user,
        organization=enterprise.organization,
        obj=application,
        data={
            "decision_number": number,
            "severity": application.severity,
            "batch": record.batch_id,
            "due_on": application.due_on.isoformat(),
            "commitment": conditions["commitment"],
        },
    )
    values = _describe(application)
    notify(
        recipients=operators(),
        kind="repair.file",
        title=_("收到信用修复申请：%(enterprise)s") % values,
        body=_("行政处罚决定书：%(number)s；处罚机关：%(authority)s。请在 %(due)s 前办结。")
        % values,
        url=_detail_url(application, operator=True),
    )
    return application


# --------------------------------------------------------------------------- transitions


def _side_of(organization: Organization) -> Side | None:
    for side, kind in SIDE_KINDS.items():
        if organization.kind == kind:
            return side
    return None


def _owns(side: Side, application: RepairApplication, organization: Organization) -> bool:
    if side == Side.ENTERPRISE:
        return application.enterprise.organization_id == organization.pk
    return True  # the platform operator acts on every application


def _watch_until(application: RepairApplication, on: dt.date) -> dt.date:
    months = (application.conditions or {}).get("rule", {}).get("watch_months")
    if months is None:
        rule = RepairRule.objects.filter(severity=application.severity).first()
        months = rule.watch_months if rule else 12
    return on + relativedelta(months=int(months))


@transaction.atomic(durable=True)
def repair_transition(
    *,
    application: RepairApplication,
    action: str,
    actor: User,
    organization: Organization,
    note: str = "",
    department_name: str = "",
    department_agrees: bool | None = None,
) -> RepairApplication:
    """Apply one action of the transition table. The row is locked, so of two people acting at
    once exactly one succeeds and the other gets ``TransitionNotAllowed``.

    ``note`` is the decision's reasons (approve, reject), the department's opinion (opinion) or
    the enterprise's remark (withdraw)."""
    if action not in ACTIONS or action in SYSTEM_ACTIONS:
        raise ValidationError(_("未知操作：%(action)s") % {"action": action})
    locked = (
        RepairApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise", "source")
        .get(pk=application.pk)
    )
    side = _side_of(organization)
    if (
        side is None
        or not _owns(side, locked, organization)
        or not is_member(actor, organization, SIDE_ROLES[side])
    ):
        raise PermissionDenied(_("无权对该修复申请执行此操作。"))
    transition = TRANSITIONS.get((action, side))
    if transition is None:  # e.g. an enterprise approving
        raise PermissionDenied(_("无权对该修复申请执行此操作。"))
    if locked.state not in transition.sources:
        raise TransitionNotAllowed(locked, action)
    note = (note or "").strip()
    data: dict[str, Any] = {}
    now = _now()
    if action == "consult":
        name = (department_name or "").strip() or locked.authority
        if len(name) > 200:
            raise ValidationError({"department_name": _("部门名称不能超过 200 个字。")})
        locked.department_name = name
        data["department"] = name
    elif action == "opinion":
        errors: dict[str, str] = {}
        if department_agrees is None:
            errors["department_agrees"] = _("请选择处罚机关是否同意修复。")
        if not note:
            errors["note"] = _("请填写处罚机关的意见。")
        if errors:
            raise ValidationError(errors)
        locked.department_agrees = department_agrees
        locked.department_opinion = note
        data["agrees"] = department_agrees
    elif action in DECISIONS:
        if not note:
            raise ValidationError(
                {
                    "note": _("请填写准予修复的决定理由。")
                    if action == "approve"
                    else _("请填写不予修复的理由。")
                }
            )
        if action == "approve" and locked.department_name:
            if locked.department_agrees is None or not locked.department_opinion:
                raise ValidationError(
                    _("已征求%(department)s的意见，请先录入其意见再作决定。")
                    % {"department": locked.department_name}
                )
            if not locked.department_agrees:
                raise ValidationError(
                    _("%(department)s不同意修复，不能准予修复。")
                    % {"department": locked.department_name}
                )
        locked.decision_note = note
        locked.decided_at = now
        locked.decided_by = actor
        if action == "approve":
            today = timezone.localdate(now)
            locked.repaired_on = today
            locked.watch_until = _watch_until(locked, today)
            data["watch_until"] = locked.watch_until.isoformat()
    from_state = locked.state
    locked.state = transition.target
    locked.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:  # another repair of the record is in effect
        raise ValidationError(_("该处罚已有生效的信用修复。")) from None
    RepairEvent.objects.create(
        application=locked,
        action=action,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        organization=organization,
        note=note if action != "consult" else locked.department_name,
        data=data,
    )
    audit(
        action=f"repair.{action}",
        actor=actor,
        organization=organization,
        obj=locked,
        data={"from": from_state, "to": locked.state, **data},
    )
    _notify_transition(locked, transition)
    if action == "approve":
        _profile_refresh([locked.enterprise.uscc], actor)
    return locked


def _notify_transition(application: RepairApplication, transition: Transition) -> None:
    values = _describe(application)
    enterprise_org = application.enterprise.organization
    url = _detail_url(application, operator=False)
    if transition.action == "withdraw":
        notify(
            recipients=operators(),
            kind="repair.withdraw",
            title=_("信用修复申请已撤回：%(enterprise)s") % values,
            body=_("行政处罚决定书：%(number)s。") % values,
            url=_detail_url(application, operator=True),
        )
        return
    if transition.action == "approve":
        title = _("信用修复申请结果：准予修复")
        body = _(
            "行政处罚决定书：%(number)s。决定理由：%(reasons)s\n"
            "该处罚信息自 %(repaired)s 起不再公示，也不再用于信用评价和融资服务；"
            "观察期至 %(watch)s，观察期内违反信用修复承诺的，将恢复原记录的效力。"
        ) % {
            **values,
            "reasons": application.decision_note,
            "repaired": application.repaired_on.isoformat() if application.repaired_on else "",
            "watch": application.watch_until.isoformat() if application.watch_until else "",
        }
    elif transition.action == "reject":
        title = _("信用修复申请结果：不予修复")
        body = _(
            "行政处罚决定书：%(number)s。不予修复的理由：%(reasons)s\n条件具备后可重新提出申请。"
        ) % {**values, "reasons": application.decision_note}
    elif transition.action == "accept":
        title = _("信用修复申请已受理")
        body = _("行政处罚决定书：%(number)s。办理期限：%(due)s。") % values
    elif transition.action == "consult":
        title = _("信用修复申请：正在征求处罚机关意见")
        body = _("行政处罚决定书：%(number)s；征求意见部门：%(department)s。") % {
            **values,
            "department": application.department_name,
        }
    else:
        return  # the department's opinion is internal until the decision
    notify(
        recipients=members_of(enterprise_org),
        organization=enterprise_org,
        kind=f"repair.{transition.action}",
        title=title,
        body=body,
        url=url,
    )


# --------------------------------------------------------------------------- restoration


def repairs_restore_for_commitment(
    commitment: Commitment, *, note: str, actor: User | None = None
) -> list[RepairApplication]:
    """The repair commitment was breached: every approved repair signed with it whose watch
    period runs to the breach date or later goes back to the record's effect (state
    ``restored``). Called by the commitments process inside its transaction."""
    breached_on = commitment.breached_on or _today()
    note = (note or "").strip() or _("违反信用修复承诺。")
    now = _now()
    with transaction.atomic():
        restored = list(
            RepairApplication.objects.select_for_update(of=("self",))
            .filter(commitment=commitment, state=A.APPROVED, watch_until__gte=breached_on)
            .select_related("enterprise__organization")
        )
        if not restored:
            return []
        actor_org = _operator_organization(actor)
        for application in restored:
            application.state = A.RESTORED
            application.restored_at = now
            application.restored_reason = note
        RepairApplication.objects.bulk_update(restored, ["state", "restored_at", "restored_reason"])
        RepairEvent.objects.bulk_create(
            RepairEvent(
                application=application,
                action="restore",
                from_state=A.APPROVED,
                to_state=A.RESTORED,
                actor=actor,
                organization=actor_org,
                note=note,
                data={"commitment": commitment.pk, "breached_on": breached_on.isoformat()},
            )
            for application in restored
        )
        staff = list(operators())
        for application in restored:
            audit(
                action="repair.restore",
                actor=actor,
                organization=actor_org,
                obj=application,
                data={"commitment": commitment.pk, "breached_on": breached_on.isoformat()},
            )
            values = {**_describe(application), "date": breached_on.isoformat(), "note": note}
            notify(
                recipients=members_of(application.enterprise.organization),
                organization=application.enterprise.organization,
                kind="repair.restore",
                title=_("信用修复已撤销，原处罚记录恢复效力"),
                body=_(
                    "贵企业于 %(date)s 违反信用修复承诺（%(note)s），"
                    "行政处罚决定书 %(number)s 的信用修复已撤销，原记录恢复公示和使用。"
                )
                % values,
                url=_detail_url(application, operator=False),
            )
            notify(
                recipients=staff,
                kind="repair.restore",
                title=_("信用修复已撤销：%(enterprise)s") % values,
                body=_("违反信用修复承诺（%(date)s），行政处罚决定书 %(number)s 恢复效力。")
                % values,
                url=_detail_url(application, operator=True),
            )
        _profile_refresh(sorted({a.enterprise.uscc for a in restored}), actor)
    return restored


def _operator_organization(actor: User | None) -> Organization | None:
    if actor is None:
        return None
    membership = (
        Membership.objects.filter(
            user=actor,
            is_active=True,
            role=Role.PLATFORM_OPERATOR,
            organization__kind=Organization.Kind.PLATFORM,
        )
        .select_related("organization")
        .first()
    )
    return membership.organization if membership else None


# --------------------------------------------------------------------------- daily


def repairs_notify_eligible(*, today: dt.date) -> int:
    """Tell enterprises about each penalty that may now be repaired, once per penalty.

    Set-based: one query for the rules, the candidate records of registered enterprises, the
    blocking applications, the notices already sent and the recipients. Returns how many
    penalties were announced."""
    rules = [r for r in RepairRule.objects.all() if r.repairable]
    if not rules:
        return 0
    model: Any = RECORD_MODELS[selectors.SOURCE_CODE]
    condition = Q()
    for rule in rules:
        # A few days of slack for month ends; the exact date is checked below.
        cutoff = today - relativedelta(months=rule.min_publication_months) + dt.timedelta(days=3)
        part = Q(severity=rule.severity, decided_on__lte=cutoff)
        if rule.requires_fulfilment:
            part &= Q(fulfilled_on__isnull=False)
        condition |= part
    by_severity = {r.severity: r for r in rules}
    candidates: list[Any] = [
        row
        for row in model._default_manager.filter(condition, is_current=True)
        .filter(uscc__in=Enterprise.objects.filter(organization__isnull=False).values("uscc"))
        .only("uscc", "decision_number", "decided_on", "severity")
        if selectors.eligible_from(by_severity[row.severity], row.decided_on) <= today
    ]
    if not candidates:
        return 0
    numbers = [row.decision_number for row in candidates]
    blocked = set(
        RepairApplication.objects.filter(
            source_id=selectors.SOURCE_CODE,
            state__in=selectors.BLOCKING,
            record_key__decision_number__in=numbers,
        ).values_list("record_key__decision_number", flat=True)
    )
    told = set(
        AuditEvent.objects.filter(
            action=ELIGIBLE_NOTICE, data__decision_number__in=numbers
        ).values_list("data__decision_number", flat=True)
    )
    due = [r for r in candidates if r.decision_number not in blocked | told]
    if not due:
        return 0
    enterprises = {
        e.uscc: e
        for e in Enterprise.objects.filter(uscc__in={r.uscc for r in due}).select_related(
            "organization"
        )
    }
    recipients: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        organization_id__in=[e.organization_id for e in enterprises.values()],
        is_active=True,
        user__is_active=True,
    ).select_related("user"):
        recipients[membership.organization_id].append(membership.user)
    url = reverse("rights:repair_home")
    rows: list[AuditEvent] = []
    with transaction.atomic():
        for record in due:
            enterprise = enterprises[record.uscc]
            notify(
                recipients=recipients.get(enterprise.organization_id or 0, []),
                organization=enterprise.organization,
                kind=ELIGIBLE_NOTICE,
                title=_("您的行政处罚记录已可申请信用修复"),
                body=_(
                    "行政处罚决定书 %(number)s 已满足最短公示期等条件，"
                    "可在“信用修复”页面在线提交修复申请。"
                )
                % {"number": record.decision_number},
                url=url,
            )
            rows.append(
                AuditEvent(
                    action=ELIGIBLE_NOTICE,
                    organization=enterprise.organization,
                    object_type="registry.enterprise",
                    object_id=str(enterprise.pk),
                    data={"decision_number": record.decision_number},
                )
            )
        AuditEvent.objects.bulk_create(rows)
    return len(due)


def repairs_remind(*, today: dt.date) -> int:
    """Remind the operators of open applications due within two working days, once each."""
    with transaction.atomic():
        due = list(
            RepairApplication.objects.select_for_update(of=("self",))
            .filter(
                state__in=RepairApplication.OPEN_STATES,
                due_on__gte=today,
                due_on__lte=add_working_days(today, REMIND_WORKING_DAYS),
            )
            .select_related("enterprise")
            .order_by("due_on", "id")
        )
        reminded = set(
            AuditEvent.objects.filter(
                action=REMIND,
                object_type=RepairApplication._meta.label_lower,
                object_id__in=[str(a.pk) for a in due],
            ).values_list("object_id", flat=True)
        )
        due = [a for a in due if str(a.pk) not in reminded]
        if not due:
            return 0
        staff = list(operators())
        for application in due:
            values = _describe(application)
            notify(
                recipients=staff,
                kind=REMIND,
                title=_("信用修复申请办理期限临近：%(enterprise)s") % values,
                body=_("行政处罚决定书：%(number)s；请在 %(due)s 前办结。") % values,
                url=_detail_url(application, operator=True),
            )
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action=REMIND,
                object_type=RepairApplication._meta.label_lower,
                object_id=str(a.pk),
                data={"due_on": a.due_on.isoformat()},
            )
            for a in due
        )
    return len(due)


def repairs_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: enterprises told of penalties now eligible, operators reminded."""
    today = today or _today()
    return {
        "eligible_notified": repairs_notify_eligible(today=today),
        "reminded": repairs_remind(today=today),
    }


# --------------------------------------------------------------------------- rules


RULE_FIELDS = (
    "repairable",
    "min_publication_months",
    "requires_fulfilment",
    "requires_commitment",
    "requires_training",
    "requires_credit_report",
    "watch_months",
)


@transaction.atomic(durable=True)
def repair_rules_update(
    *, actor: User, changes: Mapping[int, Mapping[str, Any]]
) -> list[RepairRule]:
    """The operator edits the rules (by rule id: the fields to change); every change is audited
    with its old and new values. Applications already filed keep the rule they were filed
    under."""
    organization = _operator_organization(actor)
    if organization is None:
        raise PermissionDenied(_("只有平台运营人员可以修改信用修复规则。"))
    rules = {r.pk: r for r in RepairRule.objects.select_for_update().filter(pk__in=list(changes))}
    updated: list[RepairRule] = []
    for pk, values in changes.items():
        rule = rules.get(pk)
        if rule is None:
            raise ValidationError(_("信用修复规则不存在。"))
        before = _rule_snapshot(rule)
        for name, value in values.items():
            if name not in RULE_FIELDS:
                raise ValidationError(_("未知字段：%(name)s") % {"name": name})
            setattr(rule, name, value)
        rule.updated_by = actor
        rule.full_clean()
        rule.save()
        after = _rule_snapshot(rule)
        changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changed:
            audit(
                action="repair.rule_update",
                actor=actor,
                organization=organization,
                obj=rule,
                data={"severity": rule.severity, "changed": changed},
            )
        updated.append(rule)
    return updated


__all__ = [
    "TransitionNotAllowed",
    "already_open_message",
    "commitment_subject",
    "repair_file",
    "repair_rules_update",
    "repair_template",
    "repair_transition",
    "repairs_daily",
    "repairs_notify_eligible",
    "repairs_remind",
    "repairs_restore_for_commitment",
    "required_evidence",
]
