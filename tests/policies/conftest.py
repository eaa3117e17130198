"""Policy tests: a publish helper with complete defaults, and registered enterprises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import EnterpriseFactory, OrganizationFactory, UserFactory
from xinyidai.accounts.models import Membership, Role
from xinyidai.policies.models import PolicyNotice
from xinyidai.policies.services import policy_publish
from xinyidai.registry.models import Enterprise

DEFAULTS: dict[str, Any] = {
    "title": "关于支持中小微企业融资的若干措施",
    "authority": "肇庆市人民政府办公室",
    "document_number": "肇府办〔2026〕12号",
    "issued_on": dt.date(2026, 3, 1),
    "summary": "对首次获得银行贷款的小微企业给予贴息。",
    "region_codes": [],
    "industries": [],
    "sizes": [],
    "scenarios": [],
}


@pytest.fixture
def publish(db) -> Callable[..., PolicyNotice]:
    counter = iter(range(1000, 100000))

    def _publish(**overrides: Any) -> PolicyNotice:
        page_id = overrides.pop("page_id", None) or next(counter)
        values = {**DEFAULTS, "url": f"/policies-portal/{page_id}/", **overrides}
        return policy_publish(page_id=page_id, **values)

    return _publish


def registered_enterprise(*, staff: bool = True, **fields: Any) -> Enterprise:
    """An enterprise with a platform account, an owner and (by default) a staff member."""
    organization = OrganizationFactory(region_code=fields.get("region_code", "441202"))
    enterprise = EnterpriseFactory(organization=organization, **fields)
    Membership.objects.create(
        user=UserFactory(), organization=organization, role=Role.ENTERPRISE_OWNER
    )
    if staff:
        Membership.objects.create(
            user=UserFactory(), organization=organization, role=Role.ENTERPRISE_STAFF
        )
    return enterprise
