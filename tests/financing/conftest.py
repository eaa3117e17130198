"""Fixtures of the financing tests: products of two banks, a published need, a graded profile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.conftest import Personas
from xinyidai.accounts.models import Bank, Organization
from xinyidai.financing import services
from xinyidai.financing.models import Application, FinancingNeed, LoanProduct
from xinyidai.profiles.models import LendingProfile
from xinyidai.registry.models import Enterprise

# A Monday with ordinary working days around it (2026-03-02); tests that need today fixed use it.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def product_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "纳税e贷",
        "summary": "按纳税信用发放的信用贷款",
        "amount_min": Decimal("100000"),
        "amount_max": Decimal("3000000"),
        "term_min": 6,
        "term_max": 36,
        "rate_min": Decimal("3.45"),
        "rate_max": Decimal("6.00"),
        "guarantees": ["credit", "guarantee"],
        "scenarios": ["tax_credit"],
        "promised_accept_days": 1,
        "promised_decision_days": 3,
    }
    values.update(overrides)
    return values


def make_product(bank_org: Organization, actor: Any, *, publish: bool = True, **overrides: Any):
    bank = Bank.objects.get(organization=bank_org)
    product = services.product_save(bank=bank, actor=actor, **product_values(**overrides))
    if publish:
        product = services.product_set_status(
            product=product, actor=actor, status=LoanProduct.Status.PUBLISHED
        )
    return product


def need_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "amount": Decimal("800000"),
        "term_months": 12,
        "purpose": "working_capital",
        "description": "采购原材料，订单已签",
        "guarantees": ["credit"],
        "max_rate": Decimal("5.00"),
        "wanted_by": dt.date.today() + dt.timedelta(days=60),
        "scenarios": ["tax_credit"],
    }
    values.update(overrides)
    return values


def give_profile(enterprise: Enterprise, grade: str = "B", **extra: Any) -> LendingProfile:
    """A current profile with a grade (and optional flags/tax grades) without running a model."""
    LendingProfile.objects.filter(enterprise=enterprise, is_current=True).update(is_current=False)
    version = LendingProfile.objects.filter(enterprise=enterprise).count() + 1
    return LendingProfile.objects.create(
        enterprise=enterprise,
        version=version,
        is_current=True,
        as_of=dt.date(2026, 11, 1),
        trigger=LendingProfile.Trigger.FULL,
        feature_set_version="test",
        probability=Decimal("0.020000"),
        grade=grade,
        flags=extra.get("flags", {}),
        sources=extra.get("sources", {}),
        content_sha256="0" * 64,
    )


@pytest.fixture
def product(personas: Personas) -> LoanProduct:
    return make_product(personas.bank, personas.officer)


@pytest.fixture
def other_product(personas: Personas) -> LoanProduct:
    return make_product(personas.other_bank, personas.other_officer, name="二行快贷")


@pytest.fixture
def need(personas: Personas) -> FinancingNeed:
    give_profile(personas.enterprise_a, "B")
    return services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, publish=True, **need_values()
    )


@pytest.fixture
def submitted(personas: Personas, product: LoanProduct) -> Application:
    """Enterprise A's application to bank 1's product, submitted."""
    give_profile(personas.enterprise_a, "B")
    return services.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )


def act(application: Application, action: str, user: Any, org: Organization, **data: Any):
    return services.application_transition(
        application=application, action=action, actor=user, organization=org, **data
    )


def approve_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "amount": Decimal("500000"),
        "rate": Decimal("3.85"),
        "term_months": 12,
        "guarantee": "credit",
    }
    values.update(overrides)
    return values


__all__ = ["MONDAY", "time_machine"]
