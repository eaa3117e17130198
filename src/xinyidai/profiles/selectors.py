"""Reads of the risk module, already restricted to what the acting organization may see."""

from __future__ import annotations

from django.db.models import QuerySet

from xinyidai.accounts.models import Bank, Membership, Organization
from xinyidai.registry.models import Enterprise

from .models import JointModelRequest, LendingProfile, MonitoringRun, ProfileRebuild, ScoringModel


def enterprise_of(membership: Membership | None) -> Enterprise | None:
    if membership is None or membership.organization.kind != Organization.Kind.ENTERPRISE:
        return None
    return Enterprise.objects.filter(organization=membership.organization).first()


def bank_of(membership: Membership | None) -> Bank | None:
    if membership is None or membership.organization.kind != Organization.Kind.BANK:
        return None
    return Bank.objects.filter(organization=membership.organization).first()


def profile_versions(enterprise: Enterprise) -> QuerySet[LendingProfile]:
    """Every version of the enterprise's profile, newest first (without the heavy columns)."""
    return (
        LendingProfile.objects.filter(enterprise=enterprise)
        .select_related("scoring_model")
        .only(
            "enterprise_id",
            "version",
            "is_current",
            "built_at",
            "as_of",
            "trigger",
            "grade",
            "probability",
            "scoring_model__purpose",
            "scoring_model__version",
            "scoring_model__bank_id",
        )
        .order_by("-version")
    )


def profile_of(enterprise: Enterprise, version: int | None = None) -> LendingProfile | None:
    queryset = LendingProfile.objects.filter(enterprise=enterprise).select_related("scoring_model")
    if version is None:
        return queryset.filter(is_current=True).first()
    return queryset.filter(version=version).first()


def joint_requests_of(bank: Bank | None) -> QuerySet[JointModelRequest]:
    """The bank's own joint models; nobody else's, ever."""
    if bank is None:
        return JointModelRequest.objects.none()
    return JointModelRequest.objects.filter(bank=bank).select_related("scoring_model")


def platform_models() -> QuerySet[ScoringModel]:
    """The platform's credit models (banks' joint models are not the operator's to browse)."""
    return ScoringModel.objects.filter(purpose=ScoringModel.Purpose.CREDIT).defer(
        "model_text", "reference"
    )


def recent_rebuilds(limit: int = 20) -> QuerySet[ProfileRebuild]:
    return ProfileRebuild.objects.select_related("requested_by")[:limit]


def monitoring_runs(model: ScoringModel, limit: int = 20) -> QuerySet[MonitoringRun]:
    return MonitoringRun.objects.filter(scoring_model=model)[:limit]
