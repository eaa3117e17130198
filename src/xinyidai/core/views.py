from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .health import health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The persona's landing page: what its organization kind works on."""
    from xinyidai.financing.selectors import workspace_summary
    from xinyidai.sources.selectors import batches_visible_to, is_operator

    membership = request.membership  # type: ignore[attr-defined]
    membership = membership if membership else None
    enterprise = None
    if membership and membership.organization.kind == "enterprise":
        enterprise = getattr(membership.organization, "enterprise", None)
    batches = None
    if membership and (membership.organization.kind == "data_provider" or is_operator(membership)):
        batches = list(batches_visible_to(membership)[:5])
    return render(
        request,
        "core/workspace.html",
        {
            "membership": membership,
            "enterprise": enterprise,
            "batches": batches,
            "is_operator": is_operator(membership),
            "financing": workspace_summary(membership),
        },
    )
