"""Writes for API clients: create, rotate, revoke. The secret is returned once, never again."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Bank, Membership, Role, User
from xinyidai.accounts.services import membership_grant
from xinyidai.core.models import audit

from .models import ApiClient, Scope

KEY_PREFIX = "bk_"


def _new_key_id() -> str:
    return KEY_PREFIX + secrets.token_hex(12)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in Scope.values]
    if unknown:
        raise ValidationError({"scopes": _("未知的权限范围：%(s)s") % {"s": "、".join(unknown)}})
    return sorted(wanted)


def _service_membership(bank: Bank, key_id: str, actor: User | None) -> Membership:
    """A dedicated user (no usable password) acting as the bank's credit officer."""
    user = User(username=f"api-{key_id}", display_name=_("接口服务账号"))
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return membership_grant(
        user=user,
        organization=bank.organization,
        role=Role.BANK_CREDIT_OFFICER,
        granted_by=actor,
    )


@transaction.atomic
def api_client_create(
    *, bank: Bank, name: str, scopes: Iterable[str], actor: User | None
) -> tuple[ApiClient, str]:
    """A new client of ``bank``; returns it and its secret (shown this once)."""
    key_id, secret = _new_key_id(), _new_secret()
    client = ApiClient(
        bank=bank,
        name=name,
        key_id=key_id,
        secret=secret,
        scopes=_clean_scopes(scopes),
        created_by=actor,
    )
    client.service_membership = _service_membership(bank, key_id, actor)
    client.full_clean()
    client.save()
    audit(
        action="api_client.create",
        actor=actor,
        organization=bank.organization,
        obj=client,
        data={"key_id": key_id, "name": name, "scopes": client.scopes},
    )
    return client, secret


@transaction.atomic
def api_client_rotate(*, client: ApiClient, actor: User | None) -> tuple[ApiClient, str]:
    """A new key for the same client (same service user and scopes); the old key keeps
    working for ``API_KEY_OVERLAP_HOURS`` so the bank can switch without downtime."""
    old = ApiClient.objects.select_for_update().get(pk=client.pk)
    now = timezone.now()
    if not old.is_usable(now):
        raise ValidationError(_("已吊销或已过期的密钥不能轮换。"))
    overlap_end = now + dt.timedelta(hours=settings.API_KEY_OVERLAP_HOURS)
    old.valid_until = min(old.valid_until, overlap_end) if old.valid_until else overlap_end
    old.save(update_fields=["valid_until"])
    key_id, secret = _new_key_id(), _new_secret()
    new = ApiClient(
        bank=old.bank,
        name=old.name,
        key_id=key_id,
        secret=secret,
        scopes=list(old.scopes),
        service_membership=old.service_membership,
        replaces=old,
        created_by=actor,
    )
    new.full_clean()
    new.save()
    audit(
        action="api_client.rotate",
        actor=actor,
        organization=old.bank.organization,
        obj=new,
        data={
            "key_id": key_id,
            "old_key_id": old.key_id,
            "old_valid_until": old.valid_until.isoformat(),
        },
    )
    client.valid_until = old.valid_until
    return new, secret


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: User | None) -> ApiClient:
    """The key stops working at once. The service membership ends when no usable key of the
    same service user remains."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if locked.status == ApiClient.Status.REVOKED:
        return locked
    locked.status = ApiClient.Status.REVOKED
    locked.save(update_fields=["status"])
    others = ApiClient.objects.filter(
        service_membership=locked.service_membership, status=ApiClient.Status.ACTIVE
    ).exclude(pk=locked.pk)
    if not any(other.is_usable() for other in others):
        Membership.objects.filter(pk=locked.service_membership_id).update(is_active=False)
    audit(
        action="api_client.revoke",
        actor=actor,
        organization=locked.bank.organization,
        obj=locked,
        data={"key_id": locked.key_id},
    )
    client.status = locked.status
    return locked
