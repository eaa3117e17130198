"""Banks see published needs as anonymous cards until the enterprise applies to them.

Every page a bank can reach from its need list is fetched; none may carry a name, a credit
code, a legal representative, an ID number or the county of an enterprise that has not
applied to that bank.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from tests.conftest import Personas, _enterprise_org, login
from tests.factories import EnterpriseFactory, UserFactory, make_uscc
from xinyidai.accounts.models import Role
from xinyidai.accounts.services import membership_grant
from xinyidai.financing import flags, services
from xinyidai.financing.models import LoanProduct
from xinyidai.registry.models import Enterprise

from .conftest import give_profile, make_product, need_values

pytestmark = pytest.mark.django_db

NEEDS = "/financing/bank/needs/"
NEEDS_EACH = 9  # three enterprises: 27 needs, two pages of the bank's list

PEOPLE = [
    # name, legal representative, region (county)
    ("肇庆星河砚台制造有限公司", "欧阳振华", "441202"),  # 端州区
    ("鼎湖山泉饮品科技有限公司", "司马静怡", "441203"),  # 鼎湖区
    ("深圳罗湖翠玉珠宝设计有限公司", "诸葛明远", "440303"),  # 罗湖区
]
COUNTIES = ("端州区", "鼎湖区", "罗湖区")


@pytest.fixture
def enterprises(personas: Personas) -> list[Enterprise]:
    """Enterprise A made distinctive, and two more with their own owners."""
    name, rep, region = PEOPLE[0]
    Enterprise.objects.filter(pk=personas.enterprise_a.pk).update(
        name=name, legal_rep_name=rep, region_code=region
    )
    personas.enterprise_a.refresh_from_db()
    result = [personas.enterprise_a]
    for i, (name, rep, region) in enumerate(PEOPLE[1:], start=1):
        enterprise = EnterpriseFactory(
            name=name, legal_rep_name=rep, region_code=region, uscc=make_uscc(9000 + i, region)
        )
        owner = UserFactory(username=f"owner{i}")
        membership_grant(
            user=owner, organization=_enterprise_org(enterprise), role=Role.ENTERPRISE_OWNER
        )
        result.append(enterprise)
    for enterprise in result:
        give_profile(enterprise, "B")
        owner = enterprise.organization.memberships.order_by("pk").first().user
        for i in range(NEEDS_EACH):
            services.need_create(
                enterprise=enterprise,
                actor=owner,
                publish=True,
                **need_values(
                    amount=Decimal(200000 + i * 10000),
                    description=f"{enterprise.name}的原材料采购，联系人{enterprise.legal_rep_name}",
                ),
            )
    return result


def _secrets(enterprise: Enterprise) -> list[str]:
    return [
        enterprise.name,
        enterprise.uscc,
        enterprise.legal_rep_name,
        enterprise.legal_rep_id_number,
        enterprise.legal_rep_id_masked,
    ]


def _crawl(client: Client) -> dict[str, str]:
    """Every page of the need list (following "下一页") and every need detail on them."""
    bodies: dict[str, str] = {}
    url: str | None = NEEDS
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        bodies[url] = body
        nxt = re.search(r'rel="next" href="([^"]+)"', body)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    details = {
        f"{NEEDS}{pk}/"
        for body in list(bodies.values())
        for pk in re.findall(r'href="/financing/bank/needs/(\d+)/"', body)
    }
    for detail in details:
        response = client.get(detail)
        assert response.status_code == 200
        bodies[detail] = response.content.decode()
    return bodies


def _leaks(bodies: dict[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    return [(url, s) for url, body in bodies.items() for s in secrets if s and s in body]


def test_it_never_shows_who_is_behind_a_need(client, personas, enterprises, product):
    login(client, personas.officer, verify=True)
    bodies = _crawl(client)
    details = [url for url in bodies if url != NEEDS and "?" not in url]
    assert len(details) == len(enterprises) * NEEDS_EACH  # every need was looked at
    assert sum("?before=" in url for url in bodies) == 1  # and the second page
    secrets = [s for e in enterprises for s in _secrets(e)] + list(COUNTIES)
    secrets += ["原材料采购"]  # the description is only for banks the enterprise applied to
    assert _leaks(bodies, secrets) == []
    # The cards still say what a bank needs to decide whether to call.
    assert "广东省 肇庆市" in bodies[NEEDS]
    assert "广东省 深圳市" in bodies[NEEDS]


def test_applying_reveals_the_enterprise_to_that_bank_only(client, personas, enterprises, product):
    other = make_product(personas.other_bank, personas.other_officer, name="二行快贷")
    a = enterprises[0]
    need = a.needs.order_by("id").first()
    services.application_create(
        enterprise=a,
        product=product,
        actor=personas.alice,
        amount=need.amount,
        term_months=need.term_months,
        guarantee="credit",
        purpose=need.purpose,
        need=need,
    )
    login(client, personas.officer, verify=True)
    page = client.get(f"{NEEDS}{need.pk}/").content.decode()
    assert f'data-role="enterprise">{a.name}<' in page
    assert a.uscc in page
    assert "该企业在本行的申请" in page
    assert f"{a.name}的原材料采购" in page
    # Bank 1 still does not learn who the other enterprises are.
    others = [s for e in enterprises[1:] for s in _secrets(e)]
    assert _leaks(_crawl(client), others) == []
    client.logout()

    # Bank 2 has a matching product, but A applied to bank 1 only.
    assert other.status == LoanProduct.Status.PUBLISHED
    login(client, personas.other_officer, verify=True)
    page = client.get(f"{NEEDS}{need.pk}/").content.decode()
    assert f'data-role="amount">{flags.yuan_wan(need.amount)}<' in page
    assert _leaks({"detail": page}, [*_secrets(a), "端州区", "原材料采购"]) == []
    assert "表达对接意向" in page
    bodies = _crawl(client)
    details = [url for url in bodies if url != NEEDS and "?" not in url]
    assert len(details) == len(enterprises) * NEEDS_EACH - 1  # A's need is in talks now
    secrets = [s for e in enterprises for s in _secrets(e)] + list(COUNTIES)
    assert _leaks(bodies, secrets) == []
