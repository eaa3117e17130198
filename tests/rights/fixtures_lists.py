"""Lists personas: the credit centre delivers the serious-dishonesty list and the red list
through real ingestion (today, from tests/rights/conftest.py, is Friday 2026-02-13).

Enterprise A is on the serious-dishonesty list (since 2025-06-01); enterprise B holds a red-list
honour valid until 2026-12-31; a subject not registered on the platform is on both lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from stdnum.cn import uscc as stdnum_uscc

from tests.rights.conftest import World
from tests.sources.conftest import deliver
from xinyidai.accounts.models import Organization
from xinyidai.accounts.services import data_provider_create
from xinyidai.rights.models import ListEntry, ListEvent, ListExit, ListExitEvent, ListExitEvidence
from xinyidai.rights.services_lists import list_designate
from xinyidai.sources.models import Batch

SERIOUS_HEADER = "uscc,list_name,listed_on,removed_on,authority,reason"
RED_HEADER = "uscc,honour_name,awarded_on,valid_until,authority"
SERIOUS_LIST = "拖欠农民工工资失信联合惩戒对象名单"
SERIOUS_REASON = "拖欠农民工工资数额巨大，经责令限期支付仍不支付"
HONOUR = "守合同重信用企业"


def valid_uscc(body: str = "91441200MA4UQ0B1X") -> str:
    return body + stdnum_uscc.calc_check_digit(body)


OUTSIDER_USCC = valid_uscc()  # a subject not registered on the platform


def csv(header: str, rows: list[str]) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


@dataclass
class Lists:
    world: World
    centre: Organization
    serious_batch: Batch
    red_batch: Batch

    def serious(self, rows: list[str]) -> Batch:
        batch = deliver(self.centre, csv(SERIOUS_HEADER, rows), source="serious_dishonesty")
        assert batch.status == Batch.Status.ACCEPTED, batch.message
        return batch

    def red(self, rows: list[str]) -> Batch:
        batch = deliver(self.centre, csv(RED_HEADER, rows), source="red_list")
        assert batch.status == Batch.Status.ACCEPTED, batch.message
        return batch

    def entry_of(self, uscc: str, kind: str) -> ListEntry:
        return ListEntry.objects.get(uscc=uscc, kind=kind)


def serious_row(uscc: str, removed_on: str = "", listed_on: str = "2025-06-01") -> str:
    authority = "肇庆市人力资源和社会保障局"
    return f"{uscc},{SERIOUS_LIST},{listed_on},{removed_on},{authority},{SERIOUS_REASON}"


def red_row(uscc: str, valid_until: str = "2026-12-31", awarded_on: str = "2025-03-01") -> str:
    return f"{uscc},{HONOUR},{awarded_on},{valid_until},肇庆市市场监督管理局"


@pytest.fixture(name="lists")
def lists_fixture(world: World) -> Lists:
    centre = data_provider_create(
        name="肇庆市公共信用信息中心", kind="credit_centre", region_code="441200"
    ).organization
    a, b = world.p.enterprise_a.uscc, world.p.enterprise_b.uscc
    placeholder = Lists(world=world, centre=centre, serious_batch=None, red_batch=None)  # type: ignore[arg-type]
    serious_batch = placeholder.serious([serious_row(a), serious_row(OUTSIDER_USCC)])
    red_batch = placeholder.red([red_row(b), red_row(OUTSIDER_USCC)])
    return Lists(world=world, centre=centre, serious_batch=serious_batch, red_batch=red_batch)


def designate(world: World, **overrides: Any) -> ListEntry:
    values: dict[str, Any] = {
        "user": world.operator,
        "kind": "key_attention",
        "uscc": world.p.enterprise_a.uscc,
        "name": "",
        "basis": "《肇庆市公共信用信息管理办法》第二十条",
        "document_number": "肇信用〔2026〕3号",
        "authority": "肇庆市发展和改革局",
        "listed_on": dt.date(2026, 2, 1),
    }
    values.update(overrides)
    return list_designate(**values)


def counts() -> tuple[int, ...]:
    return (
        ListEntry.objects.count(),
        ListEvent.objects.count(),
        ListExit.objects.count(),
        ListExitEvidence.objects.count(),
        ListExitEvent.objects.count(),
    )
