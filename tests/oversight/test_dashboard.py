"""The regulator's dashboard and big screen: scope, drill-down, suppression, confidentiality,
charts served locally and a bounded number of queries.

The book (see ``lending``): in March 2026 four enterprises of 端州 (441202) borrow from bank 1
(1, 2, 3 and 4 million yuan), three of 鼎湖 (441203) 500,000 each and one of 四会 (441284) 700,000
from bank 2; three Shenzhen enterprises (440304) borrow 9.99 million each from bank 1's
Shenzhen branch. "Today" is 10 April 2026.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import login
from tests.factories import UserFactory
from tests.oversight.conftest import CST, Book, Regulators, at, regulator_client
from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.oversight import cube
from xinyidai.oversight.models import Alert, DirtyYear
from xinyidai.oversight.views import REFRESH_THROTTLE_KEY
from xinyidai.registry.models import Enterprise

TODAY = dt.datetime(2026, 4, 10, 10, 0, tzinfo=CST)
DASHBOARD = reverse("oversight:dashboard")
SCREEN = reverse("oversight:screen")
MARCH = {"period": "2026-03"}


@dataclass
class Lending:
    duanzhou: list[Enterprise]
    dinghu: list[Enterprise]
    sihui: Enterprise
    shenzhen: list[Enterprise]


@pytest.fixture
def today(time_machine: Any) -> None:
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def lending(book: Book, today: None) -> Lending:
    duanzhou = [book.enterprise("441202") for _ in range(4)]
    for enterprise, millions in zip(duanzhou, (1, 2, 3, 4), strict=True):
        book.loan(enterprise, "2026-03-05", f"{millions}000000.00", first=True)
    dinghu = [book.enterprise("441203") for _ in range(3)]
    for enterprise in dinghu:
        book.loan(enterprise, "2026-03-06", "500000.00", product=book.other_product)
    sihui = book.enterprise("441284")
    book.loan(sihui, "2026-03-07", "700000.00", product=book.other_product)
    shenzhen = [book.enterprise("440304") for _ in range(3)]
    for enterprise in shenzhen:
        book.loan(enterprise, "2026-03-09", "9990000.00", branch=book.second_branch)
    cube.rebuild_year(2026)
    return Lending(duanzhou, dinghu, sihui, shenzhen)


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def value(html: str, key: str, indicator: str) -> str | None:
    """The ``data-value`` of ``indicator`` in the first row (or card) ``key`` that has it."""
    for row in re.finditer(rf'data-key="{re.escape(key)}"[^>]*>(.*?)</(?:tr|li)>', html, re.S):
        cell = re.search(rf'data-indicator="{indicator}" data-value="([^"]*)"', row.group(1))
        if cell:
            return cell.group(1)
    return None


def chart(html: str, name: str) -> dict[str, Any]:
    """The data of chart ``name`` ("trend" or "bar") as the page hands it to the script."""
    found = re.search(
        rf'<script id="{name}-chart-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def row_keys(html: str) -> list[str]:
    """Keys of the breakdown table's rows, in page order."""
    table = html.split('id="breakdown"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-key="([^"]*)"', table)


# --------------------------------------------------------------------------- scope


def test_it_shows_the_city_figures_to_its_regulator(client, regulators: Regulators, lending):
    html = html_of(regulator_client(client, regulators.zhaoqing).get(DASHBOARD, MARCH))

    assert "肇庆市融资监测看板 · 2026年3月" in html
    # 4 + 3 + 1 loans, 10,000,000 + 1,500,000 + 700,000 yuan; Shenzhen's loans are not counted.
    assert value(html, "total", "loans") == "8"
    assert value(html, "total", "loans_amount") == "12200000.00"
    assert "1,220.00万元" in html
    assert value(html, "total", "first_amount") == "10000000.00"
    # The counties are the breakdown, each linking one level down.
    assert row_keys(html) == ["441202", "441203", "441284"]
    assert value(html, "441202", "loans_amount") == "10000000.00"
    assert 'href="?period=2026-03&amp;region=441202"' in html
    assert "端州区" in html
    assert "深圳" not in html


def test_it_compares_with_the_previous_month_and_last_year(
    client, book: Book, regulators: Regulators, today
):
    enterprises = [book.enterprise("441202") for _ in range(3)]
    for enterprise in enterprises:
        book.loan(enterprise, "2026-02-10", "400000.00")
        book.loan(enterprise, "2026-03-10", "500000.00")
        book.loan(enterprise, "2025-03-10", "1000000.00")
    cube.rebuild_year(2025)
    cube.rebuild_year(2026)

    html = html_of(regulator_client(client, regulators.zhaoqing).get(DASHBOARD, MARCH))

    card = re.search(
        r'<li class="ov-card" data-key="total">\s*<span class="ov-card-label">'
        r"放款金额\(元\)</span>(.*?)</li>",
        html,
        re.S,
    )
    assert card is not None
    assert 'data-value="1500000.00">150.00万元' in card.group(1)
    assert 'data-change="previous" data-value="0.2500">+25.0%' in card.group(1)
    assert 'data-change="last_year" data-value="-0.5000">-50.0%' in card.group(1)


def test_it_drills_down_into_a_county(client, regulators: Regulators, lending, book: Book):
    html = html_of(
        regulator_client(client, regulators.zhaoqing).get(DASHBOARD, {**MARCH, "region": "441202"})
    )

    assert "端州区融资监测看板 · 2026年3月" in html
    assert value(html, "total", "loans") == "4"
    assert value(html, "total", "loans_amount") == "10000000.00"
    # The breadcrumbs lead back up to the city.
    assert '<a href="?period=2026-03&amp;region=4412">肇庆市</a>' in html
    # A county has no level below it: the breakdown is by bank, linking to its branches.
    assert row_keys(html) == [str(book.bank.pk)]
    assert f'href="?period=2026-03&amp;region=441202&amp;by=branch&amp;bank={book.bank.pk}"' in html


def test_it_drills_into_the_branches_of_one_bank(client, regulators: Regulators, lending, book):
    html = html_of(
        regulator_client(client, regulators.zhaoqing).get(
            DASHBOARD, {**MARCH, "by": "branch", "bank": book.bank.pk}
        )
    )

    # Bank 1's Shenzhen branch lent only in Shenzhen: only the head office is in Zhaoqing.
    assert row_keys(html) == [str(book.branch.pk)]
    assert value(html, str(book.branch.pk), "loans_amount") == "10000000.00"
    assert f"监测一行 · {book.branch.name}" in html


def test_the_province_sees_both_cities(client, regulators: Regulators, lending):
    html = html_of(regulator_client(client, regulators.province).get(DASHBOARD, MARCH))

    assert row_keys(html) == ["4403", "4412"]
    assert value(html, "total", "loans_amount") == "42170000.00"


@pytest.mark.parametrize("region", ["4412", "441202"])
def test_another_citys_regulator_gets_404(client, regulators: Regulators, lending, region):
    shenzhen = regulator_client(client, regulators.shenzhen)

    assert shenzhen.get(DASHBOARD, {"region": region}).status_code == 404
    assert shenzhen.get(SCREEN, {"region": region}).status_code == 404


def test_a_county_regulator_gets_404_for_its_city(client, regulators: Regulators, lending):
    county = regulator_client(client, regulators.county)

    assert county.get(DASHBOARD, {"region": "4412"}).status_code == 404
    html = html_of(county.get(DASHBOARD, MARCH))
    assert value(html, "total", "loans_amount") == "10000000.00"


@pytest.mark.parametrize(
    "params",
    [
        {"region": "44x2"},
        {"region": "441"},
        {"region": "441299"},  # inside the city, but no such county
        {"period": "2026-13"},
        {"period": "2026-Q5"},
        {"period": "march"},
        {"period": "2026-05"},  # after this month
        {"by": "enterprise"},
        {"region": "441202", "by": "region"},  # a county has no level below
        {"by": "branch", "bank": "x"},
        {"by": "branch", "bank": "999999"},
    ],
)
def test_malformed_parameters_get_404(client, regulators: Regulators, lending, params):
    response = regulator_client(client, regulators.zhaoqing).get(DASHBOARD, params)

    assert response.status_code == 404


def test_bank_and_enterprise_users_get_404_and_visitors_log_in(
    client, regulators: Regulators, book: Book, today
):
    officer = UserFactory(username="dash_officer")
    membership_grant(
        user=officer, organization=book.bank.organization, role=Role.BANK_CREDIT_OFFICER
    )
    owner = UserFactory(username="dash_owner")
    organization = organization_create(
        name="看板测试企业", kind=Organization.Kind.ENTERPRISE, region_code="441202"
    )
    membership_grant(user=owner, organization=organization, role=Role.ENTERPRISE_OWNER)

    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    assert login(client, officer, verify=True).get(DASHBOARD).status_code == 404
    assert client.get(SCREEN).status_code == 404
    client.logout()
    assert login(client, owner).get(DASHBOARD).status_code == 404


# --------------------------------------------------------------------------- confidentiality


def test_it_suppresses_small_cells_and_their_complement(client, regulators: Regulators, lending):
    html = html_of(regulator_client(client, regulators.zhaoqing).get(DASHBOARD, MARCH))

    # 四会: one enterprise (< 3) is hidden; 鼎湖, the smallest other county, with it, so that
    # neither follows from the city's total. 端州 stays.
    assert value(html, "441284", "loans_amount") == ""
    assert value(html, "441203", "loans_amount") == ""
    assert value(html, "441203", "loans") == ""
    assert value(html, "441202", "loans_amount") == "10000000.00"
    sihui = re.search(r'data-key="441284".*?</tr>', html, re.S)
    assert sihui is not None
    assert (
        'data-indicator="loans_amount" data-value="" title="少于 3 家企业，不予显示"'
        in sihui.group(0)
    )
    assert ">—</td>" in sihui.group(0)
    dinghu = re.search(r'data-key="441203".*?</tr>', html, re.S)
    assert dinghu is not None
    assert (
        'data-indicator="loans_amount" data-value="" '
        'title="为免由合计推算出其他不予显示的数据，一并不予显示"'
    ) in dinghu.group(0)
    assert "由少于 3 家企业的业务计算得出的数据不予显示" in html
    # Neither appears in the bar chart.
    assert chart(html, "bar")["labels"] == ["端州区"]
    assert chart(html, "bar")["series"][0]["data"] == [1000.0]


def test_it_suppresses_a_county_with_fewer_than_three_enterprises(
    client, regulators: Regulators, lending
):
    html = html_of(
        regulator_client(client, regulators.zhaoqing).get(DASHBOARD, {**MARCH, "region": "441284"})
    )

    assert value(html, "total", "loans") == ""
    assert value(html, "total", "loans_amount") == ""
    assert value(html, "total", "avg_rate") == ""
    assert "70.00万元" not in html


def test_no_enterprise_name_or_code_appears(client, regulators: Regulators, lending, book: Book):
    zhaoqing = regulator_client(client, regulators.zhaoqing)
    pages = [
        zhaoqing.get(DASHBOARD, {**MARCH, **params})
        for params in (
            {},
            {"by": "bank"},
            {"by": "branch"},
            {"by": "industry"},
            {"by": "size"},
            {"by": "scenario"},
            {"by": "guarantee"},
            {"region": "441202"},
            {"region": "441284"},
        )
    ]
    pages.append(zhaoqing.get(SCREEN, MARCH))

    assert len(book.enterprises) == 11
    for page in pages:
        html = html_of(page)
        for enterprise in book.enterprises:
            assert enterprise.name not in html
            assert enterprise.uscc not in html
            assert enterprise.legal_rep_name not in html


# --------------------------------------------------------------------------- the rest of the page


def test_it_shows_freshness_breakdowns_distributions_and_alerts(
    client, regulators: Regulators, lending, book: Book
):
    Alert.objects.create(
        regulator=regulators.zhaoqing_regulator,
        kind=Alert.Kind.LATE_RESPONSES,
        month=dt.date(2026, 3, 1),
        region="4412",
        bank=book.other_bank,
        value=Decimal("0.400000"),
        threshold=Decimal("0.200000"),
    )
    for reason in ("R02", "R02", "R05"):
        book.application(
            book.enterprise("441202"),
            submitted=at("2026-03-11"),
            accepted_at=at("2026-03-11"),
            decided_at=at("2026-03-12"),
            reject_reason=reason,
        )
    cube.rebuild_year(2026)
    zhaoqing = regulator_client(client, regulators.zhaoqing)

    html = html_of(zhaoqing.get(DASHBOARD, MARCH))
    assert "数据更新于 2026-04-10 10:00" in html
    assert value(html, "total", "apps_submitted") == "11"
    assert value(html, "total", "approval_rate") == "0.727273"  # 8 / (8 + 3)
    assert re.search(
        r'<tr data-reason="R02"><th scope="row" data-value="R02">经营状况不足以支持申请金额</th>'
        r'<td class="num" data-measure="rej_r02" data-value="2">2</td>'
        r'<td class="num" data-value="0.666667">66.7%</td></tr>',
        html,
    )
    assert 'data-measure="rej_r05" data-value="1">1<' in html
    assert "数据正在更新" not in html
    assert "银行超时响应占比过高" in html
    assert "监测二行在广东省 肇庆市的申请响应超时占比为40.0%，超过预警阈值20.0%。" in html
    # All eight loans carry 4% a year: the 4%–5% bucket.
    assert 'data-measure="rate_b3" data-value="8">8<' in html
    assert 'data-measure="rate_b1" data-value="0">0<' in html
    for by in ("bank", "branch", "industry", "size", "scenario", "guarantee"):
        assert f'href="?period=2026-03&amp;region=4412&amp;by={by}#breakdown"' in html

    by_bank = html_of(zhaoqing.get(DASHBOARD, {**MARCH, "by": "bank"}))
    assert row_keys(by_bank) == [str(book.bank.pk), str(book.other_bank.pk)]
    assert value(by_bank, str(book.other_bank.pk), "loans_amount") == "2200000.00"

    by_size = html_of(zhaoqing.get(DASHBOARD, {**MARCH, "by": "size"}))
    assert row_keys(by_size) == ["small"]
    assert value(by_size, "small", "loans") == "8"


def test_the_period_switches_to_the_quarter_and_the_year(client, regulators: Regulators, lending):
    zhaoqing = regulator_client(client, regulators.zhaoqing)

    html = html_of(zhaoqing.get(DASHBOARD, MARCH))
    assert 'href="?period=2026-Q1&amp;region=4412&amp;by=region"' in html
    assert 'href="?period=2026&amp;region=4412&amp;by=region"' in html

    quarter = html_of(zhaoqing.get(DASHBOARD, {"period": "2026-Q1"}))
    assert "2026年第1季度" in quarter
    assert value(quarter, "total", "loans_amount") == "12200000.00"
    # The trend still ends with the quarter's last month.
    labels = chart(quarter, "trend")["labels"]
    assert (labels[0], labels[-1], len(labels)) == ("2025-04", "2026-03", 12)

    # By default, this month: nothing disbursed in April yet.
    default = html_of(zhaoqing.get(DASHBOARD))
    assert "2026年4月" in default
    assert value(default, "total", "loans") == "0"


def test_the_trend_has_twelve_months_with_a_table(client, regulators: Regulators, lending):
    html = html_of(regulator_client(client, regulators.zhaoqing).get(DASHBOARD, MARCH))

    trend = chart(html, "trend")
    assert trend["labels"][:2] == ["2025-04", "2025-05"]
    amounts, counts = trend["series"]
    assert (amounts["label"], amounts["data"]) == ("放款金额(万元)", [0.0] * 11 + [1220.0])
    assert (counts["label"], counts["data"]) == ("放款笔数", [0] * 11 + [8])
    assert re.search(
        r'<tr data-period="2026-03"><th scope="row">2026年3月</th>'
        r'<td class="num" data-indicator="loans_amount" data-value="12200000.00">',
        html,
    )


def test_charts_are_drawn_with_chart_js_served_locally(client, regulators: Regulators, lending):
    zhaoqing = regulator_client(client, regulators.zhaoqing)

    for page in (DASHBOARD, SCREEN):
        html = html_of(zhaoqing.get(page, MARCH))
        assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in html
        assert '<script src="/static/js/oversight.js" defer></script>' in html
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    script = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert script.status_code == 200
    assert b"Chart.js v4" in b"".join(script.streaming_content)


def test_the_big_screen_refreshes_itself(client, regulators: Regulators, lending):
    html = html_of(regulator_client(client, regulators.zhaoqing).get(SCREEN, MARCH))

    assert '<meta http-equiv="refresh" content="60">' in html
    assert "data-fullscreen" in html
    assert 'class="topbar"' not in html  # no site chrome
    assert value(html, "total", "loans_amount") == "12200000.00"
    # The ranking: only 端州 can be shown (the others are suppressed).
    assert re.findall(r'<li data-key="([^"]*)"><span class="screen-rank-label">', html) == [
        "441202"
    ]
    dashboard = html_of(client.get(DASHBOARD, MARCH))
    assert f'href="{SCREEN}?period=2026-03&amp;region=4412&amp;by=region"' in dashboard


# --------------------------------------------------------------------------- freshness, speed


def test_it_refreshes_dirty_years_at_most_once_a_minute(
    client, regulators: Regulators, lending, book: Book
):
    zhaoqing = regulator_client(client, regulators.zhaoqing)
    late = book.enterprise("441202")
    book.loan(late, "2026-03-20", "600000.00")
    cube.mark_dirty([dt.date(2026, 3, 20)])
    cache.set(REFRESH_THROTTLE_KEY, "1", 60)  # a refresh was asked for moments ago

    stale = html_of(zhaoqing.get(DASHBOARD, MARCH))
    assert "数据正在更新" in stale
    assert value(stale, "total", "loans") == "8"

    cache.delete(REFRESH_THROTTLE_KEY)  # a minute later; tasks run eagerly in tests
    fresh = html_of(zhaoqing.get(DASHBOARD, MARCH))
    assert "数据正在更新" not in fresh
    assert value(fresh, "total", "loans") == "9"
    assert not DirtyYear.objects.exists()


def test_the_dashboard_runs_a_bounded_number_of_queries(
    client, regulators: Regulators, lending, book: Book, django_assert_max_num_queries
):
    zhaoqing = regulator_client(client, regulators.zhaoqing)

    for params in ({}, {"by": "bank"}, {"by": "branch", "bank": book.bank.pk}):
        with django_assert_max_num_queries(15):
            html_of(zhaoqing.get(DASHBOARD, {**MARCH, **params}))
    with django_assert_max_num_queries(15):
        html_of(zhaoqing.get(SCREEN, MARCH))
