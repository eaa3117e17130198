"""Reads of the financing area, restricted to what the acting organization may see.

Banks read needs only as anonymized cards (industry, city, size, amount, term, grade band)
unless the enterprise has applied to that bank or accepted its interest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet
from django.utils import timezone

from risk_models.features import latest_grade_year
from xinyidai.accounts.models import Bank, Branch, Membership, Organization, Role
from xinyidai.profiles.models import LendingProfile
from xinyidai.registry.models import Enterprise

from . import flags
from .flags import ListFlag
from .matching import (
    PRODUCT_COLUMNS,
    EnterpriseFacts,
    MatchResult,
    NeedTerms,
    ProductFrame,
    ProductMatch,
    match,
)
from .models import (
    LOAN_STATES,
    OPEN_STATES,
    Application,
    ApplicationEvent,
    FinancingNeed,
    Interest,
    LoanProduct,
)

BANK_STAFF_ROLES = (Role.BANK_ADMIN, Role.BANK_PRODUCT_MANAGER, Role.BANK_CREDIT_OFFICER)
PRODUCT_ROLES = (Role.BANK_ADMIN, Role.BANK_PRODUCT_MANAGER)
DECISION_ROLES = (Role.BANK_ADMIN, Role.BANK_CREDIT_OFFICER)


def enterprise_of(membership: Membership | None) -> Enterprise | None:
    if membership is None or membership.organization.kind != Organization.Kind.ENTERPRISE:
        return None
    return Enterprise.objects.filter(organization=membership.organization).first()


def bank_of(membership: Membership | None) -> Bank | None:
    if membership is None or membership.organization.kind != Organization.Kind.BANK:
        return None
    return Bank.objects.filter(organization=membership.organization).first()


def local_today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- enterprise facts


def enterprise_facts(enterprise: Enterprise, *, today: dt.date | None = None) -> EnterpriseFacts:
    """What product rules are checked against: registry facts and the current profile."""
    today = today or local_today()
    profile = (
        LendingProfile.objects.filter(enterprise=enterprise, is_current=True)
        .only("grade", "flags", "sources", "as_of")
        .first()
    )
    return EnterpriseFacts(
        region_code=enterprise.region_code,
        industry_section=enterprise.industry_section,
        size_class=enterprise.size_class,
        established_on=enterprise.established_on,
        grade=profile.grade if profile else "",
        tax_grade=_tax_grade(profile),
        list_flag_mask=_list_flag_mask(profile),
        first_loan=not had_loan(enterprise),
        as_of=today,
    )


def enterprise_facts_many(
    enterprises: Iterable[Enterprise], *, today: dt.date | None = None
) -> dict[int, EnterpriseFacts]:
    """``enterprise_facts`` for many enterprises in three queries."""
    today = today or local_today()
    enterprises = list(enterprises)
    ids = [e.pk for e in enterprises]
    profiles = {
        p.enterprise_id: p
        for p in LendingProfile.objects.filter(enterprise_id__in=ids, is_current=True).only(
            "enterprise_id", "grade", "flags", "sources", "as_of"
        )
    }
    borrowers = set(
        Application.objects.filter(enterprise_id__in=ids, state__in=LOAN_STATES)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    return {
        e.pk: EnterpriseFacts(
            region_code=e.region_code,
            industry_section=e.industry_section,
            size_class=e.size_class,
            established_on=e.established_on,
            grade=profiles[e.pk].grade if e.pk in profiles else "",
            tax_grade=_tax_grade(profiles.get(e.pk)),
            list_flag_mask=_list_flag_mask(profiles.get(e.pk)),
            first_loan=e.pk not in borrowers,
            as_of=today,
        )
        for e in enterprises
    }


def _tax_grade(profile: LendingProfile | None) -> str:
    """The tax-credit grade of the latest year published by the profile's as-of date."""
    if profile is None:
        return ""
    history = (profile.sources.get("tax_credit_grade") or {}).get("history") or []
    usable = latest_grade_year(profile.as_of)
    for entry in history:  # newest year first
        if int(entry.get("year", 0)) <= usable:
            return str(entry.get("grade", ""))
    return ""


def _list_flag_mask(profile: LendingProfile | None) -> int:
    if profile is None:
        return 0
    listed = [code for code in ListFlag.values if (profile.flags or {}).get(code)]
    return flags.mask(ListFlag, listed)


def had_loan(enterprise: Enterprise) -> bool:
    """Whether the platform has seen a loan disbursed to the enterprise."""
    return Application.objects.filter(enterprise=enterprise, state__in=LOAN_STATES).exists()


# --------------------------------------------------------------------------- needs


def needs_of(enterprise: Enterprise) -> QuerySet[FinancingNeed]:
    return FinancingNeed.objects.filter(enterprise=enterprise)


def need_of(enterprise: Enterprise | None, pk: int) -> FinancingNeed | None:
    if enterprise is None:
        return None
    return FinancingNeed.objects.filter(enterprise=enterprise, pk=pk).first()


def need_terms(need: FinancingNeed) -> NeedTerms:
    return NeedTerms(
        amount=need.amount,
        term_months=need.term_months,
        max_rate=need.max_rate,
        guarantee_mask=need.guarantee_mask,
        scenario_mask=need.scenario_mask,
    )


# --------------------------------------------------------------------------- products


def published_products() -> QuerySet[LoanProduct]:
    return LoanProduct.objects.filter(status=LoanProduct.Status.PUBLISHED)


def products_of(bank: Bank) -> QuerySet[LoanProduct]:
    return LoanProduct.objects.filter(bank=bank).order_by("-updated_at", "-id")


# The published products as arrays, kept per process and rebuilt when any product changes.
_frame_cache: dict[str, Any] = {"key": None, "frame": None, "generation": 0}


def products_changed() -> None:
    """Called by the product services: this process rebuilds its frame on the next match."""
    _frame_cache["generation"] += 1


def product_frame(queryset: QuerySet[LoanProduct] | None = None) -> ProductFrame:
    """Columns of the published products (or of ``queryset``) for matching.

    Reading and decoding thousands of rows costs far more than matching them, so the frame of
    all published products is kept per process. Its key — count, highest id and latest change
    of every product, whatever its status, read in one aggregate — changes with any edit,
    publication or withdrawal, in whichever process it happened."""
    if queryset is not None:
        return ProductFrame.from_rows(list(queryset.order_by().values_list(*PRODUCT_COLUMNS)))
    from django.db.models import Count, Max

    stamp = LoanProduct.objects.order_by().aggregate(
        n=Count("pk"), last_id=Max("pk"), changed=Max("updated_at")
    )
    key = (stamp["n"], stamp["last_id"], stamp["changed"], _frame_cache["generation"])
    if _frame_cache["key"] != key:
        rows = published_products().order_by().values_list(*PRODUCT_COLUMNS)
        _frame_cache["frame"] = ProductFrame.from_rows(list(rows))
        _frame_cache["key"] = key
    frame: ProductFrame = _frame_cache["frame"]
    return frame


@dataclass
class Matches:
    result: MatchResult
    eligible: list[tuple[LoanProduct, Any]]
    ineligible: list[tuple[LoanProduct, Any]]


def matches_for(
    facts: EnterpriseFacts,
    terms: NeedTerms,
    *,
    limit: int = 20,
    ineligible_limit: int = 20,
    products: QuerySet[LoanProduct] | None = None,
) -> Matches:
    """Ranked eligible products with reasons, and ineligible ones with their first failure."""
    result = match(facts, terms, product_frame(products))
    eligible = result.ranked(limit)
    ineligible = result.ranked(ineligible_limit, eligible=False) if ineligible_limit else []
    wanted = [m.product_id for m in eligible + ineligible]
    objects = LoanProduct.objects.select_related("bank__organization").in_bulk(wanted)
    return Matches(
        result=result,
        eligible=[(objects[m.product_id], m) for m in eligible],
        ineligible=[(objects[m.product_id], m) for m in ineligible],
    )


def product_check(
    enterprise: Enterprise, product: LoanProduct, terms: NeedTerms | None = None
) -> ProductMatch:
    """One product against an enterprise (and terms if given): the ProductMatch."""
    facts = enterprise_facts(enterprise)
    terms = terms or NeedTerms(
        amount=product.amount_min,
        term_months=product.term_min,
        max_rate=product.rate_max,
        guarantee_mask=product.guarantee_mask,
    )
    result = match(facts, terms, product_frame(LoanProduct.objects.filter(pk=product.pk)))
    return result.explain(0)


def need_facts(need: FinancingNeed, *, today: dt.date | None = None) -> EnterpriseFacts:
    """The enterprise facts a need carries (the copy banks are allowed to match on)."""
    return EnterpriseFacts(
        region_code=need.region_code,
        industry_section=need.industry_section,
        size_class=need.size_class,
        established_on=need.established_on,
        grade=need.grade,
        tax_grade=need.tax_grade,
        list_flag_mask=need.list_flag_mask,
        first_loan=need.first_loan,
        as_of=today or local_today(),
    )


def need_check(need: FinancingNeed, product: LoanProduct) -> ProductMatch:
    """One product against a published need, on the need's copy of the enterprise's facts."""
    result = match(
        need_facts(need),
        need_terms(need),
        product_frame(LoanProduct.objects.filter(pk=product.pk)),
    )
    return result.explain(0)


# --------------------------------------------------------------------------- banks and needs


ANONYMOUS_FIELDS = (
    "id",
    "amount",
    "term_months",
    "purpose",
    "guarantee_mask",
    "scenario_mask",
    "max_rate",
    "wanted_by",
    "region_code",
    "industry_section",
    "size_class",
    "established_on",
    "grade",
    "first_loan",
    "published_at",
)


@dataclass(frozen=True)
class NeedCard:
    """What a bank may know of a need whose enterprise has not revealed itself to it."""

    id: int
    amount: Decimal
    term_months: int
    purpose: str
    guarantees: list[str]
    scenarios: list[str]
    max_rate: Decimal
    wanted_by: dt.date
    city: str
    industry: str
    size: str
    years: str
    grade_band: str
    first_loan: bool
    published_at: dt.datetime | None
    green_channel: bool = False  # the enterprise is on the red list (守信激励): shown first

    @property
    def amount_text(self) -> str:
        return flags.yuan_wan(self.amount)


def need_card(row: dict[str, Any], today: dt.date | None = None) -> NeedCard:
    today = today or local_today()
    established = row["established_on"]
    years = ""
    if established is not None:
        span = (today - established).days / 365.25
        years = "<1" if span < 1 else ("1–3" if span < 3 else ("3–5" if span < 5 else "≥5"))
    return NeedCard(
        id=row["id"],
        amount=row["amount"],
        term_months=row["term_months"],
        purpose=str(dict(flags.Purpose.choices).get(row["purpose"], "")),
        guarantees=flags.labels(flags.Guarantee, row["guarantee_mask"]),
        scenarios=flags.labels(flags.Scenario, row["scenario_mask"]),
        max_rate=row["max_rate"],
        wanted_by=row["wanted_by"],
        city=flags.city_of(row["region_code"]),
        industry=f"{row['industry_section']} {flags.section_name(row['industry_section'])}"
        if row["industry_section"]
        else "",
        size=flags.SIZE_LABELS.get(row["size_class"], ""),
        years=years,
        grade_band=flags.GRADE_BANDS.get(row["grade"], ""),
        first_loan=row["first_loan"],
        published_at=row["published_at"],
        green_channel=bool(row.get("green_channel", False)),
    )


def _product_q(product: dict[str, Any], today: dt.date) -> Q:
    """Published needs that ``product`` (a values() row) can serve, as one filter."""
    q = Q(
        amount__gte=product["amount_min"],
        amount__lte=product["amount_max"],
        term_months__gte=product["term_min"],
        term_months__lte=product["term_max"],
        max_rate__gte=product["rate_min"],
    )
    if product["region_prefixes"]:
        region = Q()
        for prefix in product["region_prefixes"]:
            region |= Q(region_code__startswith=prefix)
        q &= region
    if product["industry_mask"]:
        sections = flags.code_list(flags.SECTION_CODES, product["industry_mask"])
        q &= Q(industry_section__in=sections)
    if product["size_mask"]:
        q &= Q(size_class__in=flags.code_list(flags.SIZE_CODES, product["size_mask"]))
    if product["min_years"]:
        cutoff = today - dt.timedelta(days=round(float(product["min_years"]) * 365.25))
        q &= Q(established_on__lte=cutoff)
    if product["worst_grade"]:
        rank = flags.grade_rank(product["worst_grade"]) or 0
        q &= Q(grade__in=flags.GRADES[: rank + 1])
    if product["worst_tax_grade"]:
        rank = flags.grade_rank(product["worst_tax_grade"], flags.TAX_GRADES) or 0
        q &= Q(tax_grade__in=flags.TAX_GRADES[: rank + 1])
    return q


def needs_matching_bank(
    bank: Bank,
    *,
    before: tuple[dt.datetime, int] | None = None,
    limit: int = 20,
    today: dt.date | None = None,
    green_first: bool = False,
    before_green: bool = False,
) -> list[NeedCard]:
    """Published needs that fit at least one of the bank's published products, newest first,
    as anonymized cards; ``before`` is the (published_at, id) of the last card of the previous
    page (keyset pagination: no count, no offset).

    Each card says whether its enterprise is on the red list (``green_channel``, one correlated
    subquery). With ``green_first`` those come first (then newest first); the cursor then also
    carries whether the last card was one of them (``before_green``)."""
    from xinyidai.rights.selectors_lists import red_listed

    today = today or local_today()
    products = list(
        published_products()
        .filter(bank=bank)
        .values(
            "amount_min",
            "amount_max",
            "term_min",
            "term_max",
            "rate_min",
            "guarantee_mask",
            "region_prefixes",
            "industry_mask",
            "size_mask",
            "min_years",
            "worst_grade",
            "worst_tax_grade",
            "excluded_flag_mask",
        )
    )
    if not products:
        return []
    fits = Q(pk__in=[])
    queryset = FinancingNeed.objects.filter(
        status=FinancingNeed.Status.PUBLISHED, wanted_by__gte=today
    )
    for i, product in enumerate(products):
        queryset = queryset.annotate(
            **{
                f"g{i}": F("guarantee_mask").bitand(product["guarantee_mask"]),
                f"l{i}": F("list_flag_mask").bitand(product["excluded_flag_mask"]),
            }
        )
        fits |= _product_q(dict(product), today) & Q(**{f"g{i}__gt": 0, f"l{i}": 0})
    queryset = queryset.filter(fits).annotate(
        green_channel=red_listed(OuterRef("enterprise__uscc"), today)
    )
    order = ["-published_at", "-id"]
    if before is not None:
        published_at, pk = before
        older = Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
        if green_first:
            older = (
                Q(green_channel=False) | Q(older, green_channel=True)
                if before_green
                else Q(older, green_channel=False)
            )
        queryset = queryset.filter(older)
    if green_first:
        order.insert(0, "-green_channel")
    rows = queryset.order_by(*order).values(*ANONYMOUS_FIELDS, "green_channel")[:limit]
    return [need_card(row, today) for row in rows]


def need_for_bank(bank: Bank, pk: int) -> FinancingNeed | None:
    """A need a bank may look at: published or in talks (identity hidden unless revealed)."""
    open_need = Q(status__in=[FinancingNeed.Status.PUBLISHED, FinancingNeed.Status.IN_TALKS])
    applied = Q(
        pk__in=Application.objects.filter(bank=bank)
        .exclude(state=Application.State.DRAFT)
        .values("need_id")
    )
    return FinancingNeed.objects.filter(open_need | applied, pk=pk).first()


def revealed_to_bank(enterprise_id: int, bank: Bank) -> bool:
    """The enterprise has shown itself to this bank: it applied to it (not a mere draft)."""
    return (
        Application.objects.filter(enterprise_id=enterprise_id, bank=bank)
        .exclude(state=Application.State.DRAFT)
        .exists()
    )


def interests_of_need(need: FinancingNeed) -> QuerySet[Interest]:
    return need.interests.select_related("bank__organization", "product", "branch").order_by(
        "-created_at"
    )


def interests_of_bank_for_need(bank: Bank, need: FinancingNeed) -> QuerySet[Interest]:
    return need.interests.filter(bank=bank).select_related("product", "officer")


def interest_for_enterprise(enterprise: Enterprise | None, pk: int) -> Interest | None:
    if enterprise is None:
        return None
    return (
        Interest.objects.filter(pk=pk, need__enterprise=enterprise)
        .select_related("need", "product", "bank__organization", "branch")
        .first()
    )


# --------------------------------------------------------------------------- applications


def applications_of(enterprise: Enterprise) -> QuerySet[Application]:
    return Application.objects.filter(enterprise=enterprise).select_related(
        "product", "bank__organization", "branch"
    )


def application_of_enterprise(enterprise: Enterprise | None, pk: int) -> Application | None:
    if enterprise is None:
        return None
    return applications_of(enterprise).filter(pk=pk).first()


def applications_for_bank(membership: Membership) -> QuerySet[Application]:
    """Applications the bank staff member may handle: their bank's, and only their branch's
    when they belong to one. Drafts are the enterprise's own business."""
    bank = bank_of(membership)
    if bank is None:
        return Application.objects.none()
    queryset = (
        Application.objects.filter(bank=bank)
        .exclude(state=Application.State.DRAFT)
        .select_related("enterprise", "product", "branch", "officer")
    )
    if membership.branch_id is not None:
        queryset = queryset.filter(branch_id=membership.branch_id)
    return queryset


def with_green_channel(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Applications annotated ``green_channel``: the enterprise is on the red list (守信激励),
    by one correlated subquery."""
    from xinyidai.rights.selectors_lists import red_listed

    return queryset.annotate(green_channel=red_listed(OuterRef("enterprise__uscc")))


def application_for_bank(membership: Membership, pk: int) -> Application | None:
    return applications_for_bank(membership).filter(pk=pk).first()


def application_events(application: Application) -> QuerySet[ApplicationEvent]:
    return application.events.select_related("actor", "organization")


def branches_of(bank: Bank) -> QuerySet[Branch]:
    return bank.branches.all()


def overdue(today: dt.date) -> Q:
    """Open applications whose bank has missed its promised acceptance or decision date."""
    return Q(state=Application.State.SUBMITTED, accept_due_on__lt=today) | Q(
        state__in=list(OPEN_STATES), decision_due_on__lt=today
    )


def overdue_applications(today: dt.date) -> QuerySet[Application]:
    return Application.objects.filter(overdue(today))


def bank_staff(bank: Bank, branch: Branch | None, roles: Iterable[str] = DECISION_ROLES):
    """Users of the bank who handle work of ``branch``: its own staff and the bank-wide ones."""
    from xinyidai.accounts.models import User

    memberships = Membership.objects.filter(
        organization_id=bank.pk, is_active=True, role__in=list(roles)
    )
    if branch is not None:
        memberships = memberships.filter(Q(branch__isnull=True) | Q(branch=branch))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


# --------------------------------------------------------------------------- workspace


def workspace_summary(membership: Membership | None) -> dict[str, int] | None:
    """Counts for the persona's landing page: what is waiting for them (two queries)."""
    from django.db.models import Count

    if membership is None:
        return None
    today = local_today()
    enterprise = enterprise_of(membership)
    if enterprise is not None:
        counts = Application.objects.filter(enterprise=enterprise).aggregate(
            open=Count("pk", filter=Q(state__in=list(OPEN_STATES))),
            approved=Count("pk", filter=Q(state=Application.State.APPROVED)),
            loans=Count("pk", filter=Q(state__in=list(LOAN_STATES))),
        )
        counts.update(
            FinancingNeed.objects.filter(enterprise=enterprise).aggregate(
                needs=Count(
                    "pk",
                    filter=Q(
                        status__in=[FinancingNeed.Status.PUBLISHED, FinancingNeed.Status.IN_TALKS]
                    ),
                    distinct=True,
                ),
                interests=Count(
                    "interests", filter=Q(interests__status=Interest.Status.PENDING), distinct=True
                ),
            )
        )
        return counts
    if membership.organization.kind == Organization.Kind.BANK:
        return applications_for_bank(membership).aggregate(
            to_accept=Count("pk", filter=Q(state=Application.State.SUBMITTED)),
            in_review=Count(
                "pk",
                filter=Q(state__in=[Application.State.ACCEPTED, Application.State.UNDER_REVIEW]),
            ),
            overdue=Count("pk", filter=overdue(today)),
        )
    return None
