"""The daily job: reminders 5 and 1 working days before the deadline, each once; the overdue
mark once. The objection is filed on 2026-02-13 and due on 2026-03-19 (a Thursday)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from tests.rights.conftest import file_objection
from xinyidai.notifications.models import Notification
from xinyidai.rights import tasks
from xinyidai.rights.models import Objection
from xinyidai.rights.services import objection_transition, objections_daily

D = dt.date


def _reminders() -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(kind="objection.remind")
        .order_by("id")
        .values_list("recipient__username", "body")
    )


def test_it_reminds_the_provider_five_and_one_working_days_before_the_deadline(world):
    objection = file_objection(world)
    assert objection.due_on == D(2026, 3, 19)
    sent = {}
    for day in [D(2026, 3, d) for d in range(2, 20)]:
        sent[day] = objections_daily(today=day)["reminded"]
    # 03-12 (Thu): 03-13, 16, 17, 18, 19 are the five working days left; 03-18: one left.
    assert {day for day, count in sent.items() if count} == {D(2026, 3, 12), D(2026, 3, 18)}
    assert sum(sent.values()) == 2
    reminders = _reminders()
    assert [who for who, _body in reminders] == ["reviewer", "reviewer"]
    assert "还剩 5 个工作日" in reminders[0][1]
    assert "还剩 1 个工作日" in reminders[1][1]
    objection.refresh_from_db()
    assert objection.reminders == ["before_1", "before_5"]
    assert objection.is_overdue is False


def test_a_missed_day_sends_only_the_nearest_reminder(world):
    objection = file_objection(world)
    assert objections_daily(today=D(2026, 3, 18))["reminded"] == 1
    assert objections_daily(today=D(2026, 3, 19))["reminded"] == 0
    objection.refresh_from_db()
    assert objection.reminders == ["before_1", "before_5"]
    assert "还剩 1 个工作日" in _reminders()[0][1]


def test_it_marks_an_open_objection_overdue_once_and_tells_the_operators(world):
    objection = file_objection(world)
    assert objections_daily(today=D(2026, 3, 19))["overdue"] == 0  # the last day is still in time
    assert objections_daily(today=D(2026, 3, 20))["overdue"] == 1
    assert objections_daily(today=D(2026, 3, 23))["overdue"] == 0
    objection.refresh_from_db()
    assert objection.is_overdue is True
    assert objection.state == Objection.State.SUBMITTED  # the mark does not decide anything
    overdue = Notification.objects.filter(kind="objection.overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == [
        "operator",
        "reviewer",
    ]
    assert overdue.first().title == f"异议已超过处理期限：{world.p.enterprise_a.name}"


def test_decided_objections_are_neither_reminded_nor_marked(world):
    objection = file_objection(world)
    objection_transition(
        objection=objection, action="review", actor=world.reviewer, organization=world.tax
    )
    objection_transition(
        objection=objection,
        action="uphold",
        actor=world.reviewer,
        organization=world.tax,
        note="经核对原记录无误。",
    )
    assert objections_daily(today=D(2026, 3, 18)) == {"reminded": 0, "overdue": 0}
    assert objections_daily(today=D(2026, 4, 1)) == {"reminded": 0, "overdue": 0}


def test_the_reminder_days_come_from_settings(world, settings):
    settings.OBJECTION_REMIND_BEFORE = (3,)
    file_objection(world)
    assert objections_daily(today=D(2026, 3, 12))["reminded"] == 0
    assert objections_daily(today=D(2026, 3, 16))["reminded"] == 1  # 17, 18, 19 left


def test_the_task_runs_the_daily_job_for_today(world):
    file_objection(world)
    assert tasks.objections_daily.delay().get() == {"reminded": 0, "overdue": 0}
    assert settings.CELERY_BEAT_SCHEDULE["rights-daily"]["task"] == "rights.objections_daily"
