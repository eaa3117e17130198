"""Reads for the enterprise registry."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Enterprise


def enterprises_in_region(prefix: str) -> QuerySet[Enterprise]:
    """Enterprises registered under a region-code prefix (province, city or county)."""
    return Enterprise.objects.filter(region_code__startswith=prefix)
