"""Tests for the evaluation metrics (risk_models.evaluate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluate import (
    PSI_EPSILON,
    auc,
    brier,
    calibration_table,
    ks,
    metrics,
    psi,
    psi_table,
)

# --------------------------------------------------------------------------- helpers


def _pairwise_auc(y: np.ndarray, s: np.ndarray) -> float:
    """P(score of a default > score of a non-default) + half the ties, by brute force."""
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def _brute_ks(y: np.ndarray, s: np.ndarray) -> float:
    thresholds = np.unique(s)
    f1 = (s[y == 1][None, :] <= thresholds[:, None]).mean(axis=1)
    f0 = (s[y == 0][None, :] <= thresholds[:, None]).mean(axis=1)
    return float(np.abs(f1 - f0).max())


# --------------------------------------------------------------------------- auc / ks


def test_perfect_and_reversed_separation() -> None:
    y = [0, 0, 0, 1, 1]
    score = [0.1, 0.2, 0.3, 0.8, 0.9]
    assert auc(y, score) == 1.0
    assert ks(y, score) == 1.0
    assert auc(y, score[::-1]) == 0.0
    assert ks(y, score[::-1]) == 1.0  # the CDFs are just as far apart, the other way round


def test_hand_computed_ties() -> None:
    # Pairs (default, non-default): 0.5 vs 0.1 -> 1, 0.5 vs 0.5 -> 1/2, for both defaults.
    y = np.array([0, 0, 1, 1])
    score = np.array([0.1, 0.5, 0.5, 0.5])
    assert auc(y, score) == pytest.approx(0.75)
    # CDFs after 0.1: defaults 0, others 1/2; after 0.5: both 1. KS = 1/2.
    assert ks(y, score) == pytest.approx(0.5)
    # 0.5 vs 0.1 -> 1, 0.5 vs 0.5 -> 1/2, 0.9 vs both -> 1: 3.5 / 4.
    assert auc([0, 1, 0, 1], [0.1, 0.5, 0.5, 0.9]) == pytest.approx(0.875)


def test_all_tied_scores_are_uninformative() -> None:
    assert auc([0, 1, 0, 1, 1], [0.3] * 5) == pytest.approx(0.5)
    assert ks([0, 1, 0, 1, 1], [0.3] * 5) == pytest.approx(0.0)


def test_auc_and_ks_match_brute_force_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.normal(size=500) + y * 0.7, 1)  # rounding makes plenty of ties
    assert auc(y, score) == pytest.approx(_pairwise_auc(y, score), abs=1e-12)
    assert ks(y, score) == pytest.approx(_brute_ks(y, score), abs=1e-12)
    # Order of the observations does not matter.
    perm = rng.permutation(500)
    assert auc(y[perm], score[perm]) == pytest.approx(auc(y, score), abs=1e-12)


def test_accepts_booleans_and_pandas() -> None:
    y = pd.Series([False, True, False, True])
    score = pd.Series([0.2, 0.4, 0.1, 0.3])
    assert auc(y, score) == 1.0
    assert ks(y, score) == 1.0


def test_one_class_raises() -> None:
    with pytest.raises(ValueError, match="one class"):
        auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="one class"):
        ks([0, 0], [0.1, 0.2])


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], "only 0 and 1"),
        ([0, 1], [0.1, 0.2, 0.3], "differ in length"),
        ([0, 1], [0.1, np.nan], "finite"),
        ([], [], "no observations"),
        ([[0, 1]], [[0.1, 0.2]], "one-dimensional"),
    ],
)
def test_invalid_input_raises(y: object, score: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        auc(y, score)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- calibration


def test_brier() -> None:
    assert brier([0, 1, 1, 0], [0.5] * 4) == pytest.approx(0.25)
    assert brier([0, 1], [0.0, 1.0]) == 0.0
    assert brier([0, 1], [1.0, 0.0]) == 1.0
    assert brier([1, 0, 0], [0.8, 0.1, 0.4]) == pytest.approx((0.04 + 0.01 + 0.16) / 3)


def test_calibration_table_equal_bins() -> None:
    rng = np.random.default_rng(5)
    prob = rng.uniform(0, 0.3, 1000)
    y = (rng.uniform(size=1000) < prob).astype(int)
    table = calibration_table(y, prob, bins=10)
    assert list(table.columns) == ["bin", "n", "mean_predicted", "observed_rate"]
    assert table["bin"].tolist() == list(range(1, 11))
    assert table["n"].tolist() == [100] * 10
    assert int(table["n"].sum()) == 1000
    assert table["mean_predicted"].is_monotonic_increasing
    # Weighted means give back the overall means.
    weights = table["n"] / 1000
    assert float((table["mean_predicted"] * weights).sum()) == pytest.approx(prob.mean())
    assert float((table["observed_rate"] * weights).sum()) == pytest.approx(y.mean())
    # The lowest bin holds exactly the 100 smallest predictions.
    lowest = np.sort(prob)[:100]
    assert table["mean_predicted"].iloc[0] == pytest.approx(lowest.mean())


def test_calibration_table_ties_stay_together() -> None:
    # 60 identical predictions cannot be split: fewer, never empty, bins.
    prob = np.r_[np.full(60, 0.05), np.linspace(0.1, 0.9, 40)]
    y = np.r_[np.zeros(57), np.ones(3), np.ones(40)]
    table = calibration_table(y, prob, bins=10)
    assert int(table["n"].sum()) == 100
    assert (table["n"] > 0).all()
    assert table["bin"].tolist() == list(range(1, len(table) + 1))
    first = table.iloc[0]
    assert first["n"] == 60
    assert first["mean_predicted"] == pytest.approx(0.05)
    assert first["observed_rate"] == pytest.approx(0.05)
    assert len(table) == 5  # the 40 others fall in the last four deciles
    assert table["n"].tolist()[1:] == [10, 10, 10, 10]


def test_calibration_table_small_and_constant() -> None:
    table = calibration_table([0, 1, 1], [0.2, 0.2, 0.2], bins=10)
    assert table["n"].tolist() == [3]
    assert table["observed_rate"].iloc[0] == pytest.approx(2 / 3)
    table = calibration_table([0, 1, 0], [0.1, 0.2, 0.3], bins=10)
    assert table["n"].tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="bins"):
        calibration_table([0, 1], [0.1, 0.2], bins=0)


# --------------------------------------------------------------------------- psi


def test_psi_identical_is_zero() -> None:
    x = np.random.default_rng(1).normal(size=2000)
    assert psi(x, x) == pytest.approx(0.0, abs=1e-12)
    assert psi(x, np.random.default_rng(1).permutation(x)) == pytest.approx(0.0, abs=1e-12)


def test_psi_of_a_shifted_normal() -> None:
    rng = np.random.default_rng(2)
    expected = rng.normal(size=5000)
    same = rng.normal(size=5000)
    shifted = rng.normal(loc=1.0, size=5000)
    assert psi(expected, same) < 0.02
    assert psi(expected, shifted) > 0.25
    assert psi(expected, shifted) > psi(expected, rng.normal(loc=0.3, size=5000)) > 0.02


def test_psi_hand_computed_with_missing_bin_and_epsilon() -> None:
    # Expected splits in halves at 2.5; actual puts everything above it and one NaN.
    expected = [1.0, 2.0, 3.0, 4.0]
    actual = [3.0, 4.0, 5.0, np.nan]
    # Bins: < 2.5 | >= 2.5 | NaN. Expected 1/2, 1/2, eps; actual eps, 3/4, 1/4.
    e = np.array([0.5, 0.5, PSI_EPSILON])
    a = np.array([PSI_EPSILON, 0.75, 0.25])
    assert psi(expected, actual, bins=2) == pytest.approx(float(np.sum((a - e) * np.log(a / e))))


def test_psi_missing_values_shift() -> None:
    rng = np.random.default_rng(4)
    expected = rng.normal(size=4000)
    actual = expected.copy()
    actual[:1600] = np.nan  # 40% of the values go missing
    assert psi(expected, actual) > 0.25
    both = expected.copy()
    both[:400] = np.nan
    assert psi(both, both) == pytest.approx(0.0, abs=1e-12)


def test_psi_point_masses_and_degenerate_inputs() -> None:
    # A count feature: mostly zeros, duplicate quantiles are merged.
    expected = np.r_[np.zeros(900), np.arange(1, 101)]
    assert psi(expected, expected.copy()) == pytest.approx(0.0, abs=1e-12)
    assert psi(expected, np.r_[np.zeros(500), np.arange(1, 501)]) > 0.25
    assert psi(np.full(10, 3.0), np.full(10, 3.0)) == pytest.approx(0.0, abs=1e-12)
    assert psi(np.full(10, np.nan), np.full(5, np.nan)) == pytest.approx(0.0, abs=1e-12)
    assert psi(np.full(10, np.nan), np.ones(5)) > 1.0
    with pytest.raises(ValueError, match="empty"):
        psi([], [1.0])
    with pytest.raises(ValueError, match="bins"):
        psi([1.0], [1.0], bins=0)


def test_psi_table() -> None:
    rng = np.random.default_rng(6)
    expected = pd.DataFrame(
        {
            "stable": rng.normal(size=3000),
            "shifted": rng.normal(size=3000),
            "only_expected": rng.normal(size=3000),
        }
    ).astype("float32")
    actual = pd.DataFrame(
        {
            "shifted": rng.normal(loc=1.0, size=2000),
            "stable": rng.normal(size=2000),
            "only_actual": rng.normal(size=2000),
        }
    )
    table = psi_table(expected, actual)
    assert isinstance(table, pd.Series)
    assert table.name == "psi"
    assert table.index.tolist() == ["stable", "shifted"]
    assert table["stable"] < 0.05
    assert table["shifted"] > 0.25
    assert table["shifted"] == pytest.approx(psi(expected["shifted"], actual["shifted"]))
    assert psi_table(expected, expected).max() == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- summary


def test_metrics() -> None:
    y = [0, 0, 1, 1]
    prob = [0.1, 0.5, 0.5, 0.5]
    result = metrics(y, prob)
    assert set(result) == {"auc", "ks", "brier"}
    assert all(isinstance(value, float) for value in result.values())
    assert result["auc"] == pytest.approx(0.75)
    assert result["ks"] == pytest.approx(0.5)
    assert result["brier"] == pytest.approx((0.01 + 0.25 + 0.25 + 0.25) / 4)
