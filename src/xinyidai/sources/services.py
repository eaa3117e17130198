"""Writes for credit-data collection: receiving a delivery and ingesting it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal
from typing import IO, Any

from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import DataProvider, Organization, User
from xinyidai.core.models import audit

from . import ingestion, signals
from .models import Batch, BatchPeriodCount, Source, SourcePeriodStat
from .validation import Rule

logger = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 3600


class DeliveryRefused(Exception):
    """The provider may not deliver this source; ``message`` says why, in Chinese."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def delivery_refusal(*, provider: Organization, source: Source) -> DeliveryRefused | None:
    """Why ``provider`` may not deliver ``source``, or None if it may."""
    if provider.kind != Organization.Kind.DATA_PROVIDER:
        return DeliveryRefused(_("只有数据提供部门可以报送数据。"), code="not_a_provider")
    try:
        kind = provider.data_provider.kind
    except DataProvider.DoesNotExist:
        return DeliveryRefused(
            _("贵单位尚未登记报送类别，请联系平台运营方。"), code="provider_kind_missing"
        )
    if kind != source.provider_kind:
        return DeliveryRefused(
            _("贵单位（%(kind)s）不能报送“%(source)s”数据，该数据源由%(allowed)s报送。")
            % {
                "kind": DataProvider.Kind(kind).label,
                "source": source.name,
                "allowed": DataProvider.Kind(source.provider_kind).label,
            },
            code="source_not_allowed",
        )
    if not source.is_active:
        return DeliveryRefused(
            _("数据源“%(source)s”暂停接收报送。") % {"source": source.name},
            code="source_inactive",
        )
    return None


def rules_for(source: Source) -> list[Rule]:
    """The checks for ``source`` from the catalogue in the database, in column order.

    The operator may relax nothing the record table needs: a column stored NOT NULL stays
    required whatever the catalogue entry says.
    """
    spec = source.spec
    physical = {column.name: column for column in spec.columns}
    rules = []
    for column in source.columns.all():
        if column.name not in physical:
            continue
        rules.append(
            Rule(
                name=column.name,
                label=column.label,
                dtype=physical[column.name].dtype,
                required=column.required or physical[column.name].required,
                max_length=column.max_length,
                min_value=None if column.min_value is None else Decimal(column.min_value),
                max_value=None if column.max_value is None else Decimal(column.max_value),
                choices=tuple((str(c), str(label)) for c, label in column.choices),
                not_future=column.not_future,
                aliases=tuple(column.aliases),
            )
        )
    return rules


def _sha256(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(1 << 20):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def batch_create(
    *,
    source: Source,
    provider: Organization,
    file: File[Any],
    name: str,
    channel: str,
    uploaded_by: User | None = None,
    enqueue: bool = True,
) -> Batch:
    """Receive a delivered file; ingestion runs after commit as a Celery task."""
    refusal = delivery_refusal(provider=provider, source=source)
    if refusal is not None:
        raise refusal
    file.open("rb")
    sha256, size = _sha256(file)
    batch = Batch(
        source=source,
        provider=provider,
        uploaded_by=uploaded_by,
        channel=channel,
        original_name=name[:255],
        file_size=size,
        sha256=sha256,
    )
    batch.file.save(name, file, save=False)
    batch.full_clean()
    batch.save()
    audit(
        action="batch.receive",
        actor=uploaded_by,
        organization=provider,
        obj=batch,
        data={"source": source.code, "file": batch.original_name, "sha256": sha256},
    )
    if enqueue:
        from .tasks import batch_ingest as batch_ingest_task

        def start() -> None:
            result = batch_ingest_task.delay(batch.pk)
            Batch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id or "")

        transaction.on_commit(start)
    return batch


def progress_key(batch_id: int) -> str:
    return f"batch-progress:{batch_id}"


def batch_progress(batch: Batch) -> dict[str, Any]:
    """What the page and the API show while a batch is being processed."""
    if batch.is_finished:
        return {"phase": batch.status, "fraction": 1.0, "rows": batch.rows_total}
    stored = cache.get(progress_key(batch.pk))
    return stored or {"phase": batch.status, "fraction": 0.0, "rows": 0}


def batch_ingest(*, batch_id: int, progress: ingestion.ProgressCallback | None = None) -> Batch:
    """Validate and load one batch, all or nothing; record the outcome on the batch."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("source").get(pk=batch_id)
        if batch.status != Batch.Status.RECEIVED:
            return batch
        batch.status = Batch.Status.PROCESSING
        batch.started_at = timezone.now()
        batch.save(update_fields=["status", "started_at"])
    source = batch.source

    def report_progress(state: dict[str, Any]) -> None:
        cache.set(progress_key(batch_id), state, PROGRESS_TTL)
        if progress:
            progress(state)

    def reopen() -> IO[bytes]:
        batch.file.open("rb")
        return batch.file.file

    try:
        outcome = ingestion.ingest(
            raw=reopen(),
            name=batch.original_name,
            size=batch.file_size,
            spec=source.spec,
            rules=rules_for(source),
            source_name=source.name,
            batch_id=batch.pk,
            today=timezone.localdate(),
            progress=report_progress,
            reopen=reopen,
        )
    except Exception:
        logger.exception("batch %s failed", batch_id)
        with transaction.atomic():
            Batch.objects.filter(pk=batch_id).update(
                status=Batch.Status.FAILED,
                finished_at=timezone.now(),
                message=_("处理时发生系统错误，平台运营方已收到通知。"),
            )
        raise
    finally:
        batch.file.close()
    return _batch_record_outcome(batch=batch, outcome=outcome)


@transaction.atomic
def _batch_record_outcome(*, batch: Batch, outcome: ingestion.Outcome) -> Batch:
    batch.status = Batch.Status.ACCEPTED if outcome.accepted else Batch.Status.REJECTED
    batch.finished_at = timezone.now()
    batch.file_format = outcome.file_format
    batch.encoding = outcome.encoding
    batch.rows_total = outcome.rows_total
    batch.rows_new = outcome.rows_new
    batch.rows_corrected = outcome.rows_corrected
    batch.rows_unchanged = outcome.rows_unchanged
    batch.rows_rejected = outcome.rows_rejected
    batch.error_count = outcome.error_count
    batch.timings = outcome.timings
    batch.error_sample = [{**error, "row": int(error["row"])} for error in outcome.error_sample]
    if outcome.accepted:
        batch.message = _("已入库：新增%(new)s行，更正%(corrected)s行，未变化%(unchanged)s行。") % {
            "new": outcome.rows_new,
            "corrected": outcome.rows_corrected,
            "unchanged": outcome.rows_unchanged,
        }
    else:
        batch.message = outcome.message or _(
            "已退回：%(rows)s行中有%(bad)s行存在错误，共%(errors)s处，整批未入库。"
            "请下载错误报告，改正后重新报送。"
        ) % {
            "rows": outcome.rows_total,
            "bad": outcome.rows_rejected,
            "errors": outcome.error_count,
        }
    if outcome.error_report is not None:
        batch.error_report.save(
            f"batch-{batch.pk}-errors.csv", ContentFile(outcome.error_report), save=False
        )
    if outcome.period_counts:
        batch.period_min = min(outcome.period_counts)
        batch.period_max = max(outcome.period_counts)
    batch.save()
    if outcome.accepted:
        _stats_record(batch=batch, outcome=outcome)
        signals.batch_accepted.send(sender=Batch, batch=batch)
    audit(
        action="batch.accept" if outcome.accepted else "batch.reject",
        organization=batch.provider,
        obj=batch,
        data={
            "source": batch.source_id,
            "rows": outcome.rows_total,
            "new": outcome.rows_new,
            "corrected": outcome.rows_corrected,
            "unchanged": outcome.rows_unchanged,
            "errors": outcome.error_count,
        },
    )
    return batch


def _stats_record(*, batch: Batch, outcome: ingestion.Outcome) -> None:
    counts = outcome.period_counts or {
        timezone.localdate(batch.received_at).replace(day=1): outcome.rows_total
    }
    BatchPeriodCount.objects.bulk_create(
        [BatchPeriodCount(batch=batch, period=period, rows=rows) for period, rows in counts.items()]
    )
    if not outcome.current_rows:
        return
    stats = [
        SourcePeriodStat(
            source_id=batch.source_id,
            provider_id=batch.provider_id if provider_id == -1 else provider_id,
            period=period,
            rows=rows,
        )
        for (provider_id, period), rows in outcome.current_rows.items()
    ]
    SourcePeriodStat.objects.bulk_create(
        stats,
        update_conflicts=True,
        unique_fields=["source", "provider", "period"],
        update_fields=["rows", "updated_at"],
    )


def batch_ingest_file(
    *,
    source: Source,
    provider: Organization,
    path: str,
    uploaded_by: User | None = None,
    progress: ingestion.ProgressCallback | None = None,
) -> Batch:
    """The command-line path: receive a local file and ingest it in this process."""
    from pathlib import Path

    file_path = Path(path)
    with file_path.open("rb") as handle:
        batch = batch_create(
            source=source,
            provider=provider,
            file=File(handle),
            name=file_path.name,
            channel=Batch.Channel.CLI,
            uploaded_by=uploaded_by,
            enqueue=False,
        )
    return batch_ingest(batch_id=batch.pk, progress=progress)


@transaction.atomic
def catalogue_update(
    *, source: Source, source_form: Any, column_formset: Any, actor: User | None
) -> Source:
    """Save an operator's edit of one catalogue entry (forms already validated)."""
    changed = list(source_form.changed_data)
    source = source_form.save()
    columns = column_formset.save()
    audit(
        action="source.update",
        actor=actor,
        obj=source,
        data={"fields": changed, "columns": [column.name for column in columns]},
    )
    return source


def records_prune_expired(*, today: dt.date) -> list[str]:
    """Drop whole months older than each monthly source's retention period (PostgreSQL).

    Returns the names of the partitions dropped. A month goes when all of it is older than
    ``retention_months`` before the current month; retention 0 keeps everything.
    """
    if connection.vendor != "postgresql":
        return []
    dropped: list[str] = []
    for source in Source.objects.exclude(retention_months=0).exclude(period_column=""):
        first_kept = _months_before(today.replace(day=1), source.retention_months)
        table = f"records_{source.code}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = %s::regclass ORDER BY c.relname",
                [table],
            )
            for (name,) in cursor.fetchall():
                stamp = name.rsplit("_p", 1)[-1]
                month = dt.date(int(stamp[:4]), int(stamp[4:6]), 1)
                if month >= first_kept:
                    continue
                quoted = connection.ops.quote_name(name)
                cursor.execute(
                    f"ALTER TABLE {connection.ops.quote_name(table)} DETACH PARTITION {quoted}"
                )
                cursor.execute(f"DROP TABLE {quoted}")
                SourcePeriodStat.objects.filter(source=source, period=month).delete()
                audit(
                    action="records.prune",
                    obj=source,
                    data={
                        "partition": name,
                        "month": month.isoformat(),
                        "retention_months": source.retention_months,
                    },
                )
                dropped.append(name)
    return dropped


def _months_before(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
