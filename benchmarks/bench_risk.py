"""Fusion and scoring of a synthetic city: features, training, probabilities and reasons.

Each city size runs in its own process so that its peak memory is its own. The issue's target
(1,000,000 enterprises fused and scored in under 5 minutes) needs fusion in chunks of
enterprises read from the record tables; until then this measures whole cities that fit in
memory, to show how time and memory grow.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (20_000, 100_000)


def _measure(n: int) -> dict[str, Any]:
    import numpy as np

    from risk_models.explain import reasons
    from risk_models.features import build_features
    from risk_models.synth import synth_city
    from risk_models.train import train_model

    started = time.perf_counter()
    city = synth_city(n, seed=20261123)
    synth_s = time.perf_counter() - started
    source_rows = sum(len(frame) for frame in city.sources.values())

    started = time.perf_counter()
    features = build_features(city.sources, city.enterprises, city.as_of)
    fuse_s = time.perf_counter() - started

    truth = city.truth.set_index("uscc").loc[features.index, "default_probability"].to_numpy()
    rng = np.random.default_rng(5)
    outcome = (rng.random(n) < truth).astype(np.int8)
    started = time.perf_counter()
    model = train_model(features, outcome, cv=3)
    train_s = time.perf_counter() - started

    started = time.perf_counter()
    probability = model.predict_proba(features)
    why = reasons(model.booster, features, top=3)
    score_s = time.perf_counter() - started
    assert len(probability) == len(why) == n
    return {
        "n": n,
        "source_rows": source_rows,
        "synth_s": synth_s,
        "fuse_s": fuse_s,
        "train_s": train_s,
        "score_s": score_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _figure(name: str, value: float, unit: str, scale: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "scale": scale}


def run() -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    for n in SIZES:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_risk", str(n)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(result.stdout.strip().splitlines()[-1])
        scale = f"{n:,} enterprises, 36 months ({r['source_rows']:,} source rows)"
        figures += [
            _figure(
                f"risk_{n}.fuse_and_score.enterprises_per_s",
                round(n / (r["fuse_s"] + r["score_s"])),
                "enterprises/s",
                scale + "; features, probability and three reasons",
            ),
            _figure(f"risk_{n}.fuse.seconds", round(r["fuse_s"], 2), "s", scale),
            _figure(f"risk_{n}.score.seconds", round(r["score_s"], 2), "s", scale),
            _figure(f"risk_{n}.train.seconds", round(r["train_s"], 2), "s", scale + "; 3-fold CV"),
            _figure(f"risk_{n}.synth.seconds", round(r["synth_s"], 2), "s", scale),
            _figure(
                f"risk_{n}.peak_rss",
                round(r["peak_rss_mib"], 1),
                "MiB",
                scale + "; whole process including the generated city",
            ),
        ]
    return figures


if __name__ == "__main__":
    print(json.dumps(_measure(int(sys.argv[1]))))
