"""Writes of the repair process (being built)."""

from __future__ import annotations


def repairs_daily() -> dict[str, int]:
    return {}
