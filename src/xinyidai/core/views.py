from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case, DateField, F, Prefetch, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from xinyidai.accounts.models import Membership, Organization, Role

from .health import health_report

PANEL_ROWS = 5  # rows per workspace panel: a glance, the full list is one link away


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


# --------------------------------------------------------------------------- improvement advice

# Feature name pattern -> what the enterprise can do about it. The reasons of a profile are the
# features that raise its risk the most (``risk_models.explain``); each gets one concrete step.
_ADVICE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(tax_paid|declared_sales)_|^tax_"), "按期足额申报纳税，保持纳税额平稳增长。"),
    (re.compile(r"tax_credit_grade|tax_grade"), "依法诚信纳税，按时申报，争取更高的纳税信用等级。"),
    (re.compile(r"^si_"), "按时足额为员工缴纳社会保险，保持参保人数稳定。"),
    (re.compile(r"^hf_"), "按时为员工缴存住房公积金。"),
    (re.compile(r"^(electricity|water|utilities)"), "按时缴纳水电气费用，保持生产经营稳定。"),
    (
        re.compile(r"penalty"),
        "落实行政处罚的整改要求；符合条件的，可以申请信用修复。",
    ),
    (
        re.compile(r"dishonest_debtor|serious_dishonesty|abnormal_operation"),
        "尽快履行法定义务或纠正经营异常，满足条件后申请移出名单。",
    ),
)
_MISSING = "如数据缺失或有误，请联系数据提供部门补报，或对记录提出异议。"
_DEFAULT = "关注该项指标的变化，保持经营和缴费记录稳定。"


@dataclass(frozen=True)
class Advice:
    reason: str
    step: str
    link: str  # a URL name: where to act on it ("" when nothing to open)


def improvement_advice(reasons: list[dict[str, Any]], limit: int = 3) -> list[Advice]:
    """What would improve the profile: the top risk-raising reasons, each with one step."""
    advice = []
    for reason in reasons[:limit]:
        feature, text = str(reason.get("feature", "")), str(reason.get("text", ""))
        link = ""
        if text.startswith("缺少"):
            step, link = _MISSING, "rights:objection_list"
        else:
            step = next((s for pattern, s in _ADVICE if pattern.search(feature)), _DEFAULT)
            if "penalty" in feature:
                link = "rights:repair_home"
            elif re.search(r"dishonest|abnormal", feature):
                link = "rights:list_home"
        advice.append(Advice(reason=text, step=_(step), link=link))
    return advice


# --------------------------------------------------------------------------- panels


def _enterprise_panels(enterprise: Any) -> dict[str, Any]:
    """Needs, applications with their steps, requests, queries, objections, policies, profile:
    a fixed number of queries whatever the enterprise's history."""
    from xinyidai.consent.models import Authorization
    from xinyidai.consent.selectors import authorizations_of_enterprise, query_history
    from xinyidai.financing.models import Application, ApplicationEvent, FinancingNeed
    from xinyidai.financing.selectors import applications_of, needs_of
    from xinyidai.policies.selectors import policies_for_enterprise
    from xinyidai.profiles.selectors import profile_of
    from xinyidai.rights.models import Objection
    from xinyidai.rights.selectors import objections_of_enterprise

    steps = Prefetch("events", queryset=ApplicationEvent.objects.order_by("pk"), to_attr="steps")
    profile = profile_of(enterprise)
    return {
        "needs": list(
            needs_of(enterprise)
            .exclude(status=FinancingNeed.Status.CLOSED)
            .order_by("-id")[:PANEL_ROWS]
        ),
        "applications": list(
            applications_of(enterprise)
            .exclude(state=Application.State.DRAFT)
            .prefetch_related(steps)
            .order_by("-id")[:PANEL_ROWS]
        ),
        "pending_authorizations": list(
            authorizations_of_enterprise(enterprise)
            .filter(status=Authorization.Status.PENDING)
            .order_by("-id")[:PANEL_ROWS]
        ),
        "queries": list(query_history(enterprise)[:PANEL_ROWS]),
        "objections": list(
            objections_of_enterprise(enterprise)
            .filter(state__in=Objection.OPEN_STATES)
            .order_by("due_on", "id")[:PANEL_ROWS]
        ),
        "policies": policies_for_enterprise(enterprise, limit=PANEL_ROWS),
        "profile": profile,
        "advice": improvement_advice(list(profile.reasons or [])) if profile else [],
    }


@dataclass(frozen=True)
class Waiting:
    application: Any
    stage: str
    due: dt.date | None
    countdown: Any


def _bank_panels(membership: Membership) -> dict[str, Any]:
    """The officer's inbox (matched needs, applications owed an answer with their countdowns)
    and, for the bank's administrator, its set-up."""
    from xinyidai.financing.models import OPEN_STATES, Application
    from xinyidai.financing.selectors import (
        applications_for_bank,
        bank_of,
        branches_of,
        local_today,
        needs_matching_bank,
        products_of,
    )
    from xinyidai.financing.views_bank import STAGES, countdown
    from xinyidai.integrations.selectors import clients_of, subscriptions_of

    bank = bank_of(membership)
    if bank is None:
        return {}
    today = local_today()
    due = Case(
        When(state=Application.State.SUBMITTED, then=F("accept_due_on")),
        default=F("decision_due_on"),
        output_field=DateField(),
    )
    waiting = [
        Waiting(
            application=a,
            stage=str(STAGES.get(a.response_stage or "", "")),
            due=a.due_on,
            countdown=countdown(a.due_on, today),
        )
        for a in applications_for_bank(membership)
        .filter(state__in=list(OPEN_STATES))
        .annotate(due=due)
        .order_by(F("due").asc(nulls_last=True), "id")[:PANEL_ROWS]
    ]
    panels: dict[str, Any] = {
        "bank": bank,
        "matched_needs": needs_matching_bank(bank, limit=PANEL_ROWS, today=today),
        "waiting": waiting,
    }
    if membership.role in (Role.BANK_ADMIN, Role.BANK_PRODUCT_MANAGER):
        panels["setup"] = {
            "products": products_of(bank).count(),
            "branches": branches_of(bank).count(),
        }
        if membership.role == Role.BANK_ADMIN:
            panels["setup"]["clients"] = clients_of(bank).filter(status="active").count()
            panels["setup"]["webhooks"] = subscriptions_of(bank).count()
    return panels


def _regulator_panels() -> dict[str, Any]:
    from xinyidai.oversight.selectors import freshness

    return {"freshness": freshness()}


def _provider_panels(membership: Membership) -> dict[str, Any]:
    from xinyidai.rights.models import Objection
    from xinyidai.rights.selectors import objections_for_provider

    return {
        "provider_objections": list(
            objections_for_provider(membership.organization).filter(
                state__in=Objection.OPEN_STATES
            )[:PANEL_ROWS]
        ),
    }


def _operator_panels() -> dict[str, Any]:
    from xinyidai.financing.selectors import local_today
    from xinyidai.rights.models import ListExit, Objection, RepairApplication
    from xinyidai.rights.selectors import objections_for_operator
    from xinyidai.rights.selectors_lists import entries_for_operator, exits_for_operator
    from xinyidai.rights.selectors_repair import repairs_for_operator
    from xinyidai.sources.selectors import source_catalogue

    today = local_today()
    return {
        "sources": source_catalogue().count(),
        "repairs": list(
            repairs_for_operator().filter(state__in=RepairApplication.OPEN_STATES)[:PANEL_ROWS]
        ),
        "list_entries": entries_for_operator(state="active").count(),
        "list_exits": exits_for_operator().filter(state__in=ListExit.OPEN_STATES).count(),
        "overdue_objections": list(
            objections_for_operator()
            .filter(state__in=Objection.OPEN_STATES, due_on__lt=today)
            .order_by("due_on", "id")[:PANEL_ROWS]
        ),
    }


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The persona's landing page: what is waiting for them, each panel a few rows and a link
    to the full list, in a fixed number of queries whatever the volume."""
    from xinyidai.financing.selectors import workspace_summary
    from xinyidai.sources.selectors import batches_visible_to, is_operator

    membership = request.membership  # type: ignore[attr-defined]
    membership = membership if membership else None
    kind = membership.organization.kind if membership else None
    operator = is_operator(membership)
    enterprise = None
    context: dict[str, Any] = {"membership": membership, "is_operator": operator, "kind": kind}
    if kind == Organization.Kind.ENTERPRISE:
        enterprise = getattr(membership.organization, "enterprise", None)  # type: ignore[union-attr]
        if enterprise is not None:
            context.update(_enterprise_panels(enterprise))
    elif kind == Organization.Kind.BANK:
        context.update(_bank_panels(membership))  # type: ignore[arg-type]
    elif kind == Organization.Kind.REGULATOR:
        context.update(_regulator_panels())
    elif kind == Organization.Kind.DATA_PROVIDER:
        context.update(_provider_panels(membership))  # type: ignore[arg-type]
    if operator:
        context.update(_operator_panels())
    batches = None
    if kind == Organization.Kind.DATA_PROVIDER or operator:
        batches = list(batches_visible_to(membership)[:PANEL_ROWS])
    context.update(
        enterprise=enterprise,
        batches=batches,
        financing=workspace_summary(membership),
    )
    return render(request, "core/workspace.html", context)
