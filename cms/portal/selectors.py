"""Reads for the portal: the home page's figures and the platform data its pages show.

Everything comes from the platform's selectors or aggregate ORM reads at serve time; the CMS
keeps no copy of product or list data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from xinyidai.financing import flags
from xinyidai.financing import selectors as financing
from xinyidai.financing.models import Application, LoanProduct
from xinyidai.rights import selectors_lists
from xinyidai.rights.models.lists import ListKind

FIGURES_CACHE_KEY = "portal:home-figures"
FIGURES_TTL = 300  # seconds


@dataclass(frozen=True)
class Figures:
    products_listed: int
    loans_this_year: int
    amount_this_year: Decimal
    enterprises_served: int

    @property
    def amount_display(self) -> str:
        return flags.yuan_wan(self.amount_this_year) or "0元"


def portal_figures_compute(today: dt.date | None = None) -> Figures:
    """Two aggregate queries.

    * products listed: the published loan products (``financing.selectors.published_products``);
    * loans disbursed this year: applications whose ``disbursed_on`` falls in the current
      calendar year (Beijing date), counted and summed (``disbursed_amount``);
    * enterprises served: distinct enterprises with at least one disbursed loan, ever.
    """
    today = today or timezone.localdate()
    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    this_year = Q(disbursed_on__gte=year_start, disbursed_on__lte=year_end)
    loans = Application.objects.filter(disbursed_on__isnull=False).aggregate(
        loans=Count("id", filter=this_year),
        amount=Sum("disbursed_amount", filter=this_year),
        enterprises=Count("enterprise_id", distinct=True),
    )
    return Figures(
        products_listed=financing.published_products().count(),
        loans_this_year=loans["loans"] or 0,
        amount_this_year=loans["amount"] or Decimal("0"),
        enterprises_served=loans["enterprises"] or 0,
    )


def portal_figures() -> Figures:
    """The figures, cached five minutes (the home page is the busiest page)."""
    figures = cache.get(FIGURES_CACHE_KEY)
    if not isinstance(figures, Figures):
        figures = portal_figures_compute()
        cache.set(FIGURES_CACHE_KEY, figures, FIGURES_TTL)
    return figures


def showcase_products() -> QuerySet[LoanProduct]:
    """The live published products, newest first, with their bank (no per-row queries)."""
    return (
        financing.published_products()
        .select_related("bank__organization")
        .order_by("-published_at", "-id")
    )


def featured_products(limit: int = 4) -> list[LoanProduct]:
    return list(showcase_products()[:limit])


def _range(low: Any, high: Any, fmt: Any) -> str:
    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def product_cards(products: Any) -> list[dict[str, Any]]:
    """A product's ranges as people read them: "10万元–300万元", "3.45%–6.00%"."""
    return [
        {
            "product": p,
            "bank": p.bank.short_name or p.bank.organization.name,
            "amount": _range(p.amount_min, p.amount_max, flags.yuan_wan),
            "term": _range(p.term_min, p.term_max, str),
            "rate": _range(p.rate_min, p.rate_max, flags.percent),
        }
        for p in products
    ]


def list_summaries(latest: int = 5) -> list[dict[str, Any]]:
    """Per public list: how many entries are in effect and the newest few (one query each)."""
    labels = dict(ListKind.choices)
    url = reverse("rights:list_public")
    summaries = []
    for kind in selectors_lists.public_kinds():
        entries = selectors_lists.public_entries(kind)
        summaries.append(
            {
                "kind": kind,
                "label": labels[kind],
                "count": entries.count(),
                "latest": list(entries[:latest]),
                "url": f"{url}?kind={kind}",
            }
        )
    return summaries
