"""Synthetic registry generation, vectorized size classification and code validation."""

from __future__ import annotations

import time
from typing import Any

N_ENTERPRISES = 1_000_000
N_VALIDATIONS = 100_000


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def run() -> list[dict[str, Any]]:
    import django

    django.setup()  # validators translate their messages
    from risk_models.standards.sme_size import classify_size_frame
    from risk_models.synth import synth_enterprises
    from xinyidai.registry.validators import validate_uscc

    frame, synth_s = _timed(lambda: synth_enterprises(N_ENTERPRISES, seed=1))
    frame = frame.rename(columns={"annual_revenue": "revenue"})
    sizes, classify_s = _timed(lambda: classify_size_frame(frame))
    assert sizes.notna().all()
    codes = frame["uscc"].iloc[:N_VALIDATIONS].tolist()
    _, validate_s = _timed(lambda: [validate_uscc(code) for code in codes])
    scale = f"{N_ENTERPRISES:,} enterprises"
    return [
        {
            "name": "synth_enterprises.rows_per_s",
            "value": round(N_ENTERPRISES / synth_s),
            "unit": "rows/s",
            "scale": scale,
        },
        {
            "name": "classify_size_frame.seconds",
            "value": round(classify_s, 3),
            "unit": "s",
            "scale": scale,
        },
        {
            "name": "validate_uscc.codes_per_s",
            "value": round(N_VALIDATIONS / validate_s),
            "unit": "codes/s",
            "scale": f"{N_VALIDATIONS:,} codes",
        },
    ]
