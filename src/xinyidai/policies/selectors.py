"""Reads of the policy index: which live policies concern an enterprise, and the reverse.

A policy matches an enterprise when every one of its restricting tags admits it:

* region: one of the policy's prefixes starts the enterprise's ``region_code`` (``4412`` covers
  ``441202``, not ``440304``); no prefixes = everywhere;
* industry: the enterprise's section (A–T) is in the policy's mask; 0 = every industry;
* size: the enterprise's size class is in the mask; 0 = every size. An enterprise whose size
  class is unknown matches only policies open to every size.

Scenario tags are shown but never restrict (see ``services``).
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from xinyidai.financing import flags
from xinyidai.registry.models import Enterprise

from .models import PolicyNotice


def _bit(alphabet: str | tuple[str, ...], code: str) -> int:
    return flags.code_mask(alphabet, [code]) if code else 0


def _region_candidates(region_code: str) -> list[str]:
    """The prefixes a policy may carry to cover ``region_code`` (441202 -> 44, 4412, 441202)."""
    if len(region_code) != 6:
        return []
    return sorted({region_code[:2], region_code[:4], region_code})


def live_policies_for(enterprise: Enterprise | None) -> QuerySet[PolicyNotice]:
    """Live policies matching the enterprise, newest first (one query when evaluated)."""
    if enterprise is None:
        return PolicyNotice.objects.none()
    region = Q(region_keys="")
    for candidate in _region_candidates(enterprise.region_code):
        region |= Q(region_keys__contains=f" {candidate} ")
    industry_bit = _bit(flags.SECTION_CODES, enterprise.industry_section)
    size_bit = _bit(flags.SIZE_CODES, enterprise.size_class)
    return (
        PolicyNotice.objects.filter(is_live=True)
        .filter(region)
        .annotate(
            industry_hit=F("industry_mask").bitand(industry_bit),
            size_hit=F("size_mask").bitand(size_bit),
        )
        .filter(Q(industry_mask=0) | Q(industry_hit__gt=0))
        .filter(Q(size_mask=0) | Q(size_hit__gt=0))
        .order_by("-first_published_at", "-id")
    )


def policies_for_enterprise(enterprise: Enterprise | None, *, limit: int = 5) -> list[PolicyNotice]:
    """The published policies whose tags match the enterprise, newest first."""
    return list(live_policies_for(enterprise)[:limit])


def policy_matches(notice: PolicyNotice, enterprise: Enterprise) -> bool:
    """The matching rule in Python (the selectors' SQL must agree with it)."""
    prefixes = notice.region_prefixes or []
    if prefixes and not any(enterprise.region_code.startswith(p) for p in prefixes):
        return False
    industry_bit = _bit(flags.SECTION_CODES, enterprise.industry_section)
    if notice.industry_mask and not notice.industry_mask & industry_bit:
        return False
    size_bit = _bit(flags.SIZE_CODES, enterprise.size_class)
    return not (notice.size_mask and not notice.size_mask & size_bit)


def enterprises_matching(notice: PolicyNotice) -> QuerySet[Enterprise]:
    """Every enterprise (registered on the platform or not) the policy's tags admit."""
    queryset = Enterprise.objects.all()
    prefixes = notice.region_prefixes or []
    if prefixes:
        region = Q()
        for prefix in prefixes:
            region |= Q(region_code__startswith=prefix)
        queryset = queryset.filter(region)
    if notice.industry_mask:
        queryset = queryset.filter(
            industry_section__in=flags.code_list(flags.SECTION_CODES, notice.industry_mask)
        )
    if notice.size_mask:
        queryset = queryset.filter(
            size_class__in=flags.code_list(flags.SIZE_CODES, notice.size_mask)
        )
    return queryset
