"""What the database benchmarks share: an environment on their own database, and child steps.

A benchmark runs its steps in fresh processes (``python -m benchmarks.<module> STEP ...``) so
that each step's peak memory is its own; a step prints one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def bench_env(database: str, media_root: str, **extra: str) -> dict[str, str]:
    """Test settings on ``database`` of the local PostgreSQL server, files under ``media_root``."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xinyidai")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xinyidai.settings.test",
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + database,
        "TEST_FILE_STORAGE": "django.core.files.storage.FileSystemStorage",
        "MEDIA_ROOT": media_root,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        **extra,
    }


def run_step(module: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one step of ``benchmarks.<module>`` in a fresh process; its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{result.stdout}\n{result.stderr}")
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def bench_database(name: str, *, create: bool) -> None:
    """Drop the benchmark's own database (and create it afresh if asked) on the server of
    ``DATABASE_URL``."""
    import psycopg2

    url = os.environ["DATABASE_URL"]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS " + name)
        if create:
            cursor.execute("CREATE DATABASE " + name)
    admin.close()
