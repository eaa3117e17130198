"""The real processes of an end-to-end test: each started in its own session with its output in
a file, and stopped (terminated, then killed with its children) however the test ends."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self, limit: int = 8000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text if len(text) <= limit else "…" + text[-limit:]

    def report(self) -> str:
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"----- {self.name} ({state}) -----\n{self.output()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def base_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", **extra}


def _stop(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    # Whatever it left behind in its own session (gunicorn's workers): that group is ours.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def started(
    name: str, args: Sequence[str], *, env: dict[str, str], log_dir: Path
) -> Iterator[Service]:
    log = log_dir / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = Service(name, process, log)
    try:
        yield service
    finally:
        _stop(process)


class Timeout(AssertionError):
    pass


def wait_for(
    check: Callable[[], T | None],
    *,
    what: str,
    deadline: float,
    services: Sequence[Service] = (),
    every: float = 0.2,
) -> T:
    """The first truthy result of ``check`` before the monotonic ``deadline``; else a failure
    that says what was awaited, what ``check`` last saw, and the processes' output."""
    last: Any = None
    while True:
        for service in services:
            if service.process.poll() is not None:
                raise AssertionError(
                    f"{service.name} died while waiting for {what}\n"
                    + "\n".join(s.report() for s in services)
                )
        try:
            result = check()
        except (OSError, urllib.error.URLError, ValueError) as error:
            result, last = None, error
        except AssertionError as error:  # an unexpected answer: say where the processes were
            raise AssertionError(
                f"{error}\n(while waiting for {what})\n" + "\n".join(s.report() for s in services)
            ) from error
        else:
            last = result if result is not None else last
        if result:
            return result
        if time.monotonic() >= deadline:
            raise Timeout(
                f"timed out waiting for {what}; last seen: {last!r}\n"
                + "\n".join(s.report() for s in services)
            )
        time.sleep(every)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except urllib.error.HTTPError:
        return False
