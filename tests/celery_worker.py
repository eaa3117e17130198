"""Start a real Celery worker process on Redis, against the test database, on its own queue."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from xinyidai import celery_app

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def celery_worker(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xinyidai.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # Tasks the worker itself sends (a rebuild's chunks) stay on this test's queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        **(extra_env or {}),
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
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output)  # shown by pytest when the test fails
