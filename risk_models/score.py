"""Scoring with a saved model, and a small registry of model versions.

* :func:`load_model` reads a directory written by :func:`risk_models.train.save_model`
  (``model.txt`` and ``metadata.json``; nothing is unpickled).
* :func:`score_frame` prepares any frame the way the training data was prepared (numbers
  parsed, categories mapped to the training categories, unknown values missing, columns the
  model does not know ignored, absent feature columns missing) and returns the id, the
  calibrated probability, the grade and the top reasons of every row. The reasons are the
  features that raise the risk the most (LightGBM's per-feature contributions), worded by
  :func:`risk_models.explain.reason_text`.
* :class:`ModelRegistry` keeps copies of model directories under a root directory, numbered
  per purpose, with one active version per purpose, in ``registry.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd

from risk_models.explain import reason_text
from risk_models.features import FEATURE_DESCRIPTIONS
from risk_models.train import (
    METADATA_FORMAT,
    DataError,
    FeatureInfo,
    apply_calibration,
    assign_grades,
    model_input,
)

__all__ = [
    "REASON_SEPARATOR",
    "LoadedModel",
    "ModelFormatError",
    "ModelRegistry",
    "RegistryError",
    "ScoringDataError",
    "feature_contributions",
    "load_model",
    "load_model_text",
    "reason_texts",
    "score_frame",
]

Floats = npt.NDArray[np.float64]

REASON_SEPARATOR: Final[str] = "；"
MODEL_FILES: Final[tuple[str, ...]] = ("model.txt", "metadata.json", "MODEL_CARD.md")
_PURPOSE: Final[re.Pattern[str]] = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ScoringDataError(DataError):
    """The data cannot be scored (too many feature columns absent, no id column...)."""


class ModelFormatError(ValueError):
    """A model directory that cannot be loaded."""


class RegistryError(ValueError):
    """An unknown purpose or version, or a registry file that cannot be read."""


@dataclass(frozen=True)
class LoadedModel:
    """A saved model: the booster and its metadata."""

    booster: lgb.Booster
    metadata: Mapping[str, Any]
    features: tuple[FeatureInfo, ...]
    directory: Path

    @property
    def id_col(self) -> str | None:
        value = self.metadata.get("data", {}).get("id_col")
        return None if value is None else str(value)

    @property
    def calibration(self) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self.metadata.get("calibration", {})
        return result

    @property
    def grades(self) -> list[tuple[str, float | None]]:
        return [
            (str(name), None if bound is None else float(bound))
            for name, bound in self.metadata["grades"]
        ]

    def model_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` prepared for the booster (see :func:`score_frame` for the rules)."""
        present = [f for f in self.features if f.name in df.columns]
        absent = [f.name for f in self.features if f.name not in df.columns]
        if len(absent) * 2 > len(self.features):
            raise ScoringDataError(
                f"数据缺少模型一半以上的特征列（缺 {len(absent)}/{len(self.features)}："
                f"{absent[:10]}）/ the data lacks more than half of the model's feature columns "
                f"({len(absent)} of {len(self.features)}: {absent[:10]})"
            )
        frame = df.reset_index(drop=True)
        if absent:
            filler = pd.DataFrame({name: np.full(len(frame), np.nan) for name in absent})
            frame = pd.concat([frame[[f.name for f in present]], filler], axis=1)
        return model_input(frame, self.features)

    def predict_raw(self, df: pd.DataFrame) -> Floats:
        """Uncalibrated probabilities."""
        result: Floats = np.asarray(self.booster.predict(self.model_frame(df)), dtype=np.float64)
        return result

    def predict_proba(self, df: pd.DataFrame) -> Floats:
        """Calibrated probabilities of the bad class."""
        return apply_calibration(self.calibration, self.predict_raw(df))


def load_model(directory: str | Path) -> LoadedModel:
    """A model directory written by :func:`risk_models.train.save_model`."""
    path = Path(directory)
    model_file, meta_file = path / "model.txt", path / "metadata.json"
    if not model_file.is_file() or not meta_file.is_file():
        raise ModelFormatError(
            f"{path} 不是模型目录（缺少 model.txt 或 metadata.json）/ {path} is not a model "
            "directory (model.txt or metadata.json is missing)"
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelFormatError(
            f"无法读取模型 {path}：{exc} / cannot read the model in {path}: {exc}"
        ) from exc
    return load_model_text(model_file.read_text(encoding="utf-8"), meta, directory=path)


def load_model_text(
    model_text: str, meta: Mapping[str, Any], *, directory: str | Path = "."
) -> LoadedModel:
    """A model from the contents of ``model.txt`` and ``metadata.json`` (kept in a database)."""
    path = Path(directory)
    try:
        if meta.get("format") != METADATA_FORMAT:
            raise ModelFormatError(
                f"不支持的模型格式 {meta.get('format')!r} / unsupported model format "
                f"{meta.get('format')!r}"
            )
        features = tuple(FeatureInfo.from_json(item) for item in meta["features"])
        booster = lgb.Booster(model_str=model_text)
    except (ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
        if isinstance(exc, ModelFormatError):
            raise
        raise ModelFormatError(
            f"无法读取模型 {path}：{exc} / cannot read the model in {path}: {exc}"
        ) from exc
    names = [str(name) for name in booster.feature_name()]
    if names != [f.model_name for f in features]:
        raise ModelFormatError(
            f"model.txt 与 metadata.json 的特征不一致 / model.txt and metadata.json disagree on "
            f"the features in {path}"
        )
    return LoadedModel(booster=booster, metadata=meta, features=features, directory=path)


# --------------------------------------------------------------------------- reasons


def _value_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return "缺失"
    return str(value)


def reason_texts(model: LoadedModel, frame: pd.DataFrame, *, top: int = 3) -> list[list[str]]:
    """Up to ``top`` reasons per row of a model frame: features raising the risk the most.

    ``frame`` is :meth:`LoadedModel.model_frame` output. Only positive contributions count,
    largest first; a sentence repeating one already given is skipped for the next.
    """
    if len(frame) == 0:
        return []
    contributions = feature_contributions(model.booster, frame)
    width = len(model.features)
    per_feature = contributions[:, :width]
    order = np.argsort(-per_feature, axis=1, kind="stable")
    ranked = np.take_along_axis(per_feature, order, axis=1)
    positives = (ranked > 0).sum(axis=1)
    descriptions = dict(FEATURE_DESCRIPTIONS)
    for feature in model.features:
        descriptions.setdefault(feature.model_name, feature.name)
    columns = [frame[f.model_name].to_numpy() for f in model.features]
    numeric = [f.kind == "numeric" for f in model.features]
    result: list[list[str]] = []
    for row in range(len(frame)):
        picked: list[str] = []
        for j in range(int(positives[row])):
            column = int(order[row, j])
            feature = model.features[column]
            value = columns[column][row]
            if numeric[column]:
                text = reason_text(feature.model_name, float(value), descriptions)
            else:
                text = f"{feature.name}：{_value_text(value)}"
            if text in picked:
                continue
            picked.append(text)
            if len(picked) == top:
                break
        result.append(picked)
    return result


def feature_contributions(booster: lgb.Booster, frame: pd.DataFrame) -> Floats:
    """LightGBM's per-feature contributions (log-odds), the bias in the last column."""
    result: Floats = np.asarray(booster.predict(frame, pred_contrib=True), dtype=np.float64)
    return result


# --------------------------------------------------------------------------- scoring


def _ids(model: LoadedModel, df: pd.DataFrame) -> pd.Series:
    id_col = model.id_col
    if id_col is None:
        return pd.Series(np.arange(1, len(df) + 1), name="id")
    if id_col not in df.columns:
        raise ScoringDataError(
            f"数据中没有训练时使用的编号列 '{id_col}' / the data lacks the id column '{id_col}' "
            "used in training"
        )
    return pd.Series(df[id_col].to_numpy(), name="id")


def score_frame(model: LoadedModel, df: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """Columns ``id``, ``probability`` (calibrated), ``grade`` and ``reasons``, one row per row.

    ``id`` is the training's id column, or the 1-based row number when there was none.
    ``reasons`` joins up to ``top`` reasons with "；" (empty when nothing raises the risk).
    Columns the model does not know are ignored; absent feature columns count as missing, but
    more than half of them absent is a :class:`ScoringDataError`.
    """
    ids = _ids(model, df)
    frame = model.model_frame(df)
    raw: Floats = np.asarray(model.booster.predict(frame), dtype=np.float64)
    probability = apply_calibration(model.calibration, raw)
    texts = reason_texts(model, frame, top=top)
    return pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "probability": probability,
            "grade": assign_grades(probability, model.grades),
            "reasons": [REASON_SEPARATOR.join(parts) for parts in texts],
        }
    )


# --------------------------------------------------------------------------- registry


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ModelRegistry:
    """Model versions under ``root``: ``root/<purpose>/v<N>/`` and ``root/registry.json``.

    :meth:`register` copies a model directory (validated by :func:`load_model`) as the next
    version of a purpose; :meth:`activate` makes one version the active one (one per purpose);
    :meth:`active` is the active version's directory. The file is replaced atomically.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.file = self.root / "registry.json"

    def _read(self) -> dict[str, Any]:
        if not self.file.exists():
            return {"format": 1, "purposes": {}}
        try:
            data: dict[str, Any] = json.loads(self.file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RegistryError(
                f"无法读取 {self.file}：{exc} / cannot read {self.file}: {exc}"
            ) from exc
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".registry-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        os.replace(temporary, self.file)

    @staticmethod
    def _check_purpose(purpose: str) -> None:
        if not _PURPOSE.match(purpose):
            raise RegistryError(
                f"用途名称无效：{purpose!r}（字母、数字、_ . -）/ invalid purpose {purpose!r} "
                "(letters, digits, _ . -)"
            )

    def register(self, directory: str | Path, purpose: str) -> str:
        """Copy a model directory as the next version of ``purpose``; returns ``"v<N>"``."""
        self._check_purpose(purpose)
        source = Path(directory)
        load_model(source)  # refuses anything that would not load
        data = self._read()
        entry = data["purposes"].setdefault(purpose, {"active": None, "versions": {}})
        number = 1 + max((int(v[1:]) for v in entry["versions"]), default=0)
        version = f"v{number}"
        target = self.root / purpose / version
        target.mkdir(parents=True, exist_ok=False)
        for name in MODEL_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, target / name)
        entry["versions"][version] = {
            "path": f"{purpose}/{version}",
            "source": str(source.resolve()),
            "registered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "model_sha256": _sha256(target / "model.txt"),
        }
        self._write(data)
        return version

    def versions(self, purpose: str) -> list[str]:
        entry = self._read()["purposes"].get(purpose)
        return [] if entry is None else list(entry["versions"])

    def activate(self, purpose: str, version: str) -> None:
        """Make ``version`` the active version of ``purpose``."""
        data = self._read()
        entry = data["purposes"].get(purpose)
        if entry is None or version not in entry["versions"]:
            raise RegistryError(
                f"没有用途 {purpose!r} 的版本 {version!r} / no version {version!r} of purpose "
                f"{purpose!r}"
            )
        entry["active"] = version
        entry["activated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._write(data)

    def active(self, purpose: str) -> Path:
        """The directory of the active version of ``purpose``."""
        entry = self._read()["purposes"].get(purpose)
        if entry is None or entry.get("active") is None:
            raise RegistryError(
                f"用途 {purpose!r} 没有启用的模型 / no active model for purpose {purpose!r}"
            )
        return self.root / str(entry["versions"][entry["active"]]["path"])
