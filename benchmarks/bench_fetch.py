"""The profile API under concurrent load, served by gunicorn on PostgreSQL.

Its own database, ``xinyidai_bench_fetch`` on the local PostgreSQL server, holds one bank with
one credit officer, 1,000 synthetic enterprises each with a current lending profile (36 months
of every monthly source) and an active grant to the bank (every scope, pre-loan, 100 fetches
a month: the most a grant may allow). gunicorn serves the test settings (DEBUG off) with
``ROOT_URLCONF=benchmarks.bench_urls`` on a free local port; the officer logs in once over
HTTP (password, then the TOTP code) and every client thread reuses the session cookie.

Then, with 16 client threads (``http.client``, one connection each, reopened when the server
closes it), three rounds of 10 s each alternating the first two targets (so that both see the
same neighbours on the machine), each after a warm-up:

* ``api_profile_fetch``: ``GET /api/v1/enterprises/<uscc>/profile?purpose=pre_loan``, the
  enterprises taken in turn so that no grant nears its monthly ceiling;
* ``bare_json``: ``GET /bench/bare`` with the same cookie (the same middleware: session, user,
  two-factor state, memberships) and a view that touches nothing;
* ``bare_json_anonymous``: the same without the cookie (middleware without a session), one
  round.

Afterwards: every fetch request is answered 200 and wrote exactly one allowed access-log
entry, and ``access_log.verify()`` finds the hash chain intact after the concurrent appends.

The client runs on the same machine as the server and PostgreSQL and shares its CPUs.
``BENCH_FETCH_SCALE`` (default 1) scales the enterprises and the durations, e.g. 0.1 for a
quick check; ``BENCH_FETCH_WORKERS``, ``BENCH_FETCH_WORKER_CLASS`` and
``BENCH_FETCH_THREADS`` change the server and the client.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._django import ROOT, bench_database, bench_env, run_step

BENCH_DB = "xinyidai_bench_fetch"
SEED = 20261130
SCALE = float(os.environ.get("BENCH_FETCH_SCALE", "1"))
ENTERPRISES = max(round(1_000 * SCALE), 50)
FETCH_LIMIT = 100  # the most a grant may allow per calendar month
SECONDS = max(10.0 * SCALE, 3.0)  # per round and target
ROUNDS = 3  # bare and profile alternate, so that both see the same neighbours on the machine
WARM_UP_PER_THREAD = 5
CLIENT_THREADS = int(os.environ.get("BENCH_FETCH_THREADS", "16"))
WORKERS = int(os.environ.get("BENCH_FETCH_WORKERS", "4"))
WORKER_CLASS = os.environ.get("BENCH_FETCH_WORKER_CLASS", "sync")
OFFICER = "bench_officer"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway benchmark account
PROFILE_PATH = "/api/v1/enterprises/{uscc}/profile?purpose=pre_loan"
BARE_PATH = "/bench/bare"
SCOPES = ["registration", "tax", "social_insurance", "housing_fund", "utilities", "public_credit"]


def _env(media_root: str) -> dict[str, str]:
    return bench_env(
        BENCH_DB,
        media_root,
        ROOT_URLCONF="benchmarks.bench_urls",
        BENCH_FETCH_SCALE=str(SCALE),
        DATABASE_CONN_MAX_AGE="600",
    )


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    return run_step("bench_fetch", args, env)


# --- Loading ------------------------------------------------------------------------------------


def _months(as_of: dt.date, n: int = 36) -> list[str]:
    first = as_of.year * 12 + as_of.month - 1 - n
    return [f"{(first + i) // 12}-{(first + i) % 12 + 1:02d}" for i in range(n)]


def _profile_content(enterprise: Any, rng: Any, months: list[str]) -> dict[str, Any]:
    """A synthetic profile of the size the builder writes: 36 months of every monthly source."""

    def series(scale: float, *names: str) -> dict[str, list[float | None]]:
        return {
            name: [
                None if rng.random() < 0.03 else round(float(scale * rng.lognormal(0, 0.3)), 2)
                for _ in months
            ]
            for name in names
        }

    def monthly(name: str, values: dict[str, list[float | None]]) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "monthly",
            "delivered": True,
            "missing": False,
            "months": len(months),
            "series": values,
        }

    employees = int(enterprise.employees or 10)
    return {
        "registration": {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "region": enterprise.region_code,
            "industry": enterprise.industry_code,
            "established_on": enterprise.established_on.isoformat(),
            "employees": employees,
            "legal_representative": {"name": enterprise.legal_rep_name},
            "months": months,
        },
        "sources": {
            "registration": {
                "name": "登记注册信息",
                "kind": "registration",
                "delivered": True,
                "missing": False,
                "record": {
                    "status": "存续",
                    "registered_capital": str(enterprise.registered_capital),
                    "legal_rep_name": enterprise.legal_rep_name,
                },
            },
            "tax_monthly": monthly(
                "纳税月度信息", series(20_000, "vat_paid", "cit_paid", "declared_sales")
            ),
            "tax_credit_grade": {
                "name": "纳税信用等级",
                "kind": "yearly",
                "delivered": True,
                "missing": False,
                "history": [
                    {"year": 2023, "grade": "B"},
                    {"year": 2024, "grade": "B"},
                    {"year": 2025, "grade": "A"},
                ],
            },
            "social_insurance_monthly": monthly(
                "社会保险缴纳信息", series(employees, "si_headcount", "si_amount_paid")
            ),
            "housing_fund_monthly": monthly(
                "住房公积金缴存信息", series(employees * 0.6, "hf_contributors", "hf_amount_paid")
            ),
            "utilities_monthly": monthly(
                "水电气缴费信息", series(3_000, "electricity_kwh", "water_t", "utilities_paid")
            ),
            "admin_penalty": {
                "name": "行政处罚信息",
                "kind": "events",
                "delivered": True,
                "missing": False,
                "records": 1,
            },
        },
        "events": [{"source": "admin_penalty", "date": "2025-05-01", "title": "一般行政处罚"}],
        "reasons": [
            {"feature": "tax_paid_trend_6m", "text": "近6个月纳税额下降 30%", "contribution": 0.4},
            {"feature": "si_headcount_trend_3m", "text": "社保参保人数减少", "contribution": 0.2},
            {"feature": "electricity_trend_6m", "text": "用电量平稳", "contribution": -0.1},
            {
                "feature": "penalty_minor_count_36m",
                "text": "近3年有1次一般行政处罚",
                "contribution": 0.1,
            },
            {"feature": "age_years", "text": "成立年限较长", "contribution": -0.2},
        ],
    }


def _prepare(directory: str) -> dict[str, Any]:
    """The database, the bank and its officer (with a confirmed TOTP device), the enterprises
    with their profiles and grants; then ANALYZE. Writes the enterprises' codes to a file."""
    _database("create")
    import django

    django.setup()
    from decimal import Decimal

    import numpy as np
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    call_command("migrate", verbosity=0)
    from risk_models.synth import synth_enterprises
    from xinyidai.accounts.models import Role, User
    from xinyidai.accounts.services import bank_create, membership_grant
    from xinyidai.consent.models import (
        Authorization,
        AuthorizationGroupObjectPermission,
        ConsentText,
    )
    from xinyidai.consent.services import role_group
    from xinyidai.core.demo import _load_registry
    from xinyidai.profiles.models import LendingProfile
    from xinyidai.registry.models import Enterprise

    started = time.perf_counter()
    bank = bank_create(
        name="基准银行股份有限公司",
        short_name="基准银行",
        licence_number="B0001H244120001",
        head_office_region="441202",
    )
    officer = User.objects.create_user(username=OFFICER, password=PASSWORD)
    membership_grant(user=officer, organization=bank.organization, role=Role.BANK_CREDIT_OFFICER)
    TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)

    _load_registry(synth_enterprises(ENTERPRISES, seed=SEED))
    enterprises = list(Enterprise.objects.order_by("pk"))
    rng = np.random.default_rng(SEED)
    as_of = timezone.localdate().replace(day=1)
    months = _months(as_of)
    profiles = []
    for enterprise in enterprises:
        content = _profile_content(enterprise, rng, months)
        profiles.append(
            LendingProfile(
                enterprise=enterprise,
                version=1,
                is_current=True,
                as_of=as_of,
                trigger=LendingProfile.Trigger.FULL,
                feature_set_version="bench",
                probability=Decimal(f"{rng.uniform(0.005, 0.2):.6f}"),
                grade=str(rng.choice(["A", "B", "B", "C", "D"])),
                reasons=content["reasons"],
                registration=content["registration"],
                sources=content["sources"],
                events=content["events"],
                flags={"dishonest_debtor": False, "abnormal_operation": False},
                content_sha256=f"{enterprise.pk:064x}",
            )
        )
    LendingProfile.objects.bulk_create(profiles, batch_size=500)

    now = timezone.now()
    text = ConsentText.objects.filter(purpose="pre_loan").order_by("-version").first()
    assert text is not None, "the migrations seed the consent texts"
    grants = Authorization.objects.bulk_create(
        [
            Authorization(
                enterprise=enterprise,
                bank=bank,
                purpose="pre_loan",
                scopes=SCOPES,
                valid_from=now - dt.timedelta(days=1),
                expires_at=now + dt.timedelta(days=89),
                fetch_limit=FETCH_LIMIT,
                status=Authorization.Status.ACTIVE,
                consent_text=text,
                consent_sha256="0" * 64,
                signed_at=now - dt.timedelta(days=1),
                signed_method="password",
            )
            for enterprise in enterprises
        ],
        batch_size=1000,
    )
    # What authorization_accept gives each grant: the bank's officers may fetch under it.
    permission = Permission.objects.get(codename="fetch_profile", content_type__app_label="consent")
    officers = role_group(bank.organization, Role.BANK_CREDIT_OFFICER)
    AuthorizationGroupObjectPermission.objects.bulk_create(
        [
            AuthorizationGroupObjectPermission(
                permission=permission, group=officers, content_object=grant
            )
            for grant in grants
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        for table in (
            "registry_enterprise",
            "profiles_lendingprofile",
            "consent_authorization",
            "consent_authorizationgroupobjectpermission",
        ):
            cursor.execute("VACUUM ANALYZE " + table)
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    Path(directory, "usccs.json").write_text(json.dumps([e.uscc for e in enterprises]))
    sample = _profile_content(enterprises[0], rng, months)
    return {
        "postgresql": server,
        "enterprises": len(enterprises),
        "grants": len(grants),
        "profile_json_bytes": len(json.dumps(sample, ensure_ascii=False).encode()),
        "load_s": time.perf_counter() - started,
    }


def _database(action: str) -> None:
    bench_database(BENCH_DB, create=action == "create")


# --- Serving ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(env: dict[str, str], port: int, directory: str) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "xinyidai.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--threads",
        "4" if WORKER_CLASS == "gthread" else "1",
        "--backlog",
        "256",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--error-logfile",
        str(Path(directory, "gunicorn.log")),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = Path(directory, "gunicorn.log").read_text(errors="replace")
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", BARE_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- Logging in over HTTP -----------------------------------------------------------------------

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Browser:
    """Just enough of a browser for the log-in form: cookies, CSRF token, no redirects."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.connection.close()
        return response.status, text

    def form_token(self, path: str) -> str:
        status, text = self.request("GET", path)
        found = _CSRF_INPUT.search(text)
        if status != 200 or found is None:
            raise RuntimeError(f"GET {path}: {status}, no CSRF token in the form")
        return found.group(1)


def _login(port: int) -> dict[str, Any]:
    """Log the officer in through the real forms; the session cookie to reuse."""
    import django

    django.setup()
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    browser = _Browser(port)
    token = browser.form_token("/accounts/login/")
    status, text = browser.request(
        "POST",
        "/accounts/login/",
        {"username": OFFICER, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    if status != 302:
        raise RuntimeError(f"log-in answered {status}: {text[:500]}")
    token = browser.form_token("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user__username=OFFICER, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    status, text = browser.request(
        "POST",
        "/accounts/two-factor/",
        {"token": f"{code:0{device.digits}d}", "csrfmiddlewaretoken": token},
    )
    if status != 302:
        raise RuntimeError(f"two-factor answered {status}: {text[:500]}")
    return {"cookie": f"sessionid={browser.cookies['sessionid']}"}


# --- Load ---------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _load(port: int, target: str, seconds: float, usccs_file: str) -> dict[str, Any]:
    """``CLIENT_THREADS`` threads, each with its own connection, for ``seconds`` after a
    warm-up of ``WARM_UP_PER_THREAD`` requests each. ``target``: profile, bare or anonymous.
    The session cookie comes in ``BENCH_FETCH_COOKIE`` (not on the command line)."""
    cookie = os.environ["BENCH_FETCH_COOKIE"]
    usccs: list[str] = json.loads(Path(usccs_file).read_text())
    turn = itertools.count()  # next() of a count is atomic under the GIL
    headers = {"Cookie": cookie} if target != "anonymous" else {}

    def path() -> str:
        if target == "profile":
            return PROFILE_PATH.format(uscc=usccs[next(turn) % len(usccs)])
        return BARE_PATH

    ready = threading.Barrier(CLIENT_THREADS + 1)
    go = threading.Event()
    window: dict[str, float] = {}
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        sent = 0

        def one() -> tuple[int, float]:
            started = time.perf_counter()
            connection.request("GET", path(), headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.will_close:
                connection.close()
            return response.status, elapsed

        for _ in range(WARM_UP_PER_THREAD):
            status, _elapsed = one()
            statuses[status] += 1
            sent += 1
        ready.wait()
        go.wait()
        deadline = window["start"] + seconds
        finished = time.perf_counter()
        while time.perf_counter() < deadline:
            status, elapsed = one()
            statuses[status] += 1
            latencies.append(elapsed)
            sent += 1
            finished = time.perf_counter()
        connection.close()
        with lock:
            results.append(
                {"statuses": statuses, "latencies": latencies, "sent": sent, "end": finished}
            )

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    ready.wait()
    window["start"] = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    elapsed = max(r["end"] for r in results) - window["start"]
    latencies = [x for r in results for x in r["latencies"]]
    statuses: Counter[int] = Counter()
    for r in results:
        statuses.update(r["statuses"])
    return {
        "target": target,
        "sent": sum(r["sent"] for r in results),
        "statuses": {str(k): v for k, v in statuses.items()},
        "seconds": elapsed,
        "latencies_ms": [round(1000 * x, 3) for x in latencies],
    }


def _pooled(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One target's rounds together: requests over the time measured, latency percentiles."""
    latencies = [x for r in rounds for x in r["latencies_ms"]]
    statuses: Counter[str] = Counter()
    for r in rounds:
        statuses.update(r["statuses"])
    seconds = sum(r["seconds"] for r in rounds)
    return {
        "measured": len(latencies),
        "sent": sum(r["sent"] for r in rounds),
        "statuses": dict(statuses),
        "req_per_s": len(latencies) / seconds,
        "rounds_req_per_s": [len(r["latencies_ms"]) / r["seconds"] for r in rounds],
        "p50_ms": _percentile(latencies, 0.50),
        "p99_ms": _percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies),
    }


def _check() -> dict[str, Any]:
    """What the concurrent run left in the access log."""
    import django

    django.setup()
    from django.db.models import Count, Max

    from xinyidai.consent import access_log
    from xinyidai.consent.models import AccessLogEntry

    by_outcome = dict(
        AccessLogEntry.objects.values_list("outcome").annotate(n=Count("pk")).order_by()
    )
    per_grant = (
        AccessLogEntry.objects.values("authorization_id")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))
    )
    started = time.perf_counter()
    checked, problem = access_log.verify()
    return {
        "entries": AccessLogEntry.objects.count(),
        "by_outcome": by_outcome,
        "channels": sorted(set(AccessLogEntry.objects.values_list("channel", flat=True))),
        "most_per_grant": per_grant["most"],
        "verified": checked,
        "problem": str(problem) if problem else None,
        "verify_s": time.perf_counter() - started,
    }


# --- Orchestration ------------------------------------------------------------------------------


def _figure(name: str, value: Any, unit: str, scale: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "scale": scale}


def _measure(env: dict[str, str], directory: str) -> dict[str, Any]:
    usccs_file = str(Path(directory, "usccs.json"))
    port = _free_port()
    server = _serve(env, port, directory)
    try:
        cookie = _child(["login", str(port)], env)["cookie"]
        load_env = {**env, "BENCH_FETCH_COOKIE": cookie}
        rounds: dict[str, list[dict[str, Any]]] = {"bare": [], "profile": [], "anonymous": []}
        for _round in range(ROUNDS):
            for target in ("bare", "profile"):
                args = ["load", str(port), target, f"{SECONDS}", usccs_file]
                rounds[target].append(_child(args, load_env))
        args = ["load", str(port), "anonymous", f"{SECONDS}", usccs_file]
        rounds["anonymous"].append(_child(args, load_env))
    finally:
        _stop(server)
    return {target: _pooled(results) for target, results in rounds.items()}


def run() -> list[dict[str, Any]]:
    load_before = os.getloadavg()  # what else the machine was doing when we started
    with tempfile.TemporaryDirectory(prefix="bench-fetch-") as directory:
        env = _env(directory)
        try:
            prepared = _child(["prepare", directory], env)
            runs = _measure(env, directory)
            checked = _child(["check"], env)
        finally:
            _child(["drop"], env)

    profile, bare, anonymous = runs["profile"], runs["bare"], runs["anonymous"]
    for result in runs.values():
        assert result["statuses"] == {"200": result["sent"]}, result
    # Every fetch request wrote one entry, all allowed, and the chain survived the concurrency.
    assert checked["entries"] == profile["sent"], (checked, profile["sent"])
    assert checked["by_outcome"] == {"allowed": profile["sent"]}, checked
    assert checked["channels"] == ["api"], checked
    assert checked["problem"] is None, checked
    assert checked["verified"] == checked["entries"], checked
    assert checked["most_per_grant"] <= FETCH_LIMIT, checked

    server = (
        f"gunicorn {WORKERS} {WORKER_CLASS} workers on 127.0.0.1, test settings (DEBUG off), "
        f"PostgreSQL {prepared['postgresql'].split()[0]} on the same machine"
    )
    client = (
        f"{CLIENT_THREADS} client threads (http.client) on the same machine, each round "
        f"{SECONDS:.0f} s after {WARM_UP_PER_THREAD} warm-up requests per thread"
    )
    alternating = f"{ROUNDS} rounds alternating with the other of bare_json/api_profile_fetch"
    data = (
        f"{prepared['enterprises']:,} enterprises with a current profile "
        f"(~{prepared['profile_json_bytes'] / 1024:.0f} KiB of JSON each) and an active "
        f"grant, requests spread over them"
    )
    scales = {
        "api_profile_fetch": (
            f"GET /api/v1/enterprises/<uscc>/profile?purpose=pre_loan as the logged-in credit "
            f"officer (session cookie, TOTP passed); profile_fetch: grant, permission, ceiling "
            f"count, profile, one hash-chained access-log entry; {data}; {server}; {client}; "
            f"{alternating}"
        ),
        "bare_json": (
            f"GET /bench/bare with the same session cookie: the same middleware (session, "
            f"user, two-factor, memberships), a view that touches nothing; {server}; {client}; "
            f"{alternating}"
        ),
        "bare_json_anonymous": (
            f"GET /bench/bare without a cookie: middleware without a session; {server}; "
            f"{client}; one round"
        ),
    }
    figures: list[dict[str, Any]] = []
    for name, result in (
        ("api_profile_fetch", profile),
        ("bare_json", bare),
        ("bare_json_anonymous", anonymous),
    ):
        rates = ", ".join(f"{x:.0f}" for x in result["rounds_req_per_s"])
        scale = (
            f"{scales[name]}; {result['measured']:,} requests measured (req/s by round: {rates})"
        )
        figures += [
            _figure(f"{name}.req_per_s", round(result["req_per_s"], 1), "req/s", scale),
            _figure(f"{name}.p50_ms", round(result["p50_ms"], 2), "ms", scale),
            _figure(f"{name}.p99_ms", round(result["p99_ms"], 2), "ms", scale),
        ]
    figures += [
        _figure(
            "api_profile_fetch.throughput_ratio_to_bare",
            round(profile["req_per_s"] / bare["req_per_s"], 3),
            "ratio",
            "api_profile_fetch.req_per_s / bare_json.req_per_s (same cookie, same server, "
            "rounds alternating)",
        ),
        _figure(
            "api_profile_fetch.access_log_entries",
            checked["entries"],
            "entries",
            f"entries written by the run: one per fetch request ({profile['sent']:,} sent, "
            f"warm-up included), all allowed, channel api; access_log.verify() found the chain "
            f"of {checked['verified']:,} entries intact after the concurrent appends "
            f"({checked['verify_s']:.2f} s to verify); at most {checked['most_per_grant']} "
            f"fetches on one grant (ceiling {FETCH_LIMIT})",
        ),
        _figure(
            "api_profile_fetch.access_log_chain_intact",
            checked["problem"] is None,
            "bool",
            f"access_log.verify() after {CLIENT_THREADS} threads fetched concurrently",
        ),
        _figure(
            "bench_fetch.load.seconds",
            round(prepared["load_s"], 1),
            "s",
            f"{prepared['enterprises']:,} enterprises, profiles, grants and their permissions "
            "bulk-created, then VACUUM ANALYZE",
        ),
        _figure(
            "bench_fetch.machine",
            _machine(prepared["postgresql"], load_before),
            "facts",
            "the machine and PostgreSQL server the figures were measured on",
        ),
    ]
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for figure in figures:
        figure["measured_at"] = measured_at
    return figures


def _machine(postgresql: str, load_before: tuple[float, float, float]) -> dict[str, Any]:
    from benchmarks.__main__ import _machine as runner_machine

    return {
        **runner_machine(),
        "postgresql": postgresql,
        # Other work on the machine when the benchmark started (client, server and database
        # share its CPUs): the 1, 5 and 15 minute load averages.
        "load_average_before": [round(x, 2) for x in load_before],
    }


if __name__ == "__main__":
    step = sys.argv[1]
    if step == "prepare":
        out = _prepare(sys.argv[2])
    elif step == "login":
        out = _login(int(sys.argv[2]))
    elif step == "load":
        port, target, seconds, usccs_file = sys.argv[2:6]
        out = _load(int(port), target, float(seconds), usccs_file)
    elif step == "check":
        out = _check()
    else:
        _database("drop")
        out = {}
    print(json.dumps(out, ensure_ascii=False, default=str))
