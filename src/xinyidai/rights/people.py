"""Who may act in the rights processes, and who is told."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from xinyidai.accounts.models import Membership, Organization, Role, User


def is_member(user: User, organization: Organization | None, roles: Iterable[str]) -> bool:
    """An active user with an active membership of one of ``roles`` in ``organization``."""
    return (
        organization is not None
        and user.is_active
        and Membership.objects.filter(
            user=user, organization=organization, role__in=list(roles), is_active=True
        ).exists()
    )


def operators() -> QuerySet[User]:
    """Active platform operators of every platform organization."""
    memberships = Membership.objects.filter(
        role=Role.PLATFORM_OPERATOR,
        is_active=True,
        organization__kind=Organization.Kind.PLATFORM,
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")


def is_operator(user: User) -> bool:
    return operators().filter(pk=user.pk).exists()
