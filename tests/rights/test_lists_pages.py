"""The lists pages: the public list (entries in effect of the published kinds, with their
basis), the enterprise's own entries and exit applications, and the operator's pages, each
refusing outsiders; refused input is shown next to its field and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from xinyidai.rights.models import ListEntry, ListExit
from xinyidai.rights.services_lists import list_end, list_exit_file

from .conftest import PDF, World, upload
from .fixtures_lists import (
    HONOUR,
    OUTSIDER_USCC,
    SERIOUS_REASON,
    Lists,
    counts,
    designate,
    lists_fixture,  # noqa: F401 (the fixture)
)
from .fixtures_objections import signed_in

pytestmark = pytest.mark.django_db


def _url(name: str, *args: object) -> str:
    return reverse(f"rights:{name}", args=args)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _user(world: World, who: str):
    return getattr(world.p, who, None) or getattr(world, who)


# --------------------------------------------------------------------------- public


def test_the_public_list_shows_entries_in_effect_with_their_basis(lists: Lists, client: Client):
    world = lists.world
    a = world.p.enterprise_a.uscc
    key = designate(world, uscc=OUTSIDER_USCC, name="肇庆某建筑劳务有限公司")
    ended = designate(world, document_number="肇信用〔2026〕9号")
    list_end(user=world.operator, entry=ended, reason="认定撤销")
    text = _text(client.get(_url("list_public") + "?kind=serious_dishonesty"))
    assert "肇庆甲有限公司" in text
    assert a in text
    assert SERIOUS_REASON in text
    assert "肇庆市人力资源和社会保障局" in text
    assert "2025-06-01" in text
    red = _text(client.get(_url("list_public") + "?kind=red"))
    assert HONOUR in red
    assert world.p.enterprise_b.uscc in red
    assert "2026-12-31" in red
    attention = _text(client.get(_url("list_public") + "?kind=key_attention"))
    assert f'data-entry="{key.pk}"' in attention
    assert "肇信用〔2026〕3号" in attention  # the document number
    assert f'data-entry="{ended.pk}"' not in attention  # ended: no longer published


def test_the_public_list_hides_removed_and_expired_entries(lists: Lists, client: Client):
    a = lists.world.p.enterprise_a.uscc
    lists.serious(
        [
            f"{a},拖欠农民工工资失信联合惩戒对象名单,2025-06-01,2026-02-10,肇庆市人力资源和社会保障局,x"
        ]
    )
    text = _text(client.get(_url("list_public") + "?kind=serious_dishonesty"))
    assert a not in text
    assert OUTSIDER_USCC in text
    ListEntry.objects.filter(kind="red").update(expires_on=dt.date(2026, 2, 12))  # not yet run
    assert lists.world.p.enterprise_b.uscc not in _text(
        client.get(_url("list_public") + "?kind=red")
    )


def test_the_public_list_is_searchable_and_paged(lists: Lists, client: Client):
    text = _text(client.get(_url("list_public") + "?kind=serious_dishonesty&q=肇庆甲"))
    assert "肇庆甲有限公司" in text
    assert OUTSIDER_USCC not in text
    by_code = _text(client.get(_url("list_public") + f"?kind=serious_dishonesty&q={OUTSIDER_USCC}"))
    assert OUTSIDER_USCC in by_code
    assert "肇庆甲有限公司" not in by_code
    assert "没有找到符合条件的主体" in _text(client.get(_url("list_public") + "?q=不存在"))


def test_only_the_published_kinds_are_shown(lists: Lists, client: Client, settings):
    settings.LISTS_PUBLIC_KINDS = ["red"]
    text = _text(client.get(_url("list_public") + "?kind=serious_dishonesty"))
    assert 'data-kind="serious_dishonesty"' not in text
    assert HONOUR in text  # falls back to the first published list
    assert SERIOUS_REASON not in text


# --------------------------------------------------------------------------- operator


OPERATOR_PAGES = [
    ("operator_list_entries", ()),
    ("operator_list_designate", ()),
    ("operator_list_exits", ()),
]


@pytest.mark.parametrize("who", ["alice", "officer", "regulator", "reviewer", "editor"])
def test_operator_pages_refuse_outsiders(lists: Lists, client: Client, who):
    world = lists.world
    entry = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    application = list_exit_file(
        enterprise=world.p.enterprise_a, user=world.p.alice, entry=entry, reason="已履行"
    )
    signed_in(client, _user(world, who))
    pages = [
        *OPERATOR_PAGES,
        ("operator_list_entry", (entry.pk,)),
        ("operator_list_end", (entry.pk,)),
        ("operator_list_exit_detail", (application.pk,)),
    ]
    for name, args in pages:
        assert client.get(_url(name, *args)).status_code == 404, name
    before = counts()
    assert client.post(_url("operator_list_exit_act", application.pk, "review")).status_code == 404
    assert (
        client.post(
            _url("operator_list_end", entry.pk), {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    assert counts() == before


def test_operator_pages_send_the_anonymous_to_sign_in(lists: Lists, client: Client):
    for name, args in OPERATOR_PAGES:
        response = client.get(_url(name, *args))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_operator_designates_through_the_form(world: World, client: Client):
    signed_in(client, world.operator)
    data = {
        "kind": "key_attention",
        "uscc": "91441200MA4UQ0B1XB",
        "basis": "",
        "document_number": "肇信用〔2026〕3号",
        "authority": "肇庆市发展和改革局",
        "listed_on": "2026-02-20",
    }
    before = counts()
    text = _text(client.post(_url("operator_list_designate"), data))
    assert "统一社会信用代码校验位错误" in text
    assert "请填写认定依据。" in text
    assert "列入日期不能晚于今天。" in text
    assert counts() == before
    data.update(uscc=world.p.enterprise_a.uscc, basis="《办法》第二十条", listed_on="2026-02-01")
    response = client.post(_url("operator_list_designate"), data)
    entry = ListEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("operator_list_entry", entry.pk)
    assert entry.name == "肇庆甲有限公司"
    assert entry.expires_on == dt.date(2027, 2, 1)
    listing = _text(client.get(_url("operator_list_entries") + "?kind=key_attention&state=active"))
    assert f'data-entry="{entry.pk}"' in listing


def test_the_operator_ends_an_entry_after_confirming(world: World, client: Client):
    entry = designate(world)
    signed_in(client, world.operator)
    text = _text(client.post(_url("operator_list_end", entry.pk), {"reason": "认定撤销"}))
    assert "请勾选确认后再提交。" in text
    entry.refresh_from_db()
    assert entry.state == "active"
    response = client.post(
        _url("operator_list_end", entry.pk), {"reason": "认定撤销", "confirm": "on"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.end_reason) == ("exited", "认定撤销")


def test_the_operator_reviews_and_decides_an_exit(lists: Lists, client: Client):
    world = lists.world
    entry = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    application = list_exit_file(
        enterprise=world.p.enterprise_a, user=world.p.alice, entry=entry, reason="已履行"
    )
    signed_in(client, world.operator)
    queue = _text(client.get(_url("operator_list_exits") + "?state=submitted"))
    assert f'data-exit="{application.pk}"' in queue
    assert client.post(_url("operator_list_exit_act", application.pk, "review")).status_code == 302
    text = _text(
        client.post(_url("operator_list_exit_act", application.pk, "approve"), {"approve-note": ""})
    )
    assert "请填写决定理由。" in text
    response = client.post(
        _url("operator_list_exit_act", application.pk, "approve"), {"approve-note": "已履行义务"}
    )
    assert response.status_code == 302
    conflict = client.post(
        _url("operator_list_exit_act", application.pk, "reject"), {"reject-note": "x"}
    )
    assert conflict.status_code == 409
    entry.refresh_from_db()
    assert entry.state == "exited"


# --------------------------------------------------------------------------- enterprise


def test_the_enterprise_sees_only_its_own_entries(lists: Lists, client: Client):
    world = lists.world
    mine = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    theirs = lists.entry_of(world.p.enterprise_b.uscc, "red")
    outsider = lists.entry_of(OUTSIDER_USCC, "serious_dishonesty")
    signed_in(client, world.p.amy)
    text = _text(client.get(_url("list_home")))
    assert f'data-entry="{mine.pk}"' in text
    assert f'data-entry="{theirs.pk}"' not in text
    assert f'data-entry="{outsider.pk}"' not in text
    assert _url("list_exit_apply", mine.pk) in text
    assert _text(client.get(_url("list_entry_detail", mine.pk)))
    for pk in (theirs.pk, outsider.pk):
        assert client.get(_url("list_entry_detail", pk)).status_code == 404
        assert client.get(_url("list_exit_apply", pk)).status_code == 404


def test_the_enterprise_sees_its_ended_entries_too(lists: Lists, client: Client):
    world = lists.world
    entry = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    list_end(user=world.operator, entry=entry, reason="信用修复完成")
    text = _text(signed_in(client, world.p.alice).get(_url("list_home")))
    assert f'data-entry="{entry.pk}"' in text
    assert "已移出" in text
    assert _url("list_exit_apply", entry.pk) not in text


def test_a_red_listed_enterprise_sees_its_green_channel_and_no_exit(lists: Lists, client: Client):
    entry = lists.entry_of(lists.world.p.enterprise_b.uscc, "red")
    text = _text(signed_in(client, lists.world.p.bob).get(_url("list_home")))
    assert f'data-entry="{entry.pk}"' in text
    assert "绿色通道" in text
    assert _url("list_exit_apply", entry.pk) not in text


@pytest.mark.parametrize("who", ["operator", "officer", "regulator", "reviewer", "editor"])
def test_enterprise_pages_refuse_other_personas(lists: Lists, client: Client, who):
    entry = lists.entry_of(lists.world.p.enterprise_a.uscc, "serious_dishonesty")
    signed_in(client, _user(lists.world, who))
    assert client.get(_url("list_home")).status_code == 404
    assert client.get(_url("list_entry_detail", entry.pk)).status_code == 404


def test_the_enterprise_applies_for_exit_with_evidence_and_confirmation(
    lists: Lists, client: Client
):
    world = lists.world
    entry = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    signed_in(client, world.p.alice)
    url = _url("list_exit_apply", entry.pk)
    assert "提交申请" in _text(client.get(url))
    before = counts()
    text = _text(
        client.post(url, {"reason": "已全额支付", "evidence_files": [upload(PDF, "凭证.pdf")]})
    )
    assert "请勾选确认后再提交。" in text
    text = _text(client.post(url, {"reason": "", "confirm": "on"}))
    assert "请填写申请理由。" in text
    text = _text(
        client.post(
            url,
            {
                "reason": "已全额支付",
                "confirm": "on",
                "evidence_files": [upload(b"GIF89a", "x.gif")],
            },
        )
    )
    assert "x.gif" in text
    assert counts() == before
    response = client.post(
        url, {"reason": "已全额支付", "confirm": "on", "evidence_files": [upload(PDF, "凭证.pdf")]}
    )
    application = ListExit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("list_exit_detail", application.pk)
    detail = _text(client.get(response["Location"]))
    evidence = application.evidence.get()
    assert _url("list_exit_evidence", application.pk, evidence.pk) in detail
    assert 'data-event="file"' in detail
    assert "2026-03-12" in detail
    # the withdrawal asks first
    assert "确认撤回" in _text(client.get(_url("list_exit_withdraw", application.pk)))
    assert client.post(_url("list_exit_withdraw", application.pk)).status_code == 302
    application.refresh_from_db()
    assert application.state == "withdrawn"
    assert client.get(_url("list_exit_withdraw", application.pk)).status_code == 409


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("amy", 200),
        ("operator", 200),
        ("bob", 404),
        ("editor", 404),
        ("reviewer", 404),
        ("officer", 404),
    ],
)
def test_evidence_is_for_the_enterprise_and_operators_only(
    lists: Lists, client: Client, who, status
):
    world = lists.world
    entry = lists.entry_of(world.p.enterprise_a.uscc, "serious_dishonesty")
    application = list_exit_file(
        enterprise=world.p.enterprise_a,
        user=world.p.alice,
        entry=entry,
        reason="已履行",
        evidence_files=[upload(PDF, "凭证.pdf")],
    )
    evidence = application.evidence.get()
    signed_in(client, _user(world, who))
    assert client.get(_url("list_exit_evidence", application.pk, evidence.pk)).status_code == status
    if who in {"bob", "editor"}:
        assert client.get(_url("list_exit_detail", application.pk)).status_code == 404
