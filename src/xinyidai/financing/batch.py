"""Outcome batch files of banks without an API: decisions, disbursements and repayment outcomes,
one action per row, applied all or nothing.

``outcome_batch_apply`` reads the file with ``bank_connectors.batch`` (the format and its
checks) and applies every row, in file order, through ``services.application_transition``:
the same rules, events, audit and notifications as the pages and the API. Each row runs in its
own savepoint so that a failing row does not stop the others from being checked; if any row
failed, the savepoint around all rows is rolled back, so nothing of the file remains (no
application change, no event, no notification: their e-mails are queued with ``on_commit``,
and Django drops the callbacks of a rolled-back savepoint) and the batch is stored as rejected
with every row error.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bank_connectors import batch as batch_format
from xinyidai.accounts.models import Bank, Membership
from xinyidai.core.models import audit

from . import selectors, services
from .models import Application, ApplicationEvent, OutcomeBatch

# Service error fields -> the file column they come from.
FIELD_COLUMNS = {
    "amount": "amount",
    "rate": "rate",
    "term_months": "term_months",
    "guarantee": "guarantee",
    "reason": "reason",
    "text": "note",
    "disbursed_on": "date",
    "on": "date",
}


def _clean_filename(filename: str) -> str:
    """The base name, without control characters (the database refuses NUL), at most 255."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", filename).replace("\\", "/").rsplit("/", 1)[-1]
    return name.strip()[:255] or "batch"


def outcome_batches_for(membership: Membership | None) -> QuerySet[OutcomeBatch]:
    """The batches this bank staff member may see: the bank's, and only their branch's uploads
    when they belong to a branch. Anyone else sees none."""
    bank = selectors.bank_of(membership)
    if membership is None or bank is None:
        return OutcomeBatch.objects.none()
    queryset = OutcomeBatch.objects.filter(bank=bank).select_related("uploaded_by")
    if membership.branch_id is not None:
        queryset = queryset.filter(branch_id=membership.branch_id)
    return queryset


def outcome_batch_for(membership: Membership | None, pk: int) -> OutcomeBatch | None:
    return outcome_batches_for(membership).filter(pk=pk).first()


class _Rejected(Exception):
    """Raised inside the savepoint around all rows, to roll it back."""


def _column(code: str) -> str:
    return batch_format.COLUMN_BY_CODE[code].label


def _error(row: batch_format.BatchRow, code: str, reason: str) -> dict[str, Any]:
    return batch_format.RowError(row.row, _column(code), row.cell(code), reason).as_dict()


def _service_errors(row: batch_format.BatchRow, exc: ValidationError) -> list[dict[str, Any]]:
    if not hasattr(exc, "error_dict"):
        return [_error(row, "action", message) for message in exc.messages]
    errors = []
    for key, messages in exc.message_dict.items():
        code = FIELD_COLUMNS.get(key, "action")
        errors += [_error(row, code, message) for message in messages]
    return errors


def _service_data(row: batch_format.BatchRow) -> dict[str, Any]:
    """The keyword arguments ``application_transition`` takes for the row's action."""
    if row.action == "approve":
        return {
            "amount": row.amount,
            "rate": row.rate,
            "term_months": row.term_months,
            "guarantee": row.guarantee,
        }
    if row.action == "reject":
        return {"reason": row.reason, "text": row.note}
    if row.action == "disburse":
        return {
            "amount": row.amount,
            "rate": row.rate,
            "term_months": row.term_months,
            "guarantee": row.guarantee,
            "disbursed_on": row.date,
            "is_first_loan": row.first_loan,
        }
    if row.action in ("repay", "overdue", "cure", "settle", "default"):
        data: dict[str, Any] = {"on": row.date}
        if row.action == "overdue":
            data["amount"] = row.amount
        return data
    return {}


def _with_defaults(
    row: batch_format.BatchRow, application: Application, data: dict[str, Any]
) -> dict[str, Any]:
    """Terms a row leaves empty: an approval keeps the guarantee asked for, a disbursement the
    approved terms (as the pages prefill them)."""
    if row.action == "approve" and not data["guarantee"]:
        data["guarantee"] = application.guarantee
    elif row.action == "disburse":
        defaults = {
            "rate": application.approved_rate,
            "term_months": application.approved_term_months,
            "guarantee": application.approved_guarantee,
        }
        for key, value in defaults.items():
            if data[key] in (None, ""):
                data[key] = value
    return data


def _provenance(row: batch_format.BatchRow, batch: OutcomeBatch) -> dict[str, Any]:
    record: dict[str, Any] = {"batch": batch.pk, "batch_row": row.row}
    if row.reference:
        record["reference"] = row.reference
    if row.date is not None and row.action in batch_format.DECISION_DATE_OPTIONAL:
        record["bank_date"] = row.date.isoformat()
    return record


def _apply_rows(
    *,
    batch: OutcomeBatch,
    membership: Membership,
    parsed: batch_format.BatchFile,
) -> tuple[Counter[str], list[dict[str, Any]]]:
    """Apply the rows, each in its own savepoint; the counts and the errors of the rows."""
    errors: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    # An application is not acted on after a row of it failed: its later rows would only fail
    # for the state the failed row did not reach.
    failed: dict[int, int] = dict(parsed.failed_applications)
    ids = {row.application_id for row in parsed.rows}
    visible = {
        a.pk: a for a in selectors.applications_for_bank(membership).filter(pk__in=list(ids))
    }
    not_ours = (
        _("申请编号不存在或不属于本网点")
        if membership.branch_id is not None
        else _("申请编号不存在或不属于本行")
    )
    for row in parsed.rows:
        application = visible.get(row.application_id)
        if application is None:
            errors.append(_error(row, "application_id", str(not_ours)))
            continue
        if failed.get(row.application_id, row.row) < row.row:
            errors.append(
                _error(
                    row,
                    "application_id",
                    _("该申请在第%(row)s行有错误，本行未办理。")
                    % {"row": failed[row.application_id]},
                )
            )
            continue
        try:
            with transaction.atomic():
                changed = services.application_transition(
                    application=application,
                    action=row.action,
                    actor=membership.user,
                    organization=membership.organization,
                    note="" if row.action == "reject" else row.note,
                    **_with_defaults(row, application, _service_data(row)),
                )
                event = ApplicationEvent.objects.filter(application=changed).latest("id")
                event.data = {**event.data, **_provenance(row, batch)}
                event.save(update_fields=["data"])
        except services.TransitionNotAllowed as exc:
            errors.append(_error(row, "action", str(exc)))
        except ValidationError as exc:
            errors.extend(_service_errors(row, exc))
        else:
            visible[row.application_id] = changed
            counts[row.action] += 1
            continue
        failed[row.application_id] = min(failed.get(row.application_id, row.row), row.row)
    return counts, errors


@transaction.atomic
def outcome_batch_apply(
    *,
    bank: Bank,
    membership: Membership,
    filename: str,
    content: bytes,
    channel: str = OutcomeBatch.Channel.WEB,
) -> OutcomeBatch:
    """Apply one outcome batch file of ``bank``, all rows or none.

    The identical file already accepted for this bank is not applied again: the earlier batch
    comes back with ``is_duplicate`` set. Batches of one bank are applied one at a time."""
    if membership.organization_id != bank.pk:
        raise PermissionDenied
    if membership.role not in selectors.DECISION_ROLES:
        raise PermissionDenied(_("只有客户经理或银行管理员可以上传结果批量文件。"))
    filename = _clean_filename(filename)
    sha256 = hashlib.sha256(content).hexdigest()
    Bank.objects.select_for_update().get(pk=bank.pk)  # one batch of a bank at a time
    earlier = OutcomeBatch.objects.filter(
        bank=bank, sha256=sha256, status=OutcomeBatch.Status.ACCEPTED
    ).first()
    if earlier is not None:
        audit(
            action="outcome_batch.duplicate",
            actor=membership.user,
            organization=bank.organization,
            obj=earlier,
            data={"filename": filename, "sha256": sha256, "channel": channel},
        )
        earlier.is_duplicate = True
        return earlier
    parsed = batch_format.read_batch(content, filename, today=timezone.localdate())
    fields = {
        "bank": bank,
        "branch_id": membership.branch_id,
        "uploaded_by": membership.user,
        "channel": channel,
        "filename": filename,
        "file_format": parsed.format,
        "encoding": parsed.encoding,
        "size": len(content),
        "sha256": sha256,
        "row_count": parsed.row_count,
    }
    errors: list[dict[str, Any]] = [error.as_dict() for error in parsed.errors]
    file_unreadable = any(error.row <= 1 for error in parsed.errors)
    if not file_unreadable:
        try:
            with transaction.atomic():
                batch = OutcomeBatch.objects.create(status=OutcomeBatch.Status.ACCEPTED, **fields)
                counts, row_errors = _apply_rows(batch=batch, membership=membership, parsed=parsed)
                errors = sorted(errors + row_errors, key=lambda e: int(e["row"]))
                if errors:
                    raise _Rejected
                batch.counts = {
                    action.code: counts[action.code]
                    for action in batch_format.ACTIONS
                    if counts[action.code]
                }
                batch.save(update_fields=["counts"])
                audit(
                    action="outcome_batch.accept",
                    actor=membership.user,
                    organization=bank.organization,
                    obj=batch,
                    data={"filename": batch.filename, "sha256": sha256, "counts": batch.counts},
                )
                return batch
        except _Rejected:
            pass
    batch = OutcomeBatch.objects.create(
        status=OutcomeBatch.Status.REJECTED, errors=errors, **fields
    )
    audit(
        action="outcome_batch.reject",
        actor=membership.user,
        organization=bank.organization,
        obj=batch,
        data={"filename": batch.filename, "sha256": sha256, "errors": len(errors)},
    )
    return batch


def outcome_batch_summary(batch: OutcomeBatch) -> str:
    """One sentence about the outcome, for the page's message and the API."""
    if batch.is_duplicate:
        return _("该文件已于 %(when)s 生效（批次 #%(id)s），本次未作任何更改。") % {
            "when": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
            "id": batch.pk,
        }
    if batch.status == OutcomeBatch.Status.ACCEPTED:
        parts = [
            _("%(action)s %(n)s 笔") % {"action": action.label, "n": batch.counts[action.code]}
            for action in batch_format.ACTIONS
            if batch.counts.get(action.code)
        ]
        return _("已生效：%(rows)s 行全部办理完毕（%(parts)s）。") % {
            "rows": batch.row_count,
            "parts": "、".join(parts),
        }
    return _(
        "已退回：发现 %(n)s 处错误，整批未生效，任何申请都没有变化。请改正后重新上传整个文件。"
    ) % {"n": batch.error_count}
