"""Acceptance of the risk model on the synthetic city (risk_models.features + train).

Outcomes are drawn from the generator's true default probability, so the AUC of that true
probability on the holdout is the ceiling any model can reach; the model trained on the
point-in-time features must reach at least 95% of it on the same holdout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from risk_models.evaluate import auc
from risk_models.features import FEATURE_NAMES, build_features
from risk_models.synth import synth_city
from risk_models.train import train_model

N_ENTERPRISES = 60_000
CITY_SEED = 11
OUTCOME_SEED = 5
REQUIRED_SHARE = 0.95
MONOTONE = {
    "dishonest_debtor_listed": 1,
    "tax_arrears_months_12m": 1,
    "si_arrears_months_max_12m": 1,
}


@dataclass(frozen=True)
class _Split:
    features: pd.DataFrame
    outcome: npt.NDArray[np.int8]
    true_probability: npt.NDArray[np.float64]
    train: npt.NDArray[np.int64]
    holdout: npt.NDArray[np.int64]


@pytest.fixture(scope="module")
def split() -> _Split:
    city = synth_city(N_ENTERPRISES, seed=CITY_SEED)
    features = build_features(city.sources, city.enterprises, city.as_of)
    truth = city.truth.set_index("uscc").loc[features.index, "default_probability"]
    true_probability = truth.to_numpy(dtype=np.float64)
    rng = np.random.default_rng(OUTCOME_SEED)
    outcome = (rng.random(len(features)) < true_probability).astype(np.int8)
    order = rng.permutation(len(features))
    cut = int(len(features) * 0.7)
    return _Split(features, outcome, true_probability, order[:cut], order[cut:])


def test_holdout_auc_reaches_95_percent_of_the_true_probability(split: _Split) -> None:
    x, y = split.features, split.outcome
    model = train_model(x.iloc[split.train], y[split.train], cv=3)
    holdout = split.holdout
    model_auc = auc(y[holdout], model.predict_proba(x.iloc[holdout]))
    true_auc = auc(y[holdout], split.true_probability[holdout])
    summary = (
        f"holdout AUC: model {model_auc:.4f}, true probability {true_auc:.4f}, "
        f"ratio {model_auc / true_auc:.4f} (required {REQUIRED_SHARE})"
    )
    print(summary)
    assert model_auc >= REQUIRED_SHARE * true_auc, summary


def test_monotone_constraints_hold(split: _Split) -> None:
    assert set(MONOTONE) <= set(FEATURE_NAMES)
    x, y = split.features, split.outcome
    model = train_model(x.iloc[split.train], y[split.train], cv=3, monotone=MONOTONE)
    holdout = x.iloc[split.holdout]
    arrears = ["tax_arrears_months_12m", "si_arrears_months_max_12m"]
    known = holdout[holdout[arrears].notna().all(axis=1)]
    rng = np.random.default_rng(OUTCOME_SEED)
    sample = known.iloc[rng.choice(len(known), size=200, replace=False)]
    before = model.predict_proba(sample)

    listed = sample.copy()
    listed["dishonest_debtor_listed"] = np.float32(1.0)
    assert (model.predict_proba(listed) >= before - 1e-12).all()

    for name in arrears:
        more = sample.copy()
        more[name] = (more[name] + 3).astype(np.float32)
        assert (model.predict_proba(more) >= before - 1e-12).all(), name
