"""Data quality per source and provider, for the platform operator (read-only selectors).

For every active source and every department of the kind that delivers it: the last delivery,
timeliness against the source's cadence, coverage of the enterprises known to the platform,
the rejection rate, and volume anomalies (a period whose row count falls by more than half
from the period before), each anomaly traced to the accepted batches that delivered it.

The report is built from a fixed number of grouped queries (plus one per periodic source for
coverage), however many batches and records there are.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from risk_models.catalogue import Dtype
from xinyidai.accounts.models import DataProvider, Organization
from xinyidai.registry.models import Enterprise

from .models import Batch, BatchPeriodCount, Source, SourcePeriodStat

OK = "ok"
LATE = "late"
MISSING = "missing"
NEVER = "never"

ANOMALY_THRESHOLD = 0.5  # a fall to less than half of the previous period

MONTH = "month"
YEAR = "year"

_Pair = tuple[str, int]  # (source code, provider organization id)


def timeliness_label(status: str) -> str:
    return {
        OK: _("按时"),
        LATE: _("逾期"),
        MISSING: _("缺报"),
        NEVER: _("从未报送"),
    }[status]


def month_label(period: dt.date) -> str:
    return _("%(year)s年%(month)s月") % {"year": period.year, "month": f"{period.month:02d}"}


def year_label(period: dt.date) -> str:
    return _("%(year)s年度") % {"year": period.year}


@dataclass
class Anomaly:
    """A period whose row count fell by more than half from the period before it."""

    period: dt.date
    rows: int
    previous_rows: int
    drop: float  # the fall as a fraction of the previous period's rows
    batches: list[Batch] = field(default_factory=list)
    previous_period: dt.date | None = None
    granularity: str = MONTH  # YEAR for yearly sources (rows counted per year of receipt)

    @property
    def period_label(self) -> str:
        if self.granularity == YEAR:
            return _("%(year)s年") % {"year": self.period.year}
        return month_label(self.period)

    @property
    def drop_percent(self) -> int:
        return round(self.drop * 100)

    @property
    def summary(self) -> str:
        """E.g. "2026年09月 行数较上期下降62%（3,000 → 1,140）"."""
        return _("%(period)s 行数较上期下降%(drop)s%%（%(previous)s → %(rows)s）") % {
            "period": self.period_label,
            "drop": self.drop_percent,
            "previous": f"{self.previous_rows:,}",
            "rows": f"{self.rows:,}",
        }


@dataclass
class QualityRow:
    source: Source
    provider: Organization
    last_batch: Batch | None = None  # the latest batch received, whatever its outcome
    last_accepted: Batch | None = None
    latest_period: dt.date | None = None  # latest month (year) with current rows
    expected_period: dt.date | None = None  # latest month (year) whose deadline has passed
    timeliness: str = NEVER
    detail: str = ""
    coverage: float | None = None
    coverage_period: dt.date | None = None
    batches_total: int = 0  # every batch received, including those still in progress
    batches_accepted: int = 0
    batches_rejected: int = 0
    rows_received: int = 0  # rows of finished (accepted or rejected) batches
    rows_rejected: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)

    @property
    def timeliness_label(self) -> str:
        return timeliness_label(self.timeliness)

    @property
    def batches_finished(self) -> int:
        return self.batches_accepted + self.batches_rejected

    @property
    def rejection_rate(self) -> float | None:
        """Rejected batches over finished (accepted or rejected) batches."""
        if not self.batches_finished:
            return None
        return self.batches_rejected / self.batches_finished

    @property
    def row_rejection_rate(self) -> float | None:
        """Rows in error over rows received in finished batches."""
        if not self.rows_received:
            return None
        return self.rows_rejected / self.rows_received

    @property
    def coverage_percent(self) -> float | None:
        return None if self.coverage is None else self.coverage * 100

    @property
    def rejection_percent(self) -> float | None:
        rate = self.rejection_rate
        return None if rate is None else rate * 100

    @property
    def row_rejection_percent(self) -> float | None:
        rate = self.row_rejection_rate
        return None if rate is None else rate * 100

    @property
    def latest_period_label(self) -> str:
        if self.latest_period is None:
            return ""
        if self.source.cadence == Source.CadenceChoice.YEARLY:
            return year_label(self.latest_period)
        return month_label(self.latest_period)


# --- Calendar arithmetic ---------------------------------------------------------------------


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month)


def _day_of(year: int, month: int, day: int) -> dt.date:
    """``day`` of that month, brought within the month (the 31st of April is the 30th)."""
    return dt.date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def monthly_due(period: dt.date, due_day: int) -> dt.date:
    """Month M is due by day ``due_day`` of month M+1."""
    following = _add_months(period.replace(day=1), 1)
    return _day_of(following.year, following.month, due_day)


def yearly_due(year: int, due_day: int) -> dt.date:
    """Year Y is due by day ``due_day`` of April of Y+1."""
    return _day_of(year + 1, 4, due_day)


def expected_month(today: dt.date, due_day: int) -> dt.date:
    """The latest month whose deadline has passed (delivering on the due day is on time)."""
    candidate = _add_months(today.replace(day=1), -1)
    if monthly_due(candidate, due_day) < today:
        return candidate
    return _add_months(candidate, -1)


def expected_year(today: dt.date, due_day: int) -> int:
    year = today.year - 1
    return year if yearly_due(year, due_day) < today else year - 1


# --- Timeliness ------------------------------------------------------------------------------


def _monthly_timeliness(row: QualityRow, today: dt.date) -> None:
    due_day = row.source.due_day
    expected = row.expected_period = expected_month(today, due_day)
    latest = row.latest_period
    if latest is not None and latest >= expected:
        row.timeliness = OK
        following = _add_months(latest, 1)
        row.detail = _("已报送至%(latest)s；%(next)s数据应于%(due)s前报送") % {
            "latest": month_label(latest),
            "next": month_label(following),
            "due": monthly_due(following, due_day).isoformat(),
        }
        return
    first_missing = _add_months(latest, 1) if latest is not None else expected
    due = monthly_due(first_missing, due_day)
    values: dict[str, object] = {
        "first": month_label(first_missing),
        "last": month_label(expected),
        "count": _months_between(first_missing, expected) + 1,
        "due": due.isoformat(),
        "days": (today - due).days,
    }
    gap = _(
        "缺报%(first)s至%(last)s共%(count)s个月数据；"
        "%(first)s数据应于%(due)s前报送，已逾期%(days)s天"
    )
    _classify_behind(row, values, has_current=latest is not None, gap_text=gap)


def _yearly_timeliness(row: QualityRow, today: dt.date) -> None:
    due_day = row.source.due_day
    expected = expected_year(today, due_day)
    row.expected_period = dt.date(expected, 1, 1)
    latest = row.latest_period.year if row.latest_period is not None else None
    if latest is not None and latest >= expected:
        row.timeliness = OK
        row.detail = _("已报送至%(latest)s；%(next)s数据应于%(due)s前报送") % {
            "latest": year_label(dt.date(latest, 1, 1)),
            "next": year_label(dt.date(latest + 1, 1, 1)),
            "due": yearly_due(latest + 1, due_day).isoformat(),
        }
        return
    first_missing = latest + 1 if latest is not None else expected
    due = yearly_due(first_missing, due_day)
    values: dict[str, object] = {
        "first": year_label(dt.date(first_missing, 1, 1)),
        "last": year_label(dt.date(expected, 1, 1)),
        "count": expected - first_missing + 1,
        "due": due.isoformat(),
        "days": (today - due).days,
    }
    gap = _(
        "缺报%(first)s至%(last)s共%(count)s年数据；%(first)s数据应于%(due)s前报送，已逾期%(days)s天"
    )
    _classify_behind(row, values, has_current=latest is not None, gap_text=gap)


def _classify_behind(
    row: QualityRow, values: dict[str, object], *, has_current: bool, gap_text: str
) -> None:
    """Never, missing or late, for a source whose expected period has not arrived."""
    if row.last_accepted is None:
        row.timeliness = NEVER
        row.detail = _("尚无入库批次；%(first)s数据应于%(due)s前报送，已逾期%(days)s天") % values
    elif not has_current:
        row.timeliness = MISSING
        row.detail = (
            _("已入库批次中没有现行数据；%(first)s数据应于%(due)s前报送，已逾期%(days)s天") % values
        )
    elif values["count"] == 1:
        row.timeliness = LATE
        row.detail = _("%(first)s数据应于%(due)s前报送，已逾期%(days)s天") % values
    else:
        row.timeliness = MISSING
        row.detail = gap_text % values


def _event_timeliness(row: QualityRow, today: dt.date) -> None:
    gap = row.source.max_gap_days
    if row.last_accepted is None:
        row.timeliness = NEVER
        row.detail = _("尚无入库批次；应至少每%(gap)s天报送一次") % {"gap": gap}
        return
    received = timezone.localdate(row.last_accepted.received_at)
    days = (today - received).days
    values = {"date": received.isoformat(), "days": days, "gap": gap, "double": 2 * gap}
    if days <= gap:
        row.timeliness = OK
        row.detail = (
            _("最近一次入库批次接收于%(date)s，距今%(days)s天（最长间隔%(gap)s天）") % values
        )
    elif days <= 2 * gap:
        row.timeliness = LATE
        row.detail = (
            _("最近一次入库批次接收于%(date)s，距今%(days)s天，超过最长间隔%(gap)s天") % values
        )
    else:
        row.timeliness = MISSING
        row.detail = (
            _("最近一次入库批次接收于%(date)s，距今%(days)s天，超过最长间隔的两倍（%(double)s天）")
            % values
        )


# --- Volume anomalies ------------------------------------------------------------------------


def _anomalies(
    counts: dict[dt.date, int], *, fill_gaps: bool, granularity: str = MONTH
) -> list[Anomaly]:
    """Periods whose rows fell below half of the period before.

    With ``fill_gaps`` (monthly sources) a month missing between two delivered months counts as
    zero rows, so a hole in the series is an anomaly too; for event sources a month without a
    delivery is normal and the comparison is with the previous month that had one.
    """
    if not counts:
        return []
    periods = sorted(counts)
    if fill_gaps:
        first, last = periods[0], periods[-1]
        periods = [_add_months(first, i) for i in range(_months_between(first, last) + 1)]
    found = []
    for previous, period in itertools.pairwise(periods):
        before, rows = counts.get(previous, 0), counts.get(period, 0)
        if before > 0 and rows * 2 < before:
            found.append(
                Anomaly(
                    period=period,
                    rows=rows,
                    previous_rows=before,
                    drop=(before - rows) / before,
                    previous_period=previous,
                    granularity=granularity,
                )
            )
    return found


def _attach_batches(rows: list[QualityRow]) -> None:
    """One query: the accepted batches that delivered each anomalous period."""
    wanted: dict[tuple[str, int, dt.date], Anomaly] = {}
    condition = Q()
    for row in rows:
        for anomaly in row.anomalies:
            if anomaly.granularity == YEAR:
                start, end = anomaly.period, anomaly.period.replace(year=anomaly.period.year + 1)
                periods = Q(period__gte=start, period__lt=end)
            else:
                periods = Q(period=anomaly.period)
            condition |= Q(periods, batch__source_id=row.source.code, batch__provider=row.provider)
            wanted[(row.source.code, row.provider.pk, anomaly.period)] = anomaly
    if not wanted:
        return
    counts = (
        BatchPeriodCount.objects.filter(condition, batch__status=Batch.Status.ACCEPTED)
        .select_related("batch")
        .order_by("batch__received_at", "batch_id")
    )
    for count in counts:
        batch = count.batch
        period = count.period
        # A monthly period matches exactly; a month of receipt falls in its year's anomaly.
        found = wanted.get((batch.source_id, batch.provider_id, period)) or wanted.get(
            (batch.source_id, batch.provider_id, period.replace(month=1))
        )
        if found is not None and batch not in found.batches:
            found.batches.append(batch)


# --- The report ------------------------------------------------------------------------------


def _latest_batches(**filters: Any) -> dict[_Pair, Batch]:
    """The latest received batch per source and provider, in one query."""
    ranked = (
        Batch.objects.filter(**filters)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("source_id"), F("provider_id")],
                order_by=[F("received_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
    )
    return {(batch.source_id, batch.provider_id): batch for batch in ranked}


def _year_column(source: Source) -> str | None:
    for column in source.spec.columns:
        if column.dtype == Dtype.YEAR and column.name in source.spec.key:
            return column.name
    return None


def _latest_years(sources: list[Source]) -> dict[_Pair, dt.date]:
    """Latest year with current rows per yearly source and provider (one query per source)."""
    latest: dict[_Pair, dt.date] = {}
    for source in sources:
        column = _year_column(source)
        if column is None:
            continue
        grouped = (
            source.record_model._default_manager.filter(is_current=True)
            .values("batch__provider")
            .annotate(latest=Max(column))
            .order_by()
        )
        for item in grouped:
            if item["latest"] is not None:
                latest[(source.code, item["batch__provider"])] = dt.date(item["latest"], 1, 1)
    return latest


def _coverage(source: Source, latest: dict[int, dt.date], known: int) -> dict[int, float]:
    """Share of known enterprises with current rows in each provider's latest period."""
    if not latest or not known:
        return {}
    if source.cadence == Source.CadenceChoice.YEARLY:
        column = _year_column(source)
        if column is None:
            return {}
        values: dict[int, Any] = {pid: period.year for pid, period in latest.items()}
    else:
        column = source.spec.period_column or ""
        if not column:
            return {}
        values = dict(latest)
    condition = Q()
    for provider_id, value in values.items():
        condition |= Q(batch__provider=provider_id, **{column: value})
    grouped = (
        source.record_model._default_manager.filter(
            # Record columns come from the catalogue: unknown to the type checker.
            condition,
            is_current=True,
            **{"uscc__in": Enterprise.objects.values("uscc")},
        )
        .values("batch__provider")
        .annotate(enterprises=Count("uscc", distinct=True))
        .order_by()
    )
    return {item["batch__provider"]: item["enterprises"] / known for item in grouped}


def quality_report(*, today: dt.date) -> list[QualityRow]:
    """One row per active source and department of the kind that delivers it.

    Ordered by source (domain, code) and then department name.
    """
    sources = list(Source.objects.filter(is_active=True).order_by("domain", "code"))
    providers_by_kind: dict[str, list[Organization]] = defaultdict(list)
    for data_provider in DataProvider.objects.select_related("organization").order_by(
        "organization__name", "organization_id"
    ):
        providers_by_kind[data_provider.kind].append(data_provider.organization)
    rows = [
        QualityRow(source=source, provider=provider)
        for source in sources
        for provider in providers_by_kind.get(source.provider_kind, [])
    ]
    if not rows:
        return []
    codes = [source.code for source in sources]
    by_pair = {(row.source.code, row.provider.pk): row for row in rows}

    finished = Q(status__in=[Batch.Status.ACCEPTED, Batch.Status.REJECTED])
    totals = (
        Batch.objects.filter(source__in=codes)
        .values("source_id", "provider_id")
        .annotate(
            total=Count("id"),
            accepted=Count("id", filter=Q(status=Batch.Status.ACCEPTED)),
            rejected=Count("id", filter=Q(status=Batch.Status.REJECTED)),
            rows_received=Sum("rows_total", filter=finished),
            rows_rejected=Sum("rows_rejected", filter=finished),
        )
        .order_by()
    )
    for item in totals:
        row = by_pair.get((item["source_id"], item["provider_id"]))
        if row is not None:
            row.batches_total = item["total"]
            row.batches_accepted = item["accepted"]
            row.batches_rejected = item["rejected"]
            row.rows_received = item["rows_received"] or 0
            row.rows_rejected = item["rows_rejected"] or 0

    for pair, batch in _latest_batches(source__in=codes).items():
        if pair in by_pair:
            by_pair[pair].last_batch = batch
    for pair, batch in _latest_batches(source__in=codes, status=Batch.Status.ACCEPTED).items():
        if pair in by_pair:
            by_pair[pair].last_accepted = batch

    monthly = [s for s in sources if s.cadence == Source.CadenceChoice.MONTHLY]
    yearly = [s for s in sources if s.cadence == Source.CadenceChoice.YEARLY]
    unpartitioned = [s.code for s in sources if s.cadence != Source.CadenceChoice.MONTHLY]

    # Monthly sources: current rows per month, as ingestion keeps them.
    series: dict[_Pair, dict[dt.date, int]] = defaultdict(dict)
    stats = SourcePeriodStat.objects.filter(source__in=[s.code for s in monthly]).values_list(
        "source_id", "provider_id", "period", "rows"
    )
    for code, provider_id, period, count in stats:
        series[(code, provider_id)][period] = count
    latest: dict[_Pair, dt.date] = {
        pair: max(period for period, count in counts.items() if count > 0)
        for pair, counts in series.items()
        if any(count > 0 for count in counts.values())
    }
    latest.update(_latest_years(yearly))

    # Other sources: rows delivered by accepted batches per month of receipt.
    delivered: dict[_Pair, dict[dt.date, int]] = defaultdict(dict)
    if unpartitioned:
        received = (
            BatchPeriodCount.objects.filter(
                batch__source__in=unpartitioned, batch__status=Batch.Status.ACCEPTED
            )
            .values("batch__source", "batch__provider", "period")
            .annotate(rows=Sum("rows"))
            .order_by()
        )
        for item in received:
            delivered[(item["batch__source"], item["batch__provider"])][item["period"]] = item[
                "rows"
            ]

    known = Enterprise.objects.count()
    coverage: dict[_Pair, float] = {}
    for source in [*monthly, *yearly]:
        latest_here = {pid: p for (code, pid), p in latest.items() if code == source.code}
        for provider_id, share in _coverage(source, latest_here, known).items():
            coverage[(source.code, provider_id)] = share

    for row in rows:
        pair = (row.source.code, row.provider.pk)
        row.latest_period = latest.get(pair)
        cadence = row.source.cadence
        if cadence == Source.CadenceChoice.MONTHLY:
            _monthly_timeliness(row, today)
            row.anomalies = _anomalies(series.get(pair, {}), fill_gaps=True)
        elif cadence == Source.CadenceChoice.YEARLY:
            _yearly_timeliness(row, today)
            per_year: dict[dt.date, int] = defaultdict(int)
            for period, count in delivered.get(pair, {}).items():
                per_year[period.replace(month=1)] += count
            row.anomalies = _anomalies(dict(per_year), fill_gaps=False, granularity=YEAR)
        else:
            _event_timeliness(row, today)
            row.anomalies = _anomalies(delivered.get(pair, {}), fill_gaps=False)
        if row.latest_period is not None and known:  # monthly and yearly sources only
            row.coverage = coverage.get(pair, 0.0)
            row.coverage_period = row.latest_period
    _attach_batches(rows)
    return rows
