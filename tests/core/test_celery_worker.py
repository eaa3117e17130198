"""A real Celery worker process, on Redis, runs a task against the test database."""

import time

import pytest

from tests.celery_worker import celery_worker
from tests.factories import EnterpriseFactory
from xinyidai.registry.models import Enterprise
from xinyidai.registry.tasks import enterprise_sizes_reclassify_task


@pytest.fixture
def worker():
    with celery_worker() as queue:
        yield queue


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_a_task_on_redis(worker):
    enterprise = EnterpriseFactory(industry_code="13", employees=20)
    Enterprise.objects.filter(pk=enterprise.pk).update(size_class="large")  # stale on purpose
    enterprise_sizes_reclassify_task.apply_async(args=[[enterprise.pk]], queue=worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Enterprise.objects.get(pk=enterprise.pk).size_class == "small":
            break
        time.sleep(0.2)
    assert Enterprise.objects.get(pk=enterprise.pk).size_class == "small"
