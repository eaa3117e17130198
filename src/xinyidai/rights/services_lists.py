"""Writes of the lists process (being built)."""

from __future__ import annotations


def lists_daily() -> dict[str, int]:
    return {}
