"""The oversight work a real Celery worker does: the cube refresh after a change made through
the services, and a report generated in the background with its files."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from tests.celery_worker import celery_worker
from tests.factories import UserFactory
from tests.oversight.conftest import at
from xinyidai.financing import services as financing
from xinyidai.oversight import selectors, services, tasks
from xinyidai.oversight.models import Cell, DirtyYear, Report


def _wait(check, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_refreshes_the_cube_and_generates_a_report(book, regulators, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    today = timezone.localdate()
    for _ in range(3):
        book.loan(book.enterprise("441202"), today, "1000000")
    officer = UserFactory()
    application = book.application(
        book.enterprise("441203"),
        submitted=at(today),
        created_by=officer,
        approved_amount="800000",
        accepted_at=at(today),
        decided_at=at(today),
    )
    financing.application_transition(
        application=application,
        action="disburse",
        actor=officer,
        organization=book.bank.organization,
        amount="800000",
        rate="4.5",
        term_months=12,
        guarantee="credit",
        disbursed_on=today.isoformat(),
    )
    assert list(DirtyYear.objects.values_list("year", flat=True)) == [today.year]
    assert not Cell.objects.exists()

    month = selectors.Period.current("M")
    storage = "django.core.files.storage.FileSystemStorage"
    with celery_worker({"MEDIA_ROOT": str(tmp_path), "TEST_FILE_STORAGE": storage}):
        tasks.oversight_refresh.delay()
        _wait(lambda: not DirtyYear.objects.exists())
        figures = selectors.totals("4412", [month])[month]
        assert (figures.value("loans"), figures.value("loans_amount")) == (4, 3800000)

        report = services.report_request(
            regulator=regulators.zhaoqing_regulator,
            region="4412",
            period=month.code,
            user=regulators.zhaoqing,
        )
        seen = set()

        def ready() -> bool:
            report.refresh_from_db()
            seen.add(report.progress)
            return report.status in (Report.Status.READY, Report.Status.FAILED)

        _wait(ready)
    assert (report.status, report.progress, report.error) == (Report.Status.READY, 100, "")
    for field in (report.pdf, report.xlsx, report.csv):
        assert field.name
        assert (tmp_path / field.name).stat().st_size > 0
    assert report.generated_at is not None
    assert report.seconds is not None
