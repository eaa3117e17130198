"""Helpers of the objection page and API tests: signing in each persona, more records to object
to, and the counts that must not change when input is refused."""

from __future__ import annotations

from django.test import Client

from tests.conftest import login
from tests.sources.conftest import TAX_HEADER, deliver, tax_csv
from xinyidai.accounts.models import Organization, User
from xinyidai.rights.models import Objection, ObjectionEvent, ObjectionEvidence
from xinyidai.sources.models import Batch

from .conftest import World, file_objection, stored_files

TWO_FACTOR = ("officer", "other_officer", "regulator")


def signed_in(client: Client, user: User) -> Client:
    """``user`` signed in (bank and regulator staff past TOTP as well)."""
    return login(client, user, verify=user.username in TWO_FACTOR)


def counts() -> tuple[int, int, int, int]:
    return (
        Objection.objects.count(),
        ObjectionEvidence.objects.count(),
        ObjectionEvent.objects.count(),
        len(stored_files()),
    )


def more_months(provider: Organization, uscc: str, months: list[str]) -> Batch:
    """Tax records of ``uscc`` for more months (YYYY-MM), delivered by ``provider``."""
    rows = [f"{uscc},{month},1000,200,50,80000,0" for month in months]
    batch = deliver(provider, tax_csv(rows, header=TAX_HEADER))
    assert batch.status == Batch.Status.ACCEPTED, batch.message
    return batch


def many_objections(world: World, n: int) -> list[Objection]:
    """``n`` objections of enterprise A, one per month of 2025 (its January 2026 left free)."""
    months = [f"2025-{m:02d}" for m in range(1, n + 1)]
    more_months(world.tax, world.p.enterprise_a.uscc, months)
    return [
        file_objection(world, key={"uscc": world.p.enterprise_a.uscc, "period": f"{month}-01"})
        for month in months
    ]
