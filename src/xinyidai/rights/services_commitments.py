"""Writes of credit commitments (信用承诺): signing online, fulfilment, breach, withdrawal and
the daily due-date job.

Signing itself is ``rights.signing.commitment_sign`` (owner only); ``commitment_sign_online``
only gives it its own durable transaction and tells the enterprise. Every other write is one
durable transaction that locks the row, checks the transition table below, writes a
``CommitmentEvent`` and an audit row and notifies. Bad input raises ``ValidationError`` keyed by
field (Chinese messages) and changes nothing; an action the user's side may never take raises
``PermissionDenied``; an action not allowed from the current state raises
``TransitionNotAllowed`` (HTTP 409).

Who may do what:

* ``fulfil`` — platform operators only (an enterprise never confirms its own fulfilment), and
  only for a commitment with a due date (a standing promise has nothing to fulfil).
* ``breach`` — platform operators, and the reviewers (``provider_reviewer``) of data providers
  of kind 公共信用信息中心 (``credit_centre``) or 市场监督管理部门 (``market_regulation``), who
  record a breach found by a department with its document.
* ``withdraw`` — the enterprise's owner, for a commitment in force without a due date that no
  credit-repair application uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinyidai.accounts.models import DataProvider, Membership, Organization, Role, User
from xinyidai.core.models import audit
from xinyidai.notifications.services import members_of, notify
from xinyidai.registry.models import Enterprise

from .models import Commitment, CommitmentEvent, CommitmentTemplate
from .models.commitments import CommitmentKind
from .people import is_member, operators
from .signing import chinese_date, commitment_sign

S = Commitment.State

# Days before ``due_on`` at which the enterprise's owners are reminded, once each.
REMIND_BEFORE_DAYS = (30, 7)
# Data providers whose reviewers may record a breach found by a department.
BREACH_PROVIDER_KINDS = frozenset(
    {DataProvider.Kind.CREDIT_CENTRE, DataProvider.Kind.MARKET_REGULATION}
)
BREACH_PROVIDER_ROLES = (Role.PROVIDER_REVIEWER,)
NOTE_MAX_LENGTH = 2000


# --------------------------------------------------------------------------- transitions


class Side(StrEnum):
    ENTERPRISE = "enterprise"
    OPERATOR = "operator"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    sides: frozenset[Side]
    label: Promise


_TABLE = [
    Transition(
        "fulfil",
        frozenset({S.IN_FORCE}),
        S.FULFILLED,
        frozenset({Side.OPERATOR}),
        gettext_lazy("确认履约"),
    ),
    Transition(
        "breach",
        frozenset({S.IN_FORCE}),
        S.BREACHED,
        frozenset({Side.OPERATOR, Side.PROVIDER}),
        gettext_lazy("记录违约"),
    ),
    Transition(
        "withdraw",
        frozenset({S.IN_FORCE}),
        S.WITHDRAWN,
        frozenset({Side.ENTERPRISE}),
        gettext_lazy("撤销承诺"),
    ),
]
TRANSITIONS: dict[str, Transition] = {t.action: t for t in _TABLE}
ACTIONS: dict[str, Promise] = {t.action: t.label for t in _TABLE}


class TransitionNotAllowed(Exception):
    """The action is not allowed from the commitment's current state (HTTP 409)."""

    def __init__(self, commitment: Commitment, action: str) -> None:
        self.commitment = commitment
        self.action = action
        self.state = commitment.state
        super().__init__(
            _("该承诺当前状态为“%(state)s”，不能%(action)s。")
            % {"state": commitment.get_state_display(), "action": ACTIONS.get(action, action)}
        )


def allowed_actions(commitment: Commitment, side: Side) -> list[str]:
    """The actions ``side`` may take on ``commitment`` now (state and the action's own rules,
    except the repair-application check of withdrawal, which the service makes)."""
    actions = []
    for t in _TABLE:
        if side not in t.sides or commitment.state not in t.sources:
            continue
        if t.action == "fulfil" and commitment.due_on is None:
            continue
        if t.action == "withdraw" and commitment.due_on is not None:
            continue
        actions.append(t.action)
    return actions


def may_record_breach(membership: Membership | None) -> bool:
    """An operator, or a reviewer of a credit-centre / market-regulation data provider."""
    if membership is None or not membership.is_active:
        return False
    organization = membership.organization
    if organization.kind == Organization.Kind.PLATFORM:
        return membership.role == Role.PLATFORM_OPERATOR
    if organization.kind == Organization.Kind.DATA_PROVIDER:
        return membership.role in BREACH_PROVIDER_ROLES and (
            DataProvider.objects.filter(
                organization=organization, kind__in=BREACH_PROVIDER_KINDS
            ).exists()
        )
    return False


def _breach_side(user: User) -> tuple[Side, Organization] | None:
    """The side (and organization) for which ``user`` records breaches: operator first."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "organization"
    )
    if not user.is_active:
        return None
    provider: Organization | None = None
    for membership in memberships:
        organization = membership.organization
        if (
            organization.kind == Organization.Kind.PLATFORM
            and membership.role == Role.PLATFORM_OPERATOR
        ):
            return Side.OPERATOR, organization
        if provider is None and may_record_breach(membership):
            provider = organization
    return (Side.PROVIDER, provider) if provider is not None else None


def _operator_organization(user: User) -> Organization | None:
    membership = (
        Membership.objects.filter(
            user=user,
            is_active=True,
            role=Role.PLATFORM_OPERATOR,
            organization__kind=Organization.Kind.PLATFORM,
        )
        .select_related("organization")
        .first()
    )
    return membership.organization if membership is not None else None


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("enterprise__organization", "template")
        .get(pk=commitment.pk)
    )


def _check(locked: Commitment, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if locked.state not in transition.sources:
        raise TransitionNotAllowed(locked, action)
    return transition


def _record(
    *,
    commitment: Commitment,
    action: str,
    from_state: str,
    actor: User,
    organization: Organization | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    CommitmentEvent.objects.create(
        commitment=commitment,
        action=action,
        from_state=from_state,
        to_state=commitment.state,
        actor=actor,
        organization=organization,
        note=note,
        data=data or {},
    )
    audit(
        action=f"rights.commitment_{action}",
        actor=actor,
        organization=organization,
        obj=commitment,
        data={"from": from_state, "to": commitment.state, **(data or {})},
    )


def _describe(commitment: Commitment) -> dict[str, str]:
    return {
        "enterprise": commitment.enterprise.name,
        "title": commitment.template.title,
        "subject": commitment.subject,
        "due": chinese_date(commitment.due_on) if commitment.due_on else "",
    }


def _url(commitment: Commitment) -> str:
    return reverse("rights:commitment_detail", args=[commitment.pk])


def _profile_refresh(commitment: Commitment, actor: User) -> None:
    """The profile lists breaches among the public-credit events: rebuild it (on commit)."""
    from . import effects

    effects.profile_refresh([commitment.enterprise.uscc], actor=actor)


def _repairs_restore(commitment: Commitment, *, note: str, actor: User) -> None:
    """A breached repair commitment restores the effect of the records repaired with it."""
    from . import services_repair

    services_repair.repairs_restore_for_commitment(commitment, note=note, actor=actor)


# --------------------------------------------------------------------------- signing


@transaction.atomic(durable=True)
def commitment_sign_online(
    *,
    user: User,
    enterprise: Enterprise,
    template: CommitmentTemplate,
    subject: str,
    signer_name: str,
) -> Commitment:
    """The owner signs on the commitments pages: ``signing.commitment_sign`` in its own
    transaction, and the enterprise's members are told."""
    commitment = commitment_sign(
        user=user,
        enterprise=enterprise,
        template=template,
        subject=subject,
        signer_name=signer_name,
    )
    notify(
        recipients=members_of(enterprise.organization),
        organization=enterprise.organization,
        kind="commitment.sign",
        url=_url(commitment),
        title=_("已签署信用承诺：%(title)s") % {"title": template.title},
        body=_("承诺事项：%(subject)s；签署人：%(signer)s。")
        % {"subject": commitment.subject, "signer": commitment.signer_name}
        + (
            _("履约期限：%(due)s。") % {"due": chinese_date(commitment.due_on)}
            if commitment.due_on
            else ""
        ),
    )
    return commitment


# --------------------------------------------------------------------------- transitions


@transaction.atomic(durable=True)
def commitment_fulfil(*, user: User, commitment: Commitment, note: str = "") -> Commitment:
    """A platform operator confirms that the commitment was fulfilled: in_force → fulfilled."""
    organization = _operator_organization(user) if user.is_active else None
    if organization is None:
        raise PermissionDenied(_("只有平台运营人员可以确认承诺履约。"))
    locked = _locked(commitment)
    _check(locked, "fulfil")
    note = (note or "").strip()
    if locked.due_on is None:
        raise ValidationError(_("该承诺为长期承诺，没有履约期限，无需确认履约。"))
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("说明不能超过 %(max)s 字。") % {"max": NOTE_MAX_LENGTH}})
    from_state = locked.state
    locked.state = S.FULFILLED
    locked.fulfilled_at = timezone.now()
    locked.closed_by = user
    locked.full_clean(validate_constraints=False)
    locked.save()
    _record(
        commitment=locked,
        action="fulfil",
        from_state=from_state,
        actor=user,
        organization=organization,
        note=note,
    )
    notify(
        recipients=members_of(locked.enterprise.organization),
        organization=locked.enterprise.organization,
        kind="commitment.fulfil",
        url=_url(locked),
        title=_("信用承诺已确认履约：%(title)s") % _describe(locked),
        body=_("承诺事项：%(subject)s。") % _describe(locked) + (note and f"\n{note}"),
    )
    return locked


@transaction.atomic(durable=True)
def commitment_breach(
    *,
    user: User,
    commitment: Commitment,
    breached_on: dt.date | None,
    authority: str,
    document_number: str = "",
    note: str,
) -> Commitment:
    """Record a breach found by ``authority``: in_force → breached. The breach becomes a
    public-credit event of the enterprise's profile; a breached repair commitment restores the
    record repaired with it."""
    side = _breach_side(user)
    if side is None:
        raise PermissionDenied(
            _("只有平台运营人员或公共信用信息中心、市场监管部门的审核人员可以记录违约。")
        )
    _side, organization = side
    locked = _locked(commitment)
    _check(locked, "breach")
    authority = (authority or "").strip()
    document_number = (document_number or "").strip()
    note = (note or "").strip()
    errors: dict[str, str] = {}
    today = timezone.localdate()
    signed_on = timezone.localdate(locked.signed_at)
    if breached_on is None:
        errors["breached_on"] = _("请填写违约日期。")
    elif breached_on > today:
        errors["breached_on"] = _("违约日期不能晚于今天。")
    elif breached_on < signed_on:
        errors["breached_on"] = _("违约日期不能早于承诺签署日期（%(date)s）。") % {
            "date": chinese_date(signed_on)
        }
    if not authority:
        errors["authority"] = _("请填写认定违约的部门。")
    elif len(authority) > 200:
        errors["authority"] = _("认定部门不能超过 200 字。")
    if len(document_number) > 100:
        errors["document_number"] = _("文书号不能超过 100 字。")
    if not note:
        errors["note"] = _("请填写违约情形。")
    elif len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("违约情形不能超过 %(max)s 字。") % {"max": NOTE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    assert breached_on is not None  # noqa: S101 (checked above)
    from_state = locked.state
    locked.state = S.BREACHED
    locked.breached_on = breached_on
    locked.breach_authority = authority
    locked.breach_document_number = document_number
    locked.breach_note = note
    locked.closed_by = user
    locked.full_clean(validate_constraints=False)
    locked.save()
    _record(
        commitment=locked,
        action="breach",
        from_state=from_state,
        actor=user,
        organization=organization,
        note=note,
        data={
            "breached_on": breached_on.isoformat(),
            "authority": authority,
            "document_number": document_number,
        },
    )
    values = _describe(locked)
    notify(
        recipients=members_of(locked.enterprise.organization),
        organization=locked.enterprise.organization,
        kind="commitment.breach",
        url=_url(locked),
        title=_("信用承诺已记录违约：%(title)s") % values,
        body=_(
            "承诺事项：%(subject)s；违约日期：%(date)s；认定部门：%(authority)s%(document)s。"
            "违约情况将记入贵企业的公共信用记录。情形：%(note)s"
        )
        % {
            **values,
            "date": chinese_date(breached_on),
            "authority": authority,
            "document": f"（{document_number}）" if document_number else "",
            "note": note,
        },
    )
    _profile_refresh(locked, user)
    if locked.kind == CommitmentKind.REPAIR:
        _repairs_restore(
            locked,
            note=_("违反信用修复承诺（%(date)s，%(authority)s）：%(note)s")
            % {"date": chinese_date(breached_on), "authority": authority, "note": note},
            actor=user,
        )
    return locked


@transaction.atomic(durable=True)
def commitment_withdraw(*, user: User, commitment: Commitment, note: str = "") -> Commitment:
    """The owner withdraws a standing commitment (no due date) that no repair application uses;
    it stays in the history with the state withdrawn."""
    organization = commitment.enterprise.organization
    if not is_member(user, organization, [Role.ENTERPRISE_OWNER]):
        raise PermissionDenied(_("只有企业负责人可以撤销信用承诺。"))
    locked = _locked(commitment)
    _check(locked, "withdraw")
    if locked.due_on is not None:
        raise ValidationError(
            _("有履约期限的承诺不能撤销，须按期履约（%(due)s）。") % _describe(locked)
        )
    if locked.repair_applications.exists():
        raise ValidationError(_("该承诺已用于信用修复申请，不能撤销。"))
    from_state = locked.state
    locked.state = S.WITHDRAWN
    locked.closed_by = user
    locked.full_clean(validate_constraints=False)
    locked.save()
    _record(
        commitment=locked,
        action="withdraw",
        from_state=from_state,
        actor=user,
        organization=organization,
        note=(note or "").strip(),
    )
    return locked


# --------------------------------------------------------------------------- daily


def _reminder_key(days: int) -> str:
    return f"before_{days}"


def commitment_reminders(*, today: dt.date) -> int:
    """Remind the owners at ``REMIND_BEFORE_DAYS`` days before the due date, once each; the keys
    sent are kept as ``remind`` events. A missed day sends only the nearest reminder and records
    the earlier ones as passed. Returns how many commitments were reminded."""
    thresholds = sorted({d for d in REMIND_BEFORE_DAYS if d > 0})
    sent = 0
    for days in thresholds:
        key = _reminder_key(days)
        passed = [_reminder_key(d) for d in thresholds if d >= days]
        with transaction.atomic():
            reminded = CommitmentEvent.objects.filter(action="remind", data__key=key)
            due = list(
                Commitment.objects.select_for_update(of=("self",))
                .filter(state=S.IN_FORCE, due_on__gte=today, due_on__lte=today + dt.timedelta(days))
                .exclude(pk__in=reminded.values("commitment_id"))
                .select_related("enterprise__organization", "template")
                .order_by("due_on", "pk")
            )
            if not due:
                continue
            have = set(
                CommitmentEvent.objects.filter(
                    action="remind", commitment__in=due, data__key__in=passed
                ).values_list("commitment_id", "data__key")
            )
            CommitmentEvent.objects.bulk_create(
                CommitmentEvent(
                    commitment=commitment,
                    action="remind",
                    from_state=commitment.state,
                    to_state=commitment.state,
                    organization=commitment.enterprise.organization,
                    data={"key": passed_key},
                )
                for commitment in due
                for passed_key in passed
                if (commitment.pk, passed_key) not in have
            )
            for commitment in due:
                values = _describe(commitment)
                left = (commitment.due_on - today).days if commitment.due_on else 0
                notify(
                    recipients=members_of(
                        commitment.enterprise.organization, [Role.ENTERPRISE_OWNER]
                    ),
                    organization=commitment.enterprise.organization,
                    kind="commitment.remind",
                    url=_url(commitment),
                    title=_("信用承诺履约期限临近：%(title)s") % values,
                    body=_("承诺事项：%(subject)s；请在 %(due)s 前履行承诺。") % values
                    + (_("（还剩 %(days)s 天）") % {"days": left} if left else ""),
                )
            sent += len(due)
    return sent


def commitments_mark_overdue(*, today: dt.date) -> int:
    """Report commitments in force past their due date to the operators, once (one UPDATE sets
    ``overdue_notified``). Returns how many were reported."""
    with transaction.atomic():
        late = list(
            Commitment.objects.select_for_update(of=("self",))
            .filter(state=S.IN_FORCE, due_on__lt=today, overdue_notified=False)
            .select_related("enterprise", "template")
            .order_by("due_on", "pk")
        )
        if not late:
            return 0
        Commitment.objects.filter(pk__in=[c.pk for c in late]).update(overdue_notified=True)
        lines = [
            _("%(enterprise)s：%(title)s（%(subject)s），履约期限 %(due)s") % _describe(c)
            for c in late
        ]
        notify(
            recipients=operators(),
            kind="commitment.overdue",
            url=reverse("rights:commitment_operator_list") + "?due=overdue",
            title=_("%(count)s 项信用承诺已过履约期限，尚未确认履约") % {"count": len(late)},
            body="\n".join(lines),
        )
        audit(action="rights.commitment_overdue", data={"commitments": [c.pk for c in late]})
    return len(late)


def commitments_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: reminders before the due date, then the report of overdue ones."""
    today = today or timezone.localdate()
    return {
        "reminded": commitment_reminders(today=today),
        "overdue": commitments_mark_overdue(today=today),
    }


__all__ = [
    "ACTIONS",
    "BREACH_PROVIDER_KINDS",
    "REMIND_BEFORE_DAYS",
    "Side",
    "TransitionNotAllowed",
    "allowed_actions",
    "commitment_breach",
    "commitment_fulfil",
    "commitment_reminders",
    "commitment_sign_online",
    "commitment_withdraw",
    "commitments_daily",
    "commitments_mark_overdue",
    "may_record_breach",
]
