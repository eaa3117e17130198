"""Demo portal content under the home page; running it again changes nothing.

The policies are tagged so that the demo enterprise of ``ent_owner`` (a Zhaoqing enterprise,
region 4412xx, any industry and size) matches the Zhaoqing policy (4412, open to every
industry and size) and not the Shenzhen one (4403); the Guangdong one (44, section A only)
matches agricultural enterprises only. Pages are published
through revisions (as an editor's approved page would be), so the 惠企政策直达 hook runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from cms.home.models import HomePage

from .models import (
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

POLICIES: list[dict[str, Any]] = [
    {
        "slug": "zhaoqing-sme-financing-measures",
        "title": "肇庆市支持中小微企业融资的若干措施",
        "authority": "肇庆市人民政府办公室",
        "document_number": "肇府办〔2026〕8号",
        "issued_on": dt.date(2026, 2, 18),
        "regions": ["4412"],
        "industries": [],
        "sizes": [],
        "scenarios": ["first_loan", "tax_credit"],
        "summary": "对首次获得银行贷款的小微企业按贷款利息的30%给予贴息，单户每年最高10万元；"
        "纳税信用A级、B级企业可通过信易贷平台申请信用贷款。",
    },
    {
        "slug": "guangdong-agri-loan-risk-compensation",
        "title": "广东省涉农贷款风险补偿资金管理办法",
        "authority": "广东省财政厅 广东省农业农村厅",
        "document_number": "粤财农〔2026〕21号",
        "issued_on": dt.date(2026, 1, 10),
        "regions": ["44"],
        "industries": ["A"],
        "sizes": [],
        "scenarios": ["agriculture"],
        "summary": "对银行向农林牧渔业企业发放的涉农贷款，按实际损失的40%给予风险补偿。",
    },
    {
        "slug": "shenzhen-tech-loan-interest-subsidy",
        "title": "深圳市科技型中小企业贷款贴息办法",
        "authority": "深圳市科技创新局",
        "document_number": "深科技创新规〔2026〕3号",
        "issued_on": dt.date(2026, 3, 5),
        "regions": ["4403"],
        "industries": ["I", "M"],
        "sizes": [],
        "scenarios": ["technology"],
        "summary": "深圳市科技型中小企业获得银行贷款的，按贷款市场报价利率的50%给予贴息。",
    },
]

NEWS: list[dict[str, Any]] = [
    {
        "slug": "platform-launch",
        "title": "肇庆市信易贷平台正式上线",
        "date": dt.date(2026, 3, 1),
        "intro": "平台归集七类涉企信用信息，企业授权后银行可在线查询信用画像。",
    },
    {
        "slug": "first-quarter-matchmaking",
        "title": "一季度政银企对接会促成授信逾亿元",
        "date": dt.date(2026, 3, 28),
        "intro": "12家银行与86家中小微企业现场对接，当场达成授信意向。",
    },
]

FAQ = [
    (
        "企业如何在平台申请贷款？",
        "<p>注册并完成企业认证后，在“贷款产品”中选择产品在线申请，并授权银行查询信用信息。</p>",
    ),
    (
        "银行能看到企业的哪些信息？",
        "<p>只有获得企业授权的银行能查看信用画像，每一次查询都会记录在企业的查询记录中。</p>",
    ),
    (
        "对信用信息有异议怎么办？",
        "<p>企业可在工作台“信用异议”中提交异议，数据提供部门须在规定时限内答复。</p>",
    ),
]


def _paragraph(text: str) -> list[dict[str, Any]]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def _child(parent: Page, model: type[Page], slug: str, **fields: Any) -> Page:
    """The live child with this slug, or a new one published through a revision."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@transaction.atomic
def seed_portal() -> dict[str, int]:
    """Create the demo portal pages that are missing; returns how many pages exist per kind."""
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("the portal home page is missing (cms/home migration 0002)")
    policies = _child(
        home,
        PolicyIndexPage,
        "zhengce",
        title="惠企政策",
        intro="<p>各级政府支持中小微企业融资的政策文件。登录后可在工作台查看“适用于您的政策”。</p>",
    )
    for spec in POLICIES:
        values = {k: v for k, v in spec.items() if k != "slug"}
        _child(policies, PolicyPage, spec["slug"], body=_paragraph(spec["summary"]), **values)
    news = _child(home, NewsIndexPage, "xinwen", title="新闻动态")
    for spec in NEWS:
        values = {k: v for k, v in spec.items() if k != "slug"}
        _child(news, NewsPage, spec["slug"], body=_paragraph(spec["intro"]), **values)
    events = _child(home, EventIndexPage, "huodong", title="活动报名")
    starts = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0)
    starts += dt.timedelta(days=30)
    _child(
        events,
        EventPage,
        "matchmaking-2026",
        title="肇庆市政银企融资对接会",
        kind=EventPage.Kind.MATCHMAKING,
        starts_at=starts,
        place="肇庆市端州区信安大道 政务服务中心三楼会议室",
        capacity=120,
        registration_deadline=starts - dt.timedelta(days=2),
        intro="银行现场发布信贷产品，企业与客户经理一对一对接。",
    )
    _child(
        home,
        FaqPage,
        "faq",
        title="常见问题",
        body=[{"type": "item", "value": {"question": q, "answer": a}} for q, a in FAQ],
    )
    _child(
        home,
        ProductShowcasePage,
        "products",
        title="产品超市",
        intro="<p>合作银行在平台上架的贷款产品，数据实时来自平台。</p>",
    )
    _child(
        home,
        ListsPage,
        "credit-lists",
        title="信用名单公示",
        intro="<p>公示在有效期内的红名单、严重失信主体名单和重点关注名单。</p>",
    )
    return {
        "policies": PolicyPage.objects.live().count(),
        "news": NewsPage.objects.live().count(),
        "events": EventPage.objects.live().count(),
    }
