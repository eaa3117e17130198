"""The lists' services: an operator's designation (and what it refuses), the mirror of the
credit centre's data, expiry by the daily job, and the exit procedure's states."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from xinyidai.core.models import AuditEvent
from xinyidai.notifications.models import Notification
from xinyidai.rights.models import ListEntry, ListExit
from xinyidai.rights.services_lists import (
    EntryNotFound,
    TransitionNotAllowed,
    list_end,
    list_exit_file,
    list_exit_transition,
    lists_daily,
    lists_sync_from_records,
)

from .conftest import PDF, World, upload
from .fixtures_lists import (
    HONOUR,
    OUTSIDER_USCC,
    SERIOUS_LIST,
    SERIOUS_REASON,
    Lists,
    counts,
    designate,
    lists_fixture,  # noqa: F401 (the fixture)
    red_row,
    serious_row,
    valid_uscc,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- designation


def test_an_operator_designates_with_basis_and_default_validity(world: World):
    entry = designate(world)
    assert entry.origin == ListEntry.Origin.OPERATOR
    assert entry.state == ListEntry.State.ACTIVE
    assert entry.name == "肇庆甲有限公司"  # the registered enterprise's name
    assert entry.expires_on == dt.date(2027, 2, 1)  # 12 months for key attention
    assert list(entry.events.values_list("action", "to_state")) == [("designate", "active")]
    assert AuditEvent.objects.filter(action="list.designate", object_id=str(entry.pk)).exists()
    assert Notification.objects.filter(recipient=world.p.alice, kind="list.designate").exists()


def test_an_unregistered_subject_needs_a_name(world: World):
    with pytest.raises(ValidationError) as error:
        designate(world, uscc=OUTSIDER_USCC)
    assert error.value.message_dict["name"] == ["该代码的企业未在平台注册，请填写主体名称。"]
    entry = designate(
        world, uscc=OUTSIDER_USCC, name="肇庆某建筑劳务有限公司", expires_on=dt.date(2026, 8, 1)
    )
    assert entry.expires_on == dt.date(2026, 8, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"uscc": "91441200MA4UQ0B1XB"},
            "uscc",
            "统一社会信用代码校验位错误：第18位应为“A”，实际为“B”。",
        ),
        ({"basis": "  "}, "basis", "请填写认定依据。"),
        ({"document_number": ""}, "document_number", "请填写认定文书号。"),
        ({"authority": ""}, "authority", "请填写认定部门。"),
        ({"listed_on": dt.date(2026, 2, 14)}, "listed_on", "列入日期不能晚于今天。"),
        ({"expires_on": dt.date(2026, 2, 1)}, "expires_on", "有效期至必须晚于列入日期。"),
        ({"expires_on": dt.date(2026, 1, 1)}, "expires_on", "有效期至必须晚于列入日期。"),
    ],
)
def test_bad_designations_are_refused_and_write_nothing(world: World, overrides, field, message):
    before = counts()
    with pytest.raises(ValidationError) as error:
        designate(world, **overrides)
    assert error.value.message_dict[field] == [message]
    assert counts() == before


def test_the_same_document_cannot_list_a_subject_twice(world: World):
    designate(world)
    before = counts()
    with pytest.raises(ValidationError) as error:
        designate(world)
    assert error.value.message_dict["document_number"] == [
        "该主体已依据此文书列入该名单，且仍在有效期内。"
    ]
    assert counts() == before
    designate(world, kind="serious_dishonesty")  # another list: allowed


@pytest.mark.parametrize("who", ["editor", "alice", "reviewer", "officer"])
def test_only_operators_designate(world: World, who):
    user = getattr(world, who, None) or getattr(world.p, who)
    before = counts()
    with pytest.raises(PermissionDenied):
        designate(world, user=user)
    assert counts() == before


def test_an_operator_ends_an_entry_early(world: World):
    entry = designate(world)
    with pytest.raises(ValidationError) as error:
        list_end(user=world.operator, entry=entry, reason="")
    assert error.value.message_dict["reason"] == ["请填写移出原因。"]
    with pytest.raises(PermissionDenied):
        list_end(user=world.editor, entry=entry, reason="认定撤销")
    ended = list_end(user=world.operator, entry=entry, reason="认定机关撤销认定")
    assert (ended.state, ended.ended_on, ended.end_reason) == (
        "exited",
        dt.date(2026, 2, 13),
        "认定机关撤销认定",
    )
    with pytest.raises(ValidationError):
        list_end(user=world.operator, entry=ended, reason="再次移出")


# --------------------------------------------------------------------------- provider data


def test_accepted_batches_are_mirrored_into_entries(lists: Lists):
    a, b = lists.world.p.enterprise_a.uscc, lists.world.p.enterprise_b.uscc
    serious = lists.entry_of(a, "serious_dishonesty")
    assert serious.origin == ListEntry.Origin.PROVIDER
    assert serious.source_id == "serious_dishonesty"
    assert serious.record_key == {"uscc": a, "list_name": SERIOUS_LIST, "listed_on": "2025-06-01"}
    assert (serious.name, serious.list_name, serious.basis) == (
        "肇庆甲有限公司",
        SERIOUS_LIST,
        SERIOUS_REASON,
    )
    assert (serious.authority, serious.listed_on, serious.expires_on, serious.state) == (
        "肇庆市人力资源和社会保障局",
        dt.date(2025, 6, 1),
        None,
        "active",
    )
    red = lists.entry_of(b, "red")
    assert (red.list_name, red.basis, red.listed_on, red.expires_on) == (
        HONOUR,
        HONOUR,
        dt.date(2025, 3, 1),
        dt.date(2026, 12, 31),
    )
    assert red.record_key == {"uscc": b, "honour_name": HONOUR, "awarded_on": "2025-03-01"}
    outsider = lists.entry_of(OUTSIDER_USCC, "red")
    assert outsider.name == OUTSIDER_USCC  # not registered, no registration record
    assert ListEntry.objects.count() == 4


def test_a_redelivered_removal_exits_the_entry(lists: Lists):
    a = lists.world.p.enterprise_a.uscc
    lists.serious([serious_row(a, removed_on="2026-02-10")])
    entry = lists.entry_of(a, "serious_dishonesty")
    assert (entry.state, entry.ended_on, entry.end_reason) == (
        "exited",
        dt.date(2026, 2, 10),
        "报送部门移出",
    )
    assert list(entry.events.values_list("action", "from_state", "to_state")) == [
        ("provider_list", "", "active"),
        ("provider_remove", "active", "exited"),
    ]
    assert ListEntry.objects.count() == 4  # the same entry, not a new one


def test_syncing_again_changes_nothing_and_is_set_based(
    lists: Lists, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        assert lists_sync_from_records("red_list") == {"created": 0, "updated": 0, "ended": 0}


def test_a_past_validity_is_delivered_as_expired_and_a_renewal_revives_it(lists: Lists):
    b = lists.world.p.enterprise_b.uscc
    lists.red([red_row(b, awarded_on="2022-01-05", valid_until="2025-01-04")])
    old = ListEntry.objects.get(uscc=b, kind="red", listed_on=dt.date(2022, 1, 5))
    assert (old.state, old.ended_on) == ("expired", dt.date(2025, 1, 4))
    lists.red([red_row(b, awarded_on="2022-01-05", valid_until="2027-01-04")])
    old.refresh_from_db()
    assert (old.state, old.ended_on, old.expires_on) == ("active", None, dt.date(2027, 1, 4))


def test_an_entry_exited_on_the_platform_stays_exited_when_redelivered(lists: Lists):
    a = lists.world.p.enterprise_a.uscc
    entry = lists.entry_of(a, "serious_dishonesty")
    list_end(user=lists.world.operator, entry=entry, reason="信用修复完成")
    lists_sync_from_records("serious_dishonesty")
    entry.refresh_from_db()
    assert (entry.state, entry.end_reason) == ("exited", "信用修复完成")


# --------------------------------------------------------------------------- expiry


def test_the_daily_job_expires_entries_past_their_end(lists: Lists):
    world = lists.world
    entry = designate(world, expires_on=dt.date(2026, 3, 1))
    assert lists_daily() == {"expired": 0}
    with time_machine.travel("2026-03-02 08:00:00+08:00", tick=False):
        assert lists_daily() == {"expired": 1}
        assert lists_daily() == {"expired": 0}
    entry.refresh_from_db()
    assert (entry.state, entry.ended_on, entry.end_reason) == (
        "expired",
        dt.date(2026, 3, 1),
        "有效期届满",
    )
    assert entry.events.last().action == "expire"
    with time_machine.travel("2027-01-01 08:00:00+08:00", tick=False):
        assert lists_daily() == {"expired": 2}  # both red-list honours valid until 2026-12-31
    assert AuditEvent.objects.filter(action="list.expire").count() == 2


# --------------------------------------------------------------------------- exit procedure


def _file(lists: Lists, **overrides):
    values = {
        "enterprise": lists.world.p.enterprise_a,
        "user": lists.world.p.amy,
        "entry": lists.entry_of(lists.world.p.enterprise_a.uscc, "serious_dishonesty"),
        "reason": "已全额支付拖欠工资，并取得人社部门出具的证明。",
        "evidence_files": [upload(PDF, "支付凭证.pdf")],
    }
    values.update(overrides)
    return list_exit_file(**values)


def _act(lists: Lists, application, action, user=None, note=""):
    user = user or lists.world.operator
    organization = user.memberships.get().organization
    return list_exit_transition(
        application=application, action=action, actor=user, organization=organization, note=note
    )


def test_the_exit_procedure_from_application_to_approval(lists: Lists):
    world = lists.world
    application = _file(lists)
    assert application.state == "submitted"
    assert application.due_on == dt.date(2026, 3, 12)  # 15 working days, Spring Festival skipped
    assert application.evidence.get().original_name == "支付凭证.pdf"
    assert Notification.objects.filter(recipient=world.operator, kind="list_exit.file").exists()
    with pytest.raises(TransitionNotAllowed):
        _act(lists, application, "approve", note="准予")  # review comes first
    _act(lists, application, "review")
    with pytest.raises(ValidationError) as error:
        _act(lists, application, "approve")
    assert error.value.message_dict["note"] == ["请填写决定理由。"]
    approved = _act(lists, application, "approve", note="已履行法定义务，准予移出。")
    assert (approved.state, approved.decided_by, approved.decision_note) == (
        "approved",
        world.operator,
        "已履行法定义务，准予移出。",
    )
    entry = approved.entry
    entry.refresh_from_db()
    assert (entry.state, entry.ended_on, entry.end_reason) == (
        "exited",
        dt.date(2026, 2, 13),
        "已履行法定义务，准予移出。",
    )
    assert list(approved.events.values_list("action", flat=True)) == ["file", "review", "approve"]
    assert Notification.objects.filter(recipient=world.p.alice, kind="list_exit.approve").exists()
    for action in ("withdraw", "reject", "review"):
        user = world.p.alice if action == "withdraw" else None
        with pytest.raises(TransitionNotAllowed):
            _act(lists, approved, action, user=user, note="x")


def test_a_rejected_application_leaves_the_entry_listed_and_may_be_filed_again(lists: Lists):
    application = _file(lists)
    _act(lists, application, "review")
    rejected = _act(lists, application, "reject", note="尚未履行全部义务。")
    assert rejected.state == "rejected"
    assert rejected.entry.state == "active"
    assert Notification.objects.filter(
        recipient=lists.world.p.alice, kind="list_exit.reject"
    ).exists()
    assert _file(lists).state == "submitted"


def test_the_enterprise_withdraws_but_does_not_decide(lists: Lists):
    world = lists.world
    application = _file(lists)
    with pytest.raises(PermissionDenied):
        _act(lists, application, "approve", user=world.p.alice, note="x")
    with pytest.raises(PermissionDenied):
        _act(lists, application, "withdraw", user=world.p.bob)
    with pytest.raises(PermissionDenied):
        _act(lists, application, "review", user=world.editor)
    withdrawn = _act(lists, application, "withdraw", user=world.p.alice)
    assert withdrawn.state == "withdrawn"
    with pytest.raises(TransitionNotAllowed):
        _act(lists, withdrawn, "review")


def test_bad_exit_applications_are_refused_and_write_nothing(lists: Lists):
    world = lists.world
    red = lists.entry_of(world.p.enterprise_b.uscc, "red")
    cases = [
        ({"reason": " "}, "reason", "请填写申请理由。"),
        (
            {"enterprise": world.p.enterprise_b, "user": world.p.bob, "entry": red},
            "entry",
            "红名单为守信激励名单，无需申请移出。",
        ),
        (
            {"evidence_files": [upload(b"MZ\x90\x00", "证明.pdf")]},
            "evidence_files",
            None,
        ),
    ]
    _file(lists)
    cases.append(({}, "entry", "该名单条目已有移出申请正在办理中。"))
    for overrides, field, message in cases:
        before = counts()
        with pytest.raises(ValidationError) as error:
            _file(lists, **overrides)
        assert field in error.value.message_dict
        if message:
            assert error.value.message_dict[field] == [message]
        assert counts() == before


def test_an_enterprise_applies_only_for_its_own_entries(lists: Lists):
    world = lists.world
    outsider = lists.entry_of(OUTSIDER_USCC, "serious_dishonesty")
    with pytest.raises(EntryNotFound):
        _file(lists, entry=outsider)
    with pytest.raises(PermissionDenied):
        _file(lists, user=world.p.bob)
    assert ListExit.objects.count() == 0


def test_an_ended_entry_cannot_be_applied_for(lists: Lists):
    entry = lists.entry_of(lists.world.p.enterprise_a.uscc, "serious_dishonesty")
    list_end(user=lists.world.operator, entry=entry, reason="认定撤销")
    with pytest.raises(ValidationError) as error:
        _file(lists, entry=entry)
    assert error.value.message_dict["entry"] == ["该名单条目已不在有效期内，无需申请移出。"]


def test_valid_uscc_helper():
    assert valid_uscc() == OUTSIDER_USCC
