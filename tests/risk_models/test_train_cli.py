"""Training and scoring from the command line (risk_models.train, .score, __main__). Pure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.score import ModelRegistry, RegistryError, load_model, score_frame
from risk_models.train import (
    TrainingDataError,
    prepare_frame,
    save_model,
    stratified_folds,
    train_model,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = {"num_threads": 1, "learning_rate": 0.1}
KEYS = {"auc", "ks", "brier", "n_rows", "n_features", "cv"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "risk_models", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def loans(n: int, seed: int) -> pd.DataFrame:
    """Invented loans: the bad rate rises with leverage and overdue days, and in one region."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 1, n)
    overdue = rng.poisson(3, n).astype(float)
    region = rng.choice(["东区", "西区", "南区", "北区"], n)
    sector = rng.choice(["retail", "manufacturing", "services"], n)
    z = -1.2 + 3.0 * (leverage - 0.5) + 0.35 * (overdue - 3) + np.where(region == "西区", 1.0, 0.0)
    bad = rng.random(n) < 1 / (1 + np.exp(-z))
    frame = pd.DataFrame(
        {
            "loan_no": [f"LN-{seed}-{i:05d}" for i in range(n)],
            "leverage": np.round(leverage, 3),
            "days overdue": overdue,
            "region": region,
            "sector": sector,
            "revenue": np.round(rng.lognormal(13, 1, n), 2),  # noise
            "outcome": np.where(bad, "bad", "good"),
        }
    )
    frame.loc[rng.random(n) < 0.1, "revenue"] = np.nan
    frame.loc[rng.random(n) < 0.08, "region"] = None
    frame.loc[rng.random(n) < 0.05, "days overdue"] = np.nan
    return frame


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    directory = tmp_path_factory.mktemp("cli")
    data = directory / "loans.csv"
    loans(900, seed=11).to_csv(data, index=False)
    result = run(
        "train",
        *("--data", str(data), "--target", "outcome", "--positive", "bad"),
        *("--id-col", "loan_no", "--cv", "4", "--out", str(directory / "model")),
    )
    return directory, result


def test_train_prints_one_json_line_of_out_of_fold_metrics(trained) -> None:
    directory, result = trained
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert set(line) == KEYS
    assert line["auc"] > 0.7
    assert 0 < line["ks"] <= 1
    assert 0 < line["brier"] < 0.25
    assert line["n_rows"] == 900
    assert line["n_features"] == 5  # leverage, days overdue, region, sector, revenue
    assert line["cv"] == 4
    assert {p.name for p in (directory / "model").iterdir()} == {
        "model.txt",
        "metadata.json",
        "MODEL_CARD.md",
    }
    meta = json.loads((directory / "model" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["data"]["id_col"] == "loan_no"
    assert meta["data"]["positive"] == "bad"
    assert meta["data"]["sha256_of"] == "csv bytes"
    assert len(meta["best_iterations"]) == 4
    kinds = {f["name"]: f["kind"] for f in meta["features"]}
    assert kinds["region"] == "categorical"
    assert kinds["days overdue"] == "numeric"
    card = (directory / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "校准 Calibration" in card


def test_score_writes_id_probability_grade_and_reasons(trained) -> None:
    directory, result = trained
    assert result.returncode == 0, result.stderr
    fresh = loans(150, seed=99).drop(columns=["outcome"])
    fresh = fresh[list(reversed(fresh.columns))]  # column order does not matter
    fresh["unknown"] = "ignored"
    fresh.loc[:4, "region"] = "新区"  # a category unseen in training counts as missing
    source = directory / "fresh.csv"
    fresh.to_csv(source, index=False)
    out = directory / "scores.csv"

    scored = run(
        "score", "--model", str(directory / "model"), "--data", str(source), "--out", str(out)
    )

    assert scored.returncode == 0, scored.stderr
    table = pd.read_csv(out, dtype={"id": str, "reasons": str}, keep_default_na=False)
    assert list(table.columns) == ["id", "probability", "grade", "reasons"]
    assert len(table) == 150
    assert table["id"].tolist() == fresh["loan_no"].tolist()
    assert table["probability"].between(0, 1).all()
    assert set(table["grade"]) <= set("ABCDE")
    assert (table["reasons"] != "").any()


def test_rows_without_an_id_column_are_numbered(tmp_path: Path) -> None:
    frame = loans(300, seed=5).drop(columns=["loan_no"])
    frame["outcome"] = (frame["outcome"] == "bad").astype(int)  # a 0/1 target needs no --positive
    data = tmp_path / "numbered.csv"
    frame.to_csv(data, index=False)
    trained = run(
        "train",
        "--data",
        str(data),
        "--target",
        "outcome",
        "--cv",
        "3",
        "--out",
        str(tmp_path / "m"),
    )
    assert trained.returncode == 0, trained.stderr
    out = tmp_path / "s.csv"
    scored = run("score", "--model", str(tmp_path / "m"), "--data", str(data), "--out", str(out))
    assert scored.returncode == 0, scored.stderr
    assert pd.read_csv(out)["id"].tolist() == list(range(1, 301))


@pytest.mark.parametrize(
    ("name", "content", "args"),
    [
        ("garbage.csv", bytes(range(256)) * 8, ("--target", "outcome")),
        ("ragged.csv", b"a,b,outcome\n1,2,0\n3,4,1,9\n5,6,0\n", ("--target", "outcome")),
        ("one_class.csv", b"a,b,outcome\n1,x,good\n2,y,good\n3,z,good\n", ("--target", "outcome")),
        ("unknown.csv", b"a,b,outcome\n1,x,0\n2,y,1\n3,z,0\n", ("--target", "status")),
        (
            "no_id.csv",
            b"a,b,outcome\n1,x,0\n2,y,1\n3,z,0\n",
            ("--target", "outcome", "--id-col", "key"),
        ),
        ("two_words.csv", b"a,b,outcome\n1,x,good\n2,y,bad\n3,z,good\n", ("--target", "outcome")),
    ],
)
def test_bad_input_exits_2_with_a_message(
    tmp_path: Path, name: str, content: bytes, args: tuple[str, ...]
) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    result = run("train", "--data", str(data), *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "错误" in result.stderr


def test_argparse_errors_exit_2() -> None:
    assert run("train", "--data", "x.csv").returncode == 2  # no --target
    assert run("train", "--data", "x.csv", "--target", "y", "--cv", "1").returncode == 2


# --------------------------------------------------------------------------- the Python API


@pytest.fixture(scope="module")
def prepared() -> tuple[pd.DataFrame, np.ndarray]:
    X, y, ids = prepare_frame(
        loans(800, seed=3), target="outcome", positive="bad", id_col="loan_no"
    )
    assert ids is not None
    return X, y


def test_prepare_frame_types_and_target(prepared) -> None:
    X, y = prepared
    assert y.dtype == np.int8
    assert set(np.unique(y)) == {0, 1}
    assert isinstance(X["region"].dtype, pd.CategoricalDtype)
    assert X["leverage"].dtype == np.float64
    assert "loan_no" not in X.columns
    assert "outcome" not in X.columns


def test_prepare_frame_refuses_what_it_cannot_train_on() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "y": ["x", "y", "z", "x"]})
    with pytest.raises(TrainingDataError, match="--positive"):
        prepare_frame(frame, target="y")
    with pytest.raises(TrainingDataError, match="一个类别"):
        prepare_frame(frame.assign(y=1), target="y")
    with pytest.raises(TrainingDataError, match="没有取值"):
        prepare_frame(frame, target="y", positive="w")
    with pytest.raises(TrainingDataError, match="不在数据中"):
        prepare_frame(frame, target="status")
    with pytest.raises(TrainingDataError, match="为空"):
        prepare_frame(frame.iloc[:0], target="y")
    # several values and the bad one named: the bad value against all the others
    _, y, _ = prepare_frame(frame, target="y", positive="z")
    assert y.tolist() == [0, 0, 1, 0]


def test_stratified_folds_keep_the_class_balance() -> None:
    y = np.array([1] * 20 + [0] * 80)
    folds = stratified_folds(y, 5, seed=1)
    for fold in range(5):
        assert (y[folds == fold] == 1).sum() == 4
        assert (folds == fold).sum() == 20


def test_monotone_constraint_holds_for_every_row(prepared) -> None:
    X, y = prepared
    model = train_model(X, y, cv=3, seed=7, monotone={"leverage": 1}, params=FAST)
    assert model.params["monotone_constraints"][list(X.columns).index("leverage")] == 1
    sample = X.sample(40, random_state=1).reset_index(drop=True)
    grid = np.linspace(0, 1, 21)
    probabilities = np.column_stack(
        [model.predict_proba(sample.assign(leverage=value)) for value in grid]
    )
    assert (np.diff(probabilities, axis=1) >= -1e-12).all()
    assert (probabilities[:, -1] > probabilities[:, 0]).any()


def test_calibrated_mean_is_close_to_the_base_rate(prepared, tmp_path: Path) -> None:
    X, y = prepared
    model = train_model(X, y, cv=3, seed=7, params=FAST)
    assert model.calibration["method"] == "platt"
    assert abs(model.predict_proba(X).mean() - y.mean()) < 0.02
    assert model.metrics["auc"] > 0.7

    # saved and loaded, the model scores the same; the registry keeps versions
    save_model(model, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-9)
    scores = score_frame(loaded, X.head(10))
    assert list(scores.columns) == ["id", "probability", "grade", "reasons"]

    registry = ModelRegistry(tmp_path / "registry")
    first = registry.register(tmp_path / "model", "sme_default")
    second = registry.register(tmp_path / "model", "sme_default")
    assert (first, second) == ("v1", "v2")
    with pytest.raises(RegistryError):
        registry.active("sme_default")
    registry.activate("sme_default", first)
    assert registry.active("sme_default") == tmp_path / "registry" / "sme_default" / "v1"
    assert load_model(registry.active("sme_default")).metadata["cv"] == 3


def test_out_of_time_check_when_dates_are_given(prepared) -> None:
    X, y = prepared
    dates = pd.Series(pd.date_range("2023-01-01", periods=len(X), freq="D"))
    model = train_model(X, y, cv=3, seed=7, params=FAST, date=dates)
    assert model.metrics["oot_n_rows"] == len(X) // 5
    assert model.metrics["oot_auc"] > 0.6
