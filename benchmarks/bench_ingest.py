"""``manage.py ingest`` on synthetic monthly tax files, against a bare PostgreSQL COPY.

Two file sizes (250,000 and 1,000,000 rows) are each ingested in a fresh process, so each peak
memory is that ingestion's own: it should not grow with the file. The same 1,000,000 rows are
then copied bare from the file into an unindexed table that takes the values as delivered
(amounts as ``numeric(18,2)``, the month as text): that is the limit that validated, merged
ingestion is measured against (target: at least half its throughput). A
re-delivery of the smaller file (every row unchanged) measures the merge path.

Runs against its own database, ``xinyidai_bench`` on the local PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks._django import bench_database, bench_env, run_step

ROOT = Path(__file__).resolve().parents[1]
SIZES = (250_000, 1_000_000)
MONTH = "2026-10"
BENCH_DB = "xinyidai_bench"
PROVIDER = "基准测试税务局"


def _env(media_root: str) -> dict[str, str]:
    return bench_env(BENCH_DB, media_root)


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    return run_step("bench_ingest", args, env)


# --- Child steps ------------------------------------------------------------------------------


def _prepare(directory: str) -> dict[str, Any]:
    """Create and migrate the bench database, a provider, and the two files."""
    from risk_models.files import write_source_file
    from risk_models.synth import synth_enterprises, synth_monthly_source

    bench_database(BENCH_DB, create=True)

    import django

    django.setup()
    from django.core.management import call_command

    from xinyidai.accounts.services import data_provider_create

    call_command("migrate", verbosity=0)
    data_provider_create(name=PROVIDER, kind="tax", region_code="441200")

    import datetime as dt

    enterprises = synth_enterprises(1_080_000, seed=20261123)
    frame = synth_monthly_source(
        "tax_monthly", enterprises, [dt.date(2026, 10, 1)], seed=20261123
    ).iloc[: max(SIZES)]
    assert len(frame) == max(SIZES), len(frame)
    paths = {}
    # A few rows of the month before: each timed process ingests them first, as a worker has
    # handled a batch before (modules, connections and caches loaded), outside the clock.
    warm = synth_monthly_source(
        "tax_monthly", enterprises.iloc[:100], [dt.date(2026, 9, 1)], seed=20261123
    )
    write_source_file(warm, "tax_monthly", Path(directory) / "warm-up.csv", fmt="csv")
    for size in SIZES:
        path = Path(directory) / f"tax-{size}.csv"
        write_source_file(frame.iloc[:size], "tax_monthly", path, fmt="csv")
        paths[size] = str(path)
    return {"paths": paths}


def _reset_month() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS records_tax_monthly_p202610")
        cursor.execute("DELETE FROM sources_sourceperiodstat")


class _Resident:
    """Samples this process's resident memory every 10 ms (Linux ``/proc``) while it runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.01):
            with open("/proc/self/statm") as statm:
                self.samples.append(int(statm.read().split()[1]) * page / 2**20)

    def __enter__(self) -> _Resident:
        if os.path.exists("/proc/self/statm"):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def halves(self) -> list[float]:
        """The highest sample of the first and of the second half of the run, in MiB."""
        middle = len(self.samples) // 2
        if not middle:
            return []
        return [round(max(self.samples[:middle]), 1), round(max(self.samples[middle:]), 1)]


def _ingest(path: str, *, reset: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from xinyidai.sources.models import Batch

    def ingest(file: str) -> None:
        call_command(
            "ingest",
            file,
            "--source",
            "tax_monthly",
            "--provider",
            PROVIDER,
            "--no-progress",
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )

    # Outside the clock, as a worker's earlier batch: modules, connections and caches loaded.
    ingest(str(Path(path).with_name("warm-up.csv")))
    if reset:
        _reset_month()
    started = time.perf_counter()
    with _Resident() as resident:
        ingest(path)
    seconds = time.perf_counter() - started
    batch = Batch.objects.latest("pk")
    assert batch.status == "accepted", batch.message
    return {
        "seconds": seconds,
        "rows": batch.rows_total,
        "new": batch.rows_new,
        "unchanged": batch.rows_unchanged,
        "timings": batch.timings,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_halves_mib": resident.halves(),
    }


def _bare_copy(path: str) -> dict[str, Any]:
    import psycopg2

    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS bench_bare_copy;"
            " CREATE TABLE bench_bare_copy (uscc varchar(18), period varchar(7),"
            " vat_paid numeric(18,2), cit_paid numeric(18,2), other_tax_paid numeric(18,2),"
            " declared_sales numeric(18,2), arrears_amount numeric(18,2))"
        )
        connection.commit()
        started = time.perf_counter()
        with open(path, "rb") as handle:
            cursor.copy_expert(
                "COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle
            )
        connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_bare_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bare_copy")
    connection.commit()
    return {"seconds": seconds, "rows": rows}


# --- Orchestration ------------------------------------------------------------------------------

ROUNDS = 3


def run() -> list[dict[str, Any]]:
    """Each round copies bare, then ingests, so both meet the same machine; medians reported."""
    figures: list[dict[str, Any]] = []
    big, small = max(SIZES), min(SIZES)
    with tempfile.TemporaryDirectory(prefix="xinyidai-bench-") as directory:
        media = Path(directory) / "media"
        media.mkdir()
        env = _env(str(media))
        paths = _child(["prepare", directory], env)["paths"]
        small_run = _child(["ingest", paths[str(small)], "reset"], env)
        bare_runs, big_runs = [], []
        for _round in range(ROUNDS):
            bare_runs.append(_child(["bare", paths[str(big)]], env))
            big_runs.append(_child(["ingest", paths[str(big)], "reset"], env))
        again = _child(["ingest", paths[str(small)], "keep"], env)
        _child(["drop"], env)  # leave no database behind
    for size, runs in ((small, [small_run]), (big, big_runs)):
        for result in runs:
            assert result["rows"] == size, result
            assert result["new"] == size, result
        result = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        scale = f"{size:,} rows, one month, CSV" + (
            f"; median of {len(runs)}" if len(runs) > 1 else ""
        )
        figures += [
            {
                "name": f"ingest_{size}.rows_per_s",
                "value": round(size / result["seconds"]),
                "unit": "rows/s",
                "scale": scale,
            },
            {
                "name": f"ingest_{size}.seconds",
                "value": round(result["seconds"], 2),
                "unit": "s",
                "scale": scale,
            },
            *[
                {
                    "name": f"ingest_{size}.phase.{phase}",
                    "value": seconds,
                    "unit": "s",
                    "scale": scale,
                }
                for phase, seconds in result["timings"].items()
            ],
            {
                "name": f"ingest_{size}.peak_rss",
                "value": round(max(r["peak_rss_mib"] for r in runs), 1),
                "unit": "MiB",
                "scale": f"{size:,} rows; whole ingest process, highest of its runs",
            },
            {
                "name": f"ingest_{size}.rss_by_half",
                "value": result["rss_halves_mib"],
                "unit": "MiB",
                "scale": f"{size:,} rows; highest resident memory in the first and in the second"
                " half of the median run (sampled every 10 ms): equal when memory does not grow"
                " with the rows read",
            },
        ]
    bare_seconds = sorted(r["seconds"] for r in bare_runs)[ROUNDS // 2]
    ingest_seconds = sorted(r["seconds"] for r in big_runs)[ROUNDS // 2]
    assert again["unchanged"] == small, again
    figures += [
        {
            "name": "bare_copy.rows_per_s",
            "value": round(big / bare_seconds),
            "unit": "rows/s",
            "scale": f"{big:,} rows into an unindexed table; median of {ROUNDS}",
        },
        {
            "name": "ingest_vs_bare_copy.ratio",
            "value": round(bare_seconds / ingest_seconds, 3),
            "unit": "ratio",
            "scale": f"{big:,} rows, medians of {ROUNDS} interleaved rounds; target >= 0.5",
        },
        {
            "name": "ingest_vs_bare_copy.per_round",
            "value": [
                round(b["seconds"] / i["seconds"], 3)
                for b, i in zip(bare_runs, big_runs, strict=False)
            ],
            "unit": "ratio",
            "scale": "each round: bare seconds / ingest seconds",
        },
        {
            "name": "redelivery_unchanged.rows_per_s",
            "value": round(again["rows"] / again["seconds"]),
            "unit": "rows/s",
            "scale": f"{small:,} rows delivered again, all unchanged (merge path)",
        },
    ]
    return figures


def _drop() -> dict[str, Any]:
    bench_database(BENCH_DB, create=False)
    return {}


if __name__ == "__main__":
    step, *rest = sys.argv[1:]
    if step == "prepare":
        out = _prepare(rest[0])
    elif step == "ingest":
        out = _ingest(rest[0], reset=rest[1] == "reset")
    elif step == "bare":
        out = _bare_copy(rest[0])
    else:
        out = _drop()
    print(json.dumps(out, ensure_ascii=False))
