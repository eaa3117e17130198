"""Authorizations and the one guarded path to an enterprise's profile.

``profile_fetch`` is the only code that hands profile content to a bank: web pages, the API,
the PDF report and exports all call it. Every call, allowed or refused, writes one entry of
the access log in the same transaction. A refusal says why with a code the bank can act on,
never whether data exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token
from guardian.shortcuts import assign_perm, remove_perm

from xinyidai.accounts.models import Bank, Branch, Membership, Organization, Role, User
from xinyidai.accounts.services import role_group_name
from xinyidai.core.models import audit, event_record
from xinyidai.notifications.services import members_of, notify
from xinyidai.profiles.models import LendingProfile
from xinyidai.registry.models import Enterprise

from . import access_log, selectors
from .models import (
    DEFAULT_VALIDITY,
    MAX_VALIDITY,
    AccessLogEntry,
    Authorization,
    AuthorizationGroupObjectPermission,
    ConsentText,
    Purpose,
)
from .scopes import Scope, profile_sections

FETCH_ROLES = (Role.BANK_CREDIT_OFFICER,)
REQUEST_ROLES = (Role.BANK_CREDIT_OFFICER, Role.BANK_ADMIN)


REASONS = {
    "role": gettext_lazy("只有客户经理可以查询企业信用信息。"),
    "no_grant": gettext_lazy("没有该企业对本行此用途的授权。"),
    "not_yet_valid": gettext_lazy("授权尚未生效。"),
    "expired": gettext_lazy("授权已过期。"),
    "revoked": gettext_lazy("企业已撤销授权。"),
    "paused": gettext_lazy("企业已暂停授权。"),
    "branch": gettext_lazy("该授权仅限本行其他网点使用。"),
    "scope": gettext_lazy("所请求的数据不在授权范围内。"),
    "ceiling": gettext_lazy("本月查询次数已达授权上限。"),
    "no_profile": gettext_lazy("该企业暂无信用画像。"),
}


class FetchRefused(Exception):
    """A refused fetch: ``code`` is one of REASONS (answered as 404 with the code)."""

    def __init__(self, code: str, entry: AccessLogEntry | None = None) -> None:
        self.code = code
        self.entry = entry
        super().__init__(str(REASONS[code]))


@dataclass(frozen=True)
class Fetched:
    content: dict[str, Any]
    profile: LendingProfile
    authorization: Authorization
    entry: AccessLogEntry
    document: bytes | None = None  # what ``render`` made of the content (the PDF report)


# --------------------------------------------------------------------------- helpers


def role_group(organization: Organization, role: str) -> Group:
    """The group of an organization's members in one role (kept by ``membership_grant``)."""
    group, _created = Group.objects.get_or_create(name=role_group_name(organization.pk, role))
    return group


def _officers(bank: Bank) -> Group:
    return role_group(bank.organization, Role.BANK_CREDIT_OFFICER)


def _grant_permission(authorization: Authorization) -> None:
    assign_perm("fetch_profile", _officers(authorization.bank), authorization)


def _remove_permission(authorization: Authorization) -> None:
    remove_perm("fetch_profile", _officers(authorization.bank), authorization)


def consent_text(purpose: str) -> ConsentText:
    """The current wording for a purpose (the newest version)."""
    text = ConsentText.objects.filter(purpose=purpose).order_by("-version").first()
    if text is None:
        raise ValidationError({"purpose": _("该用途没有可用的授权书文本。")})
    return text


def consent_document(authorization: Authorization) -> str:
    """The full text the enterprise signs: the versioned wording with this grant's terms."""
    local = timezone.localtime
    lines = [
        authorization.consent_text.body.format(bank=authorization.bank.organization.name),
        "",
        _("授权企业：%(name)s（%(uscc)s）")
        % {"name": authorization.enterprise.name, "uscc": authorization.enterprise.uscc},
        _("被授权机构：%(bank)s%(branch)s")
        % {
            "bank": authorization.bank.organization.name,
            "branch": f" {authorization.branch.name}" if authorization.branch else "",
        },
        _("授权用途：%(purpose)s") % {"purpose": authorization.get_purpose_display()},
        _("数据范围：%(scopes)s") % {"scopes": "、".join(authorization.scope_labels)},
        _("历史数据期间：最近 %(n)s 个月") % {"n": authorization.history_months},
        _("有效期：%(start)s 至 %(end)s")
        % {
            "start": f"{local(authorization.valid_from):%Y-%m-%d %H:%M}",
            "end": f"{local(authorization.expires_at):%Y-%m-%d %H:%M}",
        },
        _("每自然月查询上限：%(n)s 次") % {"n": authorization.fetch_limit},
        _("数据保存期限：下载后 %(n)s 天") % {"n": authorization.data_life_days},
        _("授权书版本：%(version)s") % {"version": authorization.consent_text.version},
    ]
    return "\n".join(lines)


def _notify_bank(authorization: Authorization, title: str, body: str = "") -> None:
    notify(
        recipients=members_of(
            authorization.bank.organization, (Role.BANK_ADMIN, Role.BANK_CREDIT_OFFICER)
        ),
        organization=authorization.bank.organization,
        kind="authorization",
        title=title,
        body=body,
        url=reverse("consent:bank_authorization_detail", args=[authorization.pk]),
    )


def _event(authorization: Authorization, kind: str) -> None:
    """The bank's systems hear of it too (delivered as webhooks from the outbox)."""
    event_record(
        kind=kind,
        organization=authorization.bank.organization,
        payload={
            "authorization": authorization.pk,
            "application": authorization.application_id,
            "enterprise": authorization.enterprise.uscc,
            "purpose": authorization.purpose,
            "status": authorization.status,
            "scopes": list(authorization.scopes),
            "expires_at": authorization.expires_at.isoformat(),
        },
    )


def _notify_enterprise(authorization: Authorization, title: str, body: str = "") -> None:
    notify(
        recipients=members_of(authorization.enterprise.organization),
        organization=authorization.enterprise.organization,
        kind="authorization",
        title=title,
        body=body,
        url=reverse("consent:authorization_detail", args=[authorization.pk]),
    )


# --------------------------------------------------------------------------- lifecycle


def _terms(
    *,
    scopes: Iterable[str],
    history_months: int,
    valid_from: dt.datetime | None,
    expires_at: dt.datetime | None,
    fetch_limit: int,
    data_life_days: int,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    scopes = list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if not scopes:
        errors["scopes"] = _("请至少选择一项数据范围。")
    elif unknown:
        errors["scopes"] = _("未知的数据范围：%(values)s") % {"values": "、".join(unknown)}
    start = valid_from or timezone.now()
    end = expires_at or start + DEFAULT_VALIDITY
    if end <= start:
        errors["expires_at"] = _("到期时间必须晚于生效时间。")
    elif end - start > MAX_VALIDITY:
        errors["expires_at"] = _("授权期限最长一年。")
    if not 1 <= history_months <= 36:
        errors["history_months"] = _("历史数据期间须在 1–36 个月之间。")
    if not 1 <= fetch_limit <= 100:
        errors["fetch_limit"] = _("每月查询上限须在 1–100 次之间。")
    if not 1 <= data_life_days <= 365:
        errors["data_life_days"] = _("数据保存期限须在 1–365 天之间。")
    if errors:
        raise ValidationError(errors)
    return {
        "scopes": [s for s in Scope.values if s in scopes],
        "history_months": history_months,
        "valid_from": start,
        "expires_at": end,
        "fetch_limit": fetch_limit,
        "data_life_days": data_life_days,
    }


@transaction.atomic
def authorization_request(
    *,
    membership: Membership,
    enterprise: Enterprise,
    purpose: str,
    scopes: Iterable[str],
    application: Any = None,
    branch: Branch | None = None,
    history_months: int = 36,
    valid_from: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    fetch_limit: int = 10,
    data_life_days: int = 90,
    note: str = "",
) -> Authorization:
    """A bank asks an enterprise that has applied to it (or accepted its interest)."""
    from xinyidai.financing.selectors import revealed_to_bank

    bank = Bank.objects.filter(organization_id=membership.organization_id).first()
    if bank is None:
        raise ValidationError(_("只有银行可以申请授权。"))
    if membership.role not in REQUEST_ROLES:
        raise PermissionDenied(_("只有客户经理或银行管理员可以申请查询授权。"))
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("请选择授权用途。")})
    if not revealed_to_bank(enterprise.pk, bank):
        raise ValidationError(_("企业向本行提交申请后，才能向其申请查询授权。"))
    if application is not None and (
        application.bank_id != bank.pk or application.enterprise_id != enterprise.pk
    ):
        raise ValidationError({"application": _("只能关联该企业向本行提交的申请。")})
    if branch is not None and branch.bank_id != bank.pk:
        raise ValidationError({"branch": _("网点必须属于本行。")})
    terms = _terms(
        scopes=scopes,
        history_months=history_months,
        valid_from=valid_from,
        expires_at=expires_at,
        fetch_limit=fetch_limit,
        data_life_days=data_life_days,
    )
    authorization = Authorization(
        enterprise=enterprise,
        bank=bank,
        branch=branch,
        purpose=purpose,
        application=application,
        requested_by=membership.user,
        consent_text=consent_text(purpose),
        note=note[:300],
        **terms,
    )
    authorization.full_clean()
    authorization.save()
    audit(
        action="authorization.request",
        actor=membership.user,
        organization=membership.organization,
        obj=authorization,
        data={"scopes": authorization.scopes, "purpose": purpose},
    )
    _notify_enterprise(
        authorization,
        _("%(bank)s 申请查询贵企业的信用信息") % {"bank": bank},
        _("用途：%(purpose)s；数据范围：%(scopes)s。请确认或拒绝。")
        % {
            "purpose": authorization.get_purpose_display(),
            "scopes": "、".join(authorization.scope_labels),
        },
    )
    return authorization


def _verify_signer(
    *, authorization: Authorization, user: User, password: str | None, otp_token: str | None
) -> str:
    """The signer is an owner of the enterprise who proved it again; returns the method."""
    owner = Membership.objects.filter(
        user=user,
        organization=authorization.enterprise.organization,
        role=Role.ENTERPRISE_OWNER,
        is_active=True,
    ).exists()
    if not owner:
        raise ValidationError(_("只有企业负责人可以签署授权。"))
    if otp_token:
        if match_token(user, otp_token) is None:
            raise ValidationError({"otp_token": _("动态验证码不正确。")})
        return "totp"
    if password and user.check_password(password):
        return "password"
    raise ValidationError({"password": _("请重新输入登录密码以确认签署。")})


@transaction.atomic
def authorization_accept(
    *,
    authorization: Authorization,
    user: User,
    password: str | None = None,
    otp_token: str | None = None,
    legal_rep_consent: bool = False,
    ip_address: str | None = None,
) -> Authorization:
    """The enterprise's owner signs the request as it stands (whole, or not at all)."""
    authorization = (
        Authorization.objects.select_for_update(of=("self",))
        .select_related("enterprise", "bank__organization", "consent_text", "branch")
        .get(pk=authorization.pk)
    )
    if authorization.status != Authorization.Status.PENDING:
        raise ValidationError(_("该授权已处理。"))
    method = _verify_signer(
        authorization=authorization, user=user, password=password, otp_token=otp_token
    )
    if Scope.LEGAL_REPRESENTATIVE in authorization.scopes and not legal_rep_consent:
        raise ValidationError(
            {"legal_rep_consent": _("授权范围含法定代表人个人信息，须单独勾选同意。")}
        )
    now = timezone.now()
    if authorization.expires_at <= now:
        raise ValidationError(_("该授权申请的期限已过，请让银行重新申请。"))
    authorization.status = Authorization.Status.ACTIVE
    authorization.consent_sha256 = hashlib.sha256(
        consent_document(authorization).encode()
    ).hexdigest()
    authorization.legal_rep_consent = legal_rep_consent
    authorization.signed_by = user
    authorization.signed_at = authorization.answered_at = now
    authorization.signed_ip = ip_address
    authorization.signed_method = method
    authorization.save()
    _grant_permission(authorization)
    _event(authorization, "authorization.granted")
    audit(
        action="authorization.accept",
        actor=user,
        organization=authorization.enterprise.organization,
        obj=authorization,
        data={"method": method, "consent_sha256": authorization.consent_sha256},
        ip_address=ip_address,
    )
    _notify_bank(
        authorization,
        _("%(enterprise)s 已同意查询授权") % {"enterprise": authorization.enterprise.name},
    )
    return authorization


@transaction.atomic
def authorization_grant(
    *,
    enterprise: Enterprise,
    bank: Bank,
    user: User,
    purpose: str,
    scopes: Iterable[str],
    application: Any = None,
    password: str | None = None,
    otp_token: str | None = None,
    legal_rep_consent: bool = False,
    ip_address: str | None = None,
    **terms: Any,
) -> Authorization:
    """The enterprise grants a bank access of its own accord (e.g. when applying)."""
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("请选择授权用途。")})
    if application is not None and (
        application.bank_id != bank.pk or application.enterprise_id != enterprise.pk
    ):
        raise ValidationError({"application": _("只能关联本企业向该行提交的申请。")})
    authorization = Authorization(
        enterprise=enterprise,
        bank=bank,
        purpose=purpose,
        application=application,
        requested_by=user,
        consent_text=consent_text(purpose),
        **_terms(scopes=scopes, **_defaults(terms)),
    )
    authorization.full_clean()
    authorization.save()
    return authorization_accept(
        authorization=authorization,
        user=user,
        password=password,
        otp_token=otp_token,
        legal_rep_consent=legal_rep_consent,
        ip_address=ip_address,
    )


def _defaults(terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "history_months": terms.get("history_months", 36),
        "valid_from": terms.get("valid_from"),
        "expires_at": terms.get("expires_at"),
        "fetch_limit": terms.get("fetch_limit", 10),
        "data_life_days": terms.get("data_life_days", 90),
    }


@dataclass(frozen=True)
class Change:
    """One enterprise-side change of a grant: from which states, to which, what the bank hears."""

    sources: frozenset[str]
    target: str
    event: str
    title: Any
    body: Any = ""


S = Authorization.Status
# The table of the enterprise's changes to a grant (signing is ``authorization_accept``; the
# daily job's expiry is ``authorizations_expire``).
CHANGES: dict[str, Change] = {
    "reject": Change(
        frozenset({S.PENDING}),
        S.REJECTED,
        "rejected",
        gettext_lazy("%(enterprise)s 拒绝了查询授权申请"),
    ),
    "pause": Change(
        frozenset({S.ACTIVE}),
        S.PAUSED,
        "paused",
        gettext_lazy("%(enterprise)s 暂停了查询授权"),
        gettext_lazy("自此刻起，该授权下的查询将被拒绝。"),
    ),
    "resume": Change(
        frozenset({S.PAUSED}), S.ACTIVE, "resumed", gettext_lazy("%(enterprise)s 恢复了查询授权")
    ),
    "revoke": Change(
        frozenset({S.ACTIVE, S.PAUSED}),
        S.REVOKED,
        "revoked",
        gettext_lazy("%(enterprise)s 撤销了查询授权"),
        gettext_lazy("自此刻起，该授权下的查询将被拒绝；已下载的数据请按约定期限删除。"),
    ),
}
TIMESTAMPS: dict[str, str] = {
    S.PAUSED: "paused_at",
    S.REVOKED: "revoked_at",
    S.REJECTED: "answered_at",
}


@transaction.atomic
def authorization_change(*, authorization: Authorization, user: User, action: str) -> Authorization:
    """Apply one change of ``CHANGES``: the permission follows the status, the bank is told in
    the app and by an event for its systems, and the change is audited."""
    change = CHANGES[action]
    authorization = (
        Authorization.objects.select_for_update(of=("self",))
        .select_related("enterprise__organization", "bank__organization")
        .get(pk=authorization.pk)
    )
    if not Membership.objects.filter(
        user=user, organization=authorization.enterprise.organization, is_active=True
    ).exists():
        raise ValidationError(_("只有授权企业可以变更授权。"))
    if authorization.status not in change.sources:
        raise ValidationError(
            _("授权当前状态为“%(state)s”，不能执行该操作。")
            % {"state": authorization.get_status_display()}
        )
    authorization.status = change.target
    if change.target in TIMESTAMPS:
        setattr(authorization, TIMESTAMPS[change.target], timezone.now())
    authorization.save()
    if change.target == S.ACTIVE:
        _grant_permission(authorization)
    else:
        _remove_permission(authorization)
    _event(authorization, f"authorization.{change.event}")
    audit(
        action=f"authorization.{action}",
        actor=user,
        organization=authorization.enterprise.organization,
        obj=authorization,
    )
    _notify_bank(
        authorization,
        str(change.title) % {"enterprise": authorization.enterprise.name},
        str(change.body),
    )
    return authorization


def authorization_reject(*, authorization: Authorization, user: User) -> Authorization:
    return authorization_change(authorization=authorization, user=user, action="reject")


def authorization_pause(*, authorization: Authorization, user: User) -> Authorization:
    return authorization_change(authorization=authorization, user=user, action="pause")


def authorization_resume(*, authorization: Authorization, user: User) -> Authorization:
    return authorization_change(authorization=authorization, user=user, action="resume")


def authorization_revoke(*, authorization: Authorization, user: User) -> Authorization:
    return authorization_change(authorization=authorization, user=user, action="revoke")


def authorizations_expire(*, now: dt.datetime | None = None) -> int:
    """Mark live grants past their end as expired and take their permission away. Expiry is
    also enforced at every fetch; this job only makes the status say so."""
    now = now or timezone.now()
    due = list(
        Authorization.objects.filter(
            status__in=[Authorization.Status.ACTIVE, Authorization.Status.PAUSED],
            expires_at__lte=now,
        ).select_related("bank__organization", "enterprise")
    )
    for authorization in due:
        with transaction.atomic():
            Authorization.objects.filter(pk=authorization.pk).update(
                status=Authorization.Status.EXPIRED, expired_marked_at=now
            )
            authorization.status = Authorization.Status.EXPIRED
            _remove_permission(authorization)
            _event(authorization, "authorization.expired")
            _notify_bank(
                authorization,
                _("对 %(enterprise)s 的查询授权已到期")
                % {"enterprise": authorization.enterprise.name},
            )
    return len(due)


def data_life_reminders(*, today: dt.date | None = None) -> int:
    """Tell each bank how many of its downloads reach the end of their data life tomorrow."""
    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    grants = {
        a.pk: a
        for a in Authorization.objects.filter(
            pk__in=AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.ALLOWED)
            .values("authorization_id")
            .distinct()
        ).select_related("bank__organization")
    }
    due: dict[int, int] = {}
    for authorization in grants.values():
        downloaded_on = tomorrow - dt.timedelta(days=authorization.data_life_days)
        start = timezone.make_aware(dt.datetime.combine(downloaded_on, dt.time.min))
        count = AccessLogEntry.objects.filter(
            authorization_id=authorization.pk,
            outcome=AccessLogEntry.Outcome.ALLOWED,
            created_at__gte=start,
            created_at__lt=start + dt.timedelta(days=1),
        ).count()
        if count:
            due[authorization.bank_id] = due.get(authorization.bank_id, 0) + count
    banks = {b.pk: b for b in Bank.objects.filter(pk__in=due).select_related("organization")}
    for bank_id, count in due.items():
        bank = banks[bank_id]
        notify(
            recipients=members_of(bank.organization, (Role.BANK_ADMIN, Role.BANK_CREDIT_OFFICER)),
            organization=bank.organization,
            kind="authorization.data_life",
            title=_("%(count)s 份已下载的企业信用数据明日到达保存期限") % {"count": count},
            body=_("请按授权约定删除到期数据。"),
        )
    return len(due)


# --------------------------------------------------------------------------- the guarded path


def _choose(
    enterprise: Enterprise, bank: Bank, purpose: str, now: dt.datetime
) -> tuple[Authorization | None, str | None]:
    """The grant to use (code None), or the grant that explains why not and the code: the
    newest grant that was ever signed. A pending or rejected request grants nothing."""
    grants = list(
        Authorization.objects.filter(enterprise=enterprise, bank=bank, purpose=purpose).order_by(
            "-requested_at", "-id"
        )
    )
    for grant in grants:
        if grant.is_valid_at(now):
            return grant, None
    for grant in grants:
        if grant.status == S.ACTIVE:
            return grant, "not_yet_valid" if now < grant.valid_from else "expired"
        if grant.status in (S.EXPIRED, S.PAUSED, S.REVOKED):
            return grant, "expired" if grant.status == S.EXPIRED else str(grant.status)
    return None, "no_grant"


def _holds_permission(user: User, grant: Authorization) -> bool:
    """django-guardian's object permission, read in one query from its direct-FK tables (the
    lifecycle grants it to the bank's credit-officer role group)."""
    return AuthorizationGroupObjectPermission.objects.filter(
        content_object_id=grant.pk,
        permission__codename="fetch_profile",
        group__user=user,
    ).exists()


def profile_fetch(
    *,
    user: User,
    membership: Membership | None,
    enterprise: Enterprise,
    purpose: str,
    channel: str,
    sections: Iterable[str] | None = None,
    ip_address: str | None = None,
    render: Callable[[dict[str, Any], Authorization], bytes] | None = None,
) -> Fetched:
    """The only way to an enterprise's profile for a bank. Raises ``FetchRefused``.

    ``render`` turns the allowed content into a document (the PDF report) inside the same
    transaction, so the log entry carries the document's SHA-256."""
    now = timezone.now()
    organization = membership.organization if membership else None
    bank = Bank.objects.filter(organization=organization).first() if organization else None
    wanted = list(sections) if sections is not None else None
    log: dict[str, Any] = {
        "created_at": now,
        "user_id": user.pk,
        "username": user.get_username(),
        "organization_id": organization.pk if organization else None,
        "organization_name": organization.name if organization else "",
        "bank_id": bank.pk if bank else None,
        "enterprise_id": enterprise.pk,
        "purpose": purpose,
        "channel": channel,
        "ip_address": ip_address,
    }
    with transaction.atomic():
        code: str | None = None
        grant: Authorization | None = None
        if bank is None or membership is None or membership.role not in FETCH_ROLES:
            code = "role"
        else:
            grant, code = _choose(enterprise, bank, purpose, now)
            if grant is not None:
                log["authorization_id"] = grant.pk
        if grant is not None and code is None:
            grant = Authorization.objects.select_for_update().get(pk=grant.pk)  # one at a time
            if not grant.is_valid_at(now):
                code = "expired" if now >= grant.expires_at else grant.status
            elif grant.branch_id is not None and membership.branch_id != grant.branch_id:  # type: ignore[union-attr]
                code = "branch"
            elif not _holds_permission(user, grant):
                code = "role"
            elif wanted is not None and not set(wanted) <= set(grant.scopes):
                code = "scope"
            elif (
                AccessLogEntry.objects.filter(
                    authorization_id=grant.pk,
                    outcome=AccessLogEntry.Outcome.ALLOWED,
                    created_at__gte=selectors.month_start(now),
                ).count()
                >= grant.fetch_limit
            ):
                code = "ceiling"
        profile = None
        if code is None:
            profile = (
                LendingProfile.objects.filter(enterprise=enterprise, is_current=True)
                .select_related("scoring_model")
                .first()
            )
            if profile is None:
                code = "no_profile"
        if code is not None or grant is None or profile is None:
            entry = access_log.append(
                **log, outcome=AccessLogEntry.Outcome.REFUSED, reason=code or "no_grant"
            )
            refused = FetchRefused(code or "no_grant", entry)
        else:
            scopes = wanted if wanted is not None else grant.scopes
            content = profile_sections(profile, scopes, history_months=grant.history_months)
            document = render(content, grant) if render is not None else None
            entry = access_log.append(
                **log,
                outcome=AccessLogEntry.Outcome.ALLOWED,
                sections=content["scopes"],
                profile_version=profile.version,
                report_sha256=hashlib.sha256(document).hexdigest() if document else "",
            )
            return Fetched(
                content=content,
                profile=profile,
                authorization=grant,
                entry=entry,
                document=document,
            )
    raise refused


def fetch_counts_by_bank(jurisdiction: str, since: dt.datetime) -> list[dict[str, Any]]:
    """For a regulator: allowed and refused fetches per bank on enterprises of its region."""
    enterprise_ids = Enterprise.objects.filter(region_code__startswith=jurisdiction).values("pk")
    rows = (
        AccessLogEntry.objects.filter(created_at__gte=since, enterprise_id__in=enterprise_ids)
        .values("bank_id", "organization_name", "outcome")
        .annotate(n=Count("pk"))
        .order_by("organization_name", "outcome")
    )
    return list(rows)


__all__ = [
    "REASONS",
    "FetchRefused",
    "Fetched",
    "authorization_accept",
    "authorization_change",
    "authorization_grant",
    "authorization_pause",
    "authorization_reject",
    "authorization_request",
    "authorization_resume",
    "authorization_revoke",
    "authorizations_expire",
    "data_life_reminders",
    "fetch_counts_by_bank",
    "profile_fetch",
    "role_group",
]
