"""The workspace: each persona's overview in a fixed number of queries, with what would
improve the enterprise's grade and an empty state that says what to do next."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.financing.conftest import give_profile, make_product, need_values
from xinyidai.core.views import improvement_advice
from xinyidai.financing import services


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/workspace/").status_code == 200
    return len(queries)


def _apply(personas, product) -> None:
    services.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )


def _grow(personas, n: int) -> None:
    for i in range(n):
        services.need_create(
            enterprise=personas.enterprise_a, actor=personas.alice, publish=True, **need_values()
        )
        _apply(personas, make_product(personas.bank, personas.officer, name=f"快贷{i}"))


def test_the_enterprise_workspace_costs_the_same_queries_whatever_its_history(client, personas):
    give_profile(personas.enterprise_a, "B")
    _grow(personas, 1)
    login(client, personas.alice)
    _queries(client)  # warm the caches of the first request
    few = _queries(client)
    _grow(personas, 4)
    assert _queries(client) == few


def test_the_bank_workspace_costs_the_same_queries_whatever_its_inbox(client, personas):
    give_profile(personas.enterprise_a, "B")
    _grow(personas, 1)
    login(client, personas.officer, verify=True)
    _queries(client)
    few = _queries(client)
    _grow(personas, 4)
    page = client.get("/workspace/").content.decode()
    assert _queries(client) == few
    assert page.count('data-role="countdown"') == 5
    assert "剩 " in page
    assert "个工作日" in page


def test_the_enterprise_sees_its_timeline_and_empty_states_that_say_what_to_do(client, personas):
    give_profile(personas.enterprise_a, "B")
    _grow(personas, 1)
    login(client, personas.alice)
    page = client.get("/workspace/").content.decode()
    assert '<ol class="timeline"' in page
    assert "已提交" in page
    assert "适用于您的政策" in page
    assert "暂时没有与贵企业所在地区、行业和规模相符的政策" in page
    assert "没有待确认的授权申请" in page
    assert "还没有银行查询过贵企业的信用信息" in page
    assert "没有处理中的异议" in page


def test_the_enterprise_sees_its_grade_and_what_would_improve_it(client, personas):
    profile = give_profile(personas.enterprise_a, "C")
    profile.reasons = [
        {"feature": "tax_paid_yoy_12m", "text": "近12个月纳税额同比下降35%", "contribution": 0.4},
        {
            "feature": "months_since_penalty_major",
            "text": "5个月前受到较重行政处罚",
            "contribution": 0.2,
        },
    ]
    profile.save(update_fields=["reasons"])
    login(client, personas.alice)
    page = client.get("/workspace/").content.decode()
    assert 'data-role="grade">C<' in page
    assert (
        "<strong>近12个月纳税额同比下降35%</strong>：按期足额申报纳税，保持纳税额平稳增长。" in page
    )
    assert 'href="/credit/repair/"' in page


def test_other_enterprises_do_not_see_the_first_ones_work(client, personas):
    give_profile(personas.enterprise_a, "B")
    _grow(personas, 1)
    login(client, personas.bob)
    page = client.get("/workspace/").content.decode()
    assert "快贷0" not in page
    assert "还没有提交贷款申请" in page


def test_improvement_advice_turns_reasons_into_steps():
    advice = improvement_advice(
        [
            {"feature": "si_headcount_trend_6m", "text": "近6个月社保参保人数较此前6个月下降40%"},
            {"feature": "hf_contributors_mean_3m", "text": "缺少住房公积金缴存数据"},
            {"feature": "dishonest_debtor_flag", "text": "被列为失信被执行人"},
            {"feature": "log_revenue", "text": "营业收入较低"},
        ]
    )
    assert [(a.step, a.link) for a in advice] == [
        ("按时足额为员工缴纳社会保险，保持参保人数稳定。", ""),
        ("如数据缺失或有误，请联系数据提供部门补报，或对记录提出异议。", "rights:objection_list"),
        ("尽快履行法定义务或纠正经营异常，满足条件后申请移出名单。", "rights:list_home"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
