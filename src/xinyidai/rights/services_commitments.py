"""Writes of the commitments process (being built)."""

from __future__ import annotations


def commitments_daily() -> dict[str, int]:
    return {}
