"""Alerts: a bank's late-response share in a month, a region's month-on-month fall in
disbursements; raised once, sent to the regulator's analysts, shown on the dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.oversight.conftest import at
from xinyidai.notifications.models import Notification
from xinyidai.oversight import cube
from xinyidai.oversight.alerts import alert_text, alerts_evaluate
from xinyidai.oversight.models import Alert
from xinyidai.oversight.selectors import Period

MARCH = Period("M", dt.date(2026, 3, 1))
APRIL = Period("M", dt.date(2026, 4, 1))
TODAY = dt.date(2026, 5, 6)


def _deadlines(book, bank_product, count: int, late: int, region: str = "441202") -> None:
    """``count`` applications submitted and due on 2 March; ``late`` of them accepted and
    decided on 10 March, the rest on the day."""
    for i in range(count):
        enterprise = book.enterprise(region)
        answered = at("2026-03-10") if i < late else at("2026-03-02")
        book.application(
            enterprise,
            product=bank_product,
            submitted=at("2026-03-02"),
            accepted_at=answered,
            decided_at=answered,
            approved_amount="500000",
        )


@pytest.fixture
def march_late(book):
    _deadlines(book, book.product, 10, 3)  # bank 1: 6 late of 20 deadlines = 30%
    _deadlines(book, book.other_product, 10, 1)  # bank 2: 2 of 20 = 10%
    cube.rebuild_year(2026, today=TODAY)
    return book


def test_it_raises_a_late_response_alert_for_the_bank_over_the_threshold(march_late, regulators):
    raised = alerts_evaluate(month=MARCH, regulators=[regulators.zhaoqing_regulator])
    late = [a for a in raised if a.kind == Alert.Kind.LATE_RESPONSES]
    assert [(a.bank_id, a.value, a.threshold) for a in late] == [
        (march_late.bank.pk, Decimal("0.300000"), Decimal("0.200000"))
    ]
    assert late[0].detail == {"bank": "监测一行", "due": 20, "late": 6}
    assert alert_text(late[0]) == (
        "2026年3月，监测一行在广东省 肇庆市的申请响应超时占比为30.0%（6/20），超过预警阈值20.0%。"
    )


def test_it_sends_each_alert_once_to_the_regulators_analysts(march_late, regulators):
    alerts_evaluate(month=MARCH, regulators=[regulators.zhaoqing_regulator])
    again = alerts_evaluate(month=MARCH, regulators=[regulators.zhaoqing_regulator])
    assert again == []
    sent = Notification.objects.filter(kind="oversight.late_responses")
    assert [n.recipient for n in sent] == [regulators.zhaoqing]
    assert sent[0].url == "/oversight/?period=2026-03&region=4412"
    assert Alert.objects.count() == 1


def test_it_needs_enough_deadlines_before_alerting(book, regulators, settings):
    _deadlines(book, book.product, 2, 2)  # 4 deadlines, all late: fewer than the minimum of 5
    cube.rebuild_year(2026, today=TODAY)
    assert alerts_evaluate(month=MARCH, regulators=[regulators.zhaoqing_regulator]) == []
    settings.OVERSIGHT_LATE_MIN_DUE = 4
    assert len(alerts_evaluate(month=MARCH, regulators=[regulators.zhaoqing_regulator])) == 1


def test_it_only_alerts_a_regulator_about_its_own_jurisdiction(march_late, regulators):
    assert alerts_evaluate(month=MARCH, regulators=[regulators.shenzhen_regulator]) == []


def test_it_raises_a_fall_alert_for_the_region_and_its_county(book, regulators):
    for region in ("441202", "441203"):
        for _ in range(3):
            book.loan(book.enterprise(region), "2026-03-10", "2000000")
    for _ in range(3):  # Duanzhou falls from 600万 to 150万; Dinghu stays at 600万
        book.loan(book.enterprise("441202"), "2026-04-10", "500000")
        book.loan(book.enterprise("441203"), "2026-04-10", "2000000")
    cube.rebuild_year(2026, today=TODAY)
    raised = alerts_evaluate(month=APRIL, regulators=[regulators.zhaoqing_regulator])
    falls = sorted((a.region, a.value) for a in raised if a.kind == Alert.Kind.DISBURSEMENT_FALL)
    # The city: 1200万 -> 750万, 37.5%; Duanzhou: 600万 -> 150万, 75%.
    assert falls == [("4412", Decimal("0.375000")), ("441202", Decimal("0.750000"))]
    duanzhou = next(a for a in raised if a.region == "441202")
    assert alert_text(duanzhou) == (
        "2026年4月，广东省 肇庆市 端州区放款金额为150.00万元，较上月600.00万元下降75.0%，"
        "超过预警阈值30.0%。"
    )


def test_the_daily_task_checks_last_month(march_late, regulators):
    from xinyidai.oversight.tasks import oversight_daily

    with time_machine.travel(dt.datetime(2026, 4, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        # Every regulator whose jurisdiction holds the bank's late answers: 44, 4412, 441202.
        assert oversight_daily() == 3
    alerts = Alert.objects.order_by("region")
    assert [(a.region, a.month, a.bank_id) for a in alerts] == [
        (region, MARCH.start, march_late.bank.pk) for region in ("44", "4412", "441202")
    ]


def test_the_dashboard_shows_the_alerts_of_its_regulator_only(client, march_late, regulators):
    from django.test import Client

    from tests.oversight.conftest import regulator_client

    alerts_evaluate(month=MARCH)
    text = "监测一行在广东省 肇庆市的申请响应超时占比为30.0%（6/20）"
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC), tick=False):
        page = regulator_client(client, regulators.zhaoqing).get("/oversight/?period=2026-03")
        other = regulator_client(Client(), regulators.shenzhen).get("/oversight/?period=2026-03")
    assert page.status_code == other.status_code == 200
    assert text in page.content.decode()
    assert "监测一行" not in other.content.decode()
