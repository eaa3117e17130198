"""Data quality per source and provider: timeliness, coverage, rejections, volume anomalies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.factories import EnterpriseFactory, UserFactory, make_uscc
from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import (
    data_provider_create,
    membership_grant,
    organization_create,
)
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.quality import Anomaly, QualityRow, quality_report
from xinyidai.sources.services import batch_create, batch_ingest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
TAX_HEADER = "uscc,period,vat_paid,cit_paid,other_tax_paid,declared_sales,arrears_amount"
UTILITY_HEADER = "统一社会信用代码,所属期,类别,用量,缴费金额,欠费金额"
PENALTY_HEADER = "uscc,decision_number,decided_on,severity,amount,authority,reason,fulfilled_on"
GRADE_HEADER = "统一社会信用代码,评价年度,纳税信用等级"


def deliver(
    provider: Organization,
    lines: list[str],
    *,
    source: str = "tax_monthly",
    header: str = TAX_HEADER,
    at: str = "2026-11-20 09:00:00+08:00",
) -> Batch:
    """Receive and ingest a small CSV file through the real services, at a fixed time."""
    with time_machine.travel(at, tick=False):
        batch = batch_create(
            source=Source.objects.get(code=source),
            provider=provider,
            file=ContentFile("\n".join([header, *lines]).encode()),
            name=f"{source}.csv",
            channel=Batch.Channel.CLI,
            enqueue=False,
        )
        return batch_ingest(batch_id=batch.pk)


def tax_rows(period: str, numbers: range | list[int]) -> list[str]:
    return [f"{make_uscc(n)},{period},100,50,10,1000,0" for n in numbers]


def accepted(provider: Organization, lines: list[str], **kwargs: str) -> Batch:
    batch = deliver(provider, lines, **kwargs)
    assert batch.status == Batch.Status.ACCEPTED, batch.error_sample
    return batch


def row_for(rows: list[QualityRow], code: str, provider: Organization) -> QualityRow:
    (row,) = [r for r in rows if r.source.code == code and r.provider.pk == provider.pk]
    return row


@pytest.fixture
def tax():
    return data_provider_create(name="肇庆市税务局", kind="tax", region_code="441200").organization


@pytest.fixture
def other_tax():
    return data_provider_create(name="端州区税务局", kind="tax", region_code="441202").organization


def test_it_reports_a_provider_that_delivered_on_time(tax):
    batch = accepted(tax, tax_rows("2026-10", range(1, 4)))
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    assert (row.timeliness, row.timeliness_label) == ("ok", "按时")
    assert row.latest_period == dt.date(2026, 10, 1)
    assert row.expected_period == dt.date(2026, 10, 1)
    assert row.detail == "已报送至2026年10月；2026年11月数据应于2026-12-15前报送"
    assert (row.last_batch, row.last_accepted) == (batch, batch)


def test_it_counts_the_due_day_itself_as_on_time(tax):
    accepted(tax, tax_rows("2026-09", range(1, 4)))
    on_due_day = row_for(quality_report(today=dt.date(2026, 11, 15)), "tax_monthly", tax)
    day_after = row_for(quality_report(today=dt.date(2026, 11, 16)), "tax_monthly", tax)
    assert (on_due_day.timeliness, on_due_day.expected_period) == ("ok", dt.date(2026, 9, 1))
    assert (day_after.timeliness, day_after.expected_period) == ("late", dt.date(2026, 10, 1))
    assert day_after.detail == "2026年10月数据应于2026-11-15前报送，已逾期1天"


def test_it_reports_a_monthly_source_one_month_behind_as_late(tax):
    accepted(tax, tax_rows("2026-09", range(1, 4)))
    row = row_for(quality_report(today=dt.date(2026, 11, 23)), "tax_monthly", tax)
    assert (row.timeliness, row.timeliness_label) == ("late", "逾期")
    assert row.latest_period == dt.date(2026, 9, 1)
    assert row.detail == "2026年10月数据应于2026-11-15前报送，已逾期8天"


def test_it_reports_a_monthly_source_two_months_behind_as_missing(tax):
    accepted(tax, tax_rows("2026-08", range(1, 4)))
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    assert (row.timeliness, row.timeliness_label) == ("missing", "缺报")
    assert row.detail == (
        "缺报2026年09月至2026年10月共2个月数据；2026年09月数据应于2026-10-15前报送，已逾期36天"
    )


def test_it_reports_a_provider_that_never_delivered(tax, other_tax):
    accepted(tax, tax_rows("2026-10", range(1, 4)))
    rejected = deliver(other_tax, [f"{make_uscc(1)},2026-10,-5,0,0,0,0"])
    assert rejected.status == Batch.Status.REJECTED
    rows = quality_report(today=TODAY)
    never = row_for(rows, "tax_monthly", other_tax)
    assert (never.timeliness, never.timeliness_label) == ("never", "从未报送")
    assert never.detail == "尚无入库批次；2026年10月数据应于2026-11-15前报送，已逾期5天"
    assert (never.last_batch, never.last_accepted, never.latest_period) == (rejected, None, None)
    # Every department of the source's kind has a row, ordered by source then department name.
    assert [(r.source.code, r.provider.name) for r in rows if r.source.domain == "tax"] == [
        ("tax_credit_grade", "端州区税务局"),
        ("tax_credit_grade", "肇庆市税务局"),
        ("tax_monthly", "端州区税务局"),
        ("tax_monthly", "肇庆市税务局"),
    ]
    assert {r.timeliness for r in rows if r.source.code == "housing_fund_monthly"} == set()


def test_it_measures_coverage_of_known_enterprises_in_the_latest_period(tax, other_tax):
    for n in range(1, 5):
        EnterpriseFactory(uscc=make_uscc(n))
    accepted(tax, tax_rows("2026-09", range(1, 5)))
    # October: three of the four known enterprises, and one the platform does not know.
    accepted(tax, tax_rows("2026-10", [1, 2, 3, 99]))
    accepted(other_tax, tax_rows("2026-10", [4]))
    rows = quality_report(today=TODAY)
    mine, other = row_for(rows, "tax_monthly", tax), row_for(rows, "tax_monthly", other_tax)
    assert (mine.coverage, mine.coverage_period) == (0.75, dt.date(2026, 10, 1))
    assert (other.coverage, other.coverage_period) == (0.25, dt.date(2026, 10, 1))
    assert row_for(rows, "tax_credit_grade", tax).coverage is None  # nothing delivered


def test_it_has_no_coverage_when_no_enterprise_is_known(tax):
    accepted(tax, tax_rows("2026-10", [1, 2]))
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    assert (row.coverage, row.coverage_period) == (None, None)


def test_it_computes_the_rejection_rate(tax):
    accepted(tax, tax_rows("2026-09", [1, 2]), at="2026-10-10 09:00:00+08:00")
    rejected = deliver(tax, [*tax_rows("2026-10", [1]), f"{make_uscc(2)},2026-10,-5,0,0,0,0"])
    assert (rejected.status, rejected.rows_total, rejected.rows_rejected) == ("rejected", 2, 1)
    last = accepted(tax, tax_rows("2026-10", [1, 2, 3]), at="2026-11-20 11:00:00+08:00")
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    assert (row.batches_total, row.batches_accepted, row.batches_rejected) == (3, 2, 1)
    assert row.rejection_rate == pytest.approx(1 / 3)
    assert (row.rows_received, row.rows_rejected) == (7, 1)
    assert row.row_rejection_rate == pytest.approx(1 / 7)
    assert (row.last_batch, row.last_accepted) == (last, last)


def test_it_detects_a_volume_anomaly_and_lists_its_batches(tax):
    accepted(tax, tax_rows("2026-08", range(1, 11)), at="2026-09-05 09:00:00+08:00")
    first = accepted(tax, tax_rows("2026-09", range(1, 4)), at="2026-10-05 09:00:00+08:00")
    late = accepted(tax, tax_rows("2026-09", [4]), at="2026-10-20 09:00:00+08:00")
    accepted(tax, tax_rows("2026-10", range(1, 11)), at="2026-11-05 09:00:00+08:00")
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    (anomaly,) = row.anomalies
    assert (anomaly.period, anomaly.rows, anomaly.previous_rows) == (dt.date(2026, 9, 1), 4, 10)
    assert anomaly.drop == pytest.approx(0.6)
    assert anomaly.batches == [first, late]
    assert anomaly.summary == "2026年09月 行数较上期下降60%（10 → 4）"


def test_it_formats_an_anomaly_with_thousands_separators():
    anomaly = Anomaly(period=dt.date(2026, 9, 1), rows=1140, previous_rows=3000, drop=0.62)
    assert anomaly.summary == "2026年09月 行数较上期下降62%（3,000 → 1,140）"


def test_it_finds_no_anomaly_when_the_fall_is_exactly_half(tax):
    accepted(tax, tax_rows("2026-08", range(1, 11)))
    accepted(tax, tax_rows("2026-09", range(1, 6)))
    accepted(tax, tax_rows("2026-10", range(1, 4)))  # 5 → 3: a fall of 40%
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    assert row.anomalies == []


def test_it_reports_a_month_missing_within_the_series_as_an_anomaly(tax):
    accepted(tax, tax_rows("2026-07", range(1, 5)))
    accepted(tax, tax_rows("2026-09", range(1, 5)))
    accepted(tax, tax_rows("2026-10", range(1, 5)))
    row = row_for(quality_report(today=TODAY), "tax_monthly", tax)
    (anomaly,) = row.anomalies
    assert (anomaly.period, anomaly.rows, anomaly.previous_rows) == (dt.date(2026, 8, 1), 0, 4)
    assert (anomaly.drop, anomaly.batches) == (1.0, [])
    assert row.timeliness == "ok"


def test_it_judges_event_sources_by_the_gap_since_the_last_accepted_batch():
    centre = data_provider_create(
        name="肇庆市公共信用信息中心", kind="credit_centre", region_code="441200"
    ).organization

    def penalties(numbers: range, day: str) -> list[str]:
        return [
            f"{make_uscc(n)},肇市监罚〔2026〕{n}号,{day},minor,,肇庆市市场监督管理局,未按时年报,"
            for n in numbers
        ]

    accepted(
        centre,
        penalties(range(1, 11), "2026-10-08"),
        source="admin_penalty",
        header=PENALTY_HEADER,
        at="2026-10-09 09:00:00+08:00",
    )
    november = accepted(
        centre,
        penalties(range(11, 14), "2026-11-09"),
        source="admin_penalty",
        header=PENALTY_HEADER,
        at="2026-11-10 09:00:00+08:00",
    )
    rows = quality_report(today=TODAY)
    row = row_for(rows, "admin_penalty", centre)
    assert (row.timeliness, row.detail) == (
        "late",
        "最近一次入库批次接收于2026-11-10，距今10天，超过最长间隔7天",
    )
    assert (row.latest_period, row.coverage, row.expected_period) == (None, None, None)
    (anomaly,) = row.anomalies
    assert (anomaly.period, anomaly.rows, anomaly.previous_rows) == (dt.date(2026, 11, 1), 3, 10)
    assert anomaly.batches == [november]
    soon = row_for(quality_report(today=dt.date(2026, 11, 17)), "admin_penalty", centre)
    assert (soon.timeliness, soon.detail) == (
        "ok",
        "最近一次入库批次接收于2026-11-10，距今7天（最长间隔7天）",
    )
    later = row_for(quality_report(today=dt.date(2026, 11, 25)), "admin_penalty", centre)
    assert (later.timeliness, later.detail) == (
        "missing",
        "最近一次入库批次接收于2026-11-10，距今15天，超过最长间隔的两倍（14天）",
    )
    assert row_for(rows, "red_list", centre).timeliness == "never"


def test_it_judges_the_yearly_grade_by_the_april_deadline(tax):
    for n in range(1, 3):
        EnterpriseFactory(uscc=make_uscc(n))
    accepted(
        tax,
        [f"{make_uscc(1)},2024,A", f"{make_uscc(2)},2024,B"],
        source="tax_credit_grade",
        header=GRADE_HEADER,
    )
    row = row_for(quality_report(today=TODAY), "tax_credit_grade", tax)
    assert (row.latest_period, row.expected_period) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert (row.timeliness, row.detail) == ("late", "2025年度数据应于2026-04-30前报送，已逾期204天")
    assert (row.coverage, row.latest_period_label) == (1.0, "2024年度")
    before = row_for(quality_report(today=dt.date(2026, 4, 30)), "tax_credit_grade", tax)
    assert (before.timeliness, before.expected_period) == ("ok", dt.date(2024, 1, 1))


def test_it_uses_a_bounded_number_of_queries(tax, other_tax, django_assert_max_num_queries):
    power = data_provider_create(name="肇庆供电局", kind="utilities", region_code="441200")
    for n in range(1, 4):
        EnterpriseFactory(uscc=make_uscc(n))
    accepted(tax, tax_rows("2026-09", range(1, 11)))
    accepted(other_tax, tax_rows("2026-08", range(21, 29)))
    accepted(other_tax, tax_rows("2026-09", range(21, 23)))
    accepted(
        power.organization,
        [f"{make_uscc(1)},2026-09,电,100,80,0"],
        source="utilities_monthly",
        header=UTILITY_HEADER,
    )
    with CaptureQueriesContext(connection) as few:
        first = quality_report(today=TODAY)
    assert sum(len(r.anomalies) for r in first) == 1
    # More batches, periods, anomalies and rejections: no more queries.
    accepted(tax, tax_rows("2026-10", range(1, 3)))
    accepted(other_tax, tax_rows("2026-10", range(21, 23)))
    deliver(tax, [f"{make_uscc(1)},2026-10,-5,0,0,0,0"])
    for month in ("2026-07", "2026-08", "2026-10"):
        accepted(
            power.organization,
            [f"{make_uscc(n)},{month},电,100,80,0" for n in range(1, 4)],
            source="utilities_monthly",
            header=UTILITY_HEADER,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = quality_report(today=TODAY)
    assert len(few.captured_queries) <= 15
    assert [len(r.anomalies) for r in rows if r.source.code.endswith("_monthly")] == [1, 1, 1]
    assert sum(r.batches_total for r in rows) == 10


def test_it_shows_the_report_to_the_platform_operator(client, tax):
    platform = organization_create(
        name="肇庆市信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    operator = UserFactory(username="operator")
    membership_grant(user=operator, organization=platform, role=Role.PLATFORM_OPERATOR)
    EnterpriseFactory(uscc=make_uscc(1))
    accepted(tax, tax_rows("2026-08", range(1, 11)))
    dip = accepted(tax, tax_rows("2026-09", range(1, 4)))
    with time_machine.travel("2026-11-23 09:00:00+08:00", tick=False):
        response = login(client, operator).get("/data/quality/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">及时性</th>' in page
    assert '<span class="badge status-late">逾期</span>' in page
    assert "2026年10月数据应于2026-11-15前报送，已逾期8天" in page
    assert '<span class="badge status-never">从未报送</span>' in page
    assert "2026年09月 行数较上期下降70%（10 → 3）" in page
    assert f'<a href="/data/batches/{dip.pk}/">批次 #{dip.pk}</a>' in page
    assert f'<a href="/data/batches/{dip.pk}/">2026-11-20</a>' in page
    assert "100.0%" in page  # coverage: the one known enterprise
    assert "0.0%" in page  # rejection rate
