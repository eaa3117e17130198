"""Shared personas (STYLE.md): who owns, who is a member elsewhere, who sees nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, EnterpriseFactory, UserFactory
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import (
    bank_create,
    membership_grant,
    organization_create,
    regulator_create,
)
from xinyidai.registry.models import Enterprise


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    alice: User  # owner of enterprise A
    amy: User  # staff of enterprise A
    bob: User  # owner of enterprise B (a member of another enterprise)
    officer: User  # credit officer of bank 1
    other_officer: User  # credit officer of bank 2
    regulator: User  # analyst of the Shenzhen regulator (another region than Zhaoqing)
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    bank: Organization
    other_bank: Organization


def _enterprise_org(enterprise: Enterprise) -> Organization:
    org = organization_create(
        name=enterprise.name, kind=Organization.Kind.ENTERPRISE, region_code=enterprise.region_code
    )
    enterprise.organization = org
    enterprise.save()
    return org


@pytest.fixture
def personas(db) -> Personas:
    enterprise_a = EnterpriseFactory(name="肇庆甲有限公司")
    enterprise_b = EnterpriseFactory(name="肇庆乙有限公司")
    org_a, org_b = _enterprise_org(enterprise_a), _enterprise_org(enterprise_b)
    alice, amy, bob = (
        UserFactory(username="alice"),
        UserFactory(username="amy"),
        UserFactory(username="bob"),
    )
    membership_grant(user=alice, organization=org_a, role=Role.ENTERPRISE_OWNER)
    membership_grant(user=amy, organization=org_a, role=Role.ENTERPRISE_STAFF)
    membership_grant(user=bob, organization=org_b, role=Role.ENTERPRISE_OWNER)
    bank = bank_create(
        name="测试银行一", short_name="一行", licence_number="B0001", head_office_region="441202"
    )
    other = bank_create(
        name="测试银行二", short_name="二行", licence_number="B0002", head_office_region="441202"
    )
    officer, other_officer = UserFactory(username="officer"), UserFactory(username="other_officer")
    membership_grant(user=officer, organization=bank.organization, role=Role.BANK_CREDIT_OFFICER)
    membership_grant(
        user=other_officer, organization=other.organization, role=Role.BANK_CREDIT_OFFICER
    )
    regulator_org = regulator_create(
        name="深圳测试监管局", jurisdiction="4403", region_code="440304"
    )
    regulator = UserFactory(username="regulator")
    membership_grant(
        user=regulator, organization=regulator_org.organization, role=Role.REGULATOR_ANALYST
    )
    return Personas(
        alice=alice,
        amy=amy,
        bob=bob,
        officer=officer,
        other_officer=other_officer,
        regulator=regulator,
        enterprise_a=enterprise_a,
        enterprise_b=enterprise_b,
        bank=bank.organization,
        other_bank=other.organization,
    )


def confirmed_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def login(client: Client, user: User, *, verify: bool = False) -> Client:
    """Log in through the real log-in form (axes in the loop) and, if asked, pass TOTP."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if verify:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or confirmed_totp(
            user
        )
        response = client.post("/accounts/two-factor/", {"token": current_code(device)})
        assert response.status_code == 302
    return client
