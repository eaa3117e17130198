"""Fixtures of the authorization tests: a profile with every section, an application to bank 1,
and a factory of grants signed by enterprise A's owner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Personas
from tests.factories import PASSWORD
from xinyidai.accounts.models import Bank, Membership
from xinyidai.consent import services
from xinyidai.consent.models import Authorization
from xinyidai.financing.models import Application
from xinyidai.profiles.models import LendingProfile

SOURCES = {
    "registration": {
        "name": "登记注册信息",
        "record": {"status": "存续", "legal_rep_name": "测试人"},
    },
    "tax_monthly": {"name": "纳税月度信息", "series": {"tax_paid": [1200.0, None, 1500.0]}},
    "tax_credit_grade": {"name": "纳税信用等级", "history": [{"year": 2025, "grade": "B"}]},
    "social_insurance_monthly": {
        "name": "社会保险缴纳信息",
        "series": {"insured_headcount": [20, 21, 22]},
    },
    "housing_fund_monthly": {
        "name": "住房公积金缴存信息",
        "series": {"contributors": [8, 8, 9]},
    },
    "utilities_monthly": {"name": "水电气缴费信息", "series": {"electricity": [3000, 3100, 2900]}},
    "admin_penalty": {"name": "行政处罚信息", "records": 1},
}
REASONS = [
    {"feature": "tax_paid_trend_6m", "text": "近6个月纳税额下降 30%", "contribution": 0.4},
    {"feature": "si_headcount_trend_3m", "text": "社保参保人数减少", "contribution": 0.2},
    {"feature": "hf_to_si_headcount", "text": "公积金缴存人数占社保人数低", "contribution": 0.1},
    {"feature": "penalty_minor_count_36m", "text": "近3年有1次一般行政处罚", "contribution": 0.1},
]


def rich_profile(enterprise: Any) -> LendingProfile:
    LendingProfile.objects.filter(enterprise=enterprise, is_current=True).update(is_current=False)
    return LendingProfile.objects.create(
        enterprise=enterprise,
        version=LendingProfile.objects.filter(enterprise=enterprise).count() + 1,
        is_current=True,
        as_of=dt.date(2026, 11, 1),
        trigger=LendingProfile.Trigger.FULL,
        feature_set_version="test",
        probability=Decimal("0.021000"),
        grade="B",
        reasons=REASONS,
        registration={
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "region": "广东省 肇庆市 端州区",
            "legal_representative": {"name": "测试人"},
            "months": ["2026-08", "2026-09", "2026-10"],
        },
        sources=SOURCES,
        events=[{"source": "admin_penalty", "date": "2025-05-01", "title": "一般行政处罚"}],
        flags={"dishonest_debtor": False, "abnormal_operation": False},
        content_sha256="2" * 64,
    )


@pytest.fixture
def profile(personas: Personas) -> LendingProfile:
    return rich_profile(personas.enterprise_a)


@pytest.fixture
def application(personas: Personas) -> Application:
    """Enterprise A applied to bank 1 (what lets bank 1 ask for a grant)."""
    from tests.financing.conftest import give_profile, make_product
    from xinyidai.financing import services as financing

    product = make_product(personas.bank, personas.officer)
    give_profile(personas.enterprise_a, "B")
    return financing.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )


def grant(personas: Personas, **overrides: Any) -> Authorization:
    """An active grant of enterprise A to bank 1, signed by alice with her password."""
    values: dict[str, Any] = {
        "enterprise": personas.enterprise_a,
        "bank": Bank.objects.get(organization=personas.bank),
        "user": personas.alice,
        "purpose": "pre_loan",
        "scopes": [
            "registration",
            "tax",
            "social_insurance",
            "housing_fund",
            "utilities",
            "public_credit",
        ],
        "password": PASSWORD,
        "ip_address": "10.0.0.8",
    }
    values.update(overrides)
    return services.authorization_grant(**values)


def fetch(personas: Personas, user: Any = None, **kwargs: Any) -> services.Fetched:
    user = user or personas.officer
    membership = Membership.objects.filter(user=user).select_related("organization").first()
    values: dict[str, Any] = {
        "user": user,
        "membership": membership,
        "enterprise": personas.enterprise_a,
        "purpose": "pre_loan",
        "channel": "web",
        "ip_address": "10.1.2.3",
    }
    values.update(kwargs)
    return services.profile_fetch(**values)
