"""The demo's lending history for the regulator's pages: the synthetic city's past loans
(``SynthCity.loans``: date, amount, term, default drawn from the generator's true probability)
written as settled, repaying or defaulted applications of the two demo banks, then the cube.

Deterministic by seed; written once (found again by its note); no signals fire (bulk insert):
the demo rebuilds the cube once at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from xinyidai.financing import flags
from xinyidai.financing.flags import Guarantee
from xinyidai.financing.models import Application, LoanProduct
from xinyidai.registry.models import Enterprise

HISTORY_NOTE = "演示历史贷款（由合成城市的贷款记录生成）"


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed_history(loans: pd.DataFrame, products: list[LoanProduct], *, seed: int) -> int:
    """Applications for ``loans`` (uscc, loan_date, amount, term_months, defaulted_on) at the
    demo banks' ``products``; how many were written (0 when the history is already there)."""
    if Application.objects.filter(note=HISTORY_NOTE).exists() or not products:
        return 0
    rng = np.random.default_rng(seed)
    ids = dict(
        Enterprise.objects.filter(uscc__in=loans["uscc"].unique().tolist()).values_list(
            "uscc", "pk"
        )
    )
    rows = loans.loc[loans["uscc"].isin(ids)].sort_values(["loan_date", "uscc"])
    branches = {p.pk: p.bank.branches.order_by("-is_head_office", "code").first() for p in products}
    today = timezone.localdate()
    seen: set[str] = set()
    made = []
    picks = rng.integers(0, len(products), len(rows))
    rate_draws = rng.random(len(rows))
    lag_draws = rng.integers(1, 6, len(rows))
    for (_, row), pick, rate_draw, lag in zip(
        rows.iterrows(), picks, rate_draws, lag_draws, strict=True
    ):
        product = products[int(pick)]
        day = pd.Timestamp(row["loan_date"]).date()
        amount = Decimal(str(row["amount"])).quantize(Decimal("0.01"))
        amount = min(max(amount, product.amount_min), product.amount_max)
        term = int(min(max(int(row["term_months"]), product.term_min), product.term_max))
        guarantee = flags.codes(Guarantee, product.guarantee_mask)[0]
        spread = (product.rate_max - product.rate_min) * Decimal(rate_draw)
        rate = (product.rate_min + spread).quantize(Decimal("0.001"))
        submitted = day - dt.timedelta(days=int(lag) + 2)
        maturity = day + relativedelta(months=term)
        defaulted_on = row["defaulted_on"]
        state = Application.State.REPAYING
        extra: dict[str, object] = {}
        if pd.notna(defaulted_on) and pd.Timestamp(defaulted_on).date() <= today:
            default_day = pd.Timestamp(defaulted_on).date()
            state = Application.State.DEFAULTED
            extra = {
                "overdue_since": default_day - dt.timedelta(days=90),
                "overdue_amount": amount,
                "defaulted_on": default_day,
            }
        elif maturity <= today:
            state = Application.State.SETTLED
            extra = {"settled_on": maturity}
        made.append(
            Application(
                enterprise_id=ids[row["uscc"]],
                product=product,
                bank_id=product.bank_id,
                branch=branches[product.pk],
                state=state,
                amount=amount,
                term_months=term,
                guarantee=guarantee,
                purpose="working_capital",
                note=HISTORY_NOTE,
                submitted_at=_moment(submitted, 10),
                accept_due_on=submitted + dt.timedelta(days=1),
                decision_due_on=submitted + dt.timedelta(days=5),
                accepted_at=_moment(submitted + dt.timedelta(days=1), 11),
                decided_at=_moment(day - dt.timedelta(days=1), 15),
                accept_working_days=1,
                decision_working_days=int(lag),
                approved_amount=amount,
                approved_rate=rate,
                approved_term_months=term,
                approved_guarantee=guarantee,
                disbursed_amount=amount,
                disbursed_on=day,
                disbursed_rate=rate,
                disbursed_term_months=term,
                disbursed_guarantee=guarantee,
                maturity_on=maturity,
                is_first_loan=row["uscc"] not in seen,
                is_credit_loan=guarantee == Guarantee.CREDIT,
                repaying_since=day + relativedelta(months=1),
                **extra,
            )
        )
        seen.add(row["uscc"])
    Application.objects.bulk_create(made, batch_size=500)
    return len(made)
