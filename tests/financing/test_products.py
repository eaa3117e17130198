"""Products as the service takes them, whatever page or API sends them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xinyidai.accounts.models import Bank, Membership
from xinyidai.financing import services
from xinyidai.financing.models import LoanProduct

from .conftest import make_product, product_values


def _save(personas, **overrides):
    bank = Bank.objects.get(organization=personas.bank)
    return services.product_save(bank=bank, actor=personas.officer, **product_values(**overrides))


def test_region_prefixes_are_kept_in_their_short_form(personas):
    product = _save(personas, region_prefixes=["441200", "44", "441202", " 4412 "])
    assert product.region_prefixes == ["44", "4412", "441202"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"region_prefixes": ["990000"]},
            "region_prefixes",
            "地区须为2位、4位或6位行政区划代码前缀，“990000”不符合。",
        ),
        ({"industries": ["C", "Z"]}, "industries", "未知选项：Z"),
        ({"sizes": ["tiny"]}, "sizes", "未知选项：tiny"),
        ({"promised_accept_days": "两天"}, "promised_accept_days", "请输入整数。"),
        ({"promised_decision_days": 99}, "promised_decision_days", "须在 0–60 之间。"),
        ({"min_years": "abc"}, "min_years", "最低经营年限格式不正确。"),
        ({"branches": ["x"]}, "branches", "办理网点必须是本行的分支机构。"),
        ({"amount_min": Decimal("0")}, "amount_min", "金额必须大于 0。"),
        ({"rate_max": Decimal("3")}, "rate_max", "最高年利率不能低于最低年利率。"),
    ],
)
def test_it_refuses_bad_product_input_by_field(personas, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        _save(personas, **overrides)
    assert caught.value.message_dict[field] == [message]
    assert LoanProduct.objects.count() == 0


def test_a_bank_cannot_change_another_banks_product(personas):
    theirs = make_product(personas.other_bank, personas.other_officer)
    with pytest.raises(ValidationError, match="只能修改本行的产品"):
        services.product_save(
            bank=Bank.objects.get(organization=personas.bank),
            actor=personas.officer,
            product=theirs,
            **product_values(name="改名"),
        )
    theirs.refresh_from_db()
    assert theirs.name == "纳税e贷"


def test_a_mismatch_tells_the_bank_only_the_needs_own_terms(personas, need):
    membership = Membership.objects.get(user=personas.officer)
    small = make_product(personas.bank, personas.officer, amount_max=Decimal("500000"))
    with pytest.raises(ValidationError) as caught:
        services.interest_express(need=need, product=small, membership=membership)
    assert caught.value.message_dict["product"] == [
        "该产品与此需求不匹配：金额超出该产品上限 50万元"
    ]
    strict = make_product(personas.bank, personas.officer, name="优选贷", worst_grade="A")
    with pytest.raises(ValidationError) as caught:
        services.interest_express(need=need, product=strict, membership=membership)
    assert caught.value.message_dict["product"] == [
        "该产品与此需求不匹配：企业不满足该产品的准入条件"
    ]
