"""What the rights processes change in the lending profile, applied to a chunk's records.

The profile build (``profiles.services.profiles_build_chunk``) reads the current records of a
chunk of enterprises (``profiles.reading.source_frames``) and, before fusing them into features
and content, passes them through ``chunk_effects``. One query per process for the whole chunk,
and vectorized pandas on the frames:

- **Credit repair.** An administrative penalty whose repair is approved (and not restored) as
  of the build date leaves the ``admin_penalty`` frame: it no longer counts in the features,
  the score, the profile, the bank's report and the API. The record itself stays in the record
  table and its history.
- **Retention of negative records.** A negative record whose event ended more than
  ``NEGATIVE_RECORD_RETENTION_YEARS[source]`` years before the build date leaves the frame too.
  The event ends on a penalty's fulfilment (or its decision, if never fulfilled) and on a
  listing's removal; a listing never removed has not ended and stays.
- **Lists.** An entry mirrored from provider data and ended on the platform (exit approved,
  early end) is ended in the frame as well (``removed_on`` / ``valid_until`` set to its end), so
  the features and the flags no longer see it listed. An operator's designation of the
  serious-dishonesty list or the red list is added to that source's frame as one more record (if
  the source is delivered at all), so the model and the profile see it like the department's
  own. ``flags`` gains ``key_attention`` (from the platform's designations only), and the
  serious-dishonesty and red-list flags also count active designations.
- **Commitments.** A breached credit commitment is a public-credit event of the profile
  (``source`` ``credit_commitment``), kept for the retention period of ``commitment_breach``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext as _

from xinyidai.sources.models import SOURCE_SPECS

from .models import Commitment, ListEntry, RepairApplication
from .models.lists import ListKind

BREACH_SOURCE = "credit_commitment"
PENALTY_SOURCE = "admin_penalty"
# The column where each negative source's event ends (a missing value: not ended), and the one
# to fall back on when it is empty but the event is over by nature (a penalty decided).
_ENDS: dict[str, tuple[str, str | None]] = {
    "admin_penalty": ("fulfilled_on", "decided_on"),
    "dishonest_debtor": ("removed_on", None),
    "abnormal_operation": ("removed_on", None),
    "serious_dishonesty": ("removed_on", None),
}
# Provider-mirrored lists: the source, and the column that ends the record's effect.
_LIST_SOURCES: dict[str, tuple[str, str]] = {
    ListKind.SERIOUS_DISHONESTY: ("serious_dishonesty", "removed_on"),
    ListKind.RED: ("red_list", "valid_until"),
}

# The profile's flag each list sets (the red list's flag is "a valid honour").
LIST_FLAG_OF_KIND: dict[str, str] = {
    ListKind.RED: "red_list",
    ListKind.SERIOUS_DISHONESTY: "serious_dishonesty",
    ListKind.KEY_ATTENTION: "key_attention",
}


@dataclass
class ChunkEffects:
    """The chunk's frames as the profile may use them, and what the processes add to it."""

    frames: dict[str, pd.DataFrame]
    # uscc → extra public-credit events (commitment breaches), in the profile's event form.
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # uscc → list flags set by the platform's designations (merged into the profile's flags).
    flags: dict[str, dict[str, bool]] = field(default_factory=dict)
    # What was taken out, for the tests and the logs: source → number of records.
    removed: dict[str, int] = field(default_factory=dict)


def retention_cutoff(source: str, as_of: dt.date) -> dt.date | None:
    """Records of ``source`` whose event ended before this day no longer count."""
    years = settings.NEGATIVE_RECORD_RETENTION_YEARS.get(source)
    if not years:
        return None
    return as_of - relativedelta(years=years)


def chunk_effects(
    frames: Mapping[str, pd.DataFrame], usccs: Sequence[str], as_of: dt.date
) -> ChunkEffects:
    """Apply repairs, retention, list decisions and commitment breaches to a chunk's frames."""
    result = ChunkEffects(frames=dict(frames))
    _apply_repairs(result, usccs, as_of)
    _apply_lists(result, usccs, as_of)
    _apply_retention(result, as_of)
    _add_breaches(result, usccs, as_of)
    return result


# --------------------------------------------------------------------------- repair


def repaired_keys(usccs: Sequence[str], as_of: dt.date) -> set[tuple[str, str]]:
    """(uscc, decision number) of penalties whose repair is in effect on ``as_of``."""
    rows = RepairApplication.objects.filter(
        enterprise__uscc__in=list(usccs),
        state=RepairApplication.State.APPROVED,
        source_id=PENALTY_SOURCE,
        repaired_on__lte=as_of,
    ).values_list("enterprise__uscc", "record_key")
    return {(uscc, str(key.get("decision_number", ""))) for uscc, key in rows}


def _apply_repairs(result: ChunkEffects, usccs: Sequence[str], as_of: dt.date) -> None:
    frame = result.frames.get(PENALTY_SOURCE)
    if frame is None or frame.empty:
        return
    repaired = repaired_keys(usccs, as_of)
    if not repaired:
        return
    index = pd.MultiIndex.from_tuples(sorted(repaired), names=["uscc", "decision_number"])
    keys = pd.MultiIndex.from_arrays(
        [frame["uscc"].astype(str), frame["decision_number"].astype(str)]
    )
    drop = keys.isin(index)
    if drop.any():
        result.frames[PENALTY_SOURCE] = frame.loc[~drop].reset_index(drop=True)
        result.removed["repaired"] = int(drop.sum())


# --------------------------------------------------------------------------- retention


def _apply_retention(result: ChunkEffects, as_of: dt.date) -> None:
    for code, (end_column, fallback) in _ENDS.items():
        frame = result.frames.get(code)
        cutoff = retention_cutoff(code, as_of)
        if frame is None or frame.empty or cutoff is None:
            continue
        ended = pd.to_datetime(frame[end_column])
        if fallback is not None:
            ended = ended.fillna(pd.to_datetime(frame[fallback]))
        expired = (ended < pd.Timestamp(cutoff)).to_numpy(dtype=bool)  # NaT: not ended
        if expired.any():
            result.frames[code] = frame.loc[~expired].reset_index(drop=True)
            result.removed[f"retention:{code}"] = int(expired.sum())


# --------------------------------------------------------------------------- lists


def _apply_lists(result: ChunkEffects, usccs: Sequence[str], as_of: dt.date) -> None:
    entries = list(
        ListEntry.objects.filter(uscc__in=list(usccs), listed_on__lte=as_of)
        .exclude(origin=ListEntry.Origin.PROVIDER, state=ListEntry.State.ACTIVE)
        .values(
            "kind",
            "origin",
            "uscc",
            "source_id",
            "record_key",
            "list_name",
            "basis",
            "document_number",
            "authority",
            "listed_on",
            "expires_on",
            "state",
            "ended_on",
        )
        .order_by("pk")
    )
    if not entries:
        return
    added: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ended: dict[str, list[tuple[tuple[str, ...], dt.date]]] = defaultdict(list)
    for entry in entries:
        end = _entry_end(entry)
        in_effect = end is None or end >= as_of
        if entry["origin"] == ListEntry.Origin.OPERATOR:
            if in_effect:
                result.flags.setdefault(entry["uscc"], {})[entry["kind"]] = True
            if entry["kind"] in _LIST_SOURCES:
                added[entry["kind"]].append({**entry, "end": end})
        elif end is not None and entry["kind"] in _LIST_SOURCES:
            spec = SOURCE_SPECS[_LIST_SOURCES[entry["kind"]][0]]
            record_key = entry["record_key"] or {}
            key = tuple(str(record_key.get(name, "")) for name in spec.key)  # jsonb: no order
            ended[entry["kind"]].append((key, end))
    for kind, ends in ended.items():
        code, column = _LIST_SOURCES[kind]
        frame = result.frames.get(code)
        if frame is None or frame.empty:
            continue
        result.frames[code] = _end_records(frame, code, column, ends)
    for kind, designations in added.items():
        code, _column = _LIST_SOURCES[kind]
        frame = result.frames.get(code)
        if frame is None:
            continue  # the source is not delivered: the flag alone says it
        result.frames[code] = pd.concat(
            [frame, _designation_rows(code, designations, frame)], ignore_index=True
        )


def _entry_end(entry: Mapping[str, Any]) -> dt.date | None:
    """The last day the entry was in effect (None: open-ended and active)."""
    if entry["state"] != ListEntry.State.ACTIVE:
        return entry["ended_on"] or entry["expires_on"]
    return entry["expires_on"]


def _end_records(
    frame: pd.DataFrame, code: str, column: str, items: list[tuple[tuple[str, ...], dt.date]]
) -> pd.DataFrame:
    """Set ``column`` to the platform's end date on the mirrored records (if it is earlier)."""
    spec = SOURCE_SPECS[code]
    frame = frame.copy()
    text = [
        frame[name].dt.strftime("%Y-%m-%d")
        if pd.api.types.is_datetime64_any_dtype(frame[name])
        else frame[name].astype(str)
        for name in spec.key
    ]
    keys = pd.MultiIndex.from_arrays(text)
    ends = pd.Series(
        [pd.Timestamp(end) for _key, end in items],
        index=pd.MultiIndex.from_tuples([key for key, _end in items]),
    )
    ends = ends[~ends.index.duplicated(keep="last")]
    position = ends.index.get_indexer(keys)
    hit = position >= 0
    if hit.any():
        new_end = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
        new_end[hit] = ends.to_numpy()[position[hit]]
        current = pd.to_datetime(frame[column]).astype("datetime64[s]")
        earlier = hit & ~(current <= new_end).to_numpy(dtype=bool)
        frame.loc[earlier, column] = new_end[earlier]
    return frame


def _designation_rows(code: str, items: list[dict[str, Any]], frame: pd.DataFrame) -> pd.DataFrame:
    """The platform's designations as records of the source the department would deliver."""
    if code == "serious_dishonesty":
        rows = {
            "uscc": [i["uscc"] for i in items],
            "list_name": [i["list_name"] or str(_("严重失信主体名单")) for i in items],
            "listed_on": [i["listed_on"] for i in items],
            "removed_on": [i["end"] for i in items],
            "authority": [i["authority"] for i in items],
            "reason": [_basis(i) for i in items],
        }
    else:
        rows = {
            "uscc": [i["uscc"] for i in items],
            "honour_name": [i["list_name"] or str(_("守信激励对象")) for i in items],
            "awarded_on": [i["listed_on"] for i in items],
            "valid_until": [i["end"] for i in items],
            "authority": [i["authority"] for i in items],
        }
    added = pd.DataFrame(rows)
    for name in added.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            added[name] = pd.to_datetime(added[name]).astype(frame[name].dtype)
        else:
            added[name] = added[name].astype(object)
    return added[[c for c in frame.columns if c in added.columns]]


def _basis(item: Mapping[str, Any]) -> str:
    number = item["document_number"]
    return f"{item['basis']}（{number}）" if number else str(item["basis"])


# --------------------------------------------------------------------------- commitments


def _add_breaches(result: ChunkEffects, usccs: Sequence[str], as_of: dt.date) -> None:
    cutoff = retention_cutoff("commitment_breach", as_of)
    rows = Commitment.objects.filter(
        enterprise__uscc__in=list(usccs),
        state=Commitment.State.BREACHED,
        breached_on__lte=as_of,  # the platform's own decision: seen from the day it is made
    )
    if cutoff is not None:
        rows = rows.filter(breached_on__gte=cutoff)
    name = str(_("信用承诺违约"))
    labels = {
        "kind": str(_("承诺类型")),
        "title": str(_("承诺书")),
        "subject": str(_("承诺事项")),
        "signed_on": str(_("签署日期")),
        "authority": str(_("认定部门")),
        "document_number": str(_("认定文书号")),
        "note": str(_("违约情形")),
    }
    for commitment in rows.select_related("enterprise", "template").order_by("breached_on", "pk"):
        breached_on: dt.date = commitment.breached_on  # type: ignore[assignment]
        details = {
            labels["kind"]: str(commitment.get_kind_display()),
            labels["title"]: commitment.template.title,
            labels["subject"]: commitment.subject,
            labels["signed_on"]: commitment.signed_at.date().isoformat(),
            labels["authority"]: commitment.breach_authority,
            labels["document_number"]: commitment.breach_document_number or None,
            labels["note"]: commitment.breach_note,
        }
        result.events.setdefault(commitment.enterprise.uscc, []).append(
            {
                "source": BREACH_SOURCE,
                "source_name": name,
                "date": breached_on.isoformat(),
                "key": {"commitment": commitment.pk},
                "in_force": None,
                "details": details,
            }
        )


# --------------------------------------------------------------------------- rebuilds


def profile_refresh(usccs: Sequence[str], *, actor: Any = None) -> None:
    """Rebuild the profiles of these enterprises (the registered ones) so they follow a repair,
    a list decision or a breach. The rebuild is recorded in the caller's transaction and its
    task enqueued once that commits (``profiles_rebuild_start``)."""
    from xinyidai.profiles.models import LendingProfile, ProfileRebuild
    from xinyidai.profiles.services import profiles_rebuild_start
    from xinyidai.registry.models import Enterprise

    wanted = sorted({str(u) for u in usccs if u})
    registered = list(
        Enterprise.objects.filter(uscc__in=wanted).order_by("uscc").values_list("uscc", flat=True)
    )
    if not registered:
        return
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.RIGHTS,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        usccs=registered,
    )


# --------------------------------------------------------------------------- by the calendar


def _retention_window(code: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """End dates that leave the profile today: from yesterday's cutoff up to today's."""
    low = retention_cutoff(code, today - dt.timedelta(days=1))
    high = retention_cutoff(code, today)
    return None if low is None or high is None or low >= high else (low, high)


def usccs_changing_on(today: dt.date) -> set[str]:
    """Subjects whose profile changes by the calendar today: a designation that starts counting
    or ends, a negative record or a breach leaving at the end of its retention period."""
    from django.db import connection
    from django.db.models import Q

    yesterday = today - dt.timedelta(days=1)
    usccs = set(
        ListEntry.objects.filter(
            Q(listed_on=yesterday) | Q(expires_on=yesterday) | Q(ended_on=yesterday)
        ).values_list("uscc", flat=True)
    )
    window = _retention_window("commitment_breach", today)
    if window is not None:
        usccs |= set(
            Commitment.objects.filter(
                state=Commitment.State.BREACHED,
                breached_on__gte=window[0],
                breached_on__lt=window[1],
            ).values_list("enterprise__uscc", flat=True)
        )
    for code, (end_column, fallback) in _ENDS.items():
        window = _retention_window(code, today)
        if window is None:
            continue
        ended = f'COALESCE("{end_column}", "{fallback}")' if fallback else f'"{end_column}"'
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT DISTINCT uscc FROM "records_{code}" '  # noqa: S608 (names from the catalogue)
                f"WHERE is_current AND {ended} >= %s AND {ended} < %s",
                [window[0], window[1]],
            )
            usccs |= {row[0] for row in cursor.fetchall()}
    return usccs


def effects_daily(today: dt.date | None = None) -> dict[str, int]:
    """Rebuild, in one rebuild, the profiles that the calendar changes today (beat: 00:15)."""
    from django.utils import timezone

    day = today or timezone.localdate()
    usccs = sorted(usccs_changing_on(day))
    if usccs:
        profile_refresh(usccs)
    return {"enterprises": len(usccs)}
