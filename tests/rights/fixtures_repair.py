"""Credit-repair personas: administrative penalties delivered by the credit centre through real
ingestion (today, from tests/rights/conftest.py, is Friday 2026-02-13).

Enterprise A has four penalties: a minor one eligible since 2026-01-01, a major one eligible
from 2026-03-01, a serious one eligible since 2026-01-10 (needs training and a credit report)
and a minor one never fulfilled. Enterprise B has one minor penalty, eligible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.rights.conftest import PDF, World, upload
from tests.sources.conftest import deliver
from xinyidai.accounts.models import Organization, User
from xinyidai.accounts.services import data_provider_create
from xinyidai.registry.models import Enterprise
from xinyidai.rights.models import RepairApplication
from xinyidai.rights.services_repair import repair_file
from xinyidai.sources.models import Batch

HEADER = "uscc,decision_number,decided_on,severity,amount,authority,reason,fulfilled_on"
MINOR, MAJOR, SERIOUS, UNPAID, B_MINOR = (
    "肇市监罚〔2025〕101号",
    "肇市监罚〔2025〕102号",
    "肇环罚〔2025〕7号",
    "肇市监罚〔2025〕55号",
    "端市监罚〔2025〕9号",
)


@dataclass
class Penalties:
    world: World
    centre: Organization
    batch: Batch

    @property
    def operator(self) -> User:
        return self.world.operator


def penalty_csv(rows: list[str]) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


@pytest.fixture(name="penalties")
def penalties_fixture(world: World) -> Penalties:
    centre = data_provider_create(
        name="肇庆市公共信用信息中心", kind="credit_centre", region_code="441200"
    ).organization
    a, b = world.p.enterprise_a.uscc, world.p.enterprise_b.uscc
    rows = [
        f"{a},{MINOR},2025-10-01,minor,5000,肇庆市市场监督管理局,未按规定公示年报,2025-10-20",
        f"{a},{MAJOR},2025-09-01,major,50000,肇庆市市场监督管理局,虚假宣传,2025-09-30",
        f"{a},{SERIOUS},2025-01-10,serious,200000,肇庆市生态环境局,超标排放,2025-02-01",
        f"{a},{UNPAID},2025-06-01,minor,3000,肇庆市市场监督管理局,未按期申报,",
        f"{b},{B_MINOR},2025-10-01,minor,2000,端州区市场监督管理局,未亮照经营,2025-10-15",
    ]
    batch = deliver(centre, penalty_csv(rows), source="admin_penalty")
    assert batch.status == Batch.Status.ACCEPTED, batch.message
    return Penalties(world=world, centre=centre, batch=batch)


def pdf(name: str = "证明.pdf") -> Any:
    return upload(PDF, name)


def file_repair(
    penalties: Penalties,
    *,
    number: str = MINOR,
    user: User | None = None,
    enterprise: Enterprise | None = None,
    evidence: dict[str, list[Any]] | None = None,
    training_completed_on: dt.date | None = None,
    sign: bool = True,
    signer_name: str = "张丽",
    statement: str = "已足额缴纳罚款并完成年报公示。",
) -> RepairApplication:
    return repair_file(
        user=user or penalties.world.p.alice,
        enterprise=enterprise or penalties.world.p.enterprise_a,
        decision_number=number,
        statement=statement,
        training_completed_on=training_completed_on,
        evidence={"fulfilment": [pdf()]} if evidence is None else evidence,
        sign_commitment=sign,
        signer_name=signer_name,
    )
