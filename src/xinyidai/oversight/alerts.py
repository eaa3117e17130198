"""Alerts for regulators: a bank answering too many applications late in a month, and a region
whose disbursed amount fell too far from the month before.

Each alert is stored once per regulator, kind, month, region (and bank) and sent to the
regulator's users when it is first raised. Thresholds are settings (``OVERSIGHT_*``).

Alerts read the cube's raw sums: a bank's late-response share and a region's disbursed amount are
bank- and region-level figures, not an enterprise's, so small-cell suppression does not hide
them; a minimum number of deadlines (or a minimum previous amount) keeps noise out.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Regulator, Role
from xinyidai.notifications.services import members_of, notify

from . import formatting
from .models import Alert, Dimension, PeriodKind
from .selectors import Period, breakdown, region_name, totals


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.000001"), ROUND_HALF_UP)


def _late_alerts(regulator: Regulator, month: Period) -> list[Alert]:
    threshold = Decimal(str(settings.OVERSIGHT_LATE_SHARE_THRESHOLD))
    minimum = int(settings.OVERSIGHT_LATE_MIN_DUE)
    out = []
    for row in breakdown(regulator.jurisdiction, month, Dimension.BANK):
        sums = row.figures.sums
        due = sums["acc_due"] + sums["dec_due"]
        late = sums["acc_late"] + sums["dec_late"]
        if due < minimum or not row.key.isdigit():
            continue
        share = _share(late, due)
        if share > threshold:
            out.append(
                Alert(
                    regulator=regulator,
                    kind=Alert.Kind.LATE_RESPONSES,
                    month=month.start,
                    region=regulator.jurisdiction,
                    bank_id=int(row.key),
                    value=share,
                    threshold=threshold,
                    detail={"bank": row.label, "due": due, "late": late},
                )
            )
    return out


def _fall_alerts(regulator: Regulator, month: Period) -> list[Alert]:
    threshold = Decimal(str(settings.OVERSIGHT_FALL_THRESHOLD))
    minimum = int(settings.OVERSIGHT_FALL_MIN_FEN)
    previous = month.previous()
    regions = [regulator.jurisdiction]
    current = {regulator.jurisdiction: totals(regulator.jurisdiction, [month])[month].sums}
    before = {regulator.jurisdiction: totals(regulator.jurisdiction, [previous])[previous].sums}
    for period, into in ((month, current), (previous, before)):
        for row in breakdown(regulator.jurisdiction, period, "region"):
            into[row.key] = row.figures.sums
            if row.key not in regions:
                regions.append(row.key)
    out = []
    for region in regions:
        was = before.get(region, {}).get("loans_fen", 0)
        now = current.get(region, {}).get("loans_fen", 0)
        if was < minimum:
            continue
        fall = _share(was - now, was)
        if fall > threshold:
            out.append(
                Alert(
                    regulator=regulator,
                    kind=Alert.Kind.DISBURSEMENT_FALL,
                    month=month.start,
                    region=region,
                    value=fall,
                    threshold=threshold,
                    detail={"previous_fen": was, "current_fen": now},
                )
            )
    return out


def alert_text(alert: Alert) -> str:
    """One sentence for the dashboard and the notification."""
    month = Period(PeriodKind.MONTH, alert.month).label
    if alert.kind == Alert.Kind.LATE_RESPONSES:
        late, due = alert.detail.get("late"), alert.detail.get("due")
        counts = ""
        if late is not None and due is not None:
            counts = _("（%(late)s/%(due)s）") % {"late": late, "due": due}
        return _(
            "%(month)s，%(bank)s在%(region)s的申请响应超时占比为%(value)s%(counts)s，"
            "超过预警阈值%(threshold)s。"
        ) % {
            "month": month,
            "bank": alert.detail.get("bank") or str(alert.bank),
            "region": region_name(alert.region),
            "value": formatting.percent(alert.value),
            "counts": counts,
            "threshold": formatting.percent(alert.threshold),
        }
    return _(
        "%(month)s，%(region)s放款金额为%(now)s，较上月%(was)s下降%(value)s，"
        "超过预警阈值%(threshold)s。"
    ) % {
        "month": month,
        "region": region_name(alert.region),
        "now": formatting.wan(Decimal(alert.detail.get("current_fen", 0)) / 100),
        "was": formatting.wan(Decimal(alert.detail.get("previous_fen", 0)) / 100),
        "value": formatting.percent(alert.value),
        "threshold": formatting.percent(alert.threshold),
    }


@transaction.atomic
def alerts_evaluate(
    *, month: Period | None = None, regulators: Iterable[Regulator] | None = None
) -> list[Alert]:
    """Raise the alerts of ``month`` (default: the last complete month) for every regulator;
    returns the alerts raised now (those already raised are not raised or sent again)."""
    month = month or Period.current(PeriodKind.MONTH).previous()
    chosen = (
        regulators
        if regulators is not None
        else Regulator.objects.select_related("organization").order_by("pk")
    )
    raised: list[Alert] = []
    for regulator in chosen:
        for alert in _late_alerts(regulator, month) + _fall_alerts(regulator, month):
            stored, created = Alert.objects.get_or_create(
                regulator=regulator,
                kind=alert.kind,
                month=alert.month,
                region=alert.region,
                bank_id=alert.bank_id,
                defaults={
                    "value": alert.value,
                    "threshold": alert.threshold,
                    "detail": alert.detail,
                },
            )
            if created:
                raised.append(stored)
                _send(regulator, stored)
    return raised


def _send(regulator: Regulator, alert: Alert) -> None:
    url = (
        reverse("oversight:dashboard")
        + "?"
        + urlencode({"period": Period(PeriodKind.MONTH, alert.month).code, "region": alert.region})
    )
    notify(
        recipients=members_of(regulator.organization, [Role.REGULATOR_ANALYST]),
        kind=f"oversight.{alert.kind}",
        title=_("监测预警：%(kind)s") % {"kind": alert.get_kind_display()},
        body=alert_text(alert),
        url=url,
        organization=regulator.organization,
    )
