"""Fusion in chunks of enterprises gives the features of the whole city.

The platform rebuilds profiles chunk by chunk (one Celery task per range of USCCs); a chunk's
source frames hold only its enterprises' rows, often none at all for a rare event source. An
empty frame is a delivered source, so its counts are 0, exactly as in the whole city.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from risk_models.features import build_features
from risk_models.synth import synth_city

AS_OF = dt.date(2026, 11, 1)


def test_chunked_fusion_equals_whole_city_fusion() -> None:
    city = synth_city(400, seed=3, as_of=AS_OF)
    whole = build_features(city.sources, city.enterprises, AS_OF)

    ordered = city.enterprises.sort_values("uscc").reset_index(drop=True)
    parts = []
    empty_frames = 0
    for chunk in np.array_split(np.arange(len(ordered)), 8):
        members = ordered.iloc[chunk]
        wanted = set(members["uscc"])
        frames = {
            code: frame[frame["uscc"].isin(wanted)].reset_index(drop=True)
            for code, frame in city.sources.items()
        }
        empty_frames += sum(len(frame) == 0 for frame in frames.values())
        parts.append(build_features(frames, members, AS_OF))
    chunked = pd.concat(parts).loc[whole.index]

    assert empty_frames > 0, "the test needs a chunk where some source has no rows"
    pd.testing.assert_frame_equal(chunked, whole)


def test_a_source_not_delivered_is_unknown_but_an_empty_one_is_zero() -> None:
    city = synth_city(50, seed=4, as_of=AS_OF)
    empty = city.sources["admin_penalty"].iloc[0:0]
    delivered = build_features({**city.sources, "admin_penalty": empty}, city.enterprises, AS_OF)
    absent = build_features(
        {k: v for k, v in city.sources.items() if k != "admin_penalty"}, city.enterprises, AS_OF
    )

    assert (delivered["penalty_serious_count_12m"] == 0.0).all()
    assert (delivered["admin_penalty_available"] == 1.0).all()
    assert absent["penalty_serious_count_12m"].isna().all()
    assert (absent["admin_penalty_available"] == 0.0).all()


@pytest.mark.parametrize("code", ["dishonest_debtor", "tax_monthly"])
def test_an_empty_frame_of_any_source_builds(code: str) -> None:
    city = synth_city(30, seed=5, as_of=AS_OF)
    frames = {**city.sources, code: city.sources[code].iloc[0:0]}
    features = build_features(frames, city.enterprises, AS_OF)
    assert len(features) == 30
