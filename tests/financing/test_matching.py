"""Matching: eligible products ranked with reasons; each ineligible one with its first failure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xinyidai.financing import flags, selectors
from xinyidai.financing.matching import NeedTerms

from .conftest import MONDAY, give_profile, make_product

TERMS = NeedTerms(
    amount=Decimal("800000"),
    term_months=12,
    max_rate=Decimal("5.00"),
    guarantee_mask=flags.mask(flags.Guarantee, ["credit"]),
    scenario_mask=flags.mask(flags.Scenario, ["tax_credit"]),
)

# One product per rule, failing that rule only, and the words the enterprise reads.
RULE_CASES = [
    ("region", {"region_prefixes": ["4403"]}, "该产品只面向以下地区的企业：广东省 深圳市"),
    ("industry", {"industries": ["A"]}, "该产品只面向以下行业：A 农、林、牧、渔业"),
    ("size", {"sizes": ["micro", "medium"]}, "该产品只面向中型、微型企业"),
    ("years", {"min_years": 10}, "该产品要求成立满 10 年，贵企业成立 8.0 年"),
    ("lists", {"excluded_flags": ["dishonest_debtor"]}, "被列入失信被执行人的企业不能申请该产品"),
    ("grade", {"worst_grade": "A"}, "信用等级 B 低于该产品要求的 A"),
    ("tax_grade", {"worst_tax_grade": "A"}, "纳税信用等级 B 低于该产品要求的 A"),
    ("amount_max", {"amount_max": Decimal("500000")}, "金额超出该产品上限 50万元"),
    ("amount_min", {"amount_min": Decimal("1000000")}, "金额低于该产品下限 100万元"),
    ("term_max", {"term_min": 1, "term_max": 6}, "期限超出该产品上限 6 个月"),
    ("term_min", {"term_min": 24}, "期限低于该产品下限 24 个月"),
    ("rate", {"rate_min": Decimal("5.5")}, "该产品最低年利率 5.50% 高于您可接受的 5.00%"),
    (
        "guarantee",
        {"guarantees": ["mortgage"]},
        "该产品不接受您可提供的担保方式（信用），仅接受：抵押",
    ),
]


@pytest.fixture
def facts(personas):
    give_profile(
        personas.enterprise_a,
        "B",
        flags={"dishonest_debtor": True, "abnormal_operation": False},
        sources={"tax_credit_grade": {"history": [{"year": 2025, "grade": "B"}]}},
    )
    with time_machine.travel(MONDAY, tick=False):
        yield selectors.enterprise_facts(personas.enterprise_a)


@pytest.mark.parametrize(("rule", "overrides", "words"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_it_explains_the_rule_an_ineligible_product_fails(personas, facts, rule, overrides, words):
    if rule != "lists":  # the enterprise is on the dishonest-debtor list for every other case
        facts = type(facts)(**{**facts.__dict__, "list_flag_mask": 0})
    product = make_product(personas.bank, personas.officer, name=f"规则{rule}", **overrides)
    matches = selectors.matches_for(facts, TERMS)
    assert matches.eligible == []
    [(shown, match)] = matches.ineligible
    assert shown == product
    assert (match.failed_rule, match.failure) == (rule, words)


def test_it_reports_the_first_rule_in_order(personas, facts):
    make_product(
        personas.bank,
        personas.officer,
        region_prefixes=["4403"],
        amount_max=Decimal("500000"),
    )
    [(_product, match)] = selectors.matches_for(facts, TERMS).ineligible
    assert match.failed_rule == "region"


def test_it_says_so_when_there_is_no_profile_to_judge_by(personas):
    make_product(personas.bank, personas.officer, worst_grade="C")
    with time_machine.travel(MONDAY, tick=False):
        facts = selectors.enterprise_facts(personas.enterprise_a)
    [(_product, match)] = selectors.matches_for(facts, TERMS).ineligible
    assert match.failure == "该产品要求信用等级不低于 C，贵企业暂无信用画像等级"


def test_it_ranks_eligible_products_and_gives_reasons(personas, facts):
    facts = type(facts)(**{**facts.__dict__, "list_flag_mask": 0})
    plain = make_product(
        personas.bank, personas.officer, name="普通经营贷", scenarios=[], rate_min=Decimal("4.5")
    )
    best = make_product(
        personas.other_bank,
        personas.other_officer,
        name="纳税信用贷",
        rate_min=Decimal("3.2"),
        worst_grade="C",
        first_loan_friendly=True,
    )
    matches = selectors.matches_for(facts, TERMS)
    assert [p for p, _m in matches.eligible] == [best, plain]
    top = matches.eligible[0][1]
    assert top.reasons == [
        "金额 80万元 在产品范围 10万元–300万元 内",
        "年利率 3.20% 起，不高于您可接受的 5.00%",
        "接受您可提供的担保方式：信用",
        "适用场景：纳税信用贷",
        "信用等级 B 满足产品要求（不低于 C）",
        "首贷友好：欢迎首次向银行借款的企业",
    ]
    assert top.score > matches.eligible[1][1].score


def test_withdrawn_and_draft_products_are_not_matched(personas, facts):
    make_product(personas.bank, personas.officer, publish=False)
    assert selectors.matches_for(facts, TERMS).result.eligible_count == 0
    assert len(selectors.matches_for(facts, TERMS).ineligible) == 0


def test_money_and_rates_read_as_people_say_them():
    assert flags.yuan_wan(Decimal("3000000")) == "300万元"
    assert flags.yuan_wan(Decimal("1250000.00")) == "125万元"
    assert flags.yuan_wan(Decimal("123456.78")) == "12.35万元"
    assert flags.yuan_wan(Decimal("9800")) == "9,800元"
    assert flags.percent(Decimal("3.850")) == "3.85%"
    assert flags.percent(Decimal("4")) == "4.00%"


def test_a_changed_product_is_matched_as_it_is_now(personas, facts):
    """The per-process frame of products is rebuilt when any product changes."""
    from xinyidai.accounts.models import Bank
    from xinyidai.financing import services
    from xinyidai.financing.models import LoanProduct

    from .conftest import product_values

    facts = type(facts)(**{**facts.__dict__, "list_flag_mask": 0})
    product = make_product(personas.bank, personas.officer)
    assert selectors.matches_for(facts, TERMS).result.eligible_count == 1
    services.product_save(
        bank=Bank.objects.get(organization=personas.bank),
        actor=personas.officer,
        product=product,
        **product_values(amount_max=Decimal("500000")),
    )
    [(_p, match)] = selectors.matches_for(facts, TERMS).ineligible
    assert match.failure == "金额超出该产品上限 50万元"
    # A change made elsewhere (another process) is seen through the products' own columns.
    LoanProduct.objects.filter(pk=product.pk).update(
        status=LoanProduct.Status.WITHDRAWN, updated_at=product.updated_at + dt.timedelta(seconds=1)
    )
    assert selectors.matches_for(facts, TERMS).ineligible == []
