"""Objection personas: two tax bureaus that delivered the enterprises' records, the operator.

Enterprise A's January tax record comes from the Zhaoqing tax bureau, enterprise B's from the
Duanzhou one, both through real ingestion. Today is Friday 2026-02-13, the last working day
before the Spring Festival holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.conftest import Personas
from tests.factories import UserFactory
from tests.sources.conftest import TAX_HEADER, deliver, tax_csv
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import data_provider_create, membership_grant, organization_create
from xinyidai.registry.models import Enterprise
from xinyidai.rights.models import Objection
from xinyidai.rights.services import objection_file
from xinyidai.sources.models import Batch, Source

PERIOD = "2026-01-01"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-02-13 10:00:00+08:00", tick=True):
        yield


@dataclass
class World:
    p: Personas
    tax: Organization  # delivered enterprise A's record
    other_tax: Organization  # delivered enterprise B's record
    platform: Organization
    uploader: User  # tax bureau, uploads
    reviewer: User  # tax bureau, reviews objections
    other_reviewer: User  # the other tax bureau
    operator: User  # platform operator
    editor: User  # platform content editor (not an operator)
    source: Source
    batch_a: Batch
    batch_b: Batch

    @property
    def key_a(self) -> dict[str, str]:
        return {"uscc": self.p.enterprise_a.uscc, "period": PERIOD}

    @property
    def key_b(self) -> dict[str, str]:
        return {"uscc": self.p.enterprise_b.uscc, "period": PERIOD}


def tax_row(uscc: str, vat: str = "1000") -> str:
    return f"{uscc},2026-01,{vat},200,50,80000,0"


def redeliver(provider: Organization, uscc: str, vat: str) -> Batch:
    batch = deliver(provider, tax_csv([tax_row(uscc, vat)], header=TAX_HEADER))
    assert batch.status == Batch.Status.ACCEPTED, batch.message
    return batch


@pytest.fixture
def world(personas: Personas) -> World:
    tax = data_provider_create(name="肇庆市税务局", kind="tax", region_code="441200").organization
    other = data_provider_create(name="端州区税务局", kind="tax", region_code="441202").organization
    platform = organization_create(
        name="肇庆市信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    users = {
        name: UserFactory(username=name)
        for name in ("uploader", "reviewer", "other_reviewer", "operator", "editor")
    }
    membership_grant(user=users["uploader"], organization=tax, role=Role.PROVIDER_UPLOADER)
    membership_grant(user=users["reviewer"], organization=tax, role=Role.PROVIDER_REVIEWER)
    membership_grant(user=users["other_reviewer"], organization=other, role=Role.PROVIDER_REVIEWER)
    membership_grant(user=users["operator"], organization=platform, role=Role.PLATFORM_OPERATOR)
    membership_grant(user=users["editor"], organization=platform, role=Role.PLATFORM_EDITOR)
    batch_a = redeliver(tax, personas.enterprise_a.uscc, "1000")
    batch_b = redeliver(other, personas.enterprise_b.uscc, "2000")
    return World(
        p=personas,
        tax=tax,
        other_tax=other,
        platform=platform,
        source=Source.objects.get(code="tax_monthly"),
        batch_a=batch_a,
        batch_b=batch_b,
        **users,
    )


def file_objection(
    world: World,
    *,
    user: User | None = None,
    enterprise: Enterprise | None = None,
    key: dict[str, str] | None = None,
    reason: str = "1月增值税已足额缴纳，记录金额有误。",
    files: list[Any] | None = None,
) -> Objection:
    return objection_file(
        enterprise=enterprise or world.p.enterprise_a,
        user=user or world.p.alice,
        source=world.source,
        record_key=key or world.key_a,
        reason=reason,
        evidence_files=files or [],
    )


def upload(content: bytes, name: str) -> ContentFile[bytes]:
    return ContentFile(content, name=name)


def stored_files(path: str = "objections") -> list[str]:
    """Every file stored under ``path`` (the test storage lives as long as the process)."""
    try:
        directories, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}/{name}" for name in files]
    for directory in directories:
        found += stored_files(f"{path}/{directory}")
    return found
