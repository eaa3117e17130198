"""Reads for identity: memberships a user can act in."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, User


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization", "organization__enterprise")
        .order_by("organization__kind", "organization__name")
    )
