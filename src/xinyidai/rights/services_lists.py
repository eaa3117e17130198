"""Writes of the credit lists: designation by an operator, mirroring the departments' data,
early end, the daily expiry, and the exit procedure (移出申请: application, review, decision).

Every write is one transaction that validates, writes its event and audit rows and its
notifications. Bad input raises ``ValidationError`` with Chinese messages keyed by field and
changes nothing; acting without the right raises ``PermissionDenied``; an exit step not allowed
from the application's state raises ``TransitionNotAllowed`` (answered with 409). Whatever
changes an entry's effect asks for the enterprise's profile to be rebuilt (``profile_refresh``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Organization, Role, User
from xinyidai.core.models import audit
from xinyidai.core.workdays import add_working_days
from xinyidai.notifications.services import members_of, notify
from xinyidai.registry.models import Enterprise
from xinyidai.registry.validators import validate_uscc
from xinyidai.sources.models import RECORD_MODELS, SOURCE_SPECS

from .evidence import (
    CheckedFile,
    evidence_check,
    evidence_store,
    stored_files_removed_on_failure,
)
from .models import ListEntry, ListEvent, ListExit, ListExitEvent, ListExitEvidence
from .models.lists import ListKind
from .people import is_member, is_operator, operators
from .selectors_lists import EXITABLE_KINDS
from .transitions_lists import ACTIONS, DECISIONS, TRANSITIONS, Side, Transition

ENTERPRISE_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF)
REASON_MAX = 2000
BASIS_MAX = 1000
State = ListEntry.State


class TransitionNotAllowed(Exception):
    """The step is not allowed from the application's current state (HTTP 409)."""

    def __init__(self, application: ListExit, action: str) -> None:
        self.exit = application
        self.action = action
        self.state = application.state
        super().__init__(
            _("移出申请当前状态为“%(state)s”，不能%(action)s。")
            % {"state": application.get_state_display(), "action": ACTIONS.get(action, action)}
        )


def _today() -> dt.date:
    return timezone.localdate()


def profile_refresh(usccs: Sequence[str], actor: User | None = None) -> None:
    """Ask for the profiles of these subjects to follow the lists (the lead's ``effects``)."""
    from xinyidai.rights.effects import profile_refresh as refresh

    refresh(list(usccs), actor=actor)


def _enterprise_of(uscc: str) -> Enterprise | None:
    return Enterprise.objects.filter(uscc=uscc).select_related("organization").first()


def _tell_enterprise(
    uscc: str, *, kind: str, title: str, body: str, url_name: str = "rights:list_home"
) -> None:
    """A notification to the members of the registered enterprise with this USCC, if any."""
    enterprise = _enterprise_of(uscc)
    if enterprise is None or enterprise.organization is None:
        return
    notify(
        recipients=members_of(enterprise.organization),
        organization=enterprise.organization,
        kind=kind,
        title=title,
        body=body,
        url=reverse(url_name),
    )


def _operator_organization(user: User) -> Organization | None:
    membership = user.memberships.filter(
        role=Role.PLATFORM_OPERATOR, is_active=True, organization__kind=Organization.Kind.PLATFORM
    ).first()
    return membership.organization if membership is not None else None


def _require_operator(user: User, message: str) -> Organization | None:
    if not is_operator(user):
        raise PermissionDenied(message)
    return _operator_organization(user)


# --------------------------------------------------------------------------- designation


def _required(
    value: str | None, field: str, message: str, limit: int, errors: dict[str, Any]
) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = [message]
    elif len(text) > limit:
        errors[field] = [
            _("不能超过 %(max)s 字（现为 %(length)s 字）。") % {"max": limit, "length": len(text)}
        ]
    return text


def list_designate(
    *,
    user: User,
    kind: str,
    uscc: str,
    name: str = "",
    basis: str,
    document_number: str,
    authority: str,
    listed_on: dt.date | None,
    expires_on: dt.date | None = None,
) -> ListEntry:
    """An operator lists a subject (registered on the platform or not) with its legal basis and
    document number. Without an end date the entry lasts ``LIST_DEFAULT_VALIDITY_MONTHS``."""
    organization = _require_operator(user, _("只有平台运营人员可以认定名单。"))
    errors: dict[str, Any] = {}
    if kind not in ListKind.values:
        errors["kind"] = [_("请选择名单。")]
    code = ""
    try:
        code = validate_uscc(uscc)
    except ValidationError as error:
        errors["uscc"] = error.messages
    name = (name or "").strip()
    if code and not name:
        registered = Enterprise.objects.filter(uscc=code).values_list("name", flat=True).first()
        if registered:
            name = registered
        elif "uscc" not in errors:
            errors["name"] = [_("该代码的企业未在平台注册，请填写主体名称。")]
    if len(name) > 200:
        errors["name"] = [_("主体名称不能超过 200 字。")]
    basis = _required(basis, "basis", _("请填写认定依据。"), BASIS_MAX, errors)
    document_number = _required(
        document_number, "document_number", _("请填写认定文书号。"), 100, errors
    )
    authority = _required(authority, "authority", _("请填写认定部门。"), 200, errors)
    today = _today()
    if listed_on is None:
        errors["listed_on"] = [_("请填写列入日期。")]
    elif listed_on > today:
        errors["listed_on"] = [_("列入日期不能晚于今天。")]
    if listed_on is not None and expires_on is not None and expires_on <= listed_on:
        errors["expires_on"] = [_("有效期至必须晚于列入日期。")]
    if errors:
        raise ValidationError(errors)
    assert listed_on is not None  # noqa: S101 (checked above)
    if expires_on is None:
        expires_on = listed_on + relativedelta(months=settings.LIST_DEFAULT_VALIDITY_MONTHS[kind])
    return _designate(
        user=user,
        organization=organization,
        kind=kind,
        uscc=code,
        name=name,
        basis=basis,
        document_number=document_number,
        authority=authority,
        listed_on=listed_on,
        expires_on=expires_on,
    )


@transaction.atomic(durable=True)
def _designate(*, user: User, organization: Organization | None, **fields: Any) -> ListEntry:
    duplicate = ListEntry.objects.filter(
        kind=fields["kind"],
        uscc=fields["uscc"],
        document_number=fields["document_number"],
        state=State.ACTIVE,
    )
    if duplicate.exists():
        raise ValidationError(
            {"document_number": [_("该主体已依据此文书列入该名单，且仍在有效期内。")]}
        )
    entry = ListEntry(origin=ListEntry.Origin.OPERATOR, designated_by=user, **fields)
    entry.full_clean()
    entry.save()
    ListEvent.objects.create(
        entry=entry,
        action="designate",
        from_state="",
        to_state=entry.state,
        actor=user,
        organization=organization,
        note=entry.basis,
        data={"document_number": entry.document_number, "expires_on": _iso(entry.expires_on)},
    )
    audit(
        action="list.designate",
        actor=user,
        organization=organization,
        obj=entry,
        data={
            "kind": entry.kind,
            "uscc": entry.uscc,
            "document_number": entry.document_number,
            "listed_on": _iso(entry.listed_on),
            "expires_on": _iso(entry.expires_on),
        },
    )
    _tell_enterprise(
        entry.uscc,
        kind="list.designate",
        title=_("贵企业已被列入%(list)s") % {"list": entry.get_kind_display()},
        body=_("认定部门：%(authority)s；文书号：%(number)s；依据：%(basis)s")
        % {
            "authority": entry.authority,
            "number": entry.document_number,
            "basis": entry.basis,
        },
    )
    profile_refresh([entry.uscc], user)
    return entry


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic(durable=True)
def list_end(*, user: User, entry: ListEntry, reason: str) -> ListEntry:
    """An operator removes an entry in effect before its end (state exited, ended today)."""
    organization = _require_operator(user, _("只有平台运营人员可以提前移出名单。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写移出原因。")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("移出原因不能超过 2000 字。")]})
    locked = ListEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.state != State.ACTIVE:
        raise ValidationError(
            _("该名单条目当前状态为“%(state)s”，不能提前移出。")
            % {"state": locked.get_state_display()}
        )
    _end(locked, state=State.EXITED, reason=reason)
    ListEvent.objects.create(
        entry=locked,
        action="end",
        from_state=State.ACTIVE,
        to_state=locked.state,
        actor=user,
        organization=organization,
        note=reason,
    )
    audit(
        action="list.end",
        actor=user,
        organization=organization,
        obj=locked,
        data={"reason": reason},
    )
    _tell_enterprise(
        locked.uscc,
        kind="list.end",
        title=_("贵企业已移出%(list)s") % {"list": locked.get_kind_display()},
        body=_("移出原因：%(reason)s") % {"reason": reason},
    )
    profile_refresh([locked.uscc], user)
    return locked


def _end(entry: ListEntry, *, state: str, reason: str, on: dt.date | None = None) -> None:
    entry.state = state
    entry.ended_on = on or _today()
    entry.end_reason = reason
    entry.save(update_fields=["state", "ended_on", "end_reason", "updated_at"])


# --------------------------------------------------------------------------- provider data


@dataclass(frozen=True)
class Mirror:
    """How one source's records become entries."""

    kind: str
    list_name: str  # the column
    basis: str
    listed_on: str
    ended_on: str | None  # the column whose date ends the listing (exited from then on)
    expires_on: str | None  # the column giving the end of validity


MIRRORS: dict[str, Mirror] = {
    "serious_dishonesty": Mirror(
        kind=ListKind.SERIOUS_DISHONESTY,
        list_name="list_name",
        basis="reason",
        listed_on="listed_on",
        ended_on="removed_on",
        expires_on=None,
    ),
    "red_list": Mirror(
        kind=ListKind.RED,
        list_name="honour_name",
        basis="honour_name",
        listed_on="awarded_on",
        ended_on=None,
        expires_on="valid_until",
    ),
}
MIRRORED = ("name", "list_name", "basis", "authority", "listed_on", "expires_on")


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _subject_names() -> Coalesce:
    """The subject's name: the registered enterprise's, else its latest registration record's,
    else the code itself."""
    registration: Any = RECORD_MODELS["registration"]._default_manager  # columns by catalogue
    return Coalesce(
        Subquery(Enterprise.objects.filter(uscc=OuterRef("uscc")).values("name")[:1]),
        Subquery(
            registration.filter(uscc=OuterRef("uscc"), is_current=True)
            .order_by("-changed_on")
            .values("name")[:1]
        ),
        F("uscc"),
    )


def lists_sync_from_records(
    source_code: str, usccs: Iterable[str] | QuerySet[Any] | None = None
) -> dict[str, int]:
    """Mirror the current records of ``serious_dishonesty`` or ``red_list`` (all of them, or
    those of ``usccs``) into provider entries: new records listed, changed ones updated, a
    removal date ends the entry (exited), a validity date past ends it (expired), a later
    validity renews an expired one. An entry ended on the platform (exit approved, early end)
    is not revived. Set-based: one read of the records, one of the entries, bulk writes.

    Runs in the caller's transaction (the batch's acceptance) or its own."""
    mirror = MIRRORS.get(source_code)
    if mirror is None:
        return {}
    with transaction.atomic():
        return _sync(source_code, mirror, usccs)


def _sync(
    source_code: str, mirror: Mirror, usccs: Iterable[str] | QuerySet[Any] | None
) -> dict[str, int]:
    spec = SOURCE_SPECS[source_code]
    today = _today()
    manager: Any = RECORD_MODELS[source_code]._default_manager  # columns by catalogue
    records = manager.filter(is_current=True)
    entries = ListEntry.objects.filter(origin=ListEntry.Origin.PROVIDER, source_id=source_code)
    if usccs is not None:
        wanted = usccs if isinstance(usccs, QuerySet) else list(usccs)
        records = records.filter(uscc__in=wanted)
        entries = entries.filter(uscc__in=wanted)
    columns = {*spec.key, mirror.list_name, mirror.basis, mirror.listed_on, "authority"}
    columns |= {c for c in (mirror.ended_on, mirror.expires_on) if c}
    rows = list(records.annotate(subject_name=_subject_names()).values(*columns, "subject_name"))
    existing = {
        tuple(str((entry.record_key or {}).get(name, "")) for name in spec.key): entry
        for entry in entries.select_for_update()
    }
    created: list[ListEntry] = []
    changed: list[ListEntry] = []
    events: list[ListEvent] = []
    reason = _("报送部门移出")
    expired_reason = _("有效期届满")
    for row in rows:
        key = {name: _text(row[name]) for name in spec.key}
        ended_on = row[mirror.ended_on] if mirror.ended_on else None
        expires_on = row[mirror.expires_on] if mirror.expires_on else None
        values = {
            "name": str(row["subject_name"])[:200],
            "list_name": str(row[mirror.list_name])[:200],
            "basis": str(row[mirror.basis])[:1000],
            "authority": str(row["authority"])[:200],
            "listed_on": row[mirror.listed_on],
            "expires_on": expires_on,
        }
        entry = existing.get(tuple(key.values()))
        if entry is None:
            entry = ListEntry(
                kind=mirror.kind,
                origin=ListEntry.Origin.PROVIDER,
                uscc=row["uscc"],
                source_id=source_code,
                record_key=key,
                **values,
            )
            if ended_on is not None:
                entry.state, entry.ended_on, entry.end_reason = State.EXITED, ended_on, reason
            elif expires_on is not None and expires_on < today:
                entry.state, entry.ended_on, entry.end_reason = (
                    State.EXPIRED,
                    expires_on,
                    expired_reason,
                )
            created.append(entry)
            events.append(ListEvent(entry=entry, action="provider_list", to_state=entry.state))
            continue
        before = entry.state
        dirty = False
        for name, value in values.items():
            if getattr(entry, name) != value:
                setattr(entry, name, value)
                dirty = True
        action = ""
        if entry.state == State.ACTIVE and ended_on is not None:
            entry.state, entry.ended_on, entry.end_reason = State.EXITED, ended_on, reason
            action = "provider_remove"
        elif entry.state == State.ACTIVE and expires_on is not None and expires_on < today:
            entry.state, entry.ended_on, entry.end_reason = (
                State.EXPIRED,
                expires_on,
                expired_reason,
            )
            action = "expire"
        elif entry.state == State.EXPIRED and (expires_on is None or expires_on >= today):
            entry.state, entry.ended_on, entry.end_reason = State.ACTIVE, None, ""
            action = "provider_renew"
        if action:
            events.append(
                ListEvent(entry=entry, action=action, from_state=before, to_state=entry.state)
            )
        elif dirty:
            events.append(
                ListEvent(entry=entry, action="provider_update", from_state=before, to_state=before)
            )
        if dirty or action:
            changed.append(entry)
    ListEntry.objects.bulk_create(created, batch_size=1000)
    now = timezone.now()
    for entry in changed:
        entry.updated_at = now
    ListEntry.objects.bulk_update(
        changed, [*MIRRORED, "state", "ended_on", "end_reason", "updated_at"], batch_size=1000
    )
    for event in events:
        event.entry_id = event.entry.pk
        event.data = {"source": source_code}
    ListEvent.objects.bulk_create(events, batch_size=1000)
    counts = {
        "created": len(created),
        "updated": len(changed),
        "ended": sum(1 for e in events if e.action in {"provider_remove", "expire"}),
    }
    if created or changed:
        audit(action="list.sync", data={"source": source_code, **counts})
    return counts


# --------------------------------------------------------------------------- daily


def lists_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """Entries past their end expire: one UPDATE, their events in bulk, the profiles rebuilt."""
    today = today or _today()
    with transaction.atomic(durable=True):
        due = list(
            ListEntry.objects.select_for_update()
            .filter(state=State.ACTIVE, expires_on__lt=today)
            .values_list("pk", "uscc")
        )
        if not due:
            return {"expired": 0}
        ids = [pk for pk, _uscc in due]
        ListEntry.objects.filter(pk__in=ids).update(
            state=State.EXPIRED,
            ended_on=F("expires_on"),
            end_reason=Value(_("有效期届满")),
            updated_at=timezone.now(),
        )
        ListEvent.objects.bulk_create(
            [
                ListEvent(
                    entry_id=pk, action="expire", from_state=State.ACTIVE, to_state=State.EXPIRED
                )
                for pk in ids
            ],
            batch_size=1000,
        )
        audit(action="list.expire", data={"entries": ids, "on": today.isoformat()})
        profile_refresh(sorted({uscc for _pk, uscc in due}))
    return {"expired": len(ids)}


# --------------------------------------------------------------------------- exit procedure


class EntryNotFound(Exception):
    """No entry of the enterprise's own with this id (HTTP 404)."""


def list_exit_file(
    *,
    enterprise: Enterprise,
    user: User,
    entry: ListEntry,
    reason: str,
    evidence_files: Iterable[File[Any]] = (),
) -> ListExit:
    """The enterprise applies to leave a list it is on; all or nothing (no file stays)."""
    if not is_member(user, enterprise.organization, ENTERPRISE_ROLES):
        raise PermissionDenied(_("无权以该企业名义申请移出名单。"))
    if entry.uscc != enterprise.uscc:
        raise EntryNotFound
    errors: dict[str, Any] = {}
    if entry.kind not in EXITABLE_KINDS:
        errors["entry"] = [_("红名单为守信激励名单，无需申请移出。")]
    elif entry.state != State.ACTIVE:
        errors["entry"] = [_("该名单条目已不在有效期内，无需申请移出。")]
    reason = _required(reason, "reason", _("请填写申请理由。"), REASON_MAX, errors)
    try:
        checked = evidence_check(evidence_files)
    except ValidationError as error:
        errors.update(error.message_dict)
        checked = []
    if errors:
        raise ValidationError(errors)
    with stored_files_removed_on_failure() as stored:
        return _exit_create(
            enterprise=enterprise,
            user=user,
            entry=entry,
            reason=reason,
            evidence=checked,
            stored=stored,
        )


def already_open_message() -> str:
    return _("该名单条目已有移出申请正在办理中。")


@transaction.atomic(durable=True)
def _exit_create(
    *,
    enterprise: Enterprise,
    user: User,
    entry: ListEntry,
    reason: str,
    evidence: list[CheckedFile],
    stored: list[str],
) -> ListExit:
    locked = ListEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.state != State.ACTIVE:
        raise ValidationError({"entry": [_("该名单条目已不在有效期内，无需申请移出。")]})
    if locked.exits.filter(state__in=ListExit.OPEN_STATES).exists():
        raise ValidationError({"entry": [already_open_message()]})
    now = timezone.now()
    application = ListExit(
        entry=locked,
        enterprise=enterprise,
        reason=reason,
        filed_by=user,
        filed_at=now,
        due_on=add_working_days(timezone.localdate(now), settings.LIST_EXIT_DECISION_WORKING_DAYS),
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError({"entry": [already_open_message()]}) from None
    for item in evidence:
        evidence_store(ListExitEvidence(exit=application), item, stored)
    ListExitEvent.objects.create(
        exit=application,
        action="file",
        from_state="",
        to_state=application.state,
        actor=user,
        organization=enterprise.organization,
        note=reason,
        data={"evidence": [item.sha256 for item in evidence], "entry": locked.pk},
    )
    audit(
        action="list_exit.file",
        actor=user,
        organization=enterprise.organization,
        obj=application,
        data={"entry": locked.pk, "kind": locked.kind, "due_on": application.due_on.isoformat()},
    )
    notify(
        recipients=operators(),
        kind="list_exit.file",
        title=_("收到移出名单申请：%(name)s") % {"name": enterprise.name},
        body=_("名单：%(list)s；请在 %(due)s 前审核决定。")
        % {"list": locked.get_kind_display(), "due": application.due_on.isoformat()},
        url=reverse("rights:operator_list_exit_detail", args=[application.pk]),
    )
    return application


def _side_of(actor: User, organization: Organization, application: ListExit) -> Side | None:
    if organization.kind == Organization.Kind.ENTERPRISE:
        if application.enterprise.organization_id == organization.pk and is_member(
            actor, organization, ENTERPRISE_ROLES
        ):
            return Side.ENTERPRISE
    elif organization.kind == Organization.Kind.PLATFORM and is_member(
        actor, organization, (Role.PLATFORM_OPERATOR,)
    ):
        return Side.OPERATOR
    return None


@transaction.atomic(durable=True)
def list_exit_transition(
    *,
    application: ListExit,
    action: str,
    actor: User,
    organization: Organization,
    note: str = "",
) -> ListExit:
    """Apply one step of the exit table; the row is locked, so of two people acting at once
    exactly one succeeds. Approval takes the entry off the list (exited, today)."""
    if action not in ACTIONS:
        raise ValidationError(_("未知操作：%(action)s") % {"action": action})
    locked = (
        ListExit.objects.select_for_update(of=("self",))
        .select_related("entry", "enterprise__organization")
        .get(pk=application.pk)
    )
    side = _side_of(actor, organization, locked)
    transition = TRANSITIONS.get((action, side)) if side is not None else None
    if transition is None:
        raise PermissionDenied(_("无权对该申请执行此操作。"))
    if locked.state not in transition.sources:
        raise TransitionNotAllowed(locked, action)
    note = (note or "").strip()
    if action in DECISIONS and not note:
        raise ValidationError({"note": [_("请填写决定理由。")]})
    if len(note) > REASON_MAX:
        raise ValidationError({"note": [_("决定理由不能超过 2000 字。")]})
    from_state = locked.state
    locked.state = transition.target
    if action in DECISIONS:
        locked.decision_note = note
        locked.decided_at = timezone.now()
        locked.decided_by = actor
    locked.save()
    data: dict[str, Any] = {}
    if action == "approve":
        entry = ListEntry.objects.select_for_update().get(pk=locked.entry_id)
        if entry.state == State.ACTIVE:
            _end(entry, state=State.EXITED, reason=note)
            ListEvent.objects.create(
                entry=entry,
                action="exit",
                from_state=State.ACTIVE,
                to_state=entry.state,
                actor=actor,
                organization=organization,
                note=note,
                data={"exit": locked.pk},
            )
            data["entry_ended"] = entry.pk
            profile_refresh([entry.uscc], actor)
    ListExitEvent.objects.create(
        exit=locked,
        action=action,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        organization=organization,
        note=note,
        data=data,
    )
    audit(
        action=f"list_exit.{action}",
        actor=actor,
        organization=organization,
        obj=locked,
        data={"from": from_state, "to": locked.state, **data},
    )
    _notify_transition(locked, transition)
    return locked


def _notify_transition(application: ListExit, transition: Transition) -> None:
    values = {
        "name": application.enterprise.name,
        "list": application.entry.get_kind_display(),
        "note": application.decision_note,
    }
    if transition.side == Side.ENTERPRISE:
        notify(
            recipients=operators(),
            kind=f"list_exit.{transition.action}",
            title=_("移出名单申请已撤回：%(name)s") % values,
            body=_("名单：%(list)s。") % values,
            url=reverse("rights:operator_list_exit_detail", args=[application.pk]),
        )
        return
    titles = {
        "review": _("您的移出名单申请已进入审核"),
        "approve": _("您的移出名单申请已准予移出"),
        "reject": _("您的移出名单申请不予移出"),
    }
    notify(
        recipients=members_of(application.enterprise.organization),
        organization=application.enterprise.organization,
        kind=f"list_exit.{transition.action}",
        title=str(titles[transition.action]),
        body=(
            _("名单：%(list)s。决定理由：%(note)s")
            if application.decision_note
            else _("名单：%(list)s。")
        )
        % values,
        url=reverse("rights:list_exit_detail", args=[application.pk]),
    )


__all__ = [
    "EntryNotFound",
    "TransitionNotAllowed",
    "list_designate",
    "list_end",
    "list_exit_file",
    "list_exit_transition",
    "lists_daily",
    "lists_sync_from_records",
]
