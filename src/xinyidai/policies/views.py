"""适用于您的政策: the live policies whose tags match the enterprise the user acts for."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xinyidai.accounts.models import Organization
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.registry.models import Enterprise

from . import selectors

PAGE_SIZE = 20


@require_persona(kinds=(Organization.Kind.ENTERPRISE,))
def policies_for_me(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    if membership is None:  # require_persona lets only enterprise members through
        raise Http404
    enterprise = Enterprise.objects.filter(organization_id=membership.organization_id).first()
    page = Paginator(selectors.live_policies_for(enterprise), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "policies/for_enterprise.html", {"enterprise": enterprise, "page": page})
