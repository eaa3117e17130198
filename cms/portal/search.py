"""Site search over the live portal pages.

Wagtail's search (the database backend on PostgreSQL) matches whole words, but Chinese is
written without spaces: "融资" is not a word of "关于支持中小微企业融资的若干措施" to the
PostgreSQL parser. For a query containing Chinese characters the titles, summaries and intros
are also matched as substrings, and the two result sets are merged (search hits first).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Q
from wagtail.models import Page

PAGE_SIZE = 20
MAX_RESULTS = 200
CJK = re.compile(r"[\u3400-\u9fff]")


def site_search(root: Page, query: str, *, page_number: Any = None) -> PaginatorPage[Page] | None:
    if not query:
        return None
    pages = Page.objects.live().public().descendant_of(root)
    found: list[int] = [p.pk for p in pages.search(query)[:MAX_RESULTS]]
    if CJK.search(query):
        from .models import EventPage, NewsPage, PolicyPage

        substring = (
            Q(title__icontains=query)
            | Q(search_description__icontains=query)
            | Q(pk__in=PolicyPage.objects.filter(summary__icontains=query).values("pk"))
            | Q(pk__in=NewsPage.objects.filter(intro__icontains=query).values("pk"))
            | Q(pk__in=EventPage.objects.filter(intro__icontains=query).values("pk"))
        )
        seen = set(found)
        for pk in (
            pages.filter(substring)
            .order_by("-first_published_at")
            .values_list("pk", flat=True)[:MAX_RESULTS]
        ):
            if pk not in seen:
                found.append(pk)
                seen.add(pk)
    specific = {p.pk: p for p in Page.objects.filter(pk__in=found).specific()}
    ordered = [specific[pk] for pk in found if pk in specific]
    return Paginator(ordered, PAGE_SIZE).get_page(page_number)
