"""End-to-end tests: real processes (gunicorn, a Celery worker, the sandbox bank) talking HTTP."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Registered here as well as it could be in pyproject.toml: the suite runs --strict-markers.
    config.addinivalue_line(
        "markers", "e2e: starts the web server, a Celery worker and the sandbox bank as processes"
    )
