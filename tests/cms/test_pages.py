"""Portal pages: the tree, field validation, rendering with live platform data, search, sitemap."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils import timezone

from cms.portal.demo import seed_portal
from cms.portal.models import (
    EventIndexPage,
    EventPage,
    FaqPage,
    ListsPage,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
    ProductShowcasePage,
)
from tests.cms.conftest import add_event, add_policy, policy_values
from tests.factories import UserFactory, make_uscc
from tests.financing.conftest import give_profile, make_product
from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.financing import services as financing_services
from xinyidai.financing.models import Application, LoanProduct
from xinyidai.policies.models import PolicyNotice
from xinyidai.rights.services_lists import list_designate

pytestmark = pytest.mark.django_db


def labels_missing(html: str) -> list[str]:
    """Visible inputs without a <label for=...> (the Lighthouse-style check)."""
    ids = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
    )
    return [i for i in ids if f'for="{i}"' not in html]


def images_without_alt(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<img\b[^>]*>", html) if "alt=" not in tag]


# --------------------------------------------------------------------------- the tree


def test_it_adds_a_policy_under_the_policy_index(policy_index):
    page = add_policy(policy_index)
    assert page.get_parent().specific == policy_index
    assert page.live
    assert page.regions == ["4412"]


def test_it_refuses_an_unknown_region_code(policy_index):
    with pytest.raises(ValidationError) as error:
        policy_index.add_child(instance=PolicyPage(**policy_values(regions=["4412", "999999"])))
    assert error.value.message_dict["regions"] == [
        "适用地区“999999”无效：未知的省级行政区划代码：99"
    ]
    assert not PolicyPage.objects.exists()


def test_an_edit_with_a_bad_region_is_not_saved(policy_index):
    draft = add_policy(policy_index, live=False)
    draft.regions = ["12345"]
    with pytest.raises(ValidationError) as error:
        draft.save_revision()
    assert error.value.message_dict["regions"] == [
        "适用地区“12345”无效：辖区代码应为2位、4位或6位行政区划代码"
    ]
    assert draft.get_latest_revision().as_object().regions == ["4412"]
    assert not PolicyPage.objects.get(pk=draft.pk).live
    assert not PolicyNotice.objects.filter(page_id=draft.pk).exists()


def test_it_canonicalizes_region_prefixes(policy_index):
    page = add_policy(policy_index, regions=["441200", "441202"])
    assert page.regions == ["4412", "441202"]


def test_it_restricts_page_types_to_their_parents(home, policy_index):
    assert PolicyPage.can_create_at(policy_index)
    assert not PolicyPage.can_create_at(home)
    assert not NewsPage.can_create_at(policy_index)
    assert set(home.specific_class.allowed_subpage_models()) == {
        PolicyIndexPage,
        NewsIndexPage,
        EventIndexPage,
        FaqPage,
        ProductShowcasePage,
        ListsPage,
    }
    assert not FaqPage.can_create_at(policy_index)


def test_an_event_deadline_after_its_start_is_refused(event_index):
    starts = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        add_event(
            event_index, starts_at=starts, registration_deadline=starts + dt.timedelta(hours=1)
        )
    assert error.value.message_dict["registration_deadline"] == [
        "报名截止时间不能晚于活动开始时间。"
    ]


# --------------------------------------------------------------------------- rendering


@pytest.fixture
def portal(db):
    seed_portal()


def test_every_portal_page_renders_with_a_title_labels_and_alt_text(client, portal):
    pages = [
        "/",
        "/zhengce/",
        "/zhengce/zhaoqing-sme-financing-measures/",
        "/xinwen/",
        "/xinwen/platform-launch/",
        "/huodong/",
        "/huodong/matchmaking-2026/",
        "/faq/",
        "/products/",
        "/credit-lists/",
        "/search/?q=贷款",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title is not None, url
        assert title.group(1).strip().split("·")[0].strip(), url
        assert labels_missing(html) == [], url
        assert images_without_alt(html) == [], url


def test_the_policy_page_shows_its_structured_fields(client, portal):
    html = client.get("/zhengce/zhaoqing-sme-financing-measures/").content.decode()
    assert "肇府办〔2026〕8号" in html
    assert "肇庆市人民政府办公室" in html
    assert "2026-02-18" in html
    assert "广东省 肇庆市" in html
    assert "首贷" in html
    agri = client.get("/zhengce/guangdong-agri-loan-risk-compensation/").content.decode()
    assert "广东省" in agri
    assert "涉农贷" in agri


def test_the_showcase_lists_the_live_published_products(
    client, personas, portal, django_assert_max_num_queries
):
    make_product(personas.bank, personas.officer, name="纳税e贷")
    make_product(personas.other_bank, personas.other_officer, name="二行快贷")
    make_product(personas.bank, personas.officer, name="草稿贷", publish=False)
    for i in range(5):
        make_product(personas.bank, personas.officer, name=f"批量贷{i}")
    with django_assert_max_num_queries(12):
        html = client.get("/products/").content.decode()
    assert "纳税e贷" in html
    assert "二行快贷" in html
    assert "批量贷4" in html
    assert "草稿贷" not in html
    assert "共 7 款在售贷款产品" in html


def test_the_showcase_says_what_to_do_when_no_product_is_listed(client, portal):
    html = client.get("/products/").content.decode()
    assert "银行尚未上架贷款产品" in html


def _disburse(application: Application, on: dt.date, amount: str) -> None:
    Application.objects.filter(pk=application.pk).update(
        state=Application.State.DISBURSED, disbursed_on=on, disbursed_amount=Decimal(amount)
    )


def test_the_home_page_shows_the_platform_figures(client, personas, portal):
    product = make_product(personas.bank, personas.officer, name="纳税e贷")
    make_product(personas.other_bank, personas.other_officer, name="二行快贷")
    make_product(personas.bank, personas.officer, name="草稿贷", publish=False)
    today = timezone.localdate()
    applications = []
    for enterprise, user in (
        (personas.enterprise_a, personas.alice),
        (personas.enterprise_b, personas.bob),
    ):
        give_profile(enterprise, "B")
        applications.append(
            financing_services.application_create(
                enterprise=enterprise,
                product=product,
                actor=user,
                amount=Decimal("500000"),
                term_months=12,
                guarantee="credit",
                purpose="working_capital",
            )
        )
    _disburse(applications[0], today, "500000")
    _disburse(applications[1], dt.date(today.year - 1, 12, 31), "800000")  # last year

    html = client.get("/").content.decode()

    year = Application.objects.filter(disbursed_on__year=today.year).aggregate(
        n=Count("id"), amount=Sum("disbursed_amount")
    )
    served = (
        Application.objects.filter(disbursed_on__isnull=False)
        .values("enterprise")
        .distinct()
        .count()
    )
    published = LoanProduct.objects.filter(status=LoanProduct.Status.PUBLISHED).count()
    assert (published, year["n"], year["amount"], served) == (2, 1, Decimal("500000"), 2)
    assert 'data-figure="products">2<' in html
    assert 'data-figure="loans">1<' in html
    assert 'data-figure="amount">50万元<' in html
    assert 'data-figure="enterprises">2<' in html
    # featured products and the latest policies and events
    assert "纳税e贷" in html
    assert "草稿贷" not in html
    assert "肇庆市支持中小微企业融资的若干措施" in html
    assert "肇庆市政银企融资对接会" in html
    assert "信用变资产，数据助融资" in html


def test_the_home_figures_are_cached_for_five_minutes(client, personas, portal):
    assert 'data-figure="products">0<' in client.get("/").content.decode()
    make_product(personas.bank, personas.officer)
    assert 'data-figure="products">0<' in client.get("/").content.decode()
    from django.core.cache import cache

    from cms.portal.selectors import FIGURES_CACHE_KEY

    cache.delete(FIGURES_CACHE_KEY)
    assert 'data-figure="products">1<' in client.get("/").content.decode()


def test_the_lists_page_summarizes_the_public_lists(client, portal):
    platform = organization_create(
        name="平台", kind=Organization.Kind.PLATFORM, region_code="441202"
    )
    operator = UserFactory(username="list_operator")
    membership_grant(user=operator, organization=platform, role=Role.PLATFORM_OPERATOR)
    list_designate(
        user=operator,
        kind="red",
        uscc=make_uscc(77),
        name="肇庆守信示范有限公司",
        basis="纳税信用A级",
        document_number="肇税〔2026〕1号",
        authority="肇庆市税务局",
        listed_on=timezone.localdate(),
    )
    html = client.get("/credit-lists/").content.decode()
    assert "红名单（守信激励）" in html
    assert "严重失信主体名单" in html
    assert "/credit/lists/?kind=red" in html
    assert "肇庆守信示范有限公司" in html
    assert "在公示期内 1 个主体" in html


def test_the_faq_and_news_pages_render_their_content(client, portal):
    faq = client.get("/faq/").content.decode()
    assert "企业如何在平台申请贷款？" in faq
    news = client.get("/xinwen/").content.decode()
    assert "肇庆市信易贷平台正式上线" in news


def test_an_empty_index_says_what_to_do(client, policy_index):
    html = client.get("/zhengce/").content.decode()
    assert "暂无已发布的政策" in html


def test_a_draft_policy_is_not_shown(client, policy_index):
    add_policy(policy_index, live=False, title="尚未发布的草稿政策", slug="draft")
    assert client.get("/zhengce/draft/").status_code == 404
    assert "尚未发布的草稿政策" not in client.get("/zhengce/").content.decode()


# --------------------------------------------------------------------------- search and sitemap


def test_search_finds_a_policy_by_a_word_of_its_title(client, portal):
    html = client.get("/search/", {"q": "涉农"}).content.decode()
    assert "广东省涉农贷款风险补偿资金管理办法" in html
    assert "深圳市科技型中小企业贷款贴息办法" not in html


def test_search_finds_a_policy_by_its_document_number(client, portal):
    html = client.get("/search/", {"q": "粤财农〔2026〕21号"}).content.decode()
    assert "广东省涉农贷款风险补偿资金管理办法" in html


def test_search_says_when_nothing_matches(client, portal):
    html = client.get("/search/", {"q": "不存在的关键词"}).content.decode()
    assert "没有找到与“不存在的关键词”相关的内容" in html


def test_search_ignores_draft_pages(client, policy_index):
    add_policy(policy_index, live=False, title="保密草稿政策", slug="secret")
    html = client.get("/search/", {"q": "保密草稿"}).content.decode()
    assert "保密草稿政策" not in html


def test_the_sitemap_lists_the_portal_pages(client, portal):
    xml = client.get("/sitemap.xml").content.decode()
    assert "/zhengce/zhaoqing-sme-financing-measures/</loc>" in xml
    assert "/huodong/matchmaking-2026/</loc>" in xml
    assert "/products/</loc>" in xml


# --------------------------------------------------------------------------- demo content


def test_seed_portal_is_idempotent(db):
    first = seed_portal()
    count = PolicyPage.objects.count(), NewsPage.objects.count(), EventPage.objects.count()
    second = seed_portal()
    assert first == second == {"policies": 3, "news": 2, "events": 1}
    assert count == (
        PolicyPage.objects.count(),
        NewsPage.objects.count(),
        EventPage.objects.count(),
    )
    assert FaqPage.objects.live().count() == ProductShowcasePage.objects.live().count() == 1
    assert ListsPage.objects.live().count() == 1
    assert EventPage.objects.get().starts_at > timezone.now()


def test_the_demo_policies_reach_a_zhaoqing_enterprise_and_not_only_shenzhen(db):
    from tests.factories import EnterpriseFactory
    from xinyidai.policies.selectors import live_policies_for

    seed_portal()
    zhaoqing = EnterpriseFactory(region_code="441202")
    titles = {p.title for p in live_policies_for(zhaoqing)}
    assert "肇庆市支持中小微企业融资的若干措施" in titles
    assert "深圳市科技型中小企业贷款贴息办法" not in titles
