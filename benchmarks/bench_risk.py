"""Fusion and scoring of synthetic enterprises in chunks: features, probabilities, reasons.

The issue's target: 1,000,000 enterprises with 36 months of every monthly source fused and
scored in under 5 minutes on this 2-core machine, and the training time on 1,000,000 rows.

* The enterprises are taken in chunks of :data:`CHUNK`. Each chunk is a synthetic city of its
  own, ``synth_city(CHUNK, seed=CITY_SEED + i)``: ``synth_city`` cannot generate one slice of a
  larger city, and its enterprise codes are drawn at random per seed, so two chunks may share a
  code. Each chunk is fused and scored on its own, so that changes nothing here.
* A chunk is fused (:func:`risk_models.features.build_features`) and scored
  (``predict_proba`` and three reasons from :func:`risk_models.explain.reasons`); its results are
  counted and let go, as a real run would write them out, so memory is that of one chunk.
* The model is trained once, before the clock starts, on a separate city of :data:`CHUNK`
  enterprises with the production settings (``train_model``, 3-fold CV); outcomes are drawn
  from the generator's true default probability.
* Only fusion and scoring count towards the target; generating the cities is timed apart.
* For 1,000,000 enterprises the chunks' features and outcomes are also written to a temporary
  directory (off the clock), and another process trains on all of them at once (float32,
  3-fold CV), so that its time and peak memory are its own.

Each size runs in its own process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from risk_models.synth import SynthCity

ROOT = Path(__file__).resolve().parents[1]
SIZES: Final[tuple[int, ...]] = (100_000, 1_000_000)
CHUNK: Final[int] = 100_000
TRAIN_ON_ALL: Final[int] = 1_000_000  # the size whose chunks are also trained on at once
TARGET: Final[tuple[int, float]] = (1_000_000, 300.0)  # enterprises, seconds to fuse and score
CITY_SEED: Final[int] = 20261123
TRAINING_CITY_SEED: Final[int] = CITY_SEED - 1
OUTCOME_SEED: Final[int] = 5
REASONS: Final[int] = 3


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _outcome(city: SynthCity, index: pd.Index, seed: int) -> npt.NDArray[np.int8]:
    """Defaults drawn from the generator's true probability of each enterprise of ``index``."""
    import numpy as np

    truth = city.truth.set_index("uscc").loc[index, "default_probability"].to_numpy()
    rng = np.random.default_rng(seed)
    drawn: npt.NDArray[np.int8] = (rng.random(len(index)) < truth).astype(np.int8)
    return drawn


def _fuse_and_score(n: int, keep: Path | None) -> dict[str, Any]:
    """Train on a separate city, then fuse and score ``n`` enterprises chunk by chunk."""
    import numpy as np

    from risk_models.explain import reasons
    from risk_models.features import build_features
    from risk_models.synth import synth_city
    from risk_models.train import train_model

    if n % CHUNK:
        raise ValueError(f"{n} is not a whole number of chunks of {CHUNK}")
    city = synth_city(CHUNK, seed=TRAINING_CITY_SEED)
    features = build_features(city.sources, city.enterprises, city.as_of)
    outcome = _outcome(city, features.index, OUTCOME_SEED)
    started = time.perf_counter()
    model = train_model(features, outcome, cv=3)
    train_s = time.perf_counter() - started
    del city, features, outcome

    synth_s = fuse_s = predict_s = reasons_s = cpu_s = 0.0
    per_chunk: list[float] = []
    source_rows = 0
    for i in range(n // CHUNK):
        started = time.perf_counter()
        city = synth_city(CHUNK, seed=CITY_SEED + i)
        fuse_started = time.perf_counter()
        cpu_started = time.process_time()
        features = build_features(city.sources, city.enterprises, city.as_of)
        predict_started = time.perf_counter()
        probability = model.predict_proba(features)
        reasons_started = time.perf_counter()
        why = reasons(model.booster, features, top=REASONS)
        done = time.perf_counter()
        cpu_s += time.process_time() - cpu_started
        synth_s += fuse_started - started
        fuse_s += predict_started - fuse_started
        predict_s += reasons_started - predict_started
        reasons_s += done - reasons_started
        per_chunk.append(done - fuse_started)

        if not (len(features) == len(probability) == len(why) == CHUNK):
            raise RuntimeError(f"chunk {i}: {len(features)} features, {len(why)} reasons")
        if not np.isfinite(probability).all():
            raise RuntimeError(f"chunk {i}: probabilities that are not finite")
        source_rows += sum(len(frame) for frame in city.sources.values())
        if keep is not None:
            np.save(keep / f"features_{i:03d}.npy", features.to_numpy(dtype=np.float32))
            np.save(keep / f"outcome_{i:03d}.npy", _outcome(city, features.index, OUTCOME_SEED + i))
        del city, features, probability, why

    trees = model.booster.num_trees()
    return {
        "n": n,
        "chunks": n // CHUNK,
        "source_rows": source_rows,
        "trees": trees,
        "model_train_s": train_s,
        "synth_s": synth_s,
        "fuse_s": fuse_s,
        "predict_s": predict_s,
        "reasons_s": reasons_s,
        "cpu_s": cpu_s,
        "per_chunk_s": per_chunk,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _train_on_all(directory: Path) -> dict[str, Any]:
    """Train on the features and outcomes of every chunk written to ``directory``."""
    import numpy as np
    import pandas as pd

    from risk_models.features import FEATURE_NAMES
    from risk_models.train import train_model

    parts = sorted(directory.glob("features_*.npy"))
    shapes = [np.load(part, mmap_mode="r").shape for part in parts]
    rows = sum(shape[0] for shape in shapes)
    matrix = np.empty((rows, len(FEATURE_NAMES)), dtype=np.float32)
    at = 0
    for part, shape in zip(parts, shapes, strict=True):
        matrix[at : at + shape[0]] = np.load(part, mmap_mode="r")
        at += shape[0]
    outcome = np.concatenate([np.load(part) for part in sorted(directory.glob("outcome_*.npy"))])
    features = pd.DataFrame(matrix, columns=list(FEATURE_NAMES), copy=False)
    del matrix

    started = time.perf_counter()
    model = train_model(features, outcome, cv=3)
    train_s = time.perf_counter() - started
    return {
        "rows": rows,
        "columns": features.shape[1],
        "train_s": train_s,
        "rounds": model.num_iterations,
        "oof_auc": model.metrics["auc"],
        "peak_rss_mib": _peak_rss_mib(),
    }


def _child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_risk", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench_risk {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def _figure(name: str, value: Any, unit: str, scale: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "scale": scale}


def _size_figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    n = r["n"]
    chunks = f"{r['chunks']} chunk" + ("s" if r["chunks"] > 1 else "")
    scale = (
        f"{n:,} enterprises in {chunks} of {CHUNK:,}, 36 months of every monthly source "
        f"({r['source_rows']:,} source rows)"
    )
    model = f"model of {r['trees']} trees trained on a separate city of {CHUNK:,}"
    score_s = r["predict_s"] + r["reasons_s"]
    total_s = r["fuse_s"] + score_s
    target_n, target_s = TARGET
    total_scale = scale + "; features, probability and three reasons"
    if n == target_n:
        total_scale += f"; target under {target_s:.0f} s on this machine"
    figures = [
        _figure(
            f"risk_{n}.fuse_and_score.enterprises_per_s",
            round(n / total_s),
            "enterprises/s",
            total_scale,
        ),
        _figure(f"risk_{n}.fuse_and_score.seconds", round(total_s, 2), "s", total_scale),
        _figure(
            f"risk_{n}.fuse_and_score.cpu_seconds",
            round(r["cpu_s"], 2),
            "s",
            scale + "; processor time of fusion and scoring, all threads (unlike the seconds, "
            "hardly changed by other work on the machine)",
        ),
        _figure(f"risk_{n}.fuse.seconds", round(r["fuse_s"], 2), "s", scale),
        _figure(
            f"risk_{n}.score.seconds",
            round(score_s, 2),
            "s",
            f"{scale}; probability and three reasons, {model}",
        ),
        _figure(
            f"risk_{n}.score.reasons.seconds",
            round(r["reasons_s"], 2),
            "s",
            f"{scale}; of the scoring: LightGBM contributions and their wording, {model}",
        ),
        _figure(
            f"risk_{n}.synth.seconds",
            round(r["synth_s"], 2),
            "s",
            scale + "; generating the cities, not counted in fuse_and_score",
        ),
        _figure(
            f"risk_{n}.peak_rss",
            round(r["peak_rss_mib"], 1),
            "MiB",
            scale + "; whole process: the training city and model, then one chunk at a time",
        ),
    ]
    if r["chunks"] > 1:
        figures.append(
            _figure(
                f"risk_{n}.fuse_and_score.per_chunk",
                [round(seconds, 2) for seconds in r["per_chunk_s"]],
                "s",
                f"each chunk of {CHUNK:,}: fusion and scoring",
            )
        )
    if n == target_n:
        figures.append(
            _figure(
                f"risk_{n}.target_met",
                total_s < target_s,
                "bool",
                f"{n:,} enterprises fused and scored in under {target_s:.0f} s (5 minutes): "
                f"{total_s:.0f} s measured",
            )
        )
    return figures


def _train_figures(n: int, t: dict[str, Any]) -> list[dict[str, Any]]:
    scale = (
        f"{t['rows']:,} rows x {t['columns']} features (float32), the chunks of risk_{n}; "
        f"3-fold CV and the final model ({t['rounds']} rounds)"
    )
    return [
        _figure(f"risk_{n}.train.seconds", round(t["train_s"], 2), "s", scale),
        _figure(
            f"risk_{n}.train.peak_rss",
            round(t["peak_rss_mib"], 1),
            "MiB",
            scale + "; whole training process, loading the features included",
        ),
        _figure(f"risk_{n}.train.oof_auc", round(t["oof_auc"], 4), "AUC", scale),
    ]


def run() -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    for n in SIZES:
        if n != TRAIN_ON_ALL:
            r = _child("score", str(n))
            figures += _size_figures(r)
        else:
            with tempfile.TemporaryDirectory(prefix="bench_risk_") as directory:
                r = _child("score", str(n), directory)
                t = _child("train", directory)
            figures += _size_figures(r) + _train_figures(n, t)
        if n == CHUNK:
            figures.append(
                _figure(
                    f"risk_{CHUNK}.train.seconds",
                    round(r["model_train_s"], 2),
                    "s",
                    f"{CHUNK:,} enterprises ({r['trees']} trees); 3-fold CV and the final "
                    "model, the model that scores every size",
                )
            )
    return figures


def main(argv: list[str]) -> None:
    if len(argv) in (2, 3) and argv[0] == "score":
        keep = Path(argv[2]) if len(argv) == 3 else None
        print(json.dumps(_fuse_and_score(int(argv[1]), keep)))
    elif len(argv) == 2 and argv[0] == "train":
        print(json.dumps(_train_on_all(Path(argv[1]))))
    else:
        raise SystemExit(f"usage: {sys.argv[0]} score N [DIR] | train DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
