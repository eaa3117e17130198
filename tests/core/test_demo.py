"""The demo seed delivers a whole synthetic city through the real ingestion path, and financing
data through the real services: products, needs, and applications in every state."""

from collections import Counter

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from xinyidai.accounts.models import Bank
from xinyidai.core.demo import seed_demo
from xinyidai.financing import selectors
from xinyidai.financing.models import (
    Application,
    ApplicationEvent,
    FinancingNeed,
    Interest,
    LoanProduct,
)
from xinyidai.notifications.models import Notification
from xinyidai.oversight.demo import HISTORY_NOTE
from xinyidai.oversight.models import Cell, DirtyYear
from xinyidai.policies.selectors import policies_for_enterprise
from xinyidai.registry.models import Enterprise
from xinyidai.rights.demo import PENALTY_NUMBER
from xinyidai.rights.models import Commitment, ListEntry, Objection
from xinyidai.rights.selectors_repair import eligible_penalties
from xinyidai.sources.models import RECORD_MODELS, Batch, Source

S = Application.State


def _financing_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (LoanProduct, FinancingNeed, Interest, Application, ApplicationEvent)
    }


@pytest.mark.django_db
def test_the_demo_city_arrives_through_ingestion_and_seeding_again_changes_nothing():
    first = seed_demo(enterprises=60)
    batches = Batch.objects.all()
    assert first["records_loaded"] > 3000
    assert sorted(batches.values_list("source_id", flat=True)) == sorted(
        [*Source.objects.values_list("code", flat=True), "admin_penalty"]  # + the rights demo's
    )
    assert set(batches.values_list("status", flat=True)) == {"accepted"}
    assert set(batches.values_list("file_format", flat=True)) == {"csv", "xlsx", "jsonl"}
    assert sum(model.objects.count() for model in RECORD_MODELS.values()) == first["records_loaded"]

    # Financing: eight published products, a draft and a withdrawn one.
    assert Counter(LoanProduct.objects.values_list("status", flat=True)) == {
        "published": 8,
        "draft": 1,
        "withdrawn": 1,
    }
    # Applications in every state, walked through the state machine (one event per step).
    lifecycle = Application.objects.exclude(note=HISTORY_NOTE)
    assert Counter(lifecycle.values_list("state", flat=True)) == {
        S.DRAFT: 3,
        S.SUBMITTED: 7,
        S.ACCEPTED: 3,
        S.UNDER_REVIEW: 3,
        S.APPROVED: 3,
        S.REJECTED: 5,
        S.WITHDRAWN: 3,
        S.DISBURSED: 3,
        S.REPAYING: 5,
        S.SETTLED: 3,
        S.OVERDUE: 2,
        S.DEFAULTED: 1,
    }
    assert first["applications"] == 41
    assert first["products"] == 10
    in_order = Prefetch("events", queryset=ApplicationEvent.objects.order_by("pk"))
    for application in lifecycle.exclude(state=S.DRAFT).prefetch_related(in_order):
        steps = list(application.events.all())  # in the order the state machine wrote them
        assert steps[0].action == "submit"
        assert steps[-1].to_state == application.state
        assert [e.created_at for e in steps] == sorted(e.created_at for e in steps)
    # Timelines lie in the past: response times vary, three submissions are past their
    # promised acceptance date.
    today = timezone.localdate()
    assert not Application.objects.filter(submitted_at__gt=timezone.now()).exists()
    late = selectors.overdue_applications(today).filter(state=S.SUBMITTED, accept_due_on__lt=today)
    assert late.count() == 3
    accept_days = set(
        Application.objects.exclude(accept_working_days=None).values_list(
            "accept_working_days", flat=True
        )
    )
    assert len(accept_days) >= 3
    # ent_owner's enterprise: one of each, a published need with 粤信银行's pending interest,
    # and a draft need.
    own = Enterprise.objects.get(organization__memberships__user__username="ent_owner")
    assert Counter(lifecycle.filter(enterprise=own).values_list("state", flat=True)) == {
        S.DISBURSED: 1,
        S.REJECTED: 1,
        S.APPROVED: 1,
        S.SUBMITTED: 1,
        S.DRAFT: 1,
    }
    assert Counter(own.needs.values_list("status", flat=True)) == {"published": 1, "draft": 1}
    interest = Interest.objects.get(need__enterprise=own)
    assert (interest.bank.short_name, interest.status) == ("粤信银行", "pending")
    # Every unregistered enterprise of the small city has published a need; banks see them.
    waiting = Enterprise.objects.filter(organization__isnull=True)
    published = FinancingNeed.objects.filter(status="published", enterprise__in=waiting)
    assert published.count() == waiting.count()
    assert first["needs"] == published.count() + 2
    for bank in Bank.objects.all():
        assert len(selectors.needs_matching_bank(bank)) >= 5
    # The demo enterprise granted 粤信银行 access, which has fetched its profile; a post-loan
    # request waits for the owner; a fetch for a purpose never granted was refused and logged.
    from xinyidai.consent.access_log import verify
    from xinyidai.consent.models import AccessLogEntry, Authorization

    grants = Authorization.objects.filter(enterprise=own).order_by("purpose")
    assert [(a.purpose, a.status) for a in grants] == [
        ("post_loan", "pending"),
        ("pre_loan", "active"),
    ]
    log = AccessLogEntry.objects.filter(enterprise_id=own.pk).order_by("id")
    assert [(e.outcome, e.reason) for e in log] == [
        ("allowed", ""),
        ("allowed", ""),
        ("refused", "no_grant"),
    ]
    assert verify() == (3, None)
    assert first["authorizations"] == 2
    # The city's past loans, for the regulator's pages, and the cube over everything.
    history = Application.objects.filter(note=HISTORY_NOTE)
    assert first["history_loans"] == history.count() > 10
    assert set(history.values_list("state", flat=True)) <= {S.REPAYING, S.SETTLED, S.DEFAULTED}
    assert first["oversight_cells"] == Cell.objects.count() > 0
    assert not DirtyYear.objects.exists()
    # Rights: the demo enterprise's penalty may be repaired, its owner signed a commitment and
    # objected to a tax record; the platform designated three enterprises.
    enterprise = Enterprise.objects.get(organization__memberships__user__username="ent_owner")
    penalty = next(p for p in eligible_penalties(enterprise) if p.decision_number == PENALTY_NUMBER)
    assert penalty.eligible
    assert Commitment.objects.filter(enterprise=enterprise, state="in_force").count() == 1
    assert Objection.objects.filter(enterprise=enterprise, state="submitted").count() == 1
    assert Counter(ListEntry.objects.filter(origin="operator").values_list("kind", flat=True)) == {
        "red": 1,
        "key_attention": 1,
        "serious_dishonesty": 1,
    }
    assert (first["demo_commitments"], first["demo_objections"], first["demo_designations"]) == (
        1,
        1,
        3,
    )
    # The portal: policies, news and an event, published through revisions; the Zhaoqing policy
    # reaches the demo enterprise (惠企政策直达), the Shenzhen one does not.
    assert (first["portal_policies"], first["portal_news"], first["portal_events"]) == (3, 2, 1)
    titles = [p.title for p in policies_for_enterprise(enterprise, limit=10)]
    assert titles
    assert not [t for t in titles if "深圳" in t]
    assert Notification.objects.filter(
        kind="policy.published", organization=enterprise.organization
    ).exists()
    # The demo sends no e-mail.
    assert not Notification.objects.filter(emailed_at=None).exists()

    before = _financing_counts()
    second = seed_demo(enterprises=60)
    assert (second["records_loaded"], second["enterprises_loaded"]) == (0, 0)
    assert (second["products"], second["needs"], second["applications"]) == (0, 0, 0)
    assert (second["authorizations"], second["fetches"]) == (0, 0)
    assert second["history_loans"] == 0
    assert Batch.objects.count() == 13
    assert (second["demo_commitments"], second["demo_objections"], second["demo_designations"]) == (
        0,
        0,
        0,
    )
    assert _financing_counts() == before
