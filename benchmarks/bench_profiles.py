"""A full rebuild of lending profiles read from the PostgreSQL record tables.

A synthetic city of 20,000 enterprises (36 months of every monthly source, public-credit events)
is delivered through the real ingestion into its own database, ``xinyidai_bench_profiles``, with
its enterprises registered and a platform model trained on a separate synthetic city. Then, each
in a fresh process so its peak memory is its own:

* a full rebuild in this process (chunks of 5,000 enterprises): every source read set-based with
  ``COPY``, fused, scored with reasons, documents built, 20,000 versions written;
* the same rebuild again, when nothing changed: read, fuse and score, and write nothing.

`bench_risk` measures the pure fusion and scoring at 100k and 1M enterprises; this measures the
platform path around it (reading, documents, versions).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._django import bench_database, bench_env, run_step

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "xinyidai_bench_profiles"
ENTERPRISES = 20_000
MODEL_ENTERPRISES = 10_000
SEED = 20261130


def _env(media_root: str) -> dict[str, str]:
    return bench_env(BENCH_DB, media_root, PROFILE_CHUNK_SIZE="5000")


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    return run_step("bench_profiles", args, env)


def _database(action: str) -> None:
    bench_database(BENCH_DB, create=action == "create")


def _prepare(directory: str) -> dict[str, Any]:
    """The database, the registry, every source delivered, and an active model."""
    _database("create")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from risk_models.catalogue import SOURCES
    from risk_models.files import write_source_file
    from risk_models.synth import synth_city
    from xinyidai.accounts.services import data_provider_create
    from xinyidai.core.demo import _load_registry
    from xinyidai.profiles import services
    from xinyidai.sources.models import Source
    from xinyidai.sources.services import batch_ingest_file

    city = synth_city(ENTERPRISES, seed=SEED)
    _load_registry(city.enterprises)
    providers = {
        kind: data_provider_create(name=f"基准{kind}", kind=kind, region_code="441200").organization
        for kind in {spec.provider_kind for spec in SOURCES}
    }
    rows = 0
    with services.rebuilds_deferred():
        for spec in SOURCES:
            path = write_source_file(
                city.sources[spec.code], spec.code, Path(directory) / f"{spec.code}.csv"
            )
            batch = batch_ingest_file(
                source=Source.objects.get(code=spec.code),
                provider=providers[spec.provider_kind],
                path=str(path),
            )
            assert batch.status == "accepted", batch.message
            rows += batch.rows_total
    services.scoring_model_train_synthetic(enterprises=MODEL_ENTERPRISES, seed=SEED + 1)
    return {"rows": rows}


def _rebuild() -> dict[str, Any]:
    import django

    django.setup()
    from xinyidai.profiles import services
    from xinyidai.profiles.models import LendingProfile, ProfileRebuild

    started = time.perf_counter()
    rebuild = services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL, here=True
    )
    seconds = time.perf_counter() - started
    assert rebuild.status == "done", rebuild.message
    return {
        "seconds": seconds,
        "enterprises": rebuild.enterprises_done,
        "versions": rebuild.versions_created,
        "chunks": rebuild.chunks_total,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-profiles-") as directory:
        env = _env(directory)
        try:
            prepared = _child(["prepare", directory], env)
            first = _child(["rebuild"], env)
            again = _child(["rebuild"], env)
        finally:
            _child(["drop"], env)
    assert first["versions"] == ENTERPRISES, first
    assert again["versions"] == 0, again
    scale = (
        f"{ENTERPRISES:,} enterprises, {prepared['rows']:,} records in PostgreSQL, "
        f"{first['chunks']} chunks in one process"
    )
    return [
        {
            "name": "profiles_rebuild.enterprises_per_s",
            "value": round(ENTERPRISES / first["seconds"]),
            "unit": "enterprises/s",
            "scale": scale + "; read, fuse, score, reasons, documents, versions written",
        },
        {
            "name": "profiles_rebuild.seconds",
            "value": round(first["seconds"], 2),
            "unit": "s",
            "scale": scale,
        },
        {
            "name": "profiles_rebuild.peak_rss",
            "value": round(first["peak_rss_mib"], 1),
            "unit": "MiB",
            "scale": scale + "; whole process",
        },
        {
            "name": "profiles_rebuild_unchanged.enterprises_per_s",
            "value": round(ENTERPRISES / again["seconds"]),
            "unit": "enterprises/s",
            "scale": scale + "; nothing changed, no version written",
        },
    ]


if __name__ == "__main__":
    step, *rest = sys.argv[1:]
    if step == "prepare":
        out = _prepare(rest[0])
    elif step == "rebuild":
        out = _rebuild()
    else:
        _database("drop")
        out = {}
    print(json.dumps(out, ensure_ascii=False))
