"""Joint modelling (联合建模): a bank's own loan outcomes, the platform's data, a model for that
bank alone.

The bank uploads a CSV of its past loans (USCC, loan date, outcome). The platform builds the
point-in-time features of each loan as of its loan date (the same ``build_features`` that
scores profiles; nothing dated on or after the loan date is used), trains a LightGBM model with
cross-validation and an out-of-time check by loan date, and keeps it as that bank's model. The
bank sees the metrics and the model card; the fused features never leave the platform.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from risk_models.features import FEATURE_SET_VERSION, build_features
from risk_models.train import DataError, DataInfo, read_csv, train_model
from xinyidai.accounts.models import Bank, User
from xinyidai.core.models import audit
from xinyidai.registry.validators import validate_uscc

from . import reading, services
from .models import JointModelRequest, ScoringModel

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MIN_LOANS = 100
MAX_ERRORS = 100
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "loan_date": ("loan_date", "放款日期", "贷款日期"),
    "outcome": ("outcome", "结果", "贷款结果", "是否违约"),
}
BAD = {"1", "违约", "default", "defaulted", "bad", "是", "true"}
GOOD = {"0", "正常", "performing", "good", "否", "false"}


class JointModelRefused(Exception):
    """The upload cannot be used; ``message`` says why (Chinese), ``errors`` per row."""

    def __init__(
        self, message: str, *, code: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = [{**e, "value": str(e["value"])} for e in errors or []]


@transaction.atomic
def joint_model_request_create(
    *, bank: Bank, actor: User, title: str, upload: IO[bytes], name: str, size: int
) -> JointModelRequest:
    """Keep the uploaded outcomes and train once committed."""
    from . import tasks

    if size > MAX_UPLOAD_BYTES:
        raise JointModelRefused(
            _("文件过大：最大 %(mb)s MB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    if not name.lower().endswith(".csv"):
        raise JointModelRefused(_("请上传 CSV 文件。"), code="not_csv")
    request = JointModelRequest(
        bank=bank, title=title.strip() or name, original_name=name, created_by=actor
    )
    request.file.save(f"bank-{bank.pk}-{name}", File(upload), save=False)
    request.full_clean()
    request.save()
    audit(action="joint_model.request", actor=actor, organization=bank.organization, obj=request)
    transaction.on_commit(lambda: tasks.joint_model_train.delay(request.pk))
    return request


def _find_columns(frame: pd.DataFrame) -> dict[str, str]:
    headers = {str(column).strip().lower(): column for column in frame.columns}
    found, missing = {}, []
    for key, aliases in COLUMNS.items():
        match = next((headers[a.lower()] for a in aliases if a.lower() in headers), None)
        if match is None:
            missing.append(f"{aliases[1]}（{key}）")
        else:
            found[key] = match
    if missing:
        raise JointModelRefused(
            _("文件缺少必需的列：%(cols)s。") % {"cols": "、".join(missing)}, code="missing_column"
        )
    return found


def _loans(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Checked loans (uscc, loan_date, outcome) and the errors, each with its row and column."""
    columns = _find_columns(frame)
    errors: list[dict[str, Any]] = []
    today = timezone.localdate()
    usccs: list[str | None] = []
    dates: list[pd.Timestamp | None] = []
    outcomes: list[int | None] = []
    raw = frame[[columns["uscc"], columns["loan_date"], columns["outcome"]]].fillna("")
    for number, (code, day, outcome) in enumerate(raw.itertuples(index=False), start=2):
        try:
            usccs.append(validate_uscc(str(code)))
        except ValidationError as exc:
            usccs.append(None)
            errors.append(
                {
                    "row": number,
                    "column": columns["uscc"],
                    "value": code,
                    "reason": " ".join(exc.messages),
                }
            )
        parsed = pd.to_datetime(str(day).strip(), errors="coerce", format="mixed")
        if pd.isna(parsed) or parsed.date() > today:
            dates.append(None)
            reason = _("日期无效") if pd.isna(parsed) else _("放款日期晚于今天")
            errors.append(
                {"row": number, "column": columns["loan_date"], "value": day, "reason": reason}
            )
        else:
            dates.append(parsed.normalize())
        word = str(outcome).strip().lower()
        if word in BAD:
            outcomes.append(1)
        elif word in GOOD:
            outcomes.append(0)
        else:
            outcomes.append(None)
            errors.append(
                {
                    "row": number,
                    "column": columns["outcome"],
                    "value": outcome,
                    "reason": _("结果应为 1/违约 或 0/正常"),
                }
            )
    loans = pd.DataFrame({"uscc": usccs, "loan_date": dates, "outcome": outcomes})
    return loans, errors


def _enterprises(usccs: list[str], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Registered enterprises as registered; others from their registration records, if any."""
    registered = reading.enterprise_frame(reading.Chunk(usccs=tuple(usccs)))
    others = sorted(set(usccs) - set(registered["uscc"]))
    rows = pd.DataFrame({"uscc": others})
    registration = frames.get("registration")
    if registration is not None and len(others):
        latest = (
            registration[registration["uscc"].isin(others)]
            .sort_values("changed_on")
            .drop_duplicates("uscc", keep="last")
        )
        rows = rows.merge(
            latest[
                ["uscc", "region_code", "industry_code", "established_on", "registered_capital"]
            ],
            on="uscc",
            how="left",
        )
    for column in reading.ENTERPRISE_COLUMNS:
        if column not in rows:
            rows[column] = np.nan
    rows["established_on"] = pd.to_datetime(rows["established_on"])
    for column in ("region_code", "industry_code"):
        rows[column] = rows[column].fillna("").astype("str")
    combined = pd.concat([registered, rows[list(registered.columns)]], ignore_index=True)
    return combined


def point_in_time_features(loans: pd.DataFrame) -> pd.DataFrame:
    """Features of each loan's enterprise as of its loan date (row order of ``loans``)."""
    usccs = sorted(set(loans["uscc"]))
    earliest = loans["loan_date"].min().date()
    frames = reading.source_frames(reading.Chunk(usccs=tuple(usccs)), earliest)
    # source_frames reads from the months the earliest loan needs onwards; later loans use less.
    enterprises = _enterprises(usccs, frames).set_index("uscc", drop=False)
    parts = []
    for day, group in loans.groupby("loan_date", sort=True):
        members = sorted(set(group["uscc"]))
        wanted = set(members)
        subset = {code: frame[frame["uscc"].isin(wanted)] for code, frame in frames.items()}
        features = build_features(subset, enterprises.loc[members], day.date())
        parts.append(features.loc[group["uscc"]].set_index(group.index))
    return pd.concat(parts).loc[loans.index]


def joint_model_train(*, request_id: int) -> JointModelRequest:
    """Check the outcomes, build point-in-time features, train, keep the bank's model."""
    with transaction.atomic():
        request = JointModelRequest.objects.select_for_update().get(pk=request_id)
        if request.status != JointModelRequest.Status.RECEIVED:
            return request
        request.status = JointModelRequest.Status.TRAINING
        request.save(update_fields=["status"])
    try:
        with request.file.open("rb") as stream:
            frame, digest = read_csv(stream.read())
        loans, errors = _loans(frame)
        request.rows_total = len(loans)
        if errors:
            raise JointModelRefused(
                _("文件中有 %(n)s 处错误，未建模。请改正后重新上传。") % {"n": len(errors)},
                code="invalid_rows",
                errors=errors,
            )
        if len(loans) < MIN_LOANS:
            raise JointModelRefused(
                _("贷款笔数太少：至少需要 %(min)s 笔，文件中只有 %(n)s 笔。")
                % {"min": MIN_LOANS, "n": len(loans)},
                code="too_few_loans",
            )
        features = point_in_time_features(loans)
        coverage = features.filter(like="_coverage_12m").fillna(0).sum(axis=1)
        request.rows_matched = int((coverage > 0).sum())
        request.defaults = int(loans["outcome"].sum())
        trained = train_model(
            features,
            loans["outcome"].to_numpy(dtype=np.int8),
            cv=5 if len(loans) >= 500 else 3,
            date=loans["loan_date"],
            info=DataInfo(
                target="outcome",
                positive="1",
                source=request.original_name,
                sha256=digest,
                sha256_of="csv bytes",
                feature_set_version=FEATURE_SET_VERSION,
            ),
        )
        with transaction.atomic():
            model = services.scoring_model_register(
                trained=trained,
                training_features=features,
                purpose=ScoringModel.Purpose.JOINT,
                bank=request.bank,
                note=request.title,
                actor=request.created_by,
            )
            request.scoring_model = model
            request.status = JointModelRequest.Status.TRAINED
            request.message = _("建模完成：%(n)s 笔贷款，其中 %(d)s 笔违约。") % {
                "n": len(loans),
                "d": request.defaults,
            }
            request.finished_at = timezone.now()
            request.save()
            audit(action="joint_model.train", obj=request, data={"model": model.pk})
    except (JointModelRefused, DataError) as exc:
        request.status = JointModelRequest.Status.FAILED
        request.message = getattr(exc, "message", None) or str(exc).split(" / ")[0]
        request.errors = getattr(exc, "errors", [])[:MAX_ERRORS]
        request.finished_at = timezone.now()
        request.save()
        audit(action="joint_model.fail", obj=request, data={"message": request.message})
    return request
