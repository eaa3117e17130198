"""Writes of objections: filing one, applying the state machine, and the daily deadline job.

Every write is one transaction that validates, writes its event and audit rows and its
notifications (e-mails leave after commit). Bad input raises ``ValidationError`` with messages
in Chinese and changes nothing; an objection to a record the enterprise may not object to
raises ``RecordNotFound`` (answered with 404); a transition not allowed from the current state
raises ``TransitionNotAllowed`` (answered with 409 and the current state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Organization, Role, User
from xinyidai.core.models import audit
from xinyidai.core.workdays import add_working_days, working_days_between
from xinyidai.notifications.services import members_of, notify
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.profiles.services import profiles_rebuild_start
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import Batch, Source

from . import selectors
from .evidence import (
    CheckedFile,
    evidence_check,
    evidence_store,
    stored_files_removed_on_failure,
)
from .models import REASON_MAX_LENGTH, Objection, ObjectionEvent, ObjectionEvidence
from .people import is_member, operators
from .transitions import ACTIONS, DECISIONS, TRANSITIONS, Side, Transition

SIDE_ROLES: dict[Side, tuple[str, ...]] = {
    Side.ENTERPRISE: (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF),
    Side.PROVIDER: (Role.PROVIDER_UPLOADER, Role.PROVIDER_REVIEWER),
    Side.OPERATOR: (Role.PLATFORM_OPERATOR,),
}
SIDE_KINDS: dict[Side, str] = {
    Side.ENTERPRISE: Organization.Kind.ENTERPRISE,
    Side.PROVIDER: Organization.Kind.DATA_PROVIDER,
    Side.OPERATOR: Organization.Kind.PLATFORM,
}


class RecordNotFound(Exception):
    """No current record of the enterprise's own with this key in this source (HTTP 404)."""

    def __init__(self) -> None:
        self.message = _("未找到贵企业在该数据源中的这条现行记录，无法提出异议。")
        super().__init__(self.message)


class TransitionNotAllowed(Exception):
    """The action is not allowed from the objection's current state (HTTP 409)."""

    def __init__(self, objection: Objection, action: str) -> None:
        self.objection = objection
        self.action = action
        self.state = objection.state
        super().__init__(
            _("异议当前状态为“%(state)s”，不能%(action)s。")
            % {"state": objection.get_state_display(), "action": ACTIONS.get(action, action)}
        )


def already_open_message() -> str:
    return _("该记录已有异议正在处理中。")


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _reviewers(provider: Organization) -> QuerySet[User]:
    return members_of(provider, [Role.PROVIDER_REVIEWER])


def _describe(objection: Objection) -> dict[str, str]:
    return {
        "enterprise": objection.enterprise.name,
        "source": objection.source.name,
        "key": "、".join(objection.key_tuple),
        "due": objection.due_on.isoformat(),
        "provider": objection.provider.name,
    }


def _url(objection: Objection, side: Side) -> str:
    """The objection's detail page on the recipient's side."""
    name = {
        Side.ENTERPRISE: "rights:objection_detail",
        Side.PROVIDER: "rights:provider_objection_detail",
        Side.OPERATOR: "rights:operator_objection_detail",
    }[side]
    return reverse(name, args=[objection.pk])


def _notify_operators_and_reviewers(
    objection: Objection, *, kind: str, title: str, body: str, operators: Iterable[User]
) -> None:
    """One notification each to the operators and the provider's reviewers, each with the
    detail page of its own side."""
    notify(
        recipients=operators,
        kind=kind,
        title=title,
        body=body,
        url=_url(objection, Side.OPERATOR),
    )
    notify(
        recipients=_reviewers(objection.provider),
        organization=objection.provider,
        kind=kind,
        title=title,
        body=body,
        url=_url(objection, Side.PROVIDER),
    )


def _profile_refresh(objection: Objection, actor: User) -> None:
    """Rebuild the enterprise's profile so its "异议处理中" flag follows the objection.

    The rebuild is recorded in the objection's transaction and its task is enqueued only once
    that commits (``profiles_rebuild_start`` hands it to ``transaction.on_commit``): the worker,
    or the eager run in tests and the demo, sees the objection's new state."""
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.RIGHTS,
        requested_by=actor,
        usccs=[objection.enterprise.uscc],
    )


# --------------------------------------------------------------------------- filing


def objection_file(
    *,
    enterprise: Enterprise,
    user: User,
    source: Source,
    record_key: Mapping[str, Any],
    reason: str,
    evidence_files: Iterable[File[Any]] = (),
) -> Objection:
    """File an objection to one current record of the enterprise's own, all or nothing.

    Nothing is written and no file stays stored when any check fails."""
    if not is_member(user, enterprise.organization, SIDE_ROLES[Side.ENTERPRISE]):
        raise PermissionDenied(_("无权以该企业名义提出异议。"))
    key = selectors.record_key_normalized(source, record_key)
    if key is None:
        raise RecordNotFound
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写异议理由。")]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [
            _("异议理由不能超过 %(max)s 字（现为 %(length)s 字）。")
            % {"max": REASON_MAX_LENGTH, "length": len(reason)}
        ]
    try:
        checked = evidence_check(evidence_files)
    except ValidationError as error:
        errors.update(error.message_dict)
        checked = []
    if errors:
        raise ValidationError(errors)
    with stored_files_removed_on_failure() as stored:
        return _objection_create(
            enterprise=enterprise,
            user=user,
            source=source,
            key=key,
            reason=reason,
            evidence=checked,
            stored=stored,
        )


@transaction.atomic(durable=True)
def _objection_create(
    *,
    enterprise: Enterprise,
    user: User,
    source: Source,
    key: dict[str, str],
    reason: str,
    evidence: list[CheckedFile],
    stored: list[str],
) -> Objection:
    record = selectors.current_record(source, key)
    if record is None or getattr(record, "uscc", None) != enterprise.uscc:
        raise RecordNotFound
    open_ones = Objection.objects.filter(
        enterprise=enterprise, source=source, record_key=key, state__in=Objection.OPEN_STATES
    )
    if open_ones.exists():
        raise ValidationError(already_open_message())
    now = _now()
    batch: Batch = record.batch
    objection = Objection(
        enterprise=enterprise,
        source=source,
        record_key=key,
        batch=batch,
        provider=batch.provider,
        reason=reason,
        filed_by=user,
        filed_at=now,
        due_on=add_working_days(timezone.localdate(now), settings.OBJECTION_DEADLINE_WORKING_DAYS),
        previous=Objection.objects.filter(
            enterprise=enterprise,
            source=source,
            record_key=key,
            state__in=Objection.DECIDED_STATES,
        )
        .order_by("-resolved_at", "-id")
        .first(),
    )
    objection.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            objection.save()
    except IntegrityError:
        # Another objection to the record was filed at the same moment.
        raise ValidationError(already_open_message()) from None
    for item in evidence:
        evidence_store(ObjectionEvidence(objection=objection), item, stored)
    ObjectionEvent.objects.create(
        objection=objection,
        action="file",
        from_state="",
        to_state=objection.state,
        actor=user,
        organization=enterprise.organization,
        note=reason,
        data={"evidence": [item.sha256 for item in evidence], "batch": batch.pk},
    )
    audit(
        action="objection.file",
        actor=user,
        organization=enterprise.organization,
        obj=objection,
        data={
            "source": source.code,
            "record_key": key,
            "batch": batch.pk,
            "provider": batch.provider_id,
            "due_on": objection.due_on.isoformat(),
            "previous": objection.previous_id,
        },
    )
    notify(
        recipients=_reviewers(objection.provider),
        organization=objection.provider,
        kind="objection.file",
        title=_("收到新的异议：%(enterprise)s") % _describe(objection),
        body=_(
            "数据源：%(source)s；记录：%(key)s。请在 %(due)s 前核查处理，"
            "如需更正，请先通过数据报送重新报送更正后的记录。"
        )
        % _describe(objection),
        url=_url(objection, Side.PROVIDER),
    )
    _profile_refresh(objection, user)
    return objection


# --------------------------------------------------------------------------- transitions


def _side_of(organization: Organization) -> Side | None:
    for side, kind in SIDE_KINDS.items():
        if organization.kind == kind:
            return side
    return None


def _owns(side: Side, objection: Objection, organization: Organization) -> bool:
    if side == Side.ENTERPRISE:
        return objection.enterprise.organization_id == organization.pk
    if side == Side.PROVIDER:
        return objection.provider_id == organization.pk
    return True  # the platform operator acts on every objection


def _correcting_batch(objection: Objection) -> Batch:
    """The batch of the record's newer current version from the same provider, delivered after
    the objection was filed; a Chinese ValidationError if there is none yet."""
    record = selectors.current_record(objection.source, objection.record_key)
    batch = record.batch if record is not None else None
    if (
        batch is None
        or batch.pk == objection.batch_id
        or batch.provider_id != objection.provider_id
        or batch.received_at <= objection.filed_at
    ):
        raise ValidationError(
            _(
                "尚未收到该记录的更正数据。请先通过“数据报送”重新报送更正后的记录，"
                "入库后再确认更正。"
            )
        )
    return batch


@transaction.atomic(durable=True)
def objection_transition(
    *,
    objection: Objection,
    action: str,
    actor: User,
    organization: Organization,
    note: str = "",
) -> Objection:
    """Apply one action of the transition table. The row is locked, so of two people acting at
    once exactly one succeeds and the other gets ``TransitionNotAllowed``."""
    if action not in ACTIONS:
        raise ValidationError(_("未知操作：%(action)s") % {"action": action})
    locked = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("enterprise", "source", "provider")
        .get(pk=objection.pk)
    )
    side = _side_of(organization)
    if (
        side is None
        or not _owns(side, locked, organization)
        or not is_member(actor, organization, SIDE_ROLES[side])
    ):
        raise PermissionDenied(_("无权对该异议执行此操作。"))
    transition = TRANSITIONS.get((action, side))
    if transition is None:  # e.g. a provider escalating, an enterprise deciding
        raise PermissionDenied(_("无权对该异议执行此操作。"))
    if locked.state not in transition.sources:
        raise TransitionNotAllowed(locked, action)
    note = (note or "").strip()
    data: dict[str, Any] = {}
    if action in DECISIONS:
        if not note:
            raise ValidationError({"note": _("请填写处理说明，说明核查的依据和结果。")})
        locked.resolution = note
    if action == "correct":
        locked.correcting_batch = _correcting_batch(locked)
        data["correcting_batch"] = locked.correcting_batch.pk
    from_state = locked.state
    locked.state = transition.target
    if not locked.is_open:
        locked.resolved_at = _now()
        locked.resolved_by = actor
    locked.full_clean(validate_constraints=False)
    locked.save()
    ObjectionEvent.objects.create(
        objection=locked,
        action=action,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        organization=organization,
        note=note,
        data=data,
    )
    audit(
        action=f"objection.{action}",
        actor=actor,
        organization=organization,
        obj=locked,
        data={"from": from_state, "to": locked.state, **data},
    )
    _notify_transition(locked, transition)
    if not locked.is_open:  # withdrawn or decided: the record is no longer under objection
        _profile_refresh(locked, actor)
    return locked


def _notify_transition(objection: Objection, transition: Transition) -> None:
    values = _describe(objection)
    if transition.action in DECISIONS:
        title = (
            _("您的异议已处理：记录已更正")
            if transition.action == "correct"
            else _("您的异议已处理：维持原记录")
        )
        notify(
            recipients=members_of(objection.enterprise.organization),
            organization=objection.enterprise.organization,
            kind=f"objection.{transition.action}",
            title=title,
            body=_(
                "数据源：%(source)s；记录：%(key)s。处理说明：%(resolution)s\n"
                "如对处理结果仍有异议，可再次提出。"
            )
            % {**values, "resolution": objection.resolution},
            url=_url(objection, Side.ENTERPRISE),
        )
    elif transition.action == "escalate":
        _notify_operators_and_reviewers(
            objection,
            operators=operators(),
            kind="objection.escalate",
            title=_("异议已由平台督办：%(enterprise)s") % values,
            body=_("数据源：%(source)s；记录：%(key)s；处理期限：%(due)s。") % values,
        )
    elif transition.action == "withdraw":
        notify(
            recipients=_reviewers(objection.provider),
            organization=objection.provider,
            kind="objection.withdraw",
            title=_("异议已撤回：%(enterprise)s") % values,
            body=_("数据源：%(source)s；记录：%(key)s。") % values,
            url=_url(objection, Side.PROVIDER),
        )


# --------------------------------------------------------------------------- daily


def _reminder_key(days: int) -> str:
    return f"before_{days}"


def objection_reminders(*, today: dt.date) -> int:
    """Remind the provider at each configured number of working days before the deadline,
    once each. A day missed by the job is caught up: the nearest reminder due is sent, and the
    earlier ones are recorded as passed. Returns how many reminders were sent."""
    thresholds = sorted({int(d) for d in settings.OBJECTION_REMIND_BEFORE if int(d) > 0})
    sent = 0
    for days in thresholds:
        key = _reminder_key(days)
        passed = [_reminder_key(d) for d in thresholds if d >= days]
        with transaction.atomic():
            # Open, not yet past due, deadline within ``days`` working days, not yet reminded.
            due = list(
                Objection.objects.select_for_update(of=("self",))
                .filter(
                    state__in=Objection.OPEN_STATES,
                    due_on__gte=today,
                    due_on__lte=add_working_days(today, days),
                )
                .exclude(reminders__contains=[key])
                .select_related("enterprise", "source", "provider")
            )
            for objection in due:
                objection.reminders = sorted({*objection.reminders, *passed})
                left = working_days_between(today, objection.due_on)
                notify(
                    recipients=_reviewers(objection.provider),
                    organization=objection.provider,
                    kind="objection.remind",
                    title=_("异议处理期限临近：%(enterprise)s") % _describe(objection),
                    body=_("数据源：%(source)s；记录：%(key)s；请在 %(due)s 前处理完毕。")
                    % _describe(objection)
                    + (_("（还剩 %(days)s 个工作日）") % {"days": left} if left else ""),
                    url=_url(objection, Side.PROVIDER),
                )
            Objection.objects.bulk_update(due, ["reminders"])
            sent += len(due)
    return sent


def objections_mark_overdue(*, today: dt.date) -> int:
    """Mark open objections past their deadline as overdue (once) and tell the operators and
    the provider. Returns how many were marked."""
    with transaction.atomic():
        late = list(
            Objection.objects.select_for_update(of=("self",))
            .filter(state__in=Objection.OPEN_STATES, due_on__lt=today, is_overdue=False)
            .select_related("enterprise", "source", "provider")
        )
        if not late:
            return 0
        Objection.objects.filter(pk__in=[o.pk for o in late]).update(is_overdue=True)
        operator_users = list(operators())
        for objection in late:
            values = _describe(objection)
            _notify_operators_and_reviewers(
                objection,
                operators=operator_users,
                kind="objection.overdue",
                title=_("异议已超过处理期限：%(enterprise)s") % values,
                body=_(
                    "数据源：%(source)s；记录：%(key)s；处理期限：%(due)s；报送部门：%(provider)s。"
                )
                % values,
            )
            audit(action="objection.overdue", obj=objection, data={"due_on": values["due"]})
    return len(late)


def objections_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: reminders before the deadline, then the overdue mark."""
    today = today or _today()
    return {
        "reminded": objection_reminders(today=today),
        "overdue": objections_mark_overdue(today=today),
    }


__all__ = [
    "RecordNotFound",
    "TransitionNotAllowed",
    "already_open_message",
    "objection_file",
    "objection_reminders",
    "objection_transition",
    "objections_daily",
    "objections_mark_overdue",
]
