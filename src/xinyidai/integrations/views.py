"""A bank admin's integration pages: API clients (create, rotate, revoke, the call log) and
webhook subscriptions with their deliveries (create, replay).

A new secret is rendered once, in the response to the POST that made it, and is stored
nowhere else in clear (not in the session, not in a message). Another bank's client,
subscription or delivery is 404; other staff of the bank get 403, other kinds 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyidai.accounts.models import Bank, Organization, Role, User
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.core.events import EVENT_KINDS
from xinyidai.core.forms import attach_errors
from xinyidai.financing import selectors as financing
from xinyidai.webhooks.models import WebhookDelivery
from xinyidai.webhooks.services import webhook_replay, webhook_subscription_create

from . import selectors, services
from .forms import ApiClientForm, WebhookSubscriptionForm
from .models import ApiClient, Scope

BANK_ADMIN = {"kinds": (Organization.Kind.BANK,), "roles": (Role.BANK_ADMIN,)}
CALLS_SHOWN = 50
DELIVERIES_SHOWN = 50
SCOPE_LABELS = dict(Scope.choices)
EVENT_LABELS = dict(EVENT_KINDS)
SHANGHAI = ZoneInfo("Asia/Shanghai")
REPLAYABLE = (WebhookDelivery.Status.DEAD, WebhookDelivery.Status.DELIVERED)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # require_persona let only signed-in members in


def _bank(request: HttpRequest) -> Bank:
    bank = financing.bank_of(current_membership(request))
    if bank is None:
        raise Http404
    return bank


# --------------------------------------------------------------------------- reads


def _client_of(bank: Bank, pk: int) -> ApiClient:
    return get_object_or_404(selectors.clients_of(bank), pk=pk)


@dataclass(frozen=True)
class ClientRow:
    client: ApiClient
    status: str
    usable: bool
    scope_labels: list[str]


def _client_rows(clients: QuerySet[ApiClient]) -> list[ClientRow]:
    now = timezone.now()
    rows = []
    for client in clients:
        if client.status == ApiClient.Status.REVOKED:
            status = str(client.get_status_display())
        elif client.valid_until is not None and client.valid_until <= now:
            status = _("已过期")
        elif client.valid_until is not None:
            status = _("轮换过渡中")
        else:
            status = str(client.get_status_display())
        rows.append(
            ClientRow(
                client=client,
                status=status,
                usable=client.is_usable(now),
                scope_labels=[str(SCOPE_LABELS.get(s, s)) for s in client.scopes],
            )
        )
    return rows


# --------------------------------------------------------------------------- API clients


def _home(request: HttpRequest, bank: Bank, form: ApiClientForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "integrations/home.html",
        {
            "bank": bank,
            "rows": _client_rows(selectors.clients_of(bank)),
            "calls": selectors.calls_of(bank)[:CALLS_SHOWN],
            "form": form,
            "calls_shown": CALLS_SHOWN,
        },
        status=status,
    )


def _secret_page(
    request: HttpRequest, *, title: str, key_id: str, secret: str, back: str, what: str
) -> HttpResponse:
    return render(
        request,
        "integrations/secret.html",
        {"title": title, "key_id": key_id, "secret": secret, "back": back, "what": what},
    )


@require_persona(**BANK_ADMIN)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, _bank(request), ApiClientForm())


@require_persona(**BANK_ADMIN)
@require_POST
@never_cache
def client_create(request: HttpRequest) -> HttpResponse:
    bank = _bank(request)
    form = ApiClientForm(request.POST)
    if form.is_valid():
        try:
            client, secret = services.api_client_create(
                bank=bank,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                actor=_user(request),
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            return _secret_page(
                request,
                title=_("接口密钥已创建"),
                key_id=client.key_id,
                secret=secret,
                back="integrations:home",
                what=client.name,
            )
    return _home(request, bank, form, status=400)


@require_persona(**BANK_ADMIN)
@require_POST
@never_cache
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client_of(_bank(request), pk)
    try:
        new, secret = services.api_client_rotate(client=client, actor=_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("integrations:home")
    return _secret_page(
        request,
        title=_("接口密钥已轮换"),
        key_id=new.key_id,
        secret=secret,
        back="integrations:home",
        what=_("%(name)s（旧密钥 %(old)s 在 %(until)s 前仍可使用）")
        % {
            "name": new.name,
            "old": client.key_id,
            "until": _local(client.valid_until),
        },
    )


def _local(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value, timezone=SHANGHAI).strftime("%Y-%m-%d %H:%M")


@require_persona(**BANK_ADMIN)
@require_http_methods(["GET", "POST"])
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what revoking means; POST: revoke."""
    client = _client_of(_bank(request), pk)
    if request.method == "POST":
        services.api_client_revoke(client=client, actor=_user(request))
        messages.success(request, _("密钥 %(key)s 已吊销，立即停止使用。") % {"key": client.key_id})
        return redirect("integrations:home")
    return render(request, "integrations/revoke.html", {"client": client})


# --------------------------------------------------------------------------- webhooks


def _webhooks(
    request: HttpRequest, bank: Bank, form: WebhookSubscriptionForm, status: int = 200
) -> HttpResponse:
    deliveries = list(selectors.deliveries_of(bank)[:DELIVERIES_SHOWN])
    return render(
        request,
        "integrations/webhooks.html",
        {
            "subscriptions": [
                (s, [str(EVENT_LABELS.get(e, e)) for e in s.events])
                for s in selectors.subscriptions_of(bank)
            ],
            "deliveries": deliveries,
            "replayable": REPLAYABLE,
            "form": form,
            "deliveries_shown": DELIVERIES_SHOWN,
        },
        status=status,
    )


@require_persona(**BANK_ADMIN)
@require_GET
def webhooks(request: HttpRequest) -> HttpResponse:
    return _webhooks(request, _bank(request), WebhookSubscriptionForm())


@require_persona(**BANK_ADMIN)
@require_POST
@never_cache
def subscription_create(request: HttpRequest) -> HttpResponse:
    bank = _bank(request)
    form = WebhookSubscriptionForm(request.POST)
    if form.is_valid():
        try:
            subscription, secret = webhook_subscription_create(
                organization=bank.organization,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                actor=_user(request),
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            return _secret_page(
                request,
                title=_("事件订阅已创建"),
                key_id="",
                secret=secret,
                back="integrations:webhooks",
                what=subscription.url,
            )
    return _webhooks(request, bank, form, status=400)


@require_persona(**BANK_ADMIN)
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(selectors.deliveries_of(_bank(request)), pk=pk)
    try:
        webhook_replay(delivery=delivery, actor=_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("推送 #%(pk)s 已重新排队，将尽快重新投递。") % {"pk": delivery.pk},
        )
    return redirect("integrations:webhooks")
