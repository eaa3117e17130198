"""Pages of authorizations, the query history, a bank's profile page and a regulator's counts.

* An enterprise lists its authorizations, reads the full text of each, signs (password or TOTP
  again) or rejects a bank's request, pauses, resumes or revokes a grant, grants a bank of its
  own accord, and sees who queried its credit information ("谁查询了我的信用信息").
* A bank lists its authorizations, asks an enterprise that applied to it, and reads a profile
  only through ``services.profile_fetch``: every refusal is a 404 with the reason and its code,
  and an unknown USCC looks exactly like a known one without a grant.
* A regulator sees fetch counts per bank for enterprises of its jurisdiction, never names.

Another organization's authorization is 404; the services enforce every rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from risk_models.catalogue import SOURCES_BY_CODE
from xinyidai.accounts.models import Bank, Membership, Organization, Regulator, Role, User
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.core.http import client_ip
from xinyidai.financing import selectors as financing
from xinyidai.financing.models import Application
from xinyidai.profiles.content import MEASURES
from xinyidai.registry.models import Enterprise

from . import report_services, selectors, services
from .forms import SERVICE_FIELDS, GrantForm, RequestForm, SignForm
from .models import AccessLogEntry, Authorization, Purpose
from .scopes import SOURCES_BY_SCOPE, Scope

ENTERPRISE = {"kinds": (Organization.Kind.ENTERPRISE,)}
BANK = {"kinds": (Organization.Kind.BANK,)}
REGULATOR = {"kinds": (Organization.Kind.REGULATOR,)}
PER_PAGE = 20
HISTORY_PER_PAGE = 50
COUNT_DAYS = 30
SERIES_SHOWN = 12  # months of each monthly series on the bank's profile page
S = Authorization.Status
SCOPE_LABELS = dict(Scope.choices)


# --------------------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # require_persona let only signed-in members in


def _membership(request: HttpRequest) -> Membership:
    membership = current_membership(request)
    if membership is None:
        raise Http404
    return membership


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = financing.enterprise_of(current_membership(request))
    if enterprise is None:
        raise Http404
    return enterprise


def _bank(request: HttpRequest) -> tuple[Membership, Bank]:
    membership = _membership(request)
    bank = financing.bank_of(membership)
    if bank is None:
        raise Http404
    return membership, bank


def _pk(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _attach(error: ValidationError, form: Any) -> None:
    """A service's messages next to the form's fields (``expires_at`` is "validity days")."""
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {SERVICE_FIELDS.get(key, key): value for key, value in error.error_dict.items()}
        )
    attach_errors(error, form)


@dataclass(frozen=True)
class AuthorizationRow:
    authorization: Authorization
    used: int


def _rows(authorizations: Any) -> list[AuthorizationRow]:
    items = list(authorizations)
    used = selectors.used_this_month([a.pk for a in items])
    return [AuthorizationRow(authorization=a, used=used.get(a.pk, 0)) for a in items]


def _signature_facts(authorization: Authorization) -> dict[str, Any]:
    return {
        "document": services.consent_document(authorization),
        "used": selectors.used_this_month([authorization.pk]).get(authorization.pk, 0),
        "method": {"password": _("登录密码"), "totp": _("动态验证码")}.get(
            authorization.signed_method, authorization.signed_method
        ),
    }


# --------------------------------------------------------------------------- enterprise


def _authorization_of(enterprise: Enterprise, pk: int) -> Authorization:
    authorization = selectors.authorization_of_enterprise(enterprise, pk)
    if authorization is None:
        raise Http404
    return authorization


@require_persona(**ENTERPRISE)
def authorization_list(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    authorizations = selectors.authorizations_of_enterprise(enterprise)
    page = Paginator(authorizations, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "consent/enterprise_list.html",
        {"page": page, "rows": _rows(page.object_list), "pending": S.PENDING},
    )


def _detail_page(
    request: HttpRequest,
    authorization: Authorization,
    *,
    sign_form: SignForm | None = None,
) -> HttpResponse:
    membership = _membership(request)
    if sign_form is None and authorization.status == S.PENDING:
        sign_form = SignForm(legal_rep=Scope.LEGAL_REPRESENTATIVE in authorization.scopes)
    return render(
        request,
        "consent/enterprise_detail.html",
        {
            "authorization": authorization,
            "sign_form": sign_form,
            "can_sign": membership.role == Role.ENTERPRISE_OWNER,
            **_signature_facts(authorization),
        },
    )


@require_persona(**ENTERPRISE)
def authorization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _authorization_of(_enterprise(request), pk))


@require_persona(**ENTERPRISE)
@require_POST
def authorization_accept(request: HttpRequest, pk: int) -> HttpResponse:
    authorization = _authorization_of(_enterprise(request), pk)
    form = SignForm(request.POST, legal_rep=Scope.LEGAL_REPRESENTATIVE in authorization.scopes)
    if form.is_valid():
        try:
            services.authorization_accept(
                authorization=authorization,
                user=_user(request),
                ip_address=client_ip(request),
                **form.signature(),
            )
        except ValidationError as error:
            authorization.refresh_from_db(fields=["status"])
            if authorization.status != S.PENDING:  # answered meanwhile: show it as it is now
                for message in error.messages:
                    messages.error(request, message)
                return redirect("consent:authorization_detail", pk=authorization.pk)
            _attach(error, form)
        else:
            messages.success(
                request,
                _("授权已签署，%(bank)s 可在有效期内按约定范围查询。")
                % {"bank": authorization.bank.organization.name},
            )
            return redirect("consent:authorization_detail", pk=authorization.pk)
    return _detail_page(request, authorization, sign_form=form)


CHANGES = {
    "reject": (services.authorization_reject, gettext_lazy("已拒绝该行的授权申请。")),
    "pause": (
        services.authorization_pause,
        gettext_lazy("授权已暂停，自此刻起该行的查询将被拒绝。"),
    ),
    "resume": (services.authorization_resume, gettext_lazy("授权已恢复。")),
    "revoke": (
        services.authorization_revoke,
        gettext_lazy("授权已撤销，自此刻起该行的查询将被拒绝。"),
    ),
}


@require_persona(**ENTERPRISE)
@require_POST
def authorization_change(request: HttpRequest, pk: int) -> HttpResponse:
    authorization = _authorization_of(_enterprise(request), pk)
    change = CHANGES.get(request.POST.get("action", ""))
    if change is None:
        messages.error(request, _("未知操作。"))
        return redirect("consent:authorization_detail", pk=authorization.pk)
    if request.POST.get("action") == "revoke" and request.POST.get("confirm") != "1":
        # Irreversible: the form's checkbox must be ticked (checked on the server as well).
        messages.error(request, _("撤销授权不能恢复，请勾选确认后再提交。"))
        return redirect("consent:authorization_detail", pk=authorization.pk)
    service, done = change
    try:
        service(authorization=authorization, user=_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, str(done))
    return redirect("consent:authorization_detail", pk=authorization.pk)


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def authorization_grant(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    application: Application | None = None
    wanted = request.GET.get("application")
    if wanted is not None:
        pk = _pk(wanted)
        application = financing.application_of_enterprise(enterprise, pk) if pk else None
        if application is None:
            raise Http404
    banks = Bank.objects.select_related("organization").order_by("organization__name")
    if request.method == "POST":
        form = GrantForm(request.POST, banks=banks)
        if form.is_valid():
            bank = form.cleaned_data["bank"]
            try:
                authorization = services.authorization_grant(
                    enterprise=enterprise,
                    bank=bank,
                    user=_user(request),
                    application=application
                    if application and application.bank_id == bank.pk
                    else None,
                    ip_address=client_ip(request),
                    **form.terms(),
                    **form.signature(),
                )
            except ValidationError as error:
                _attach(error, form)
            else:
                messages.success(
                    request,
                    _("已授权%(bank)s查询贵企业的信用信息，可随时暂停或撤销。")
                    % {"bank": bank.organization.name},
                )
                return redirect("consent:authorization_detail", pk=authorization.pk)
    else:
        initial: dict[str, Any] = {
            "purpose": Purpose.PRE_LOAN,
            "scopes": [s for s in Scope.values if s != Scope.LEGAL_REPRESENTATIVE],
        }
        if application is not None:
            initial["bank"] = application.bank_id
        form = GrantForm(initial=initial, banks=banks)
    return render(
        request,
        "consent/grant_form.html",
        {"form": form, "application": application, "can_sign": _can_sign(request)},
    )


def _can_sign(request: HttpRequest) -> bool:
    return _membership(request).role == Role.ENTERPRISE_OWNER


@dataclass(frozen=True)
class HistoryRow:
    entry: AccessLogEntry
    reason: str
    sections: list[str]


@require_persona(**ENTERPRISE)
def query_history(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    entries = selectors.query_history(enterprise)
    page = Paginator(entries, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        HistoryRow(
            entry=entry,
            reason=str(services.REASONS.get(entry.reason, entry.reason)) if entry.reason else "",
            sections=[str(SCOPE_LABELS.get(s, s)) for s in entry.sections],
        )
        for entry in page.object_list
    ]
    return render(request, "consent/query_history.html", {"page": page, "rows": rows})


# --------------------------------------------------------------------------- bank


def _bank_authorization(bank: Bank, pk: int) -> Authorization:
    authorization = selectors.authorization_of_bank(bank, pk)
    if authorization is None:
        raise Http404
    return authorization


@require_persona(**BANK)
def bank_authorization_list(request: HttpRequest) -> HttpResponse:
    _member, bank = _bank(request)
    authorizations = selectors.authorizations_of_bank(bank)
    page = Paginator(authorizations, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "consent/bank_list.html", {"page": page, "rows": _rows(page.object_list)}
    )


@require_persona(**BANK)
def bank_authorization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _member, bank = _bank(request)
    authorization = _bank_authorization(bank, pk)
    return render(
        request,
        "consent/bank_detail.html",
        {"authorization": authorization, **_signature_facts(authorization)},
    )


@require_persona(**BANK, roles=services.REQUEST_ROLES)
@require_http_methods(["GET", "POST"])
def bank_request(request: HttpRequest) -> HttpResponse:
    membership, bank = _bank(request)
    pk = _pk(request.GET.get("application"))
    application = financing.application_for_bank(membership, pk) if pk else None
    if application is None:
        raise Http404
    branches = financing.branches_of(bank)
    if request.method == "POST":
        form = RequestForm(request.POST, branches=branches)
        if form.is_valid():
            try:
                authorization = services.authorization_request(
                    membership=membership,
                    enterprise=application.enterprise,
                    application=application,
                    branch=form.cleaned_data["branch"],
                    note=form.cleaned_data["note"],
                    **form.terms(),
                )
            except ValidationError as error:
                _attach(error, form)
            else:
                messages.success(
                    request,
                    _("授权申请已发送给%(enterprise)s，企业签署后生效。")
                    % {"enterprise": application.enterprise.name},
                )
                return redirect("consent:bank_authorization_detail", pk=authorization.pk)
    else:
        form = RequestForm(
            initial={
                "purpose": Purpose.PRE_LOAN,
                "scopes": [s for s in Scope.values if s != Scope.LEGAL_REPRESENTATIVE],
                "branch": application.branch_id,
            },
            branches=branches,
        )
    return render(request, "consent/bank_request.html", {"form": form, "application": application})


# ------------------------------------------------------------ the bank's profile page


def _figure(value: Any) -> str:
    """A value as a person reads it: thousands separated, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _percent(value: Any) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.2f}%"
    except (InvalidOperation, TypeError, ValueError):
        return "—"


@dataclass
class Block:
    """One source within a section: a monthly table, facts, or both."""

    name: str
    missing: bool = False
    months: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Section:
    """What one granted scope shows; a scope not granted has no section at all."""

    scope: str
    label: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    events: list[tuple[str, str, str]] = field(default_factory=list)


REGISTRATION_LABELS = {
    "name": gettext_lazy("企业名称"),
    "uscc": gettext_lazy("统一社会信用代码"),
    "status": gettext_lazy("登记状态"),
    "region": gettext_lazy("注册地"),
    "industry": gettext_lazy("行业"),
    "size_class": gettext_lazy("企业规模"),
    "established_on": gettext_lazy("成立日期"),
    "registered_capital": gettext_lazy("注册资本"),
    "employees": gettext_lazy("从业人数"),
}
FLAG_LABELS = {
    "dishonest_debtor": gettext_lazy("失信被执行人"),
    "abnormal_operation": gettext_lazy("经营异常名录"),
    "serious_dishonesty": gettext_lazy("严重失信主体名单"),
    "red_list": gettext_lazy("红名单 / 荣誉"),
    "key_attention": gettext_lazy("重点关注名单"),
}
PERSON_LABELS = {"name": gettext_lazy("姓名")}
SOURCE_NAMES: dict[Any, str] = {code: source.name for code, source in SOURCES_BY_CODE.items()}


def _flag(value: Any) -> str:
    if value is None:
        return _("未接入")
    return _("在列") if value else _("不在列")


def _monthly(code: str, entry: dict[str, Any], months: list[str]) -> Block:
    measures = {m.key: m for m in MEASURES.get(code, ())}
    shown = months[-SERIES_SHOWN:]
    rows = []
    for key, values in (entry.get("series") or {}).items():
        tail = list(values or [])[-len(shown) :] if shown else []
        tail = [None] * (len(shown) - len(tail)) + tail
        measure = measures.get(key)
        label = f"{measure.label}（{measure.unit}）" if measure else str(key)
        rows.append((label, [_figure(v) for v in tail]))
    return Block(
        name=str(entry.get("name", code)),
        missing=bool(entry.get("missing")),
        months=shown,
        rows=rows,
    )


def _source_block(code: str, entry: dict[str, Any], months: list[str]) -> Block:
    if "series" in entry or entry.get("kind") == "monthly":
        return _monthly(code, entry, months)
    block = Block(name=str(entry.get("name", code)), missing=bool(entry.get("missing")))
    if "history" in entry:
        block.facts = [
            (_("%(year)s 年度") % {"year": h.get("year")}, str(h.get("grade", "—")))
            for h in entry.get("history") or []
        ]
    elif "record" in entry:
        spec = SOURCES_BY_CODE.get(code)
        labels = {c.name: c.label for c in spec.columns} if spec else {}
        block.facts = [
            (str(labels.get(k, k)), _figure(v)) for k, v in (entry.get("record") or {}).items()
        ]
    elif "records" in entry:
        block.facts = [(_("记录数"), _("%(n)s 条") % {"n": entry.get("records")})]
    return block


def _event_text(event: dict[str, Any]) -> str:
    if event.get("title"):
        return str(event["title"])
    details = event.get("details") or {}
    return "；".join(f"{k}：{_figure(v)}" for k, v in details.items() if v is not None)


def profile_sections(content: dict[str, Any]) -> list[Section]:
    """The page's sections, built from the fetched content only (one per granted scope)."""
    months = list(content.get("months") or [])
    sources = content.get("sources") or {}
    result = []
    for scope in content.get("scopes") or []:
        section = Section(scope=scope, label=str(SCOPE_LABELS.get(scope, scope)))
        if scope == Scope.REGISTRATION:
            registration = content.get("registration") or {}
            section.facts = [
                (str(label), _figure(registration[key]))
                for key, label in REGISTRATION_LABELS.items()
                if key in registration
            ]
        elif scope == Scope.PUBLIC_CREDIT:
            flags = content.get("flags") or {}
            section.facts = [(str(FLAG_LABELS.get(k, k)), _flag(v)) for k, v in flags.items()]
            if content.get("under_objection"):
                section.facts.append((_("异议处理"), _("部分记录正在异议处理中")))
            section.events = [
                (
                    str(e.get("date") or "—"),
                    str(e.get("source_name") or SOURCE_NAMES.get(e.get("source"), "")),
                    _event_text(e),
                )
                for e in content.get("events") or []
            ]
        elif scope == Scope.LEGAL_REPRESENTATIVE:
            person = content.get("legal_representative") or {}
            section.facts = [(str(PERSON_LABELS.get(k, k)), _figure(v)) for k, v in person.items()]
        section.blocks = [
            _source_block(code, sources[code], months)
            for code in SOURCES_BY_SCOPE.get(scope, ())
            if code in sources
        ]
        result.append(section)
    return result


def _refused(request: HttpRequest, code: str) -> HttpResponse:
    """The one answer to every refusal: 404, the reason and its code, nothing about the data."""
    return render(
        request,
        "consent/bank_refused.html",
        {"code": code, "reason": services.REASONS[code]},
        status=404,
    )


@never_cache
@require_persona(**BANK)
@require_GET
def bank_profile(request: HttpRequest, uscc: str) -> HttpResponse:
    membership = _membership(request)
    purpose = request.GET.get("purpose") or Purpose.PRE_LOAN
    enterprise = (
        Enterprise.objects.filter(uscc=uscc.upper()).first() if purpose in Purpose.values else None
    )
    if enterprise is None:  # same page as a known enterprise without a grant; nothing to log
        return _refused(request, "no_grant")
    try:
        fetched = services.profile_fetch(
            user=_user(request),
            membership=membership,
            enterprise=enterprise,
            purpose=purpose,
            channel=AccessLogEntry.Channel.WEB,
            ip_address=client_ip(request),
        )
    except services.FetchRefused as refused:
        return _refused(request, refused.code)
    content = fetched.content
    summary = content.get("profile") or {}
    # Records under objection ("异议处理中"), only of granted sources: listed at the top, and
    # marked on their month column and their event.
    objected = [o for o in content.get("under_objection") or [] if isinstance(o, dict)]
    sources = content.get("sources") or {}
    events = content.get("events") or []

    def event_objected(event: dict[str, Any]) -> bool:
        key = {k: str(v) for k, v in (event.get("key") or {}).items()}
        return any(
            o.get("source") == event.get("source")
            and {k: str(v) for k, v in (o.get("key") or {}).items()} == key
            for o in objected
            if "key" in o
        )

    shown = []
    for section in profile_sections(content):
        codes = [c for c in SOURCES_BY_SCOPE.get(section.scope, ()) if c in sources]
        shown.append(
            {
                "section": section,
                # each block with the months of its source under objection
                "blocks": [
                    (block, {o.get("period") for o in objected if o.get("source") == code})
                    for code, block in zip(codes, section.blocks, strict=False)
                ],
                # each event (date, kind, text) with whether it is under objection
                "events": [
                    (*row, event_objected(event))
                    for row, event in zip(section.events, events, strict=False)
                ],
            }
        )
    under_objection = [
        {
            "source": SOURCE_NAMES.get(o.get("source"), str(o.get("source"))),
            "record": o.get("period")
            or (_("%(year)s 年度") % {"year": o["year"]} if "year" in o else "")
            or " · ".join(str(v) for k, v in (o.get("key") or {}).items() if k != "uscc"),
        }
        for o in objected
    ]
    return render(
        request,
        "consent/bank_profile.html",
        {
            "enterprise": content.get("enterprise") or {},
            "summary": summary,
            "probability": _percent(summary.get("probability"))
            if summary.get("probability") is not None
            else "—",
            "reasons": [str(r.get("text", "")) for r in summary.get("reasons") or []],
            "sections": shown,
            "under_objection": under_objection,
            "authorization": fetched.authorization,
            "purpose": purpose,
            "purpose_label": Purpose(purpose).label,
            "entry": fetched.entry,
            "reports": selectors.reports_of_bank(fetched.authorization.bank, enterprise)[:10],
        },
    )


@require_persona(**BANK)
@require_POST
def bank_report_request(request: HttpRequest, uscc: str) -> HttpResponse:
    """Ask for a PDF report; the task builds it through the guarded path (and logs it)."""
    membership, _own_bank = _bank(request)
    purpose = request.POST.get("purpose") or Purpose.PRE_LOAN
    enterprise = Enterprise.objects.filter(uscc=uscc.upper()).first()
    if enterprise is None or purpose not in Purpose.values:
        return _refused(request, "no_grant")
    report_services.report_request(
        membership=membership,
        enterprise=enterprise,
        purpose=purpose,
        ip_address=client_ip(request),
    )
    messages.success(request, _("已提交报告生成请求，完成后可在本页下载。"))
    return redirect(f"{reverse('consent:bank_profile', args=[enterprise.uscc])}?purpose={purpose}")


# --------------------------------------------------------------------------- regulator


@dataclass(frozen=True)
class CountRow:
    bank: str
    allowed: int
    refused: int

    @property
    def total(self) -> int:
        return self.allowed + self.refused


@require_persona(**REGULATOR)
def regulator_counts(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    regulator = Regulator.objects.filter(organization=membership.organization).first()
    if regulator is None:
        raise Http404
    since = timezone.now() - dt.timedelta(days=COUNT_DAYS)
    counts: dict[tuple[Any, str], dict[str, int]] = {}
    for row in services.fetch_counts_by_bank(regulator.jurisdiction, since):
        key = (row["bank_id"], row["organization_name"] or _("（非银行机构）"))
        counts.setdefault(key, {})[row["outcome"]] = row["n"]
    rows = [
        CountRow(
            bank=name,
            allowed=n.get(AccessLogEntry.Outcome.ALLOWED, 0),
            refused=n.get(AccessLogEntry.Outcome.REFUSED, 0),
        )
        for (_bank_id, name), n in sorted(counts.items(), key=lambda item: item[0][1])
    ]
    return render(
        request,
        "consent/regulator_counts.html",
        {
            "regulator": regulator,
            "rows": rows,
            "since": since,
            "days": COUNT_DAYS,
            "allowed": sum(r.allowed for r in rows),
            "refused": sum(r.refused for r in rows),
        },
    )


__all__ = [
    "authorization_accept",
    "authorization_change",
    "authorization_detail",
    "authorization_grant",
    "authorization_list",
    "bank_authorization_detail",
    "bank_authorization_list",
    "bank_profile",
    "bank_request",
    "query_history",
    "regulator_counts",
]
