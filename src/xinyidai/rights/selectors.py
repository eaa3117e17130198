"""Reads of objections, already restricted to what the asking organization may see.

An enterprise sees its own objections, a provider those on the records it delivered, the
platform operator all. The ``*_for_*`` look-ups answer None to outsiders (views turn that into
404). ``open_objection_keys`` is what the profile, the report and the API use to show a record
as "异议处理中".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field, QuerySet

from xinyidai.accounts.models import Organization
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import RECORD_MODELS, SOURCE_SPECS, Record, Source

from .models import Objection

RecordKey = tuple[str, ...]


def _objections() -> QuerySet[Objection]:
    return Objection.objects.select_related("enterprise", "source", "provider", "batch")


def _detailed(queryset: QuerySet[Objection]) -> QuerySet[Objection]:
    return queryset.select_related(
        "filed_by", "resolved_by", "correcting_batch", "previous"
    ).prefetch_related("evidence", "events__actor", "events__organization")


def objections_of_enterprise(enterprise: Enterprise) -> QuerySet[Objection]:
    """The enterprise's objections, newest first."""
    return _objections().filter(enterprise=enterprise)


def objections_for_provider(organization: Organization) -> QuerySet[Objection]:
    """The provider's queue: objections to records it delivered, nearest deadline first."""
    return _objections().filter(provider=organization).order_by("due_on", "id")


def objections_for_operator() -> QuerySet[Objection]:
    """Every objection, for the platform operator (views check the operator role)."""
    return _objections()


def objection_for_enterprise(enterprise: Enterprise, pk: int) -> Objection | None:
    return _detailed(objections_of_enterprise(enterprise)).filter(pk=pk).first()


def objection_for_provider(organization: Organization, pk: int) -> Objection | None:
    return _detailed(objections_for_provider(organization)).filter(pk=pk).first()


def objection_for_operator(pk: int) -> Objection | None:
    return _detailed(objections_for_operator()).filter(pk=pk).first()


def open_objection_keys(usccs: Iterable[str]) -> dict[str, set[tuple[str, RecordKey]]]:
    """For each enterprise (by USCC) with open objections: {(source code, record key tuple)}.

    The key tuple holds the key's values as text in the catalogue's key order (dates ISO), as
    ``record_key_tuple`` gives for a record row. Enterprises without open objections are absent.
    """
    rows = Objection.objects.filter(
        enterprise__uscc__in=list(usccs), state__in=Objection.OPEN_STATES
    ).values_list("enterprise__uscc", "source_id", "record_key")
    keys: dict[str, set[tuple[str, RecordKey]]] = {}
    for uscc, source_code, record_key in rows:
        names = SOURCE_SPECS[source_code].key
        keys.setdefault(uscc, set()).add((source_code, tuple(record_key[n] for n in names)))
    return keys


def under_objection_entries(usccs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """``open_objection_keys`` in the form of ``LendingProfile.under_objection``, the list the
    API returns and ``consent.report.Objections`` reads: a monthly source's record by its
    ``period`` ("YYYY-MM"), a yearly one by ``year``, any other by its ``key``."""
    entries: dict[str, list[dict[str, Any]]] = {}
    for uscc, pairs in open_objection_keys(usccs).items():
        listed: list[dict[str, Any]] = []
        for code, values in sorted(pairs):
            spec = SOURCE_SPECS[code]
            named = dict(zip(spec.key, values, strict=True))
            entry: dict[str, Any] = {"source": code}
            if spec.period_column:
                entry["period"] = named[spec.period_column][:7]
            elif "year" in named:
                entry["year"] = int(named["year"])
            else:
                entry["key"] = named
            if entry not in listed:  # e.g. two utilities of one month
                listed.append(entry)
        entries[uscc] = listed
    return entries


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def record_key_tuple(source_code: str, record: Record | Mapping[str, Any]) -> RecordKey:
    """The key of a record row (a model instance or a dict of its columns) as compared with
    ``open_objection_keys``."""
    names = SOURCE_SPECS[source_code].key
    if isinstance(record, Mapping):
        return tuple(_text(record[name]) for name in names)
    return tuple(_text(getattr(record, name)) for name in names)


def record_key_normalized(source: Source, record_key: Mapping[str, Any]) -> dict[str, str] | None:
    """The key with exactly the source's key columns, each value in its canonical text form;
    None if a column is missing or extra or a value is not valid for its column."""
    names = SOURCE_SPECS[source.code].key
    if set(record_key) != set(names):
        return None
    model = RECORD_MODELS[source.code]
    key: dict[str, str] = {}
    for name in names:
        raw = record_key[name]
        if raw is None or str(raw).strip() == "":
            return None
        field = model._meta.get_field(name)
        assert isinstance(field, Field)  # noqa: S101 (a key column, never a relation)
        try:
            value = field.to_python(str(raw).strip())
        except ValidationError:
            return None
        key[name] = _text(value)
    return key


def current_record(source: Source, record_key: Mapping[str, str]) -> Record | None:
    """The current version of the record with this (normalized) key, or None."""
    model = RECORD_MODELS[source.code]
    return (
        model._default_manager.filter(is_current=True, **dict(record_key))
        .select_related("batch__provider")
        .first()
    )
