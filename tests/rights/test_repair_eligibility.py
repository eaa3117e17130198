"""Which penalties may be repaired, and from when (rules per severity, dates)."""

from __future__ import annotations

import time_machine

from tests.rights.fixtures_repair import (  # noqa: F401 (fixture)
    B_MINOR,
    MAJOR,
    MINOR,
    SERIOUS,
    UNPAID,
    Penalties,
    file_repair,
    penalties_fixture,
)
from xinyidai.rights.models import RepairRule
from xinyidai.rights.selectors_repair import (
    PenaltyStatus,
    eligible_penalties,
    repair_eligibility,
)


def _met(result) -> dict[str, bool]:
    return {c.code: c.met for c in result.conditions}


def test_it_finds_a_minor_penalty_eligible_after_three_months(penalties: Penalties):
    result = repair_eligibility(penalties.world.p.enterprise_a, MINOR)
    assert result.eligible
    assert result.status == PenaltyStatus.ELIGIBLE
    assert str(result.eligible_from) == "2026-01-01"
    assert _met(result) == {
        "record": True,
        "repairable": True,
        "publication": True,
        "fulfilment": True,
        "no_open": True,
    }


def test_it_says_from_when_a_major_penalty_may_be_repaired(penalties: Penalties):
    result = repair_eligibility(penalties.world.p.enterprise_a, MAJOR)
    assert not result.eligible
    assert result.status == PenaltyStatus.LATER
    assert result.reason == "最短公示期 6 个月未满，2026-03-01 起可申请信用修复。"
    assert result.status_label == "2026-03-01 起可申请"
    with time_machine.travel("2026-02-28 23:00:00+08:00"):
        assert not repair_eligibility(penalties.world.p.enterprise_a, MAJOR).eligible
    with time_machine.travel("2026-03-01 08:00:00+08:00"):
        assert repair_eligibility(penalties.world.p.enterprise_a, MAJOR).eligible


def test_it_finds_a_serious_penalty_eligible_after_twelve_months(penalties: Penalties):
    with time_machine.travel("2026-01-09 12:00:00+08:00"):
        early = repair_eligibility(penalties.world.p.enterprise_a, SERIOUS)
    assert early.reason == "最短公示期 12 个月未满，2026-01-10 起可申请信用修复。"
    assert repair_eligibility(penalties.world.p.enterprise_a, SERIOUS).eligible


def test_it_refuses_an_unfulfilled_penalty(penalties: Penalties):
    result = repair_eligibility(penalties.world.p.enterprise_a, UNPAID)
    assert not result.eligible
    assert result.status == PenaltyStatus.UNFULFILLED
    assert result.reason.startswith("处罚机关尚未报送该处罚的履行完毕日期")


def test_it_refuses_a_severity_the_rules_make_unrepairable(penalties: Penalties):
    RepairRule.objects.filter(severity="serious").update(repairable=False)
    result = repair_eligibility(penalties.world.p.enterprise_a, SERIOUS)
    assert result.status == PenaltyStatus.NOT_REPAIRABLE
    assert result.reason == "按现行规则，严重行政处罚不可申请信用修复。"


def test_it_refuses_another_enterprises_penalty(penalties: Penalties):
    result = repair_eligibility(penalties.world.p.enterprise_a, B_MINOR)
    assert not result.eligible
    assert result.record is None
    assert result.reason == f"未找到贵企业的这条现行行政处罚记录（决定书文号：{B_MINOR}）。"


def test_it_refuses_a_penalty_with_an_open_application(penalties: Penalties):
    file_repair(penalties)
    result = repair_eligibility(penalties.world.p.enterprise_a, MINOR)
    assert result.status == PenaltyStatus.IN_PROGRESS
    assert result.reason == "该处罚已有信用修复申请正在办理中。"


def test_it_lists_every_penalty_with_its_status_in_three_queries(
    penalties: Penalties, django_assert_num_queries
):
    with django_assert_num_queries(3):
        rows = eligible_penalties(penalties.world.p.enterprise_a)
    statuses = {r.decision_number: r.status for r in rows}
    assert statuses == {
        MINOR: PenaltyStatus.ELIGIBLE,
        MAJOR: PenaltyStatus.LATER,
        SERIOUS: PenaltyStatus.ELIGIBLE,
        UNPAID: PenaltyStatus.UNFULFILLED,
    }
