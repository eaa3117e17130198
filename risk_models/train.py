"""Training of default-probability models on any labelled tabular data (LightGBM).

The steps, each usable on its own:

* :func:`read_csv` — a CSV file as text columns (UTF-8, UTF-8 with BOM or GB18030), refused
  with a :class:`TrainingDataError` when it is binary, undecodable or ragged;
* :func:`prepare_frame` / :func:`prepare_data` — features (text columns as pandas
  ``category``, numbers as ``float64``), the 0/1 target (1 = the bad class) and the ids;
* :func:`train_model` — LightGBM with early stopping inside stratified K-fold; the out-of-fold
  predictions give the metrics and fit a Platt calibration; a final model is trained on all the
  rows with the median best iteration; optionally an out-of-time check;
* :func:`save_model` — ``model.txt`` (LightGBM's text format), ``metadata.json`` and
  ``MODEL_CARD.md``. Nothing is pickled.

Column rules (the same at scoring, see :mod:`risk_models.score`): a numeric or boolean column is
numeric; a text column is numeric when at least 95% of its non-empty values parse as numbers
(the rest become missing), otherwise categorical. A text column with more than 50 distinct
values that are also more than half of its non-empty values looks like an identifier or free
text and is left out (listed in the metadata). A categorical keeps at most
:data:`MAX_CATEGORIES` values (the most frequent); other values count as missing.

Error messages are Chinese first, then English.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd

from risk_models.evaluate import calibration_table, metrics

__all__ = [
    "DEFAULT_GRADES",
    "DEFAULT_PARAMS",
    "MAX_CATEGORIES",
    "METADATA_FORMAT",
    "DataError",
    "DataInfo",
    "FeatureInfo",
    "PreparedData",
    "TrainedModel",
    "TrainingDataError",
    "apply_calibration",
    "assign_grades",
    "code_version",
    "feature_infos",
    "fit_platt",
    "frame_sha256",
    "labelled_rows",
    "metadata",
    "model_card",
    "model_input",
    "prepare_data",
    "prepare_frame",
    "read_csv",
    "save_model",
    "stratified_folds",
    "to_categorical",
    "to_numeric",
    "train_model",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Labels = npt.NDArray[np.int8]

METADATA_FORMAT: Final[int] = 1
MAX_CATEGORIES: Final[int] = 200
NUMERIC_SHARE: Final[float] = 0.95  # share of values that must parse for a text column
ID_LIKE_MIN_DISTINCT: Final[int] = 50
MAX_ROUNDS: Final[int] = 2000
EARLY_STOPPING_ROUNDS: Final[int] = 50
OOT_TRAIN_SHARE: Final[float] = 0.8
DEFAULT_SEED: Final[int] = 20261123

# Upper probability bounds of grades A-D; anything at or above the last bound is E.
DEFAULT_GRADES: Final[tuple[tuple[str, float | None], ...]] = (
    ("A", 0.01),
    ("B", 0.03),
    ("C", 0.07),
    ("D", 0.15),
    ("E", None),
)

DEFAULT_PARAMS: Final[Mapping[str, Any]] = {
    "objective": "binary",
    "metric": "binary_logloss",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "lambda_l2": 1.0,
    "min_data_per_group": 20,
    "cat_smooth": 10.0,
    "max_bin": 255,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}

_TRUE_FALSE: Final[dict[str, int]] = {
    "0": 0,
    "1": 1,
    "0.0": 0,
    "1.0": 1,
    "false": 0,
    "true": 1,
}


class DataError(ValueError):
    """Data that cannot be used; the message (Chinese, then English) names the problem."""


class TrainingDataError(DataError):
    """The data cannot be trained on (also raised by :func:`read_csv` for a malformed file)."""


@dataclass(frozen=True)
class FeatureInfo:
    """One model feature: the source column, LightGBM's name for it and its kind."""

    name: str  # column in the data
    model_name: str  # name in model.txt (JSON-safe)
    kind: Literal["numeric", "categorical"]
    categories: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "name": self.name,
            "model_name": self.model_name,
            "kind": self.kind,
        }
        if self.kind == "categorical":
            result["categories"] = list(self.categories)
        return result

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureInfo:
        kind = data["kind"]
        if kind not in ("numeric", "categorical"):
            raise ValueError(f"unknown feature kind {kind!r}")
        return cls(
            name=str(data["name"]),
            model_name=str(data["model_name"]),
            kind=kind,
            categories=tuple(str(value) for value in data.get("categories", ())),
        )


@dataclass(frozen=True)
class DataInfo:
    """What is known of the training data besides the frame itself (goes to the metadata)."""

    target: str | None = None
    positive: str | None = None  # the value of the bad class as given in the data
    negative: tuple[str, ...] = ()  # the other target values
    id_col: str | None = None
    source: str | None = None  # file name
    sha256: str | None = None
    sha256_of: str | None = None  # "csv bytes" or "frame"
    n_unlabelled: int = 0  # rows left out because their target was empty
    dropped_columns: Mapping[str, str] = field(default_factory=dict)  # column -> reason
    feature_set_version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "positive": self.positive,
            "negative": list(self.negative),
            "id_col": self.id_col,
            "source": self.source,
            "sha256": self.sha256,
            "sha256_of": self.sha256_of,
            "n_unlabelled": self.n_unlabelled,
            "dropped_columns": dict(self.dropped_columns),
            "feature_set_version": self.feature_set_version,
        }


class PreparedData(NamedTuple):
    X: pd.DataFrame
    y: Labels
    ids: pd.Series | None
    info: DataInfo


@dataclass
class TrainedModel:
    """A final booster with everything needed to score, save and describe it."""

    booster: lgb.Booster
    features: list[FeatureInfo]
    params: dict[str, Any]
    best_iterations: list[int]
    num_iterations: int
    calibration: dict[str, Any]
    metrics: dict[str, Any]
    grades: list[tuple[str, float | None]]
    oof_raw: Floats  # out-of-fold probabilities before calibration
    y: Labels
    n_rows: int
    cv: int
    seed: int
    monotone: dict[str, int]
    info: DataInfo = field(default_factory=DataInfo)

    def model_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` (columns named as the data) with LightGBM's column names."""
        return model_input(X, self.features)

    def predict_raw(self, X: pd.DataFrame) -> Floats:
        return _predict(self.booster, self.model_frame(X))

    def predict_proba(self, X: pd.DataFrame) -> Floats:
        """Calibrated probabilities of the bad class."""
        return apply_calibration(self.calibration, self.predict_raw(X))


# --------------------------------------------------------------------------- reading


def read_csv(source: str | Path | bytes) -> tuple[pd.DataFrame, str]:
    """A CSV file (path or its bytes) as a frame of text columns, and the SHA-256 of its bytes.

    Empty cells are missing (pandas' usual NA spellings too). Raises :class:`TrainingDataError`
    for a file that is missing, binary, not UTF-8/GB18030 text, without a header, or whose rows
    do not all have as many fields as the header.
    """
    if isinstance(source, bytes):
        raw = source
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise TrainingDataError(
                f"无法读取文件 {source}：{exc.strerror} / cannot read {source}: {exc.strerror}"
            ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    if b"\x00" in raw:
        raise TrainingDataError(
            "文件不是 CSV 文本（含二进制内容）/ the file is not CSV text (binary content)"
        )
    text: str | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise TrainingDataError(
            "文件编码无法识别（应为 UTF-8 或 GB18030）/ unknown encoding "
            "(expected UTF-8 or GB18030)"
        )
    _check_rows(text)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise TrainingDataError(
            f"CSV 格式错误：{exc} / malformed CSV: {exc}".replace("\n", " ")
        ) from exc
    return frame, digest


def _check_rows(text: str) -> None:
    try:
        rows = csv.reader(io.StringIO(text, newline=""), strict=True)
        header: list[str] | None = None
        for row in rows:
            if not row or all(cell.strip() == "" for cell in row):
                continue
            if header is None:
                header = row
                continue
            if len(row) != len(header):
                raise TrainingDataError(
                    f"CSV 格式错误：第 {rows.line_num} 行有 {len(row)} 个字段，表头有 "
                    f"{len(header)} 个 / malformed CSV: line {rows.line_num} has {len(row)} "
                    f"fields, the header has {len(header)}"
                )
    except csv.Error as exc:
        raise TrainingDataError(f"CSV 格式错误：{exc} / malformed CSV: {exc}") from exc
    if header is None:
        raise TrainingDataError("CSV 文件为空 / the CSV file is empty")
    if len(set(header)) != len(header):
        repeated = sorted({name for name in header if header.count(name) > 1})
        raise TrainingDataError(
            f"CSV 表头有重复列名：{repeated} / repeated column names in the header: {repeated}"
        )


# --------------------------------------------------------------------------- columns


def _blank_to_na(column: pd.Series) -> pd.Series:
    """Text values stripped; empty strings missing. Object dtype, missing as None."""
    values = column.astype("object").where(column.notna(), None)
    stripped = values.map(lambda v: v.strip() if isinstance(v, str) else v)
    return stripped.where(stripped != "", None)


def _as_text(column: pd.Series) -> pd.Series:
    """Any column as text values (object dtype), numbers without a spurious ``.0``."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.astype("object").map(lambda v: None if pd.isna(v) else str(bool(v)).lower())
    if pd.api.types.is_numeric_dtype(column.dtype):

        def fmt(value: Any) -> str | None:
            if pd.isna(value):
                return None
            number = float(value)
            return str(int(number)) if number.is_integer() else repr(number)

        return column.astype("object").map(fmt)
    return _blank_to_na(column)


def to_numeric(column: pd.Series) -> pd.Series:
    """A column as float64; text that does not parse becomes missing."""
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return pd.Series(
            column.to_numpy(dtype=np.float64, na_value=np.nan), index=column.index, name=column.name
        )
    numbers = pd.to_numeric(_blank_to_na(column), errors="coerce")
    return pd.Series(
        numbers.to_numpy(dtype=np.float64, na_value=np.nan), index=column.index, name=column.name
    )


def to_categorical(column: pd.Series, categories: Sequence[str]) -> pd.Series:
    """A column as ``category`` with exactly ``categories``; other values become missing."""
    return pd.Series(
        pd.Categorical(_as_text(column), categories=list(categories)),
        index=column.index,
        name=column.name,
    )


def _column_kind(column: pd.Series) -> Literal["numeric", "categorical", "id-like"]:
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return "numeric"
    text = _blank_to_na(column).dropna()
    if text.empty:
        return "numeric"  # nothing but missing values
    parsed = pd.to_numeric(text, errors="coerce")
    if float(parsed.notna().mean()) >= NUMERIC_SHARE:
        return "numeric"
    distinct = text.nunique()
    if distinct > ID_LIKE_MIN_DISTINCT and distinct > 0.5 * len(text):
        return "id-like"
    return "categorical"


def _model_names(names: Sequence[str]) -> list[str]:
    """JSON-safe, unique feature names for LightGBM (letters of any script, digits, ``_``)."""
    result: list[str] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        base = re.sub(r"\W", "_", str(name)) or f"f{index}"
        candidate = base
        suffix = 1
        while candidate in seen:
            suffix += 1
            candidate = f"{base}_{suffix}"
        seen.add(candidate)
        result.append(candidate)
    return result


def _normalize_label(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def _target(column: pd.Series, positive: str | None, name: str) -> tuple[Labels, str, list[str]]:
    """0/1 labels, the bad value and the other values (labels of the non-missing rows)."""
    labels = [_normalize_label(v) for v in column]
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        only = distinct[0] if distinct else ""
        raise TrainingDataError(
            f"目标列 '{name}' 只有一个类别（{only}），无法训练 / the target column '{name}' holds "
            f"one class only ({only}); a model needs both good and bad cases"
        )
    if positive is not None:
        wanted = positive.strip()
        matches = [v for v in distinct if v == wanted or v.lower() == wanted.lower()]
        if not matches and wanted.lower() in _TRUE_FALSE:
            matches = [v for v in distinct if _TRUE_FALSE.get(v.lower()) == _TRUE_FALSE[wanted]]
        if len(matches) != 1:
            raise TrainingDataError(
                f"目标列 '{name}' 中没有取值 '{positive}'（现有取值：{distinct[:10]}）/ the target "
                f"column '{name}' has no value '{positive}' (values: {distinct[:10]})"
            )
        bad = matches[0]
        y = np.fromiter((v == bad for v in labels), dtype=np.int8, count=len(labels))
        return y, bad, [v for v in distinct if v != bad]
    mapped = [_TRUE_FALSE.get(v.lower()) for v in distinct]
    if any(m is None for m in mapped) or len(set(mapped)) != 2:
        if len(distinct) == 2:
            raise TrainingDataError(
                f"目标列 '{name}' 的取值为 {distinct}，请用 --positive 指明哪一个是坏客户（违约）"
                f" / the target column '{name}' holds {distinct}: name the bad class with "
                "--positive"
            )
        raise TrainingDataError(
            f"目标列 '{name}' 有 {len(distinct)} 个取值（{distinct[:10]}），应为两类：0/1，或用 "
            f"--positive 指明坏客户类别 / the target column '{name}' has {len(distinct)} values "
            f"({distinct[:10]}); it must be 0/1, or name the bad class with --positive"
        )
    lookup = {v: _TRUE_FALSE[v.lower()] for v in distinct}
    y = np.fromiter((lookup[v] for v in labels), dtype=np.int8, count=len(labels))
    bad = next(v for v in distinct if lookup[v] == 1)
    return y, bad, [v for v in distinct if lookup[v] == 0]


def _require_column(df: pd.DataFrame, column: str, role: str, role_en: str) -> None:
    if column not in df.columns:
        shown = [str(c) for c in df.columns[:20]]
        raise TrainingDataError(
            f"{role} '{column}' 不在数据中（现有列：{shown}）/ {role_en} '{column}' is not in the "
            f"data (columns: {shown})"
        )


def labelled_rows(df: pd.DataFrame, target: str) -> npt.NDArray[np.bool_]:
    """Rows whose target is not empty (the rows :func:`prepare_data` keeps, in order)."""
    result: npt.NDArray[np.bool_] = _as_text(df[target]).notna().to_numpy(dtype=bool)
    return result


def prepare_data(
    df: pd.DataFrame,
    *,
    target: str,
    positive: str | None = None,
    id_col: str | None = None,
) -> PreparedData:
    """Features, labels (int8, 1 = bad), ids and a :class:`DataInfo` of a labelled frame.

    Rows with an empty target are left out (counted in ``info.n_unlabelled``). The feature
    frame has a fresh 0..n-1 index; numeric features are ``float64``, categorical ones pandas
    ``category`` with the categories sorted.
    """
    if df.shape[1] == 0 or len(df) == 0:
        raise TrainingDataError(
            "数据为空（没有行或没有列）/ the data is empty (no rows or columns)"
        )
    _require_column(df, target, "目标列", "target column")
    if id_col is not None:
        _require_column(df, id_col, "编号列", "id column")
        if id_col == target:
            raise TrainingDataError(
                "编号列不能同时是目标列 / the id column cannot be the target column"
            )
    target_values = _as_text(df[target])
    labelled = labelled_rows(df, target)
    n_unlabelled = int((~labelled).sum())
    data = df.loc[labelled].reset_index(drop=True)
    if len(data) == 0:
        raise TrainingDataError(
            f"目标列 '{target}' 全部为空 / the target column '{target}' is empty"
        )
    y, bad, others = _target(target_values[labelled].reset_index(drop=True), positive, target)

    columns: dict[str, pd.Series] = {}
    dropped: dict[str, str] = {}
    for name in data.columns:
        if name in (target, id_col):
            continue
        column = data[name]
        kind = _column_kind(column)
        if kind == "id-like":
            dropped[str(name)] = "id-like text (too many distinct values)"
        elif kind == "numeric":
            columns[str(name)] = to_numeric(column)
        else:
            text = _as_text(column)
            counts = text.value_counts()
            kept = sorted(str(v) for v in counts.index[:MAX_CATEGORIES])
            columns[str(name)] = to_categorical(text, kept)
    if not columns:
        raise TrainingDataError(
            "除目标列和编号列外没有可用的特征列 / no usable feature column besides the target "
            "and the id"
        )
    X = pd.DataFrame(columns, index=data.index)
    ids = _as_text(data[id_col]).rename(id_col) if id_col is not None else None
    info = DataInfo(
        target=target,
        positive=bad,
        negative=tuple(others),
        id_col=id_col,
        n_unlabelled=n_unlabelled,
        dropped_columns=dropped,
    )
    return PreparedData(X, y, ids, info)


def prepare_frame(
    df: pd.DataFrame,
    *,
    target: str,
    positive: str | None = None,
    id_col: str | None = None,
) -> tuple[pd.DataFrame, Labels, pd.Series | None]:
    """``(X, y, ids)`` of a labelled frame; see :func:`prepare_data`."""
    prepared = prepare_data(df, target=target, positive=positive, id_col=id_col)
    return prepared.X, prepared.y, prepared.ids


def feature_infos(X: pd.DataFrame) -> list[FeatureInfo]:
    """The features of a prepared frame (category lists from its ``category`` columns)."""
    names = [str(c) for c in X.columns]
    result: list[FeatureInfo] = []
    for name, model_name in zip(names, _model_names(names), strict=True):
        dtype = X[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = tuple(str(v) for v in dtype.categories)
            result.append(FeatureInfo(name, model_name, "categorical", categories))
        elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            result.append(FeatureInfo(name, model_name, "numeric"))
        else:
            raise TrainingDataError(
                f"特征列 '{name}' 既不是数值也不是 category 类型，请先用 prepare_frame 处理 / "
                f"feature '{name}' is neither numeric nor category: use prepare_frame first"
            )
    return result


def model_input(X: pd.DataFrame, features: Sequence[FeatureInfo]) -> pd.DataFrame:
    """``X`` converted column by column to the features' kinds, with LightGBM's names."""
    columns: dict[str, pd.Series] = {}
    for feature in features:
        column = X[feature.name]
        if feature.kind == "numeric":
            columns[feature.model_name] = to_numeric(column)
        else:
            columns[feature.model_name] = to_categorical(column, feature.categories)
    return pd.DataFrame(columns, index=X.index)


# --------------------------------------------------------------------------- folds, calibration


def stratified_folds(y: npt.ArrayLike, k: int, seed: int) -> Ints:
    """Fold number 0..k-1 of every row; each class is shuffled and dealt round the folds."""
    labels = np.asarray(y)
    rng = np.random.default_rng(seed)
    folds = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        rng.shuffle(members)
        folds[members] = (np.arange(len(members)) + offset) % k
        offset += len(members)  # the next class continues where this one stopped
    return folds


def _logit(p: Floats) -> Floats:
    clipped = np.clip(p, 1e-12, 1 - 1e-12)
    result: Floats = np.log(clipped / (1 - clipped))
    return result


def _sigmoid(z: Floats) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
    return result


def fit_platt(y: npt.ArrayLike, p: npt.ArrayLike, *, ridge: float = 1e-6) -> dict[str, Any]:
    """Platt scaling ``sigmoid(a * logit(p) + b)`` by Newton steps on the log-likelihood.

    With its intercept the fit makes the mean calibrated probability equal the observed rate
    on the fitting data. The slope is kept positive, so the order of the scores never changes.
    """
    labels = np.asarray(y, dtype=np.float64)
    z = _logit(np.asarray(p, dtype=np.float64))
    design = np.column_stack([z, np.ones_like(z)])
    rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
    theta = np.array([1.0, 0.0])
    for _ in range(100):
        q = _sigmoid(design @ theta)
        gradient = design.T @ (q - labels) + ridge * theta
        weights = q * (1 - q)
        hessian = (design.T * weights) @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta = theta - step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    a, b = float(theta[0]), float(theta[1])
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        # no usable order in the scores: fall back to the base rate through the intercept only
        a, b = 1e-6, float(np.log(rate / (1 - rate)))
    return {"method": "platt", "a": a, "b": b}


def apply_calibration(calibration: Mapping[str, Any], p: npt.ArrayLike) -> Floats:
    """Calibrated probabilities (see :func:`fit_platt`); an empty mapping changes nothing."""
    raw = np.asarray(p, dtype=np.float64)
    method = calibration.get("method")
    if method is None or method == "none":
        return raw
    if method != "platt":
        raise ValueError(f"unknown calibration method {method!r}")
    return _sigmoid(float(calibration["a"]) * _logit(raw) + float(calibration["b"]))


def assign_grades(
    p: npt.ArrayLike, grades: Sequence[tuple[str, float | None]] = DEFAULT_GRADES
) -> npt.NDArray[np.object_]:
    """The grade of every probability: the first grade whose bound it is below."""
    probabilities = np.asarray(p, dtype=np.float64)
    bounds = np.array([b for _, b in grades if b is not None], dtype=np.float64)
    names = np.array([name for name, _ in grades], dtype=object)
    index = np.searchsorted(bounds, probabilities, side="right")
    result: npt.NDArray[np.object_] = names[np.minimum(index, len(names) - 1)]
    return result


# --------------------------------------------------------------------------- training


def _predict(booster: lgb.Booster, frame: pd.DataFrame, **kwargs: Any) -> Floats:
    result: Floats = np.asarray(booster.predict(frame, **kwargs), dtype=np.float64)
    return result


def _dataset(frame: pd.DataFrame, y: Labels, params: Mapping[str, Any]) -> lgb.Dataset:
    return lgb.Dataset(
        frame,
        label=y.astype(np.float64),
        params={"verbose": params.get("verbose", -1), "max_bin": params.get("max_bin", 255)},
        free_raw_data=True,
    )


def _fit(
    params: dict[str, Any],
    frame: pd.DataFrame,
    y: Labels,
    rounds: int,
    valid: tuple[pd.DataFrame, Labels] | None = None,
) -> lgb.Booster:
    train_set = _dataset(frame, y, params)
    if valid is None:
        return lgb.train(params, train_set, num_boost_round=rounds)
    valid_set = lgb.Dataset(
        valid[0],
        label=valid[1].astype(np.float64),
        reference=train_set,
        params={"verbose": params.get("verbose", -1)},
    )
    return lgb.train(
        params,
        train_set,
        num_boost_round=rounds,
        valid_sets=[valid_set],
        valid_names=["early_stopping"],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )


def _check_classes(y: Labels, cv: int) -> None:
    if len(y) == 0:
        raise TrainingDataError("没有可训练的行 / no rows to train on")
    if set(np.unique(y).tolist()) - {0, 1}:
        raise TrainingDataError("标签只能是 0 和 1 / labels must be 0 and 1")
    smallest = int(min((y == 1).sum(), (y == 0).sum()))
    if smallest == 0:
        raise TrainingDataError(
            "目标只有一个类别，无法训练 / the target holds one class only; a model needs both"
        )
    if smallest < cv:
        raise TrainingDataError(
            f"较少的类别只有 {smallest} 行，少于交叉验证折数 {cv} / the smaller class has only "
            f"{smallest} rows, fewer than the {cv} cross-validation folds"
        )


def _monotone_list(features: Sequence[FeatureInfo], monotone: Mapping[str, int]) -> list[int]:
    by_name = {f.name: f for f in features}
    for name, direction in monotone.items():
        if name not in by_name:
            raise TrainingDataError(
                f"单调约束的特征 '{name}' 不在数据中 / monotone constraint on '{name}', which is "
                "not a feature"
            )
        if by_name[name].kind != "numeric":
            raise TrainingDataError(
                f"单调约束只能用于数值特征，'{name}' 是类别特征 / a monotone constraint needs a "
                f"numeric feature; '{name}' is categorical"
            )
        if direction not in (-1, 0, 1):
            raise TrainingDataError(
                f"单调方向应为 +1、-1 或 0，'{name}' 为 {direction} / the direction of '{name}' "
                f"must be +1, -1 or 0, got {direction}"
            )
    return [int(monotone.get(f.name, 0)) for f in features]


def _inner_split(y: Labels, seed: int, k: int) -> tuple[Ints, Ints]:
    """Rows for fitting and for early stopping within one training part (about 1/k held)."""
    folds = stratified_folds(y, max(k, 3), seed)
    return np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)


def _out_of_time(
    params: dict[str, Any],
    frame: pd.DataFrame,
    y: Labels,
    date: pd.Series,
    rounds: int,
) -> dict[str, Any]:
    dates = pd.to_datetime(pd.Series(date).reset_index(drop=True), errors="coerce")
    known = np.flatnonzero(dates.notna().to_numpy())
    result: dict[str, Any] = {"oot_n_rows": 0, "oot_auc": None, "oot_ks": None, "oot_brier": None}
    if len(known) < 10:
        result["oot_note"] = "too few dated rows"
        return result
    ordered = known[np.argsort(dates.iloc[known].to_numpy(), kind="stable")]
    cut_date = dates.iloc[ordered[int(len(ordered) * OOT_TRAIN_SHARE)]]
    values = dates.to_numpy()
    train = ordered[values[ordered] < cut_date.to_datetime64()]
    test = ordered[values[ordered] >= cut_date.to_datetime64()]
    result["oot_cut_date"] = cut_date.date().isoformat()
    result["oot_n_rows"] = len(test)
    if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
        result["oot_note"] = "one class only in the earlier or the later part"
        return result
    booster = _fit(params, frame.iloc[train], y[train], rounds)
    p = _predict(booster, frame.iloc[test])
    scores = metrics(y[test], p)
    result.update({f"oot_{key}": value for key, value in scores.items()})
    return result


def frame_sha256(X: pd.DataFrame, y: npt.ArrayLike) -> str:
    """SHA-256 of a frame and its labels (pandas' row hashes, index included)."""
    hashes = pd.util.hash_pandas_object(X, index=True).to_numpy()
    digest = hashlib.sha256(hashes.tobytes())
    digest.update(np.asarray(y, dtype=np.int8).tobytes())
    digest.update(json.dumps([str(c) for c in X.columns], ensure_ascii=False).encode())
    return digest.hexdigest()


def train_model(
    X: pd.DataFrame,
    y: npt.ArrayLike,
    *,
    cv: int = 5,
    seed: int = DEFAULT_SEED,
    monotone: Mapping[str, int] | None = None,
    params: Mapping[str, Any] | None = None,
    date: pd.Series | None = None,
    info: DataInfo | None = None,
    grades: Sequence[tuple[str, float | None]] = DEFAULT_GRADES,
) -> TrainedModel:
    """Cross-validated LightGBM with a Platt calibration and a final model on all the rows.

    For every one of ``cv`` stratified folds a booster is fitted on the other folds, stopping
    early on a stratified slice held out of them (the fold itself is never looked at), and
    predicts the fold. The out-of-fold predictions give ``metrics`` (AUC, KS and Brier of the
    calibrated out-of-fold probabilities) and the calibration. The final booster is fitted on
    all the rows for the median best iteration. ``date`` (aligned with ``X``) adds an
    out-of-time check: fitted on the earliest 80% of the rows by date, scored on the rest
    (``oot_auc``, ``oot_ks``, ``oot_brier``, ``oot_n_rows``).
    """
    if cv < 2:
        raise TrainingDataError(
            f"交叉验证折数至少为 2，得到 {cv} / cross-validation needs at least 2 folds, got {cv}"
        )
    labels = np.asarray(y).astype(np.int8)
    if len(labels) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(labels)}")
    _check_classes(labels, cv)
    features = feature_infos(X)
    monotone_map = {str(k): int(v) for k, v in (monotone or {}).items()}
    constraints = _monotone_list(features, monotone_map)
    frame = model_input(X.reset_index(drop=True), features)

    merged: dict[str, Any] = dict(DEFAULT_PARAMS)
    merged.update(params or {})
    merged["seed"] = seed
    if any(constraints):
        merged["monotone_constraints"] = constraints
        merged.setdefault("monotone_constraints_method", "basic")

    folds = stratified_folds(labels, cv, seed)
    oof = np.empty(len(labels), dtype=np.float64)
    best: list[int] = []
    for fold in range(cv):
        outside = np.flatnonzero(folds != fold)
        inside = np.flatnonzero(folds == fold)
        fit_rows, stop_rows = _inner_split(labels[outside], seed + fold + 1, cv - 1)
        fit_rows, stop_rows = outside[fit_rows], outside[stop_rows]
        booster = _fit(
            merged,
            frame.iloc[fit_rows],
            labels[fit_rows],
            MAX_ROUNDS,
            valid=(frame.iloc[stop_rows], labels[stop_rows]),
        )
        iteration = max(int(booster.best_iteration or booster.current_iteration()), 1)
        best.append(iteration)
        oof[inside] = _predict(booster, frame.iloc[inside], num_iteration=iteration)

    rounds = max(int(np.median(best)), 1)
    calibration = fit_platt(labels, oof)
    calibrated = apply_calibration(calibration, oof)
    scores: dict[str, Any] = dict(metrics(labels, calibrated))
    raw_scores = metrics(labels, oof)
    scores["auc_raw"], scores["brier_raw"] = raw_scores["auc"], raw_scores["brier"]
    scores["base_rate"] = float(labels.mean())
    scores["mean_calibrated"] = float(calibrated.mean())
    if date is not None:
        if len(date) != len(X):
            raise ValueError(f"date has {len(date)} rows but X has {len(X)}")
        scores.update(_out_of_time(merged, frame, labels, date, rounds))

    final = _fit(merged, frame, labels, rounds)
    data_info = info if info is not None else DataInfo()
    if data_info.sha256 is None:
        data_info = dataclasses.replace(
            data_info, sha256=frame_sha256(X, labels), sha256_of="frame"
        )
    return TrainedModel(
        booster=final,
        features=features,
        params=merged,
        best_iterations=best,
        num_iterations=rounds,
        calibration=calibration,
        metrics=scores,
        grades=[(name, bound) for name, bound in grades],
        oof_raw=oof,
        y=labels,
        n_rows=len(labels),
        cv=cv,
        seed=seed,
        monotone=monotone_map,
        info=data_info,
    )


# --------------------------------------------------------------------------- saving


def code_version() -> str:
    try:
        return importlib.metadata.version("xinyidai")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _json_number(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def metadata(model: TrainedModel, *, trained_at: dt.datetime | None = None) -> dict[str, Any]:
    """The JSON metadata of a trained model (what ``metadata.json`` holds)."""
    when = trained_at or dt.datetime.now(dt.UTC)
    return {
        "format": METADATA_FORMAT,
        "kind": "risk_models.lightgbm_binary",
        "trained_at": when.isoformat(timespec="seconds"),
        "code_version": code_version(),
        "lightgbm_version": lgb.__version__,
        "feature_set_version": model.info.feature_set_version,
        "data": model.info.to_json() | {"n_rows": model.n_rows},
        "features": [f.to_json() for f in model.features],
        "monotone": dict(model.monotone),
        "params": {k: _json_number(v) for k, v in model.params.items()},
        "cv": model.cv,
        "seed": model.seed,
        "best_iterations": list(model.best_iterations),
        "num_iterations": model.num_iterations,
        "calibration": {k: _json_number(v) for k, v in model.calibration.items()},
        "metrics": {k: _json_number(v) for k, v in model.metrics.items()},
        "grades": [[name, bound] for name, bound in model.grades],
    }


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def model_card(model: TrainedModel, meta: Mapping[str, Any]) -> str:
    """``MODEL_CARD.md``: purpose, data, features, metrics, calibration, limitations."""
    scores = model.metrics
    info = model.info
    calibrated = apply_calibration(model.calibration, model.oof_raw)
    table = calibration_table(model.y, calibrated, bins=10)
    lines = [
        "# 模型说明 Model card",
        "",
        "## 用途 Purpose",
        "",
        "估计借款企业在表现期内成为坏客户（目标列取坏类别）的概率，用于信用评估的辅助参考；",
        "不应作为唯一的授信依据。",
        "",
        "Estimates the probability that a borrower turns out bad (the target's bad class) over the "
        "performance window, as an aid to credit assessment — never the only basis of a decision.",
        "",
        "## 数据 Data",
        "",
        f"- 来源 Source: {info.source or '—'}",
        f"- SHA-256 ({info.sha256_of or '—'}): `{info.sha256 or '—'}`",
        f"- 目标列 Target: `{info.target or '—'}`; 坏类别 bad class: `{info.positive or '1'}`; "
        f"其他 others: {', '.join(f'`{v}`' for v in info.negative) or '—'}",
        f"- 行数 Rows: {model.n_rows}（坏 bad: {int(model.y.sum())}，坏账率 bad rate: "
        f"{_fmt(scores.get('base_rate'))}）; 目标为空而未用 left out with an empty target: "
        f"{info.n_unlabelled}",
        f"- 编号列 Id column: `{info.id_col or '—'}`",
        f"- 特征集版本 Feature set version: {info.feature_set_version or '—'}",
        f"- 训练时间 Trained at: {meta['trained_at']}; 代码版本 code version: "
        f"{meta['code_version']}; LightGBM {meta['lightgbm_version']}",
        "",
        "## 特征 Features",
        "",
        "| 特征 feature | 类型 kind | 单调 monotone | 类别数 categories |",
        "|---|---|---|---|",
    ]
    for feature in model.features:
        direction = {1: "+1", -1: "−1"}.get(model.monotone.get(feature.name, 0), "")
        count = str(len(feature.categories)) if feature.kind == "categorical" else ""
        lines.append(f"| {feature.name} | {feature.kind} | {direction} | {count} |")
    if info.dropped_columns:
        lines += ["", "未使用的列 Columns left out:", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in info.dropped_columns.items()]
    lines += [
        "",
        "## 表现 Performance",
        "",
        f"{model.cv} 折分层交叉验证的样本外预测（已校准）",
        f"Out-of-fold predictions of {model.cv}-fold stratified cross-validation (calibrated):",
        "",
        "| 指标 metric | 值 value |",
        "|---|---|",
        f"| AUC | {_fmt(scores.get('auc'))} |",
        f"| KS | {_fmt(scores.get('ks'))} |",
        f"| Brier | {_fmt(scores.get('brier'))} |",
        f"| Brier（未校准 uncalibrated） | {_fmt(scores.get('brier_raw'))} |",
    ]
    if "oot_n_rows" in scores:
        lines += [
            f"| 时间外 out-of-time AUC | {_fmt(scores.get('oot_auc'))} |",
            f"| 时间外 out-of-time KS | {_fmt(scores.get('oot_ks'))} |",
            f"| 时间外 out-of-time Brier | {_fmt(scores.get('oot_brier'))} |",
            f"| 时间外行数 out-of-time rows | {scores.get('oot_n_rows')} |",
        ]
    lines += [
        "",
        f"迭代次数 Iterations: 各折 per fold {model.best_iterations}, 最终模型 final model "
        f"{model.num_iterations}（中位数 median）.",
        "",
        "## 校准 Calibration",
        "",
        f"Platt 校准（在样本外预测上拟合）Platt scaling fitted on the out-of-fold predictions: "
        f"a = {_fmt(model.calibration.get('a'))}, b = {_fmt(model.calibration.get('b'))}.",
        "",
        "| 分箱 bin | 行数 n | 平均预测 mean predicted | 实际坏账率 observed rate |",
        "|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row.bin} | {row.n} | {_fmt(float(row.mean_predicted))} | "
            f"{_fmt(float(row.observed_rate))} |"
        )
    lines += [
        "",
        "## 等级 Grades",
        "",
        "| 等级 grade | 概率上限 probability below |",
        "|---|---|",
    ]
    lines += [
        f"| {name} | {_fmt(bound, 2) if bound is not None else '—'} |"
        for name, bound in model.grades
    ]
    lines += [
        "",
        "## 局限 Limitations",
        "",
        "- 模型只反映训练数据的人群与时期；人群或经济环境变化时需重新验证（PSI、时间外检验）。",
        "  The model reflects the population and period of its training data only; revalidate "
        "when either shifts (PSI, out-of-time checks).",
        "- 校准在交叉验证的样本外预测上拟合，同一数据上的指标略偏乐观。Calibration is fitted on "
        "the out-of-fold predictions, so metrics on the same data are slightly optimistic.",
        "- 训练数据中未出现的类别值按缺失处理。Category values unseen in training count as "
        "missing.",
        "- 相关不等于因果；原因码说明模型的依据，不说明企业的真实状况。Reasons explain the model's "
        "score, not the enterprise's true condition; correlation is not causation.",
        "",
    ]
    return "\n".join(lines)


def save_model(
    model: TrainedModel, directory: str | Path, *, trained_at: dt.datetime | None = None
) -> Path:
    """Write ``model.txt``, ``metadata.json`` and ``MODEL_CARD.md`` into ``directory``."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    meta = metadata(model, trained_at=trained_at)
    model.booster.save_model(str(target / "model.txt"), num_iteration=-1)
    (target / "metadata.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    (target / "MODEL_CARD.md").write_text(model_card(model, meta), encoding="utf-8")
    return target
