"""Reads for data collection, already restricted to what the acting organization may see."""

from __future__ import annotations

from django.db.models import QuerySet

from xinyidai.accounts.models import Membership, Organization, Role

from .models import Batch, Source

OPERATOR_ROLES = frozenset({Role.PLATFORM_OPERATOR})


def is_operator(membership: Membership | None) -> bool:
    return bool(
        membership
        and membership.organization.kind == Organization.Kind.PLATFORM
        and membership.role in OPERATOR_ROLES
    )


def batches_visible_to(membership: Membership | None) -> QuerySet[Batch]:
    """A provider sees its own batches; the platform operator sees all; anyone else none."""
    batches = Batch.objects.select_related("source", "provider", "uploaded_by")
    if is_operator(membership):
        return batches
    if membership and membership.organization.kind == Organization.Kind.DATA_PROVIDER:
        return batches.filter(provider_id=membership.organization_id)
    return batches.none()


def sources_deliverable_by(organization: Organization) -> QuerySet[Source]:
    """The active sources this provider's kind may deliver."""
    kind = getattr(getattr(organization, "data_provider", None), "kind", None)
    if kind is None:
        return Source.objects.none()
    return Source.objects.filter(provider_kind=kind, is_active=True)


def source_catalogue() -> QuerySet[Source]:
    return Source.objects.prefetch_related("columns")
