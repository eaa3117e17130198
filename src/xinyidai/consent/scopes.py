"""What an authorization's data scopes cover in a lending profile.

A scope names whole sections; a section a grant does not cover is absent from what the bank
receives (not blank). The score's reasons cite the data behind them, so a reason is kept only
when every scope its feature draws on is granted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    REGISTRATION = "registration", _("登记注册信息")
    TAX = "tax", _("纳税信息")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险信息")
    HOUSING_FUND = "housing_fund", _("住房公积金信息")
    UTILITIES = "utilities", _("水电气信息")
    PUBLIC_CREDIT = "public_credit", _("公共信用信息")
    LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人个人信息")


# The profile's per-source entries (``LendingProfile.sources``) by scope.
SOURCES_BY_SCOPE: dict[str, tuple[str, ...]] = {
    Scope.REGISTRATION: ("registration",),
    Scope.TAX: ("tax_monthly", "tax_credit_grade"),
    Scope.SOCIAL_INSURANCE: ("social_insurance_monthly",),
    Scope.HOUSING_FUND: ("housing_fund_monthly",),
    Scope.UTILITIES: ("utilities_monthly",),
    Scope.PUBLIC_CREDIT: (
        "admin_licence",
        "admin_penalty",
        "dishonest_debtor",
        "abnormal_operation",
        "serious_dishonesty",
        "red_list",
    ),
}

# Feature-name prefixes and the scopes the feature draws on (longest prefix wins).
_FEATURE_SCOPES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    sorted(
        (
            ("tax_", frozenset({Scope.TAX})),
            ("declared_sales_", frozenset({Scope.TAX})),
            ("cit_", frozenset({Scope.TAX})),
            ("si_", frozenset({Scope.SOCIAL_INSURANCE})),
            ("si_headcount_to_employees", frozenset({Scope.SOCIAL_INSURANCE, Scope.REGISTRATION})),
            ("hf_", frozenset({Scope.HOUSING_FUND})),
            ("hf_to_si_headcount", frozenset({Scope.HOUSING_FUND, Scope.SOCIAL_INSURANCE})),
            ("electricity_", frozenset({Scope.UTILITIES})),
            ("electricity_per_employee", frozenset({Scope.UTILITIES, Scope.REGISTRATION})),
            ("water_", frozenset({Scope.UTILITIES})),
            ("utilities_", frozenset({Scope.UTILITIES})),
            ("penalty_", frozenset({Scope.PUBLIC_CREDIT})),
            ("has_penalty", frozenset({Scope.PUBLIC_CREDIT})),
            ("months_since_", frozenset({Scope.PUBLIC_CREDIT})),
            ("admin_penalty", frozenset({Scope.PUBLIC_CREDIT})),
            ("dishonest_debtor", frozenset({Scope.PUBLIC_CREDIT})),
            ("has_dishonest", frozenset({Scope.PUBLIC_CREDIT})),
            ("abnormal_operation", frozenset({Scope.PUBLIC_CREDIT})),
            ("serious_dishonesty", frozenset({Scope.PUBLIC_CREDIT})),
            ("red_list", frozenset({Scope.PUBLIC_CREDIT})),
            ("age_years", frozenset({Scope.REGISTRATION})),
            ("log_", frozenset({Scope.REGISTRATION})),
            ("registration_", frozenset({Scope.REGISTRATION})),
            ("region_", frozenset({Scope.REGISTRATION})),
            ("industry_", frozenset({Scope.REGISTRATION})),
            ("sme_", frozenset({Scope.REGISTRATION})),
        ),
        key=lambda item: -len(item[0]),
    )
)


def feature_scopes(feature: str) -> frozenset[str]:
    """The scopes a feature draws on; an unknown feature needs every scope (never leaks)."""
    for prefix, scopes in _FEATURE_SCOPES:
        if feature.startswith(prefix):
            return scopes
    return frozenset(Scope.values)


def _window(entry: dict[str, Any], months: int) -> dict[str, Any]:
    """A monthly source's entry cut to its last ``months`` months."""
    series = entry.get("series")
    if not isinstance(series, dict):
        return entry
    return {**entry, "series": {k: (v or [])[-months:] for k, v in series.items()}}


def profile_sections(
    profile: Any, scopes: Iterable[str], *, history_months: int | None = None
) -> dict[str, Any]:
    """The parts of a lending profile that ``scopes`` cover, monthly series and events cut to
    the last ``history_months`` months; nothing else is in the result."""
    granted = set(scopes)
    months = list(profile.registration.get("months", []))
    window = len(months) if history_months is None else min(history_months, len(months))
    sources = {
        code: _window(profile.sources[code], window)
        for scope in Scope.values
        if scope in granted
        for code in SOURCES_BY_SCOPE.get(scope, ())
        if code in profile.sources
    }
    first_month = months[-window] if window else ""
    result: dict[str, Any] = {
        "enterprise": {
            "uscc": profile.registration.get("uscc"),
            "name": profile.registration.get("name"),
        },
        "profile": {
            "version": profile.version,
            "as_of": profile.as_of.isoformat(),
            "built_at": profile.built_at.isoformat(),
            "grade": profile.grade,
            "probability": str(profile.probability) if profile.probability is not None else None,
            "model": (
                f"{profile.scoring_model.purpose}-v{profile.scoring_model.version}"
                if profile.scoring_model_id
                else None
            ),
            "reasons": [
                r for r in profile.reasons if feature_scopes(str(r.get("feature", ""))) <= granted
            ],
        },
        "months": months[-window:] if window else [],
        "sources": sources,
        "scopes": [s for s in Scope.values if s in granted],
    }
    personal = Scope.LEGAL_REPRESENTATIVE in granted
    if Scope.REGISTRATION in granted:
        result["registration"] = {
            k: v
            for k, v in profile.registration.items()
            if k not in ("months", "legal_representative")
        }
        record = (sources.get("registration") or {}).get("record")
        if record and not personal:  # the department's row names the legal representative
            sources["registration"] = {
                **sources["registration"],
                "record": {k: v for k, v in record.items() if not k.startswith("legal_rep")},
            }
    if Scope.PUBLIC_CREDIT in granted:
        result["events"] = [
            e for e in profile.events if not first_month or str(e.get("date") or "") >= first_month
        ]
        result["flags"] = profile.flags
    # Records under objection, for every granted source (marked wherever they are shown).
    result["under_objection"] = [
        o for o in (profile.under_objection or []) if o.get("source") in sources
    ]
    if personal:
        result["legal_representative"] = profile.registration.get("legal_representative", {})
    return result
