"""Make sure PostgreSQL and Redis answer before the tests run, and the tools the tests call.

If one is down and can be started on this machine, start it; otherwise stop with a message that
names what is missing and how to point the suite elsewhere (DATABASE_URL, REDIS_URL). The PDF
report tests rasterize with ``pdftoppm`` (Debian's poppler-utils): installed with apt-get when
missing and running as root, else named in the message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xinyidai")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
LOCAL = {"127.0.0.1", "localhost", "::1", ""}


def _postgres_ok() -> str | None:
    url = urlparse(DATABASE_URL)
    try:
        conn = psycopg2.connect(
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password or None,
            dbname="postgres",
            connect_timeout=3,
        )
    except psycopg2.OperationalError as exc:
        return str(exc).strip()
    try:
        _create_database(conn, url.path.lstrip("/") or "xinyidai")
    finally:
        conn.close()
    return None


def _create_database(conn, name: str) -> None:  # type: ignore[no-untyped-def]
    """The main database (used by lint's migration check); tests make their own test_ copy."""
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


def _redis_ok() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def _start_postgres() -> bool:
    if not shutil.which("pg_ctlcluster"):
        return False
    for version in sorted(Path("/etc/postgresql").glob("*")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version.name, "main", "start"],
            check=False,
        )
    return True


def _start_redis() -> bool:
    if not shutil.which("redis-server"):
        return False
    port = str(urlparse(REDIS_URL).port or 6379)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=False,
    )
    return True


def _ensure(name: str, url: str, check, start) -> str | None:  # type: ignore[no-untyped-def]
    error = check()
    if error is None:
        return None
    if urlparse(url).hostname in LOCAL and start():
        print(f"{name} was not answering; started it locally.", flush=True)
        for _ in range(30):
            time.sleep(0.5)
            if (error := check()) is None:
                return None
    return (
        f"{name} is not reachable at {url} ({error}). Start it, or set "
        f"{'DATABASE_URL' if name == 'PostgreSQL' else 'REDIS_URL'} to a running server."
    )


def _ensure_tool(command: str, package: str) -> str | None:
    """A command the tests run, from a Debian package: installed if missing and we are root."""
    if shutil.which(command):
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"{command} is missing; installing {package} with apt-get.", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", package]
        if subprocess.run(install, env=env, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(install, env=env, check=False)
        if shutil.which(command):
            return None
    return (
        f"{command} is not installed. Install the package that has it, e.g. "
        f"`sudo apt-get install {package}` (Debian/Ubuntu) or `brew install poppler` (macOS)."
    )


def main() -> int:
    problems = [
        problem
        for problem in (
            _ensure("PostgreSQL", DATABASE_URL, _postgres_ok, _start_postgres),
            _ensure("Redis", REDIS_URL, _redis_ok, _start_redis),
            _ensure_tool("pdftoppm", "poppler-utils"),
        )
        if problem
    ]
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
