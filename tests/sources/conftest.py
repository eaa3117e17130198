"""Data-provider personas and a helper that delivers a file through the real services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.base import ContentFile

from tests.factories import UserFactory, make_uscc
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import (
    data_provider_create,
    membership_grant,
    organization_create,
)
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import batch_create, batch_ingest

TAX_HEADER_ZH = (
    "统一社会信用代码,所属期,增值税实缴,企业所得税实缴,其他税费实缴,申报销售收入,欠税余额"
)
TAX_HEADER = "uscc,period,vat_paid,cit_paid,other_tax_paid,declared_sales,arrears_amount"
USCC = [make_uscc(n) for n in range(1, 41)]


@pytest.fixture(autouse=True)
def _today():
    """Ingestion refuses months after the current one: fix the date."""
    with time_machine.travel("2026-11-20 10:00:00+08:00", tick=True):
        yield


@dataclass
class Providers:
    tax: Organization
    other_tax: Organization
    utilities: Organization
    platform: Organization
    taxi: User  # uploader at the tax bureau
    tax_reviewer: User  # reviewer at the tax bureau (may look, not upload)
    other_taxi: User  # uploader at another tax bureau
    power: User  # uploader at the utility
    operator: User  # platform operator
    editor: User  # platform content editor (not an operator)


@pytest.fixture
def providers(db) -> Providers:
    tax = data_provider_create(name="肇庆市税务局", kind="tax", region_code="441200").organization
    other = data_provider_create(name="端州区税务局", kind="tax", region_code="441202").organization
    utilities = data_provider_create(
        name="肇庆供电局", kind="utilities", region_code="441200"
    ).organization
    platform = organization_create(
        name="肇庆市信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    users = {
        name: UserFactory(username=name)
        for name in ("taxi", "tax_reviewer", "other_taxi", "power", "operator", "editor")
    }
    membership_grant(user=users["taxi"], organization=tax, role=Role.PROVIDER_UPLOADER)
    membership_grant(user=users["tax_reviewer"], organization=tax, role=Role.PROVIDER_REVIEWER)
    membership_grant(user=users["other_taxi"], organization=other, role=Role.PROVIDER_UPLOADER)
    membership_grant(user=users["power"], organization=utilities, role=Role.PROVIDER_UPLOADER)
    membership_grant(user=users["operator"], organization=platform, role=Role.PLATFORM_OPERATOR)
    membership_grant(user=users["editor"], organization=platform, role=Role.PLATFORM_EDITOR)
    return Providers(tax=tax, other_tax=other, utilities=utilities, platform=platform, **users)


def tax_csv(rows: list[str], *, header: str = TAX_HEADER_ZH, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def deliver(
    provider: Organization, content: bytes, *, source: str = "tax_monthly", name: str = "f.csv"
) -> Batch:
    batch = batch_create(
        source=Source.objects.get(code=source),
        provider=provider,
        file=ContentFile(content),
        name=name,
        channel=Batch.Channel.CLI,
        enqueue=False,
    )
    return batch_ingest(batch_id=batch.pk)
