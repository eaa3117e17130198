"""Tell people what concerns them: in the notification centre at once, by e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinyidai.accounts.models import Membership, Organization, User

from .models import Notification


def members_of(
    organization: Organization | None, roles: Iterable[str] | None = None
) -> QuerySet[User]:
    """Active users of an organization (with one of ``roles`` if given)."""
    if organization is None:
        return User.objects.none()
    memberships = Membership.objects.filter(organization=organization, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    organization: Organization | None = None,
    email: bool = True,
) -> list[Notification]:
    """One notification per distinct recipient; e-mails are sent by a task after commit."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                organization=organization,
                kind=kind,
                title=title[:200],
                body=body,
                url=url[:300],
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email and created:
        from .tasks import notifications_email

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: notifications_email.delay(ids))
    return created


def notifications_email(*, notification_ids: list[int]) -> int:
    """Send the e-mail of each notification not yet e-mailed; returns how many were sent."""
    pending = list(
        Notification.objects.filter(
            pk__in=notification_ids, emailed_at__isnull=True
        ).select_related("recipient")
    )
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    messages: list[tuple[str, str, str, list[str]]] = []
    sent: list[int] = []
    for notification in pending:
        address = notification.recipient.email
        if not address:
            continue
        link = f"\n\n{base}{notification.url}" if notification.url else ""
        messages.append(
            (
                f"[信易贷] {notification.title}",
                f"{notification.body}{link}",
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        )
        sent.append(notification.pk)
    if messages:
        send_mass_mail(tuple(messages), fail_silently=False)
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
