"""Commitment personas: the platform (operator, editor), the credit centre that records breaches
for departments, a tax bureau that may not, and helpers to sign the seeded templates.

Today is Friday 2026-02-13 (``tests/rights/conftest.py``). Seeded templates: approval-substitute
(6 months, public), public (standing, public), self-discipline (standing, public), repair
(12 months, not public), certification (3 months, public).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import Personas
from tests.factories import UserFactory
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import data_provider_create, membership_grant, organization_create
from xinyidai.registry.models import Enterprise
from xinyidai.rights.models import Commitment, CommitmentTemplate
from xinyidai.rights.services_commitments import commitment_sign_online


@dataclass
class CWorld:
    p: Personas
    platform: Organization
    operator: User
    editor: User
    centre: Organization  # 公共信用信息中心: records breaches
    centre_reviewer: User
    centre_uploader: User
    tax: Organization  # a tax bureau: may not
    tax_reviewer: User


@pytest.fixture(name="cw")
def cw_fixture(personas: Personas) -> CWorld:
    platform = organization_create(
        name="肇庆市信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    centre = data_provider_create(
        name="肇庆市公共信用信息中心", kind="credit_centre", region_code="441200"
    ).organization
    tax = data_provider_create(name="肇庆市税务局", kind="tax", region_code="441200").organization
    users = {
        name: UserFactory(username=name)
        for name in ("operator", "editor", "centre_reviewer", "centre_uploader", "tax_reviewer")
    }
    membership_grant(user=users["operator"], organization=platform, role=Role.PLATFORM_OPERATOR)
    membership_grant(user=users["editor"], organization=platform, role=Role.PLATFORM_EDITOR)
    membership_grant(
        user=users["centre_reviewer"], organization=centre, role=Role.PROVIDER_REVIEWER
    )
    membership_grant(
        user=users["centre_uploader"], organization=centre, role=Role.PROVIDER_UPLOADER
    )
    membership_grant(user=users["tax_reviewer"], organization=tax, role=Role.PROVIDER_REVIEWER)
    return CWorld(p=personas, platform=platform, centre=centre, tax=tax, **users)


def template(code: str) -> CommitmentTemplate:
    return CommitmentTemplate.objects.filter(code=code).order_by("-version").first()  # type: ignore[return-value]


def sign(
    world: CWorld,
    code: str = "approval-substitute",
    *,
    subject: str = "食品经营许可",
    user: User | None = None,
    enterprise: Enterprise | None = None,
    signer_name: str = "张丽",
) -> Commitment:
    return commitment_sign_online(
        user=user or world.p.alice,
        enterprise=enterprise or world.p.enterprise_a,
        template=template(code),
        subject=subject,
        signer_name=signer_name,
    )
