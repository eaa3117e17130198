"""Command line: ``python -m risk_models train|score ...``.

``train`` prints one JSON line: ``auc``, ``ks``, ``brier`` (of the stratified K-fold
out-of-fold predictions), ``n_rows``, ``n_features``, ``cv`` — and ``oot_*`` when
``--date-col`` is given. ``score`` writes a CSV of ``id``, ``probability``, ``grade`` and
``reasons`` and prints a one-line JSON summary. Bad input (a malformed CSV, a one-class target,
an unknown column...) prints a message on stderr (Chinese, then English) and exits with 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import lightgbm as lgb

from risk_models.score import ModelFormatError, RegistryError, load_model, score_frame
from risk_models.train import (
    DEFAULT_SEED,
    DataError,
    TrainingDataError,
    labelled_rows,
    prepare_data,
    read_csv,
    save_model,
    train_model,
)

EXIT_BAD_INPUT: Final[int] = 2


class _StderrLogger:
    """LightGBM's messages go to stderr: stdout holds only the JSON line."""

    def info(self, message: str) -> None:
        print(message, file=sys.stderr)

    def warning(self, message: str) -> None:
        print(message, file=sys.stderr)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    return value


def _monotone(items: Sequence[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for item in items:
        name, _, direction = item.rpartition("=")
        if not name or direction.strip() not in ("+1", "1", "-1", "0"):
            raise TrainingDataError(
                f"单调约束应写作 列名=+1 或 列名=-1，得到 {item!r} / a monotone constraint reads "
                f"COLUMN=+1 or COLUMN=-1, got {item!r}"
            )
        result[name] = int(direction.strip())
    return result


def _train(args: argparse.Namespace) -> int:
    df, digest = read_csv(args.data)
    date = None
    if args.date_col is not None:
        if args.date_col not in df.columns:
            raise TrainingDataError(
                f"日期列 '{args.date_col}' 不在数据中 / date column '{args.date_col}' is not in "
                "the data"
            )
        if args.target in df.columns:
            date = df.loc[labelled_rows(df, args.target), args.date_col].reset_index(drop=True)
        df = df.drop(columns=[args.date_col])
    prepared = prepare_data(df, target=args.target, positive=args.positive, id_col=args.id_col)
    info = dataclasses.replace(
        prepared.info,
        source=Path(args.data).name,
        sha256=digest,
        sha256_of="csv bytes",
        feature_set_version=args.feature_set_version,
    )
    model = train_model(
        prepared.X,
        prepared.y,
        cv=args.cv,
        seed=args.seed,
        monotone=_monotone(args.monotone),
        date=date,
        info=info,
    )
    if args.out is not None:
        save_model(model, args.out)
    line: dict[str, Any] = {
        "auc": model.metrics["auc"],
        "ks": model.metrics["ks"],
        "brier": model.metrics["brier"],
        "n_rows": model.n_rows,
        "n_features": len(model.features),
        "cv": model.cv,
    }
    if date is not None:
        line.update({k: v for k, v in model.metrics.items() if k.startswith("oot_")})
    print(json.dumps({k: _round(v) for k, v in line.items()}, ensure_ascii=False))
    return 0


def _score(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    df, _ = read_csv(args.data)
    scored = score_frame(model, df)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(out, index=False, encoding="utf-8", float_format="%.6f")
    grades = scored["grade"].value_counts().sort_index()
    summary = {
        "n_rows": len(scored),
        "out": str(out),
        "grades": {str(k): int(v) for k, v in grades.items()},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _folds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"折数应为整数 / not an integer: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"折数至少为 2 / at least 2 folds, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m risk_models",
        description="违约概率模型：训练与评分 / default-probability models: train and score",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train",
        help="在带标签的 CSV 上训练 / train on a labelled CSV",
        description="LightGBM，分层 K 折交叉验证，输出一行 JSON / LightGBM with stratified "
        "K-fold cross-validation; prints one JSON line",
    )
    train.add_argument("--data", required=True, help="CSV 文件 / CSV file")
    train.add_argument("--target", required=True, help="目标列 / target column")
    train.add_argument(
        "--positive",
        help="目标列中坏客户（违约）的取值；目标为 0/1 时可省略 / the bad class's value "
        "(not needed for a 0/1 target)",
    )
    train.add_argument("--id-col", help="编号列（不作特征）/ id column (not a feature)")
    train.add_argument(
        "--cv", type=_folds, default=5, help="交叉验证折数（默认 5）/ folds (default 5)"
    )
    train.add_argument("--out", help="保存模型的目录 / directory to save the model in")
    train.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子 / random seed")
    train.add_argument(
        "--date-col",
        help="日期列：另做时间外检验（不作特征）/ date column: adds an out-of-time check "
        "(not a feature)",
    )
    train.add_argument(
        "--monotone",
        action="append",
        default=[],
        metavar="COLUMN=+1|-1",
        help="单调约束，可重复 / monotone constraint, repeatable",
    )
    train.add_argument(
        "--feature-set-version", help="特征集版本（记入元数据）/ feature set version"
    )
    train.set_defaults(handler=_train)

    score = commands.add_parser(
        "score",
        help="用已保存的模型评分 / score with a saved model",
        description="输出 id、probability、grade、reasons 四列的 CSV / writes a CSV of id, "
        "probability, grade and reasons",
    )
    score.add_argument("--model", required=True, help="模型目录 / model directory")
    score.add_argument("--data", required=True, help="CSV 文件 / CSV file")
    score.add_argument("--out", required=True, help="输出 CSV / output CSV")
    score.set_defaults(handler=_score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lgb.register_logger(_StderrLogger())
    try:
        code: int = args.handler(args)
    except (DataError, ModelFormatError, RegistryError) as exc:
        print(f"错误 / Error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"错误：无法读写文件 / Error: file access failed: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":
    sys.exit(main())
