"""Fixtures of the oversight tests: regulators at three levels and a ``Book`` that writes
enterprises, products and applications directly (every field as a test states it), so that each
test knows the exact figures the cube must give.

Tests that need the lifecycle's own computations (working days, first-loan default) go through
``xinyidai.financing.services`` instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import login
from tests.factories import EnterpriseFactory, UserFactory, make_uscc
from xinyidai.accounts.models import Bank, Branch, Organization, Regulator, Role, User
from xinyidai.accounts.services import (
    bank_create,
    branch_create,
    membership_grant,
    regulator_create,
)
from xinyidai.financing import flags
from xinyidai.financing.flags import Guarantee, Scenario
from xinyidai.financing.models import Application, LoanProduct
from xinyidai.registry.models import Enterprise

CST = dt.timezone(dt.timedelta(hours=8))

# Size classes by (employees, revenue, total assets) for industry 13 (manufacturing).
SIZES = {
    "micro": (5, Decimal("500000"), Decimal("1000000")),
    "small": (25, Decimal("5000000"), Decimal("8000000")),
    "medium": (500, Decimal("100000000"), Decimal("100000000")),
    "large": (1500, Decimal("500000000"), Decimal("500000000")),
}


def at(day: dt.date | str, hour: int = 10) -> dt.datetime:
    """A Beijing-time moment on ``day`` (ISO text or date)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CST)


@dataclass
class Regulators:
    province: User  # jurisdiction 44 (Guangdong)
    zhaoqing: User  # jurisdiction 4412
    shenzhen: User  # jurisdiction 4403
    county: User  # jurisdiction 441202 (Duanzhou)
    zhaoqing_regulator: Regulator
    shenzhen_regulator: Regulator


def _regulator(name: str, jurisdiction: str, region: str, username: str) -> tuple[User, Regulator]:
    regulator = regulator_create(name=name, jurisdiction=jurisdiction, region_code=region)
    user = UserFactory(username=username)
    membership_grant(user=user, organization=regulator.organization, role=Role.REGULATOR_ANALYST)
    return user, regulator


@pytest.fixture
def regulators(db) -> Regulators:
    province, _ = _regulator("广东测试监管局", "44", "440100", "gd_regulator")
    zhaoqing, zq = _regulator("肇庆测试监管局", "4412", "441202", "zq_regulator")
    shenzhen, sz = _regulator("深圳测试监管局", "4403", "440304", "sz_regulator")
    county, _ = _regulator("端州测试监管局", "441202", "441202", "dz_regulator")
    return Regulators(province, zhaoqing, shenzhen, county, zq, sz)


def regulator_client(client: Any, user: User) -> Any:
    return login(client, user, verify=True)


_numbers = itertools.count(900_001)


@dataclass
class Book:
    """Two banks (one with a second branch), one product each, and a way to write applications."""

    bank: Bank
    other_bank: Bank
    branch: Branch  # bank 1's head office (441202)
    second_branch: Branch  # bank 1's Shenzhen branch (440304)
    other_branch: Branch
    product: LoanProduct  # bank 1: tax-credit and technology scenarios, credit or guarantee
    other_product: LoanProduct  # bank 2: supply-chain scenario, mortgage or credit
    enterprises: list[Enterprise] = field(default_factory=list)

    def enterprise(
        self, region: str = "441202", size: str = "small", industry: str = "13", **extra: Any
    ) -> Enterprise:
        employees, revenue, assets = SIZES[size]
        number = next(_numbers)
        enterprise = EnterpriseFactory(
            uscc=make_uscc(number, region),
            region_code=region,
            industry_code=industry,
            employees=employees,
            annual_revenue=revenue,
            total_assets=assets,
            **extra,
        )
        assert enterprise.size_class == size, enterprise.size_class
        self.enterprises.append(enterprise)
        return enterprise

    def application(
        self,
        enterprise: Enterprise,
        *,
        submitted: dt.datetime,
        product: LoanProduct | None = None,
        branch: Branch | None = None,
        amount: Decimal | str = "500000",
        guarantee: str = Guarantee.CREDIT,
        state: str | None = None,
        **fields: Any,
    ) -> Application:
        """An application as it stands after its history; pass the dated fields it has
        (accepted_at, decided_at, approved_amount, reject_reason, withdrawn_at, disbursed_on,
        disbursed_amount, disbursed_rate, disbursed_guarantee, is_first_loan, settled_on, ...).
        Due dates default to the submission day (both deadlines met by answers that day)."""
        product = product or self.product
        if branch is None:
            branch = self.branch if product.bank_id == self.bank.pk else self.other_branch
        if "disbursed_amount" in fields:
            fields.setdefault("disbursed_guarantee", guarantee)
            fields.setdefault("disbursed_rate", Decimal("4.000"))
            fields.setdefault("disbursed_term_months", 12)
            fields.setdefault("approved_amount", fields["disbursed_amount"])
            fields.setdefault("decided_at", submitted)
            fields.setdefault("accepted_at", submitted)
            fields.setdefault("is_credit_loan", fields["disbursed_guarantee"] == Guarantee.CREDIT)
        fields.setdefault("accept_due_on", submitted.astimezone(CST).date())
        fields.setdefault("decision_due_on", submitted.astimezone(CST).date())
        if state is None:
            state = _state_of(fields)
        return Application.objects.create(
            enterprise=enterprise,
            product=product,
            bank=product.bank,
            branch=branch,
            amount=Decimal(str(amount)),
            term_months=12,
            guarantee=guarantee,
            purpose="working_capital",
            submitted_at=submitted,
            state=state,
            **{
                k: Decimal(str(v)) if k.endswith(("_amount", "_rate")) and v is not None else v
                for k, v in fields.items()
            },
        )

    def loan(
        self,
        enterprise: Enterprise,
        disbursed_on: dt.date | str,
        amount: Decimal | str = "500000",
        *,
        first: bool = False,
        guarantee: str = Guarantee.CREDIT,
        rate: Decimal | str = "4.000",
        **fields: Any,
    ) -> Application:
        """A loan disbursed on ``disbursed_on``, submitted, accepted and approved the same day."""
        day = dt.date.fromisoformat(disbursed_on) if isinstance(disbursed_on, str) else disbursed_on
        return self.application(
            enterprise,
            submitted=at(day),
            guarantee=guarantee,
            amount=amount,
            disbursed_on=day,
            disbursed_amount=amount,
            disbursed_rate=rate,
            disbursed_guarantee=guarantee,
            is_first_loan=first,
            **fields,
        )


def _state_of(fields: dict[str, Any]) -> str:
    S = Application.State
    if fields.get("defaulted_on"):
        return S.DEFAULTED
    if fields.get("settled_on"):
        return S.SETTLED
    if fields.get("overdue_since") and not fields.get("cured_on"):
        return S.OVERDUE
    if fields.get("disbursed_on"):
        return S.REPAYING if fields.get("repaying_since") or fields.get("cured_on") else S.DISBURSED
    if fields.get("withdrawn_at"):
        return S.WITHDRAWN
    if fields.get("reject_reason"):
        return S.REJECTED
    if fields.get("approved_amount"):
        return S.APPROVED
    if fields.get("accepted_at"):
        return S.ACCEPTED
    return S.SUBMITTED


def _product(bank: Bank, name: str, scenarios: list[str], guarantees: list[str]) -> LoanProduct:
    return LoanProduct.objects.create(
        bank=bank,
        name=name,
        amount_min=Decimal("10000"),
        amount_max=Decimal("20000000"),
        term_min=1,
        term_max=60,
        rate_min=Decimal("2.000"),
        rate_max=Decimal("12.000"),
        guarantee_mask=flags.mask(Guarantee, guarantees),
        scenario_mask=flags.mask(Scenario, scenarios),
        status=LoanProduct.Status.PUBLISHED,
    )


@pytest.fixture
def book(db) -> Book:
    bank = bank_create(
        name="监测测试银行一",
        short_name="监测一行",
        licence_number="M0001",
        head_office_region="441202",
    )
    other = bank_create(
        name="监测测试银行二",
        short_name="监测二行",
        licence_number="M0002",
        head_office_region="441202",
    )
    second = branch_create(
        bank=bank, name="监测测试银行一深圳分行", code="0002", region_code="440304"
    )
    return Book(
        bank=bank,
        other_bank=other,
        branch=Branch.objects.get(bank=bank, is_head_office=True),
        second_branch=second,
        other_branch=Branch.objects.get(bank=other, is_head_office=True),
        product=_product(bank, "纳税科技贷", ["tax_credit", "technology"], ["credit", "guarantee"]),
        other_product=_product(other, "供应链贷", ["supply_chain"], ["mortgage", "credit"]),
    )


def organization_of(user: User) -> Organization:
    return user.memberships.get().organization
