"""适用于您的政策 (/policies/): an enterprise's own matching policies; everyone else 404/login."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.factories import UserFactory
from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.policies.services import policy_unpublish

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.policies.urls")]


def test_the_enterprise_sees_matching_policies_and_not_the_others(client, personas, publish):
    publish(
        page_id=21,
        title="肇庆市小微企业首贷贴息",
        region_codes=["4412"],
        sizes=["small", "micro"],
        scenarios=["first_loan"],
    )
    publish(page_id=22, title="深圳市福田区科技企业贴息", region_codes=["440304"])
    publish(page_id=23, title="大型企业专项", sizes=["large"])
    publish(page_id=24, title="已撤回的政策")
    policy_unpublish(page_id=24)

    page = login(client, personas.amy).get("/policies/").content.decode()

    assert "<title>适用于您的政策 · " in page
    assert '<a href="/policies-portal/21/">肇庆市小微企业首贷贴息</a>' in page
    assert "肇庆市人民政府办公室" in page
    assert "肇府办〔2026〕12号" in page
    assert '<time datetime="2026-03-01">2026-03-01</time>' in page
    assert "对首次获得银行贷款的小微企业给予贴息。" in page
    assert "首贷" in page
    for hidden in ("深圳市福田区科技企业贴息", "大型企业专项", "已撤回的政策"):
        assert hidden not in page


def test_another_enterprise_sees_only_its_own_matches(client, personas, publish):
    personas.enterprise_b.region_code = "440304"
    personas.enterprise_b.save()
    publish(title="肇庆市政策", region_codes=["4412"])
    publish(title="福田区政策", region_codes=["440304"])

    page = login(client, personas.bob).get("/policies/").content.decode()

    assert "福田区政策" in page
    assert "肇庆市政策" not in page


def test_the_page_tells_what_happens_when_nothing_matches(client, personas, publish):
    publish(title="深圳市政策", region_codes=["4403"])

    page = login(client, personas.alice).get("/policies/").content.decode()

    assert "目前还没有与贵企业所在地区、行业和规模相符的惠企政策。" in page
    assert "深圳市政策" not in page


def test_the_list_costs_the_same_queries_for_few_or_many_policies(
    client, personas, publish, django_assert_num_queries
):
    login(client, personas.alice)
    publish(title="政策一")
    client.get("/policies/")  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get("/policies/")
    for n in range(15):
        publish(title=f"更多政策{n}", scenarios=["green"])
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get("/policies/").content.decode()
    assert page.count('class="match"') == 16


def test_the_list_is_paginated(client, personas, publish):
    for n in range(21):
        publish(title=f"第{n:02d}号政策")
    login(client, personas.alice)

    first = client.get("/policies/").content.decode()
    second = client.get("/policies/?page=2").content.decode()

    assert first.count('class="match"') == 20
    assert "第20号政策" in first
    assert "第 1 / 2 页" in first
    assert second.count('class="match"') == 1
    assert "第00号政策" in second


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/policies/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["officer", "regulator"])
def test_bank_officers_and_regulators_get_404(client, personas, publish, who):
    publish(title="普惠政策")

    response = login(client, getattr(personas, who), verify=True).get("/policies/")

    assert response.status_code == 404
    assert "普惠政策" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.PLATFORM_OPERATOR, Role.PLATFORM_EDITOR])
def test_platform_staff_get_404(client, db, publish, role):
    platform = organization_create(
        name="测试信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    user = UserFactory(username="platform_user")
    membership_grant(user=user, organization=platform, role=role)
    publish(title="普惠政策")

    assert login(client, user).get("/policies/").status_code == 404


def test_an_enterprise_account_without_a_registry_entry_is_told_to_register(client, db, publish):
    organization = organization_create(
        name="未登记企业", kind=Organization.Kind.ENTERPRISE, region_code="441202"
    )
    user = UserFactory(username="newcomer")
    membership_grant(user=user, organization=organization, role=Role.ENTERPRISE_OWNER)
    publish(title="普惠政策")

    page = login(client, user).get("/policies/").content.decode()

    assert "贵机构尚未关联企业登记信息，暂时无法匹配政策。请先完成企业注册。" in page
    assert "普惠政策" not in page
