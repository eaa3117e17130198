"""Factories for the test suite; codes come from the synthetic generator's check-digit helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
import numpy as np
from stdnum.cn import ric

from risk_models.synth import uscc_check_chars
from xinyidai.accounts.models import Organization, User
from xinyidai.registry.models import Enterprise

PASSWORD = "correct-horse-battery-staple"


def make_uscc(n: int, region: str = "441202") -> str:
    body = f"91{region}{n:08d}0"
    return body + str(uscc_check_chars(np.array([body]))[0])


def make_resident_id(n: int, region: str = "441202", birth: str = "19900101") -> str:
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@test.xinyidai.example")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organization.Kind.ENTERPRISE
    region_code = "441202"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(n + 1))
    name = factory.Sequence(lambda n: f"肇庆测试{n}有限公司")
    legal_rep_name = "测试人"
    legal_rep_id_number = factory.Sequence(lambda n: make_resident_id(n + 1))
    region_code = "441202"
    industry_code = "13"
    employees = 25
    annual_revenue = Decimal("5000000.00")
    total_assets = Decimal("8000000.00")
    established_on = dt.date(2018, 3, 1)
    registered_capital = Decimal("1000000.00")
