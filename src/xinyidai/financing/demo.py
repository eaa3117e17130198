"""Demo financing data: loan products, needs, and applications in every state.

Called by ``xinyidai.core.demo.seed_demo`` once the profiles exist (eligibility depends on
them). Every application goes through the real services and state machine; only its dates are
moved into the past afterwards. Running it again creates nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.db.models import F
from django.utils import timezone

from xinyidai.accounts.models import Bank, Membership, Organization, User
from xinyidai.core.workdays import add_working_days, is_working_day, working_days_between
from xinyidai.registry.models import Enterprise
from xinyidai.registry.services import enterprise_register

from . import flags
from . import selectors as financing_selectors
from . import services as financing
from .models import Application, ApplicationEvent, FinancingNeed, LoanProduct
from .transitions import TRANSITIONS, Side

# Products of both demo banks, needs that fill the banks' matching lists, and applications in
# every state of the state machine. Seeded after the profiles, because eligibility depends on
# the enterprise's grade and list flags. Everything goes through the financing services except
# the synthetic needs (bulk-inserted with the facts ``need_publish`` would copy) and the one
# bulk update that moves each application's timeline into the past (see ``_backdate``).

YUEXIN, XINGYE = "B0001H244120001", "S0001H244120002"  # licence numbers of the demo banks


ALL_LISTS = ["dishonest_debtor", "serious_dishonesty", "abnormal_operation"]
DEMO_NEEDS = 300  # published needs of synthetic (unregistered) enterprises
DEMO_APPLICANTS = 20  # synthetic enterprises registered to apply (owners without a password)
DEMO_INTERESTS = 6  # pending interests of the banks in synthetic needs

# (bank, status, the values ``product_save`` takes)
DEMO_PRODUCTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        YUEXIN,
        "published",
        {
            "name": "粤信纳税e贷",
            "summary": "凭纳税信用发放的线上信用贷款，随借随还",
            "scenarios": ["tax_credit"],
            "guarantees": ["credit"],
            "amount_min": "100000",
            "amount_max": "3000000",
            "term_min": 6,
            "term_max": 36,
            "rate_min": "3.45",
            "rate_max": "6.00",
            "region_prefixes": ["4412"],
            "min_years": "2",
            "worst_grade": "C",
            "worst_tax_grade": "B",
            "excluded_flags": ALL_LISTS,
            "promised_accept_days": 1,
            "promised_decision_days": 3,
        },
    ),
    (
        YUEXIN,
        "published",
        {
            "name": "粤信科创贷",
            "summary": "面向科技型企业，可用知识产权质押",
            "scenarios": ["technology"],
            "guarantees": ["credit", "pledge_ip"],
            "amount_min": "500000",
            "amount_max": "10000000",
            "term_min": 12,
            "term_max": 36,
            "rate_min": "3.60",
            "rate_max": "5.50",
            "region_prefixes": ["4412"],
            "industries": ["C", "I", "M"],
            "min_years": "1",
            "worst_grade": "B",
            "excluded_flags": ["dishonest_debtor", "serious_dishonesty"],
            "promised_accept_days": 2,
            "promised_decision_days": 5,
        },
    ),
    (
        YUEXIN,
        "published",
        {
            "name": "粤信专精特新贷",
            "summary": "支持专精特新中小企业扩大生产与研发",
            "scenarios": ["specialized", "technology"],
            "guarantees": ["credit", "guarantee", "pledge_ip"],
            "amount_min": "1000000",
            "amount_max": "20000000",
            "term_min": 12,
            "term_max": 60,
            "rate_min": "3.30",
            "rate_max": "5.20",
            "region_prefixes": ["4412"],
            "sizes": ["medium", "small"],
            "min_years": "3",
            "worst_grade": "B",
            "worst_tax_grade": "B",
            "excluded_flags": ALL_LISTS,
            "promised_accept_days": 2,
            "promised_decision_days": 7,
        },
    ),
    (
        YUEXIN,
        "published",
        {
            "name": "粤信政采贷",
            "summary": "凭政府采购中标合同申请，回款账户监管",
            "scenarios": ["procurement"],
            "guarantees": ["credit", "pledge_receivables"],
            "amount_min": "100000",
            "amount_max": "5000000",
            "term_min": 3,
            "term_max": 12,
            "rate_min": "3.80",
            "rate_max": "6.50",
            "region_prefixes": ["4412"],
            "worst_grade": "C",
            "excluded_flags": ["dishonest_debtor", "serious_dishonesty"],
            "promised_accept_days": 1,
            "promised_decision_days": 3,
        },
    ),
    (
        YUEXIN,
        "published",
        {
            "name": "粤信首贷通",
            "summary": "首次向银行借款的小微企业专享",
            "scenarios": ["first_loan", "tax_credit"],
            "guarantees": ["credit", "guarantee"],
            "amount_min": "50000",
            "amount_max": "1000000",
            "term_min": 6,
            "term_max": 24,
            "rate_min": "3.95",
            "rate_max": "7.20",
            "region_prefixes": ["4412"],
            "sizes": ["small", "micro"],
            "worst_grade": "D",
            "excluded_flags": ["dishonest_debtor"],
            "first_loan_friendly": True,
            "promised_accept_days": 1,
            "promised_decision_days": 3,
        },
    ),
    (
        XINGYE,
        "published",
        {
            "name": "兴业供应链贷",
            "summary": "核心企业上下游，应收账款或仓单质押",
            "scenarios": ["supply_chain"],
            "guarantees": ["pledge_receivables", "pledge_warehouse", "guarantee"],
            "amount_min": "200000",
            "amount_max": "8000000",
            "term_min": 3,
            "term_max": 12,
            "rate_min": "4.20",
            "rate_max": "7.50",
            "region_prefixes": ["4412"],
            "industries": ["C", "F", "G"],
            "worst_grade": "C",
            "excluded_flags": ["dishonest_debtor", "serious_dishonesty"],
            "promised_accept_days": 2,
            "promised_decision_days": 5,
        },
    ),
    (
        XINGYE,
        "published",
        {
            "name": "兴业惠农贷",
            "summary": "涉农经营主体的生产经营贷款",
            "scenarios": ["agriculture", "first_loan"],
            "guarantees": ["credit", "guarantee", "mortgage"],
            "amount_min": "50000",
            "amount_max": "3000000",
            "term_min": 6,
            "term_max": 36,
            "rate_min": "3.85",
            "rate_max": "6.80",
            "region_prefixes": ["4412"],
            "industries": ["A", "C", "F"],
            "worst_grade": "D",
            "excluded_flags": ["dishonest_debtor"],
            "first_loan_friendly": True,
            "promised_accept_days": 1,
            "promised_decision_days": 5,
        },
    ),
    (
        XINGYE,
        "published",
        {
            "name": "兴业绿色贷",
            "summary": "节能改造、清洁生产与绿色建筑项目",
            "scenarios": ["green"],
            "guarantees": ["mortgage", "guarantee", "credit"],
            "amount_min": "500000",
            "amount_max": "15000000",
            "term_min": 12,
            "term_max": 60,
            "rate_min": "3.50",
            "rate_max": "5.80",
            "region_prefixes": ["4412"],
            "industries": ["C", "D", "E", "G"],
            "min_years": "2",
            "worst_grade": "C",
            "excluded_flags": ALL_LISTS,
            "promised_accept_days": 2,
            "promised_decision_days": 7,
        },
    ),
    (
        YUEXIN,
        "draft",
        {
            "name": "粤信设备更新贷",
            "summary": "购置生产设备，设备抵押（筹备中）",
            "scenarios": ["green"],
            "guarantees": ["mortgage"],
            "amount_min": "300000",
            "amount_max": "5000000",
            "term_min": 12,
            "term_max": 60,
            "rate_min": "3.70",
            "rate_max": "5.60",
            "region_prefixes": ["4412"],
            "worst_grade": "C",
            "excluded_flags": ALL_LISTS,
        },
    ),
    (
        XINGYE,
        "withdrawn",
        {
            "name": "兴业税易贷（旧版）",
            "summary": "已由新产品替代",
            "scenarios": ["tax_credit"],
            "guarantees": ["credit"],
            "amount_min": "100000",
            "amount_max": "1000000",
            "term_min": 6,
            "term_max": 12,
            "rate_min": "4.35",
            "rate_max": "6.50",
            "region_prefixes": ["4412"],
            "worst_tax_grade": "B",
            "excluded_flags": ALL_LISTS,
        },
    ),
]

S = Application.State
# The actions that take an application from "submitted" to each state (draft: none at all).
PATHS: dict[str, list[str]] = {
    S.SUBMITTED: [],
    S.ACCEPTED: ["accept"],
    S.UNDER_REVIEW: ["accept", "review"],
    S.APPROVED: ["accept", "review", "approve"],
    S.REJECTED: ["accept", "review", "reject"],
    S.WITHDRAWN: ["accept", "withdraw"],
    S.DISBURSED: ["accept", "review", "approve", "disburse"],
    S.REPAYING: ["accept", "review", "approve", "disburse", "repay"],
    S.SETTLED: ["accept", "review", "approve", "disburse", "repay", "settle"],
    S.OVERDUE: ["accept", "review", "approve", "disburse", "repay", "overdue"],
    S.DEFAULTED: ["accept", "review", "approve", "disburse", "repay", "overdue", "default"],
}
# Variants, so that the banks' lists show more than one way to each state.
VARIANTS: dict[str, list[str]] = {
    "withdrawn_early": ["withdraw"],
    "rejected_at_once": ["reject"],
    "cured": ["accept", "review", "approve", "disburse", "repay", "overdue", "cure"],
    "handed_over": ["accept", "hand_over", "review"],
}

# (state or variant, how many) of the synthetic applicants; "submitted_late" are past their
# promised acceptance date.
SYNTHETIC_PLAN: list[tuple[str, int]] = [
    (S.DRAFT, 2),
    (S.SUBMITTED, 3),
    ("submitted_late", 3),
    (S.ACCEPTED, 3),
    (S.UNDER_REVIEW, 2),
    ("handed_over", 1),
    (S.APPROVED, 2),
    (S.REJECTED, 2),
    ("rejected_at_once", 2),
    (S.WITHDRAWN, 1),
    ("withdrawn_early", 2),
    (S.DISBURSED, 2),
    (S.REPAYING, 4),
    ("cured", 1),
    (S.SETTLED, 3),
    (S.OVERDUE, 2),
    (S.DEFAULTED, 1),
]
# The demo enterprise of ent_owner: one of each, oldest first.
OWNER_PLAN = [S.DISBURSED, S.REJECTED, S.APPROVED, S.SUBMITTED, S.DRAFT]

REJECTIONS = [
    ("R02", "近12个月开票收入不足以支持申请金额"),
    ("R04", "经营性现金流偏弱，还款来源不足"),
    ("R05", "保证人资质不足"),
    ("R06", "银行流水无法与纳税数据核实"),
]
# Working days from the previous step to a bank or enterprise action; calendar days between
# loan outcomes ("settle" depends on the term).
WORKING_GAPS = {
    "accept": (0, 4),
    "review": (0, 2),
    "hand_over": (0, 2),
    "approve": (1, 6),
    "reject": (0, 5),
    "withdraw": (1, 4),
    "disburse": (2, 8),
}
CALENDAR_GAPS = {"repay": (28, 35), "overdue": (40, 150), "cure": (5, 25), "default": (90, 120)}


def _money(value: float, step: int = 10_000) -> Decimal:
    return Decimal(round(value / step) * step)


def _demo_products() -> tuple[int, dict[str, list[LoanProduct]]]:
    """The demo banks' products, created once (found by bank and name afterwards)."""
    actors = {YUEXIN: _demo_user("bank_pm"), XINGYE: _demo_user("bank2_officer")}
    created = 0
    for licence, status, values in DEMO_PRODUCTS:
        bank = Bank.objects.get(licence_number=licence)
        if LoanProduct.objects.filter(bank=bank, name=values["name"]).exists():
            continue
        actor = actors[licence]
        product = financing.product_save(bank=bank, actor=actor, **values)
        if status != LoanProduct.Status.DRAFT:
            product = financing.product_set_status(
                product=product, actor=actor, status=LoanProduct.Status.PUBLISHED
            )
        if status == LoanProduct.Status.WITHDRAWN:
            financing.product_set_status(product=product, actor=actor, status=status)
        created += 1
    published: dict[str, list[LoanProduct]] = {}
    for product in (
        LoanProduct.objects.filter(
            bank__licence_number__in=[YUEXIN, XINGYE], status=LoanProduct.Status.PUBLISHED
        )
        .select_related("bank")
        .order_by("pk")
    ):
        published.setdefault(product.bank.licence_number, []).append(product)
    return created, published


def _demo_user(username: str) -> User:
    return User.objects.get(username=username)


class _Eligibility:
    """Which enterprise may apply for which product, asked once per pair."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, int], bool] = {}

    def __call__(self, enterprise: Enterprise, product: LoanProduct) -> bool:
        key = (enterprise.pk, product.pk)
        if key not in self.known:
            self.known[key] = financing_selectors.product_check(enterprise, product).eligible
        return self.known[key]


def _terms(product: LoanProduct, rng: np.random.Generator) -> dict[str, Any]:
    """What an enterprise asks a product for: amount, term and guarantee within its ranges."""
    low, high = float(product.amount_min), float(min(product.amount_max, Decimal(3_000_000)))
    amount = min(
        max(_money(rng.uniform(low, max(low, high))), product.amount_min), product.amount_max
    )
    terms = [t for t in (3, 6, 12, 18, 24, 36) if product.term_min <= t <= product.term_max]
    modes = flags.codes(flags.Guarantee, product.guarantee_mask)
    return {
        "amount": amount,
        "term_months": int(rng.choice(terms or [product.term_min])),
        "guarantee": str(modes[int(rng.integers(len(modes)))]),
        "purpose": str(rng.choice(["working_capital", "equipment", "orders", "expansion"])),
    }


def _action_data(
    application: Application, action: str, rng: np.random.Generator, today: dt.date
) -> dict[str, Any]:
    product = application.product
    if action in ("approve", "disburse"):
        amount = application.approved_amount or max(
            _money(float(application.amount) * float(rng.choice([1.0, 1.0, 0.8]))),
            product.amount_min,
        )
        spread = float(product.rate_max - product.rate_min)
        rate = application.approved_rate or (
            product.rate_min + Decimal(str(round(spread * rng.uniform(0.1, 0.6), 2)))
        )
        data: dict[str, Any] = {
            "amount": amount,
            "rate": rate,
            "term_months": application.term_months,
            "guarantee": application.guarantee,
        }
        if action == "disburse":
            data["disbursed_on"] = today
        return data
    if action == "reject":
        reason, text = REJECTIONS[int(rng.integers(len(REJECTIONS)))]
        return {"reason": reason, "text": text}
    if action == "overdue":
        return {"on": today, "amount": _money(float(application.approved_amount or 0) * 0.08, 100)}
    if action in ("repay", "cure", "settle", "default"):
        return {"on": today}
    if action == "hand_over":
        return {"branch": application.bank.branches.exclude(pk=application.branch_id).first()}
    return {}


def _walk(
    *,
    enterprise: Enterprise,
    owner: User,
    product: LoanProduct,
    officers: dict[int, tuple[User, Organization]],
    actions: list[str] | None,
    rng: np.random.Generator,
    today: dt.date,
) -> Application:
    """Create the application (a draft when ``actions`` is None) and apply ``actions``."""
    applicant = enterprise.organization
    if applicant is None:
        raise RuntimeError(f"{enterprise} has not registered and cannot apply")
    application = financing.application_create(
        enterprise=enterprise,
        product=product,
        actor=owner,
        note="演示申请",
        submit=actions is not None,
        **_terms(product, rng),
    )
    for action in actions or []:
        if TRANSITIONS[action].side == Side.ENTERPRISE:
            actor, organization = owner, applicant
        else:
            actor, organization = officers[product.bank_id]
        application = financing.application_transition(
            application=application,
            action=action,
            actor=actor,
            organization=organization,
            **_action_data(application, action, rng, today),
        )
    return application


def _applicant(frame_row: Any, enterprise: Enterprise) -> tuple[Enterprise, User]:
    """Register a synthetic enterprise with an invented owner who cannot log in."""
    username = f"demo_owner_{int(frame_row.name):04d}"  # the enterprise's row in the city
    owner, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": frame_row.legal_rep_name,
            "email": f"{username}@demo.xinyidai.example",
        },
    )
    if created:
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
    registered = enterprise_register(
        owner=owner,
        uscc=frame_row.uscc,
        name=frame_row.name,
        legal_rep_name=frame_row.legal_rep_name,
        legal_rep_id_number=frame_row.legal_rep_id_number,
        region_code=frame_row.region_code,
        industry_code=frame_row.industry_code,
        established_on=frame_row.established_on,
        registered_capital=Decimal(str(frame_row.registered_capital)),
    )
    return registered, owner


def _offer(
    enterprise: Enterprise,
    offered: list[LoanProduct],
    used: set[tuple[int, int]],
    eligible: _Eligibility,
) -> LoanProduct | None:
    """The first of ``offered`` the enterprise may apply for and has not yet applied for."""
    return next(
        (p for p in offered if (enterprise.pk, p.pk) not in used and eligible(enterprise, p)),
        None,
    )


def _demo_applications(
    frame: pd.DataFrame,
    products: dict[str, list[LoanProduct]],
    rng: np.random.Generator,
    eligible: _Eligibility,
) -> list[tuple[Application, list[str], str]]:
    """Applications in every state: the ent_owner's, then synthetic applicants' (each with the
    actions taken and the plan name, for back-dating)."""
    today = timezone.localdate()
    officers = {}
    for licence, username in ((YUEXIN, "bank_officer"), (XINGYE, "bank2_officer")):
        bank = Bank.objects.select_related("organization").get(licence_number=licence)
        officers[bank.pk] = (_demo_user(username), bank.organization)
    made: list[tuple[Application, list[str], str]] = []

    owner = _demo_user("ent_owner")
    own = Enterprise.objects.select_related("organization").get(uscc=frame.iloc[0].uscc)
    own_products = [p for p in products[YUEXIN] + products[XINGYE] if eligible(own, p)]
    for i, state in enumerate(OWNER_PLAN if own_products else []):
        actions = None if state == S.DRAFT else PATHS[state]
        product = own_products[i % len(own_products)]
        made.append(
            (
                _walk(
                    enterprise=own,
                    owner=owner,
                    product=product,
                    officers=officers,
                    actions=actions,
                    rng=rng,
                    today=today,
                ),
                actions or [],
                state,
            )
        )

    rows = frame.iloc[2:]
    by_uscc = {
        e.uscc: e
        for e in Enterprise.objects.filter(uscc__in=list(rows["uscc"])).select_related(
            "organization"
        )
    }
    candidates = iter(
        (rows.iloc[int(i)], by_uscc[rows.iloc[int(i)].uscc])
        for i in rng.permutation(len(rows))
        if rows.iloc[int(i)].uscc in by_uscc
    )
    pool: list[tuple[Enterprise, User]] = []
    used: set[tuple[int, int]] = set()
    plan = [name for name, count in SYNTHETIC_PLAN for _ in range(count)]
    for i, name in enumerate(plan):
        licence = YUEXIN if i % 3 != 2 else XINGYE
        offered = (
            products[licence][i % len(products[licence]) :]
            + products[licence][: i % len(products[licence])]
        )
        choice: tuple[Enterprise, User, LoanProduct] | None = None
        if len(pool) < DEMO_APPLICANTS:
            for row, enterprise in candidates:
                found = _offer(enterprise, offered, used, eligible)
                if found is not None:
                    pool.append(_applicant(row, enterprise))
                    choice = (*pool[-1], found)
                    break
        for k in range(len(pool) if choice is None else 0):
            enterprise, person = pool[(i + k) % len(pool)]
            found = _offer(enterprise, offered, used, eligible)
            if found is not None:
                choice = (enterprise, person, found)
                break
        if choice is None:
            raise RuntimeError(f"no demo enterprise is eligible for a product of {licence}")
        enterprise, person, product = choice
        used.add((enterprise.pk, product.pk))
        if name == S.DRAFT:
            actions = None
        elif name == "submitted_late":
            actions = []
        else:
            actions = VARIANTS.get(name, PATHS.get(name, []))
        made.append(
            (
                _walk(
                    enterprise=enterprise,
                    owner=person,
                    product=product,
                    officers=officers,
                    actions=actions,
                    rng=rng,
                    today=today,
                ),
                actions or [],
                name,
            )
        )
    return made


def _back_working(day: dt.date, days: int) -> dt.date:
    """The latest working day from which ``day`` is ``days`` working days later (``day``
    itself for none)."""
    if days == 0:
        return day
    start = day - dt.timedelta(days=1)
    while working_days_between(start, day) < days or not is_working_day(start):
        start -= dt.timedelta(days=1)
    return start


def _timeline(
    actions: list[str], plan: str, term_months: int, rng: np.random.Generator, today: dt.date
) -> list[dt.date]:
    """The day of the submission and of each action, the last one in the recent past."""
    if plan == "submitted_late":
        return [_back_working(today, int(rng.integers(3, 7)))]
    if plan == S.SUBMITTED:
        return [today]
    end = _back_working(today, int(rng.integers(1, 10)))
    days = [end]
    for action in reversed(actions):
        later = days[0]
        if action in WORKING_GAPS:
            low, high = WORKING_GAPS[action]
            earlier = _back_working(later, int(rng.integers(low, high + 1)))
        elif action == "settle":
            earlier = later - dt.timedelta(days=max(term_months - 1, 1) * 30)
        else:
            low, high = CALENDAR_GAPS[action]
            earlier = later - dt.timedelta(days=int(rng.integers(low, high + 1)))
        days.insert(0, earlier)
    return days


def _backdate(made: list[tuple[Application, list[str], str]], rng: np.random.Generator) -> None:
    """Move each application's timeline into the past, in one bulk update per table.

    The services stamp every step with the present (production code must not travel in time),
    so the demo walks the real state machine today and then rewrites the dates: submission,
    acceptance and decision times, the promised dates and working days derived from them the
    way ``services._apply`` derives them, the loan dates, and the events' times and records.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    applications: list[Application] = []
    events: list[ApplicationEvent] = []
    by_application: dict[int, list[ApplicationEvent]] = {}
    for event in ApplicationEvent.objects.filter(
        application_id__in=[a.pk for a, _actions, _plan in made]
    ).order_by("pk"):
        by_application.setdefault(event.application_id, []).append(event)
    for application, actions, plan in made:
        application.refresh_from_db()
        product = application.product
        if application.state == S.DRAFT:
            created = now - dt.timedelta(
                days=int(rng.integers(1, 6)), hours=int(rng.integers(1, 8))
            )
            application.created_at = application.updated_at = created
            applications.append(application)
            continue
        days = _timeline(actions, plan, application.term_months, rng, today)
        stamps: list[dt.datetime] = []
        minute = 0
        for i, day in enumerate(days):
            if plan == S.SUBMITTED:
                stamps.append(now - dt.timedelta(minutes=int(rng.integers(20, 240))))
                continue
            minute = (
                min(minute + int(rng.integers(10, 90)), 540)
                if i and day == days[i - 1]
                else int(rng.integers(0, 420))
            )
            start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
            stamps.append(start + dt.timedelta(minutes=minute))
        submitted = timezone.localdate(stamps[0])
        application.created_at = stamps[0] - dt.timedelta(minutes=int(rng.integers(5, 60)))
        application.submitted_at = stamps[0]
        application.accept_due_on = add_working_days(submitted, product.promised_accept_days)
        application.decision_due_on = add_working_days(submitted, product.promised_decision_days)
        application.updated_at = stamps[-1]
        steps = by_application[application.pk]
        if [e.action for e in steps] != ["submit", *actions]:
            raise RuntimeError(f"demo application {application.pk}: unexpected events {steps}")
        for event, stamp in zip(steps, stamps, strict=True):
            day = timezone.localdate(stamp)
            event.created_at = stamp
            if event.action == "submit":
                event.data = {
                    "accept_due_on": application.accept_due_on.isoformat(),
                    "decision_due_on": application.decision_due_on.isoformat(),
                }
            elif event.action == "accept":
                application.accepted_at = stamp
                application.accept_working_days = max(working_days_between(submitted, day), 0)
                application.accept_late = day > application.accept_due_on
                event.data = {**event.data, "working_days": application.accept_working_days}
            elif event.action in ("approve", "reject"):
                application.decided_at = stamp
                application.decision_working_days = max(working_days_between(submitted, day), 0)
                application.decision_late = day > application.decision_due_on
                event.data = {**event.data, "working_days": application.decision_working_days}
            elif event.action == "disburse":
                application.disbursed_on = day
                application.maturity_on = day + relativedelta(
                    months=application.disbursed_term_months or application.term_months
                )
                event.data = {**event.data, "disbursed_on": day.isoformat()}
            elif event.action in ("repay", "overdue", "cure", "settle", "default"):
                field = {
                    "repay": "repaying_since",
                    "overdue": "overdue_since",
                    "settle": "settled_on",
                    "default": "defaulted_on",
                }.get(event.action)
                if field:
                    setattr(application, field, day)
                event.data = {**event.data, "on": day.isoformat()}
            events.append(event)
        applications.append(application)
    Application.objects.bulk_update(
        applications,
        [
            "created_at",
            "updated_at",
            "submitted_at",
            "accept_due_on",
            "decision_due_on",
            "accepted_at",
            "decided_at",
            "accept_working_days",
            "decision_working_days",
            "accept_late",
            "decision_late",
            "disbursed_on",
            "maturity_on",
            "repaying_since",
            "overdue_since",
            "settled_on",
            "defaulted_on",
        ],
        batch_size=500,
    )
    ApplicationEvent.objects.bulk_update(events, ["created_at", "data"], batch_size=500)


NEED_TEXTS = {
    "working_capital": "采购原材料，订单已签",
    "equipment": "更新生产设备，提高产能",
    "research": "新产品研发投入",
    "orders": "履行已中标的采购合同",
    "expansion": "新开门店，扩大经营",
    "refinancing": "到期贷款续贷周转",
}


def _need_row(
    enterprise: Enterprise, product: LoanProduct, rng: np.random.Generator, now: dt.datetime
) -> FinancingNeed:
    """A published need shaped after ``product`` (most fit it, some ask for more than it gives),
    with the enterprise's facts copied the way ``need_publish`` copies them."""
    terms = _terms(product, rng)
    amount = terms["amount"]
    if rng.random() < 0.15:
        amount = _money(float(product.amount_max) * rng.uniform(1.1, 2.0))
    modes = flags.mask(flags.Guarantee, [terms["guarantee"]])
    if rng.random() < 0.4:
        modes |= flags.mask(flags.Guarantee, [str(rng.choice(flags.Guarantee.values))])
    facts = financing_selectors.enterprise_facts(enterprise)
    purpose = str(rng.choice(list(NEED_TEXTS)))
    published = now - dt.timedelta(minutes=int(rng.integers(30, 45 * 24 * 60)))
    return FinancingNeed(
        enterprise=enterprise,
        amount=amount,
        term_months=terms["term_months"],
        purpose=purpose,
        description=NEED_TEXTS[purpose],
        guarantee_mask=modes,
        max_rate=product.rate_min + Decimal(str(round(rng.uniform(0.2, 2.5), 2))),
        wanted_by=timezone.localdate(now) + dt.timedelta(days=int(rng.integers(20, 150))),
        scenario_mask=product.scenario_mask if rng.random() < 0.7 else 0,
        status=FinancingNeed.Status.PUBLISHED,
        region_code=facts.region_code,
        industry_section=facts.industry_section,
        size_class=facts.size_class,
        established_on=facts.established_on,
        grade=facts.grade,
        tax_grade=facts.tax_grade,
        list_flag_mask=facts.list_flag_mask,
        first_loan=facts.first_loan,
        published_at=published,
    )


def _demo_needs(
    frame: pd.DataFrame,
    products: dict[str, list[LoanProduct]],
    rng: np.random.Generator,
) -> int:
    """Published needs of synthetic enterprises that have not registered (bulk-inserted: they
    have no user to publish them), so that both banks' matching lists are full."""
    rows = frame.iloc[2:]
    waiting = list(
        Enterprise.objects.filter(uscc__in=list(rows["uscc"]), organization__isnull=True).order_by(
            "uscc"
        )
    )
    if not waiting or FinancingNeed.objects.filter(enterprise__in=waiting).exists():
        return 0
    offered = products[YUEXIN] + products[XINGYE]
    now = timezone.now()
    chosen = [waiting[int(i)] for i in rng.permutation(len(waiting))[:DEMO_NEEDS]]
    shaped = [(e, offered[int(rng.integers(len(offered)))]) for e in chosen]
    needs = [_need_row(e, product, rng, now) for e, product in shaped]
    FinancingNeed.objects.bulk_create(needs, batch_size=500)
    FinancingNeed.objects.filter(pk__in=[n.pk for n in needs]).update(
        created_at=F("published_at"), updated_at=F("published_at")
    )
    # A few banks have already expressed interest (pending: nobody at the firm has answered).
    officers = {
        m.organization_id: m
        for m in Membership.objects.filter(
            user__username__in=["bank_officer", "bank2_officer"]
        ).select_related("organization", "user", "branch")
    }
    expressed = 0
    for need, (_enterprise, product) in zip(needs, shaped, strict=True):
        if expressed == DEMO_INTERESTS:
            break
        terms = financing_selectors.need_terms(need)
        if financing_selectors.product_check(need.enterprise, product, terms).eligible:
            financing.interest_express(
                need=need,
                product=product,
                membership=officers[product.bank_id],
                message=f"我行“{product.name}”可满足该需求，期待对接。",
            )
            expressed += 1
    return len(needs)


def _owner_needs(
    frame: pd.DataFrame, products: dict[str, list[LoanProduct]], eligible: _Eligibility
) -> int:
    """ent_owner's enterprise: a published need that 粤信银行 has answered, and a draft."""
    own = Enterprise.objects.get(uscc=frame.iloc[0].uscc)
    if FinancingNeed.objects.filter(enterprise=own).exists():
        return 0
    owner = _demo_user("ent_owner")
    wanted_by = timezone.localdate() + dt.timedelta(days=45)
    published = financing.need_create(
        enterprise=own,
        actor=owner,
        publish=True,
        amount=Decimal("800000"),
        term_months=12,
        purpose="working_capital",
        description="旺季备货，采购合同已签订",
        guarantees=["credit", "guarantee"],
        max_rate=Decimal("5.50"),
        wanted_by=wanted_by,
        scenarios=["tax_credit"],
    )
    terms = financing_selectors.need_terms(published)
    product = next(
        (
            p
            for p in products[YUEXIN]
            if eligible(own, p) and financing_selectors.product_check(own, p, terms).eligible
        ),
        None,
    )
    if product is not None:
        officer = Membership.objects.get(
            user__username="bank_officer", organization__bank__licence_number=YUEXIN
        )
        financing.interest_express(
            need=published,
            product=product,
            membership=officer,
            message=f"您好，我行“{product.name}”可满足该需求，欢迎联系。",
        )
    financing.need_create(
        enterprise=own,
        actor=owner,
        amount=Decimal("2000000"),
        term_months=36,
        purpose="equipment",
        description="新增一条自动化生产线（草稿）",
        guarantees=["mortgage"],
        max_rate=Decimal("4.80"),
        wanted_by=wanted_by + dt.timedelta(days=60),
        scenarios=["green"],
    )
    return 2


def seed_financing(frame: pd.DataFrame, *, seed: int) -> dict[str, int]:
    """Products, applications and needs, each part once; how many of each this run created.

    ``frame`` is the demo city's enterprises; ``seed`` makes every choice repeatable."""
    rng = np.random.default_rng(seed)
    eligible = _Eligibility()
    products_created, products = _demo_products()
    applications = 0
    if not Application.objects.filter(bank__licence_number__in=[YUEXIN, XINGYE]).exists():
        made = _demo_applications(frame, products, rng, eligible)
        _backdate(made, rng)
        applications = len(made)
    needs = _owner_needs(frame, products, eligible) + _demo_needs(frame, products, rng)
    return {"products": products_created, "needs": needs, "applications": applications}
