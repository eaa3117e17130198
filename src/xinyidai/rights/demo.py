"""Demo data of the rights processes, through their real services (each in its own transaction,
so it runs after the demo's seed has committed): the demo enterprise's minor penalty, fulfilled
and past its minimum publication period (eligible for repair), a public commitment signed by its
owner, an objection to one of its tax records waiting in the tax bureau's queue, and the
platform's designations (the second demo enterprise on the red list, two other enterprises on
the key-attention and serious-dishonesty lists). Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from risk_models.files import write_source_file
from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import batch_ingest_file

from .models import Commitment, CommitmentTemplate, ListEntry, Objection
from .models.lists import ListKind
from .services import objection_file
from .services_commitments import commitment_sign_online
from .services_lists import list_designate

PENALTY_NUMBER = "肇市监罚〔演示〕0417号"


def _enterprise_of(username: str) -> tuple[User, Enterprise] | None:
    membership = (
        Membership.objects.filter(
            user__username=username, role=Role.ENTERPRISE_OWNER, is_active=True
        )
        .select_related("user", "organization__enterprise")
        .first()
    )
    if membership is None:
        return None
    return membership.user, membership.organization.enterprise


def _deliver_penalty(enterprise: Enterprise, provider: Organization, today: dt.date) -> int:
    """A minor penalty decided eight months ago and fulfilled within three weeks."""
    source = Source.objects.get(code="admin_penalty")
    model: Any = source.record_model
    if model.objects.filter(decision_number=PENALTY_NUMBER, is_current=True).exists():
        return 0
    decided = today - relativedelta(months=8)
    frame = pd.DataFrame(
        {
            "uscc": [enterprise.uscc],
            "decision_number": [PENALTY_NUMBER],
            "decided_on": [pd.Timestamp(decided)],
            "severity": ["minor"],
            "amount": [5000.0],
            "authority": ["肇庆市市场监督管理局"],
            "reason": ["未按规定期限公示年度报告"],
            "fulfilled_on": [pd.Timestamp(decided + dt.timedelta(days=20))],
        }
    )
    with tempfile.TemporaryDirectory(prefix="xinyidai-demo-") as directory:
        path = write_source_file(frame, "admin_penalty", Path(directory) / "penalty.csv")
        batch = batch_ingest_file(source=source, provider=provider, path=str(path))
    if batch.status != Batch.Status.ACCEPTED:
        raise RuntimeError(f"demo penalty rejected: {batch.error_sample}")
    return 1


def _objection(owner: User, enterprise: Enterprise) -> int:
    if Objection.objects.filter(enterprise=enterprise).exists():
        return 0
    source = Source.objects.get(code="tax_monthly")
    model: Any = source.record_model  # a record table of the catalogue, built at start-up
    record = model.objects.filter(uscc=enterprise.uscc, is_current=True).order_by("-period").first()
    if record is None:
        return 0
    objection_file(
        enterprise=enterprise,
        user=owner,
        source=source,
        record_key={"uscc": enterprise.uscc, "period": record.period.isoformat()},
        reason="该月增值税已于次月申报期内足额缴纳，记录的应纳税额与完税凭证不一致。",
    )
    return 1


def _designations(operator: User, today: dt.date, partner: Enterprise | None) -> int:
    if ListEntry.objects.filter(origin=ListEntry.Origin.OPERATOR).exists():
        return 0
    personas = Enterprise.objects.filter(organization__isnull=False).values("uscc")
    others = list(
        Enterprise.objects.exclude(uscc__in=personas)
        .order_by("uscc")
        .values_list("uscc", flat=True)[:2]
    )
    wanted: list[tuple[str, str, str, str]] = []
    if partner is not None:
        wanted.append(
            (ListKind.RED, partner.uscc, "守信激励对象（纳税信用A级）", "肇信用〔演示〕11号")
        )
    if len(others) == 2:
        wanted += [
            (ListKind.KEY_ATTENTION, others[0], "拖欠账款重点关注对象", "肇信用〔演示〕12号"),
            (ListKind.SERIOUS_DISHONESTY, others[1], "严重违法失信行为", "肇信用〔演示〕13号"),
        ]
    for kind, uscc, basis, number in wanted:
        list_designate(
            user=operator,
            kind=kind,
            uscc=uscc,
            basis=basis,
            document_number=number,
            authority="肇庆市发展和改革局",
            listed_on=today - dt.timedelta(days=30),
        )
    return len(wanted)


def seed_rights() -> dict[str, int]:
    found = _enterprise_of("ent_owner")
    operator = User.objects.filter(username="operator").first()
    provider = Organization.objects.filter(
        kind=Organization.Kind.DATA_PROVIDER, data_provider__kind="credit_centre"
    ).first()
    if found is None or operator is None or provider is None:
        return {}
    owner, enterprise = found
    partner = _enterprise_of("ent2_owner")
    today = timezone.localdate()
    penalties = _deliver_penalty(enterprise, provider, today)
    signed = 0
    if not Commitment.objects.filter(enterprise=enterprise).exists():
        commitment_sign_online(
            user=owner,
            enterprise=enterprise,
            template=CommitmentTemplate.objects.filter(code="public", is_active=True).latest(
                "version"
            ),
            subject="依法诚信经营，按时足额缴纳税费",
            signer_name=owner.display_name or owner.username,
        )
        signed = 1
    return {
        "demo_penalties": penalties,
        "demo_commitments": signed,
        "demo_objections": _objection(owner, enterprise),
        "demo_designations": _designations(operator, today, partner[1] if partner else None),
    }
