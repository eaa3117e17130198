"""What a lending profile says, built for a whole chunk of enterprises at once.

Monthly series are placed on one (enterprise x month) grid per measure with numpy and turned
into lists in one call per measure; events are grouped by enterprise once per source. The
only loop over enterprises assembles each one's document from those prepared pieces.

A source that was never delivered is ``missing`` (the profile says so rather than guessing);
a monthly source without any month in the last twelve for an enterprise is ``missing`` for
that enterprise, with the months it does have still charted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from risk_models.catalogue import SOURCES_BY_CODE, Dtype
from risk_models.features import latest_grade_year
from risk_models.standards.industries import industry_display
from risk_models.standards.regions import region_display

SERIES_MONTHS = 36


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    columns: tuple[str, ...]  # summed
    utility: str | None = None


# What the profile charts, per monthly source (labels shown on the page, in Chinese).
MEASURES: dict[str, tuple[Measure, ...]] = {
    "tax_monthly": (
        Measure("tax_paid", "实缴税款", "元", ("vat_paid", "cit_paid", "other_tax_paid")),
        Measure("declared_sales", "申报销售额", "元", ("declared_sales",)),
        Measure("arrears_amount", "欠税金额", "元", ("arrears_amount",)),
    ),
    "social_insurance_monthly": (
        Measure("insured_headcount", "参保人数", "人", ("insured_headcount",)),
        Measure("amount_paid", "社保缴费", "元", ("amount_paid",)),
        Measure("arrears_months", "欠缴月数", "月", ("arrears_months",)),
    ),
    "housing_fund_monthly": (
        Measure("contributors", "公积金缴存人数", "人", ("contributors",)),
        Measure("amount_paid", "公积金缴存额", "元", ("amount_paid",)),
    ),
    "utilities_monthly": (
        Measure("electricity", "用电量", "千瓦时", ("consumption",), "electricity"),
        Measure("water", "用水量", "立方米", ("consumption",), "water"),
        Measure("gas", "用气量", "立方米", ("consumption",), "gas"),
        Measure("amount_paid", "水电气缴费", "元", ("amount_paid",)),
        Measure("arrears_amount", "水电气欠费", "元", ("arrears_amount",)),
    ),
}

# Event sources: the date that places each record, and whether it can still be "in force".
EVENT_DATES: dict[str, str] = {
    "admin_licence": "issued_on",
    "admin_penalty": "decided_on",
    "dishonest_debtor": "listed_on",
    "abnormal_operation": "listed_on",
    "serious_dishonesty": "listed_on",
    "red_list": "awarded_on",
}
LIST_FLAGS: dict[str, str] = {
    "dishonest_debtor": "dishonest_debtor_listed",
    "abnormal_operation": "abnormal_operation_listed",
    "serious_dishonesty": "serious_dishonesty_listed",
}


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def series_months(as_of: dt.date) -> list[str]:
    """The 36 months charted: those ended before ``as_of``'s month, oldest first."""
    last = month_index(as_of) - 1
    return [_month(i) for i in range(last - SERIES_MONTHS + 1, last + 1)]


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() else round(number, 3)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if pd.isna(value):
        return None
    return str(value)


def _lists(matrix: np.ndarray) -> list[list[Any]]:
    """Rows of a float matrix as JSON lists: NaN as None, whole numbers as int."""
    rounded = np.round(matrix, 3)
    rows: list[list[Any]] = rounded.tolist()
    return [[None if v != v else (int(v) if v.is_integer() else v) for v in row] for row in rows]


class ChunkContent:
    """Documents for the enterprises of one chunk (``enterprises`` in order)."""

    def __init__(
        self,
        *,
        enterprises: pd.DataFrame,
        frames: Mapping[str, pd.DataFrame],
        features: pd.DataFrame,
        as_of: dt.date,
    ) -> None:
        self.enterprises = enterprises
        self.frames = frames
        self.features = features
        self.as_of = as_of
        self.index = pd.Index(enterprises["uscc"].to_numpy(), name="uscc")
        self.n = len(self.index)
        self.months = series_months(as_of)
        self._monthly = {code: self._monthly_source(code) for code in MEASURES}
        self._events = {code: self._event_source(code) for code in EVENT_DATES}
        self._grades = self._tax_grades()
        self._registration = self._registration_records()
        self._rows = enterprises.to_dict("records")
        self._flags = {
            code: features[feature].to_numpy(dtype=np.float64).tolist()
            for code, feature in {**LIST_FLAGS, "red_list": "red_list_valid_count"}.items()
        }

    # ------------------------------------------------------------------ monthly sources

    def _monthly_source(self, code: str) -> dict[str, Any] | None:
        frame = self.frames.get(code)
        if frame is None:
            return None
        last = month_index(self.as_of) - 1
        first = last - SERIES_MONTHS + 1
        periods = pd.to_datetime(frame["period"]).to_numpy().astype("datetime64[M]")
        months = periods.astype(np.int64) + 1970 * 12
        rows = self.index.get_indexer(frame["uscc"])
        keep = (rows >= 0) & (months >= first) & (months <= last)
        rows, cols = rows[keep], (months[keep] - first).astype(np.int64)
        seen = np.zeros((self.n, SERIES_MONTHS), dtype=bool)
        seen[rows, cols] = True
        series: dict[str, list[list[Any]]] = {}
        latest_values: dict[str, np.ndarray] = {}
        totals: dict[str, np.ndarray] = {}
        for measure in MEASURES[code]:
            values = np.zeros(int(keep.sum()))
            for column in measure.columns:
                values = values + frame[column].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
            grid = np.full((self.n, SERIES_MONTHS), np.nan)
            if measure.utility is not None:
                chosen = (frame["utility"] == measure.utility).to_numpy(dtype=bool)[keep]
                grid[rows[chosen], cols[chosen]] = values[chosen]
            elif code == "utilities_monthly":  # water, electricity and gas added up
                grid[rows, cols] = 0.0
                np.add.at(grid, (rows, cols), np.nan_to_num(values))
            else:
                grid[rows, cols] = values
            series[measure.key] = _lists(grid)
            present = ~np.isnan(grid)
            last_col = np.where(
                present.any(axis=1), SERIES_MONTHS - 1 - np.argmax(present[:, ::-1], axis=1), -1
            )
            latest_values[measure.key] = np.where(
                last_col >= 0, grid[np.arange(self.n), np.maximum(last_col, 0)], np.nan
            )
            totals[measure.key] = np.where(
                present[:, -12:].any(axis=1), np.nansum(grid[:, -12:], axis=1), np.nan
            )
        latest = np.where(
            seen.any(axis=1), SERIES_MONTHS - 1 - np.argmax(seen[:, ::-1], axis=1), -1
        )
        return {
            "series": series,
            "months_12m": seen[:, -12:].sum(axis=1),
            "latest": latest,
            "latest_values": latest_values,
            "totals": totals,
        }

    def _monthly_entry(self, code: str, row: int) -> dict[str, Any]:
        spec = SOURCES_BY_CODE[code]
        entry: dict[str, Any] = {"name": spec.name, "kind": "monthly"}
        data = self._monthly[code]
        if data is None:
            entry.update(delivered=False, missing=True, months_12m=0, coverage_12m=0.0)
            return entry
        months_12m = int(data["months_12m"][row])
        latest = int(data["latest"][row])
        entry.update(
            delivered=True,
            missing=months_12m == 0,
            months_12m=months_12m,
            coverage_12m=round(months_12m / 12, 4),
            latest_period=self.months[latest] if latest >= 0 else None,
            measures=[
                {
                    "key": m.key,
                    "label": m.label,
                    "unit": m.unit,
                    "latest": _json_value(data["latest_values"][m.key][row]),
                    "total_12m": _json_value(data["totals"][m.key][row]),
                }
                for m in MEASURES[code]
            ],
            series={m.key: data["series"][m.key][row] for m in MEASURES[code]},
        )
        return entry

    # ------------------------------------------------------------------ events

    def _event_source(self, code: str) -> dict[int, list[dict[str, Any]]] | None:
        frame = self.frames.get(code)
        if frame is None:
            return None
        spec = SOURCES_BY_CODE[code]
        date_column = EVENT_DATES[code]
        dates = pd.to_datetime(frame[date_column])
        rows = self.index.get_indexer(frame["uscc"])
        keep = (rows >= 0) & (dates < pd.Timestamp(self.as_of)).to_numpy(dtype=bool)
        kept = frame.loc[keep]
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        labels = {c.name: c.label for c in spec.columns}
        choice_labels = {c.name: dict(c.choices) for c in spec.columns if c.dtype is Dtype.CHOICE}
        as_of = pd.Timestamp(self.as_of)
        for position, record in zip(rows[keep], kept.to_dict("records"), strict=True):
            details = {}
            for name, value in record.items():
                if name == "uscc":
                    continue
                shown = _json_value(value)
                if name in choice_labels and shown is not None:
                    shown = choice_labels[name].get(shown, shown)
                details[labels[name]] = shown
            in_force: bool | None = None  # a penalty or licence decision is not "listed"
            if "removed_on" in record or "valid_until" in record:
                ended = record.get("removed_on", record.get("valid_until"))
                in_force = ended is None or pd.isna(ended) or pd.Timestamp(ended) >= as_of
            grouped[int(position)].append(
                {
                    "source": code,
                    "source_name": spec.name,
                    "date": _json_value(record[date_column]),
                    "key": {k: _json_value(record[k]) for k in spec.key},
                    "in_force": in_force,
                    "details": details,
                }
            )
        return grouped

    def _tax_grades(self) -> dict[int, list[dict[str, Any]]] | None:
        frame = self.frames.get("tax_credit_grade")
        if frame is None:
            return None
        usable = latest_grade_year(self.as_of)
        rows = self.index.get_indexer(frame["uscc"])
        years = frame["year"].to_numpy(dtype=np.float64, na_value=np.nan)
        keep = (rows >= 0) & (years <= usable)
        table = pd.DataFrame(
            {"row": rows[keep], "year": years[keep], "grade": frame["grade"].to_numpy()[keep]}
        ).sort_values(["row", "year"], ascending=[True, False])
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row, year, grade in table.itertuples(index=False):
            grouped[int(row)].append({"year": int(year), "grade": str(grade)})
        return grouped

    def _registration_records(self) -> dict[int, dict[str, Any]] | None:
        frame = self.frames.get("registration")
        if frame is None:
            return None
        dates = pd.to_datetime(frame["changed_on"])
        rows = self.index.get_indexer(frame["uscc"])
        keep = (rows >= 0) & (dates < pd.Timestamp(self.as_of)).to_numpy(dtype=bool)
        kept = frame.loc[keep].assign(_row=rows[keep]).sort_values(["_row", "changed_on"])
        latest = kept.drop_duplicates("_row", keep="last")
        return {
            int(record.pop("_row")): {k: _json_value(v) for k, v in record.items() if k != "uscc"}
            for record in latest.to_dict("records")
        }

    # ------------------------------------------------------------------ documents

    def document(self, row: int) -> dict[str, Any]:
        """Everything but the score: registration, sources, events and list flags."""
        enterprise = self._rows[row]
        sources: dict[str, Any] = {}
        for code in SOURCES_BY_CODE:
            spec = SOURCES_BY_CODE[code]
            if code in MEASURES:
                sources[code] = self._monthly_entry(code, row)
            elif code in EVENT_DATES:
                grouped = self._events[code]
                count = 0 if grouped is None else len(grouped.get(row, ()))
                sources[code] = {
                    "name": spec.name,
                    "kind": "events",
                    "delivered": grouped is not None,
                    "missing": grouped is None,
                    "records": count,
                }
            elif code == "tax_credit_grade":
                grades = self._grades
                history = [] if grades is None else grades.get(row, [])
                sources[code] = {
                    "name": spec.name,
                    "kind": "yearly",
                    "delivered": grades is not None,
                    "missing": grades is None or not history,
                    "history": history,
                }
            elif code == "registration":
                records = self._registration
                record = None if records is None else records.get(row)
                sources[code] = {
                    "name": spec.name,
                    "kind": "registration",
                    "delivered": records is not None,
                    "missing": record is None,
                    "record": record,
                }
        events: list[dict[str, Any]] = []
        for grouped in self._events.values():
            if grouped is not None:
                events.extend(grouped.get(row, ()))
        events.sort(key=lambda e: (e["date"] or "", e["source"]), reverse=True)
        flags: dict[str, Any] = {}
        for code, values in self._flags.items():  # listed at as_of; red list: a valid honour
            value = values[row]
            flags[code] = None if math.isnan(value) else value > 0
        region = str(enterprise["region_code"])
        industry = str(enterprise["industry_code"])
        return {
            "registration": {
                "uscc": str(enterprise["uscc"]),
                "name": str(enterprise["name"]),
                "status": str(enterprise["status"]),
                "region_code": region,
                "region": region_display(region),
                "industry_code": industry,
                "industry": industry_display(industry),
                "size_class": str(enterprise["size_class"] or ""),
                "established_on": _json_value(enterprise["established_on"]),
                "registered_capital": _json_value(enterprise["registered_capital"]),
                "employees": _json_value(enterprise["employees"]),
            },
            "legal_representative": {"name": str(enterprise["legal_rep_name"])},
            "months": self.months,
            "sources": sources,
            "events": events,
            "flags": flags,
        }


def content_hash(document: Mapping[str, Any]) -> str:
    # Documents are built in a fixed key order, so no sorting is needed to compare them.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
