"""A real Celery worker process, on Redis, runs a task against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import EnterpriseFactory
from xinyidai import celery_app
from xinyidai.registry.models import Enterprise
from xinyidai.registry.tasks import enterprise_sizes_reclassify_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xinyidai.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "xinyidai",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = previous
        process.terminate()
        output, _ = process.communicate(timeout=30)
        if process.returncode not in (0, -15):
            print(output)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
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
