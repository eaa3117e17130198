"""Evaluation metrics of default-probability models: discrimination, calibration, stability.

Pure numpy/pandas and vectorized (sorting and ``bincount``; no loop over observations).

* :func:`auc` — area under the ROC curve, computed as the Mann–Whitney statistic from average
  ranks, so tied scores count one half;
* :func:`ks` — the Kolmogorov–Smirnov statistic: the largest distance between the score CDFs of
  defaulters and non-defaulters (tied scores are stepped over together);
* :func:`brier` — mean squared error of predicted probabilities;
* :func:`calibration_table` — predicted vs observed default rate in quantile bins of the
  prediction (ties never straddle two bins);
* :func:`psi` / :func:`psi_table` — population stability index of one variable or of every
  common column of two frames (bins from the quantiles of the expected sample, missing values
  as a bin of their own, an epsilon in place of empty proportions); :func:`psi_reference` keeps
  a population's bins and shares (with a model, for monitoring) and :func:`psi_against` compares
  a new population with them;
* :func:`metrics` — ``{"auc", "ks", "brier"}`` at once.

Labels are 0/1 (or booleans): 1 is a default. Scores and probabilities must be finite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "PSI_EPSILON",
    "auc",
    "brier",
    "calibration_table",
    "ks",
    "metrics",
    "psi",
    "psi_against",
    "psi_reference",
    "psi_table",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

PSI_EPSILON: Final[float] = 1e-4  # stands in for an empty bin's proportion


# --------------------------------------------------------------------------- input checks


def _vector(values: ArrayLike, name: str) -> Floats:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _labels_and_scores(y_true: ArrayLike, score: ArrayLike, name: str) -> tuple[Bools, Floats]:
    y = _vector(y_true, "y_true")
    s = _vector(score, name)
    if len(y) != len(s):
        raise ValueError(f"y_true and {name} differ in length: {len(y)} != {len(s)}")
    if len(y) == 0:
        raise ValueError("no observations")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return y == 1.0, s


def _both_classes(y: Bools) -> tuple[int, int]:
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("y_true holds only one class; the metric is undefined")
    return positives, negatives


def _tie_groups(s: Floats) -> tuple[Ints, Ints, Ints]:
    """Sort order, the tie group of each sorted position and the size of each group."""
    order = np.argsort(s, kind="stable")
    ordered = s[order]
    starts = np.empty(len(ordered), dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    group = np.cumsum(starts) - 1
    sizes = np.bincount(group)
    return order.astype(np.int64), group.astype(np.int64), sizes.astype(np.int64)


# --------------------------------------------------------------------------- discrimination


def auc(y_true: ArrayLike, score: ArrayLike) -> float:
    """Area under the ROC curve (Mann–Whitney U / (n1 n0), average ranks for ties).

    Raises ValueError when ``y_true`` holds only one class.
    """
    y, s = _labels_and_scores(y_true, score, "score")
    positives, negatives = _both_classes(y)
    order, group, sizes = _tie_groups(s)
    last = np.cumsum(sizes)  # 1-based rank of the last member of each tie group
    average = last - (sizes - 1) / 2.0
    ranks = average[group]  # rank of each sorted position
    rank_sum = float(ranks[y[order]].sum())
    u = rank_sum - positives * (positives + 1) / 2.0
    return u / (positives * negatives)


def ks(y_true: ArrayLike, score: ArrayLike) -> float:
    """Kolmogorov–Smirnov statistic: max |F_default(t) - F_non_default(t)| over thresholds t.

    The CDFs are evaluated after each distinct score, so tied scores move together.
    Raises ValueError when ``y_true`` holds only one class.
    """
    y, s = _labels_and_scores(y_true, score, "score")
    positives, negatives = _both_classes(y)
    order, group, _ = _tie_groups(s)
    defaults_per_group = np.bincount(group, weights=y[order].astype(np.float64))
    total_per_group = np.bincount(group).astype(np.float64)
    cdf_default = np.cumsum(defaults_per_group) / positives
    cdf_other = np.cumsum(total_per_group - defaults_per_group) / negatives
    return float(np.max(np.abs(cdf_default - cdf_other)))


# --------------------------------------------------------------------------- calibration


def brier(y_true: ArrayLike, prob: ArrayLike) -> float:
    """Brier score: the mean of (prob - y)^2."""
    y, p = _labels_and_scores(y_true, prob, "prob")
    return float(np.mean((p - y.astype(np.float64)) ** 2))


def _quantile_bins(values: Floats, bins: int) -> Ints:
    """Equal-count bins 0..bins-1 by rank; a tie group goes whole to the bin of its first rank."""
    order, group, sizes = _tie_groups(values)
    first_rank = np.cumsum(sizes) - sizes  # 0-based rank of the first member of each group
    sorted_bin = (first_rank[group] * bins) // len(values)
    result: Ints = np.empty(len(values), dtype=np.int64)
    result[order] = sorted_bin
    return result


def calibration_table(y_true: ArrayLike, prob: ArrayLike, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability and observed default rate per quantile bin of ``prob``.

    Bins hold about ``len / bins`` observations each; equal predictions always share a bin, so
    heavy ties can leave fewer (never empty) bins. Columns: bin (1 = lowest predictions,
    numbered consecutively), n, mean_predicted, observed_rate.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y, p = _labels_and_scores(y_true, prob, "prob")
    labels = _quantile_bins(p, bins)
    n = np.bincount(labels, minlength=bins)
    used = n > 0
    predicted = np.bincount(labels, weights=p, minlength=bins)[used]
    observed = np.bincount(labels, weights=y.astype(np.float64), minlength=bins)[used]
    counts = n[used]
    return pd.DataFrame(
        {
            "bin": np.arange(1, len(counts) + 1, dtype=np.int64),
            "n": counts.astype(np.int64),
            "mean_predicted": predicted / counts,
            "observed_rate": observed / counts,
        }
    )


# --------------------------------------------------------------------------- stability


def _psi_edges(expected: Floats, bins: int) -> Floats:
    """Distinct inner cut points at the quantiles of the finite expected values."""
    finite = expected[np.isfinite(expected)]
    if len(finite) == 0:
        return np.empty(0, dtype=np.float64)
    quantiles = np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)[1:-1])
    edges: Floats = np.unique(quantiles)
    return edges


def _bin_shares(values: Floats, edges: Floats) -> Floats:
    """Share of values per bin [-inf, e1), [e1, e2), ..., [ek, inf], then NaN; never zero."""
    missing = np.isnan(values)
    labels = np.searchsorted(edges, values, side="right")
    labels[missing] = len(edges) + 1
    counts = np.bincount(labels, minlength=len(edges) + 2).astype(np.float64)
    shares = counts / len(values)
    result: Floats = np.where(shares > 0, shares, PSI_EPSILON)
    return result


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``.

    Bins are cut at the quantiles of ``expected`` (duplicate cut points merged); missing values
    (NaN) form a bin of their own; an empty bin's proportion is replaced by
    :data:`PSI_EPSILON`. PSI = sum((a - e) * ln(a / e)). Rule of thumb: < 0.1 stable,
    0.1-0.25 some shift, > 0.25 a significant shift.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    e = _vector(expected, "expected")
    a = _vector(actual, "actual")
    if len(e) == 0 or len(a) == 0:
        raise ValueError("expected and actual must not be empty")
    edges = _psi_edges(e, bins)
    e_share = _bin_shares(e, edges)
    a_share = _bin_shares(a, edges)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def psi_reference(expected: ArrayLike, bins: int = 10) -> dict[str, list[float]]:
    """What :func:`psi_against` needs of a population, small enough to keep with a model.

    ``{"edges": inner cut points, "shares": share per bin, the last bin being NaN}``: the same
    bins as :func:`psi`, so ``psi_against(psi_reference(e), a) == psi(e, a)``.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    e = _vector(expected, "expected")
    if len(e) == 0:
        raise ValueError("expected must not be empty")
    edges = _psi_edges(e, bins)
    return {"edges": edges.tolist(), "shares": _bin_shares(e, edges).tolist()}


def psi_against(reference: Mapping[str, Sequence[float]], actual: ArrayLike) -> float:
    """PSI of ``actual`` against a population kept as :func:`psi_reference`."""
    edges = np.asarray(reference["edges"], dtype=np.float64)
    e_share = np.asarray(reference["shares"], dtype=np.float64)
    if len(e_share) != len(edges) + 2:
        raise ValueError("a PSI reference has one share per bin plus the missing-value bin")
    a = _vector(actual, "actual")
    if len(a) == 0:
        raise ValueError("actual must not be empty")
    a_share = _bin_shares(a, edges)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def _numeric(column: pd.Series) -> Floats:
    values: Floats = pd.to_numeric(column, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    return values


def psi_table(expected: pd.DataFrame, actual: pd.DataFrame, bins: int = 10) -> pd.Series:
    """PSI of every column the two frames share (in ``expected``'s column order).

    Non-numeric entries count as missing. Returns a float Series named ``psi`` indexed by
    column name.
    """
    common = [name for name in expected.columns if name in set(actual.columns)]
    values = [psi(_numeric(expected[name]), _numeric(actual[name]), bins) for name in common]
    return pd.Series(values, index=pd.Index(common, dtype="object"), name="psi", dtype="float64")


# --------------------------------------------------------------------------- summary


def metrics(y_true: ArrayLike, prob: ArrayLike) -> dict[str, float]:
    """``{"auc": ..., "ks": ..., "brier": ...}`` of predicted default probabilities."""
    return {"auc": auc(y_true, prob), "ks": ks(y_true, prob), "brier": brier(y_true, prob)}
