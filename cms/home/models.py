"""The portal's home page: hero, live figures from the platform, featured products, the latest
policies and events, and the site search (a route of the home page: ``/search/``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(RoutablePageMixin, Page):
    headline: models.CharField[str, str] = models.CharField(
        _("标题语"), max_length=120, default="信用变资产，数据助融资", blank=True
    )
    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("headline"), FieldPanel("intro")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "portal.PolicyIndexPage",
        "portal.NewsIndexPage",
        "portal.EventIndexPage",
        "portal.FaqPage",
        "portal.ProductShowcasePage",
        "portal.ListsPage",
    ]

    class Meta:
        verbose_name = _("门户首页")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from cms.portal.models import EventPage, PolicyPage
        from cms.portal.selectors import featured_products, portal_figures, product_cards

        context = super().get_context(request, *args, **kwargs)
        context["figures"] = portal_figures()
        context["featured"] = product_cards(featured_products())
        context["policies"] = list(
            PolicyPage.objects.live().public().descendant_of(self).order_by("-issued_on", "-id")[:5]
        )
        context["events"] = list(
            EventPage.objects.live()
            .public()
            .descendant_of(self)
            .filter(starts_at__gte=timezone.now())
            .order_by("starts_at")[:3]
        )
        return context

    @path("search/", name="search")
    def search(self, request: HttpRequest) -> HttpResponse:
        from cms.portal.search import site_search

        query = request.GET.get("q", "").strip()[:100]
        results = site_search(self, query, page_number=request.GET.get("page"))
        context = {
            "page": self,
            "self": self,
            "request": request,
            "query": query,
            "results": results,
        }
        return TemplateResponse(request, "portal/search.html", context)
