"""Which live policies concern which enterprise (selectors)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import EnterpriseFactory
from xinyidai.policies.selectors import (
    enterprises_matching,
    policies_for_enterprise,
    policy_matches,
)
from xinyidai.policies.services import policy_unpublish

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhaoqing_small_maker():
    # 441202 肇庆市端州区, industry 13 (section C), 25 people / 500万元 revenue: small
    enterprise = EnterpriseFactory(region_code="441202", industry_code="13")
    assert (enterprise.industry_section, enterprise.size_class) == ("C", "small")
    return enterprise


@pytest.fixture
def shenzhen_micro_service():
    enterprise = EnterpriseFactory(
        region_code="440304",
        industry_code="65",
        employees=5,
        annual_revenue=Decimal("500000.00"),
        total_assets=Decimal("800000.00"),
    )
    assert (enterprise.industry_section, enterprise.size_class) == ("I", "micro")
    return enterprise


def _titles(enterprise):
    return [p.title for p in policies_for_enterprise(enterprise, limit=50)]


def test_it_matches_by_region_prefix(publish, zhaoqing_small_maker, shenzhen_micro_service):
    zhaoqing = publish(title="肇庆市政策", region_codes=["4412"])
    province = publish(title="广东省政策", region_codes=["440000"])
    district = publish(title="福田区政策", region_codes=["440304"])

    assert _titles(zhaoqing_small_maker) == ["广东省政策", "肇庆市政策"]
    assert _titles(shenzhen_micro_service) == ["福田区政策", "广东省政策"]
    assert policy_matches(zhaoqing, zhaoqing_small_maker)
    assert not policy_matches(zhaoqing, shenzhen_micro_service)
    assert policy_matches(province, shenzhen_micro_service)
    assert not policy_matches(district, zhaoqing_small_maker)


def test_it_stores_canonical_prefixes_without_covered_ones(publish):
    notice = publish(region_codes=["441200", "441202", " 4403 ", "440304"])

    assert notice.region_prefixes == ["4403", "4412"]


def test_it_matches_by_industry(publish, zhaoqing_small_maker, shenzhen_micro_service):
    publish(title="制造业政策", industries=["C"])
    publish(title="信息技术政策", industries=["I", "M"])

    assert _titles(zhaoqing_small_maker) == ["制造业政策"]
    assert _titles(shenzhen_micro_service) == ["信息技术政策"]


def test_it_matches_by_size(publish, zhaoqing_small_maker, shenzhen_micro_service):
    publish(title="小微企业政策", sizes=["small", "micro"])
    publish(title="微型企业政策", sizes=["micro"])
    publish(title="中型企业政策", sizes=["medium"])

    assert _titles(zhaoqing_small_maker) == ["小微企业政策"]
    assert _titles(shenzhen_micro_service) == ["微型企业政策", "小微企业政策"]


def test_an_enterprise_of_unknown_size_matches_only_policies_open_to_all_sizes(publish):
    unknown = EnterpriseFactory(employees=None, annual_revenue=None, total_assets=None)
    assert unknown.size_class == ""
    publish(title="小微企业政策", sizes=["small", "micro"])
    publish(title="不限规模政策")

    assert _titles(unknown) == ["不限规模政策"]


def test_a_policy_without_tags_matches_everyone(
    publish, zhaoqing_small_maker, shenzhen_micro_service
):
    notice = publish(title="普惠政策")

    assert _titles(zhaoqing_small_maker) == ["普惠政策"]
    assert _titles(shenzhen_micro_service) == ["普惠政策"]
    assert set(enterprises_matching(notice)) == {zhaoqing_small_maker, shenzhen_micro_service}


def test_scenario_tags_do_not_restrict(publish, zhaoqing_small_maker):
    # the enterprise has no financing need at all, yet sees the 科技贷 / 首贷 policy
    notice = publish(title="科技贷贴息", scenarios=["technology", "first_loan"])

    assert _titles(zhaoqing_small_maker) == ["科技贷贴息"]
    assert notice.scenario_labels == ["科技贷", "首贷"]


def test_all_tags_must_match(publish, zhaoqing_small_maker, shenzhen_micro_service):
    notice = publish(
        title="肇庆小型制造业", region_codes=["4412"], industries=["C"], sizes=["small"]
    )
    publish(title="肇庆小型信息业", region_codes=["4412"], industries=["I"], sizes=["small"])
    publish(title="深圳小型制造业", region_codes=["4403"], industries=["C"], sizes=["small"])

    assert _titles(zhaoqing_small_maker) == ["肇庆小型制造业"]
    assert _titles(shenzhen_micro_service) == []
    assert list(enterprises_matching(notice)) == [zhaoqing_small_maker]


def test_the_selector_excludes_unpublished_policies(publish, zhaoqing_small_maker):
    gone = publish(title="已撤回的政策")
    publish(title="有效的政策")

    policy_unpublish(page_id=gone.page_id)

    assert _titles(zhaoqing_small_maker) == ["有效的政策"]


def test_the_selector_is_newest_first_limited_and_one_query(
    publish, zhaoqing_small_maker, django_assert_num_queries
):
    for n in range(8):
        publish(title=f"政策{n}", region_codes=["44"], industries=["C", "I"])

    with django_assert_num_queries(1):
        policies = policies_for_enterprise(zhaoqing_small_maker)

    assert [p.title for p in policies] == ["政策7", "政策6", "政策5", "政策4", "政策3"]


def test_no_enterprise_sees_nothing(publish):
    publish(title="普惠政策")

    assert policies_for_enterprise(None) == []


def test_python_and_sql_rules_agree(publish):
    enterprises = [
        EnterpriseFactory(region_code=code, industry_code=industry)
        for code in ("441202", "441203", "440304", "110105")
        for industry in ("13", "65")
    ]
    notices = [
        publish(region_codes=regions, industries=sections, sizes=sizes)
        for regions in ([], ["44"], ["4412"], ["441202", "1101"])
        for sections in ([], ["C"], ["I", "J"])
        for sizes in ([], ["small"], ["micro", "medium"])
    ]
    for enterprise in enterprises:
        live = {p.pk for p in policies_for_enterprise(enterprise, limit=1000)}
        assert live == {n.pk for n in notices if policy_matches(n, enterprise)}
    for notice in notices:
        matching = set(enterprises_matching(notice).values_list("pk", flat=True))
        assert matching == {e.pk for e in enterprises if policy_matches(notice, e)}
