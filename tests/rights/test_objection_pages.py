"""The objection pages: the enterprise files (from a record of its profile, with evidence),
follows and withdraws; the provider works its queue; the operator escalates and decides. Each
page answers its persona only; refused input is shown next to its field and writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import login
from xinyidai.notifications.models import Notification
from xinyidai.rights.models import Objection

from .conftest import PDF, PERIOD, PNG, World, file_objection, redeliver, upload
from .fixtures_objections import counts, many_objections, signed_in

pytestmark = pytest.mark.django_db

REASON = "1月增值税已足额缴纳，记录金额有误。"


def _url(name: str, *args: object) -> str:
    return reverse(f"rights:{name}", args=args)


@pytest.fixture
def objection(world: World) -> Objection:
    return file_objection(world, files=[upload(PDF, "完税证明.pdf")])


def _file(client: Client, **overrides: object) -> object:
    data: dict[str, object] = {"source": "tax_monthly", "period": "2026-01", "reason": REASON}
    data.update(overrides)
    return client.post(_url("objection_file"), data)


def _of_b(world: World) -> Objection:
    """Enterprise B's objection to its record, delivered by the other tax bureau."""
    return file_objection(world, user=world.p.bob, enterprise=world.p.enterprise_b, key=world.key_b)


# --------------------------------------------------------------------------- the enterprise


def test_the_enterprise_lists_its_objections_with_state_and_deadline(world, objection, client):
    page = signed_in(client, world.p.amy).get(_url("objection_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-objection="{objection.pk}"' in text
    assert "待处理" in text
    assert "2026-03-19" in text
    assert 'data-role="overdue"' not in text


def test_the_list_marks_an_overdue_objection(world, objection, client):
    Objection.objects.filter(pk=objection.pk).update(is_overdue=True)
    text = signed_in(client, world.p.alice).get(_url("objection_list")).content.decode()
    assert 'data-role="overdue">已超期<' in text


def test_the_detail_shows_the_record_reason_evidence_and_timeline(world, objection, client):
    page = signed_in(client, world.p.alice).get(_url("objection_detail", objection.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert world.p.enterprise_a.uscc in text
    assert PERIOD in text
    assert REASON in text
    evidence = objection.evidence.get()
    assert _url("objection_evidence", objection.pk, evidence.pk) in text
    assert "完税证明.pdf" in text
    assert 'data-event="file"' in text
    assert _url("objection_withdraw", objection.pk) in text


@pytest.mark.parametrize("who", ["bob", "reviewer", "operator", "editor", "officer", "regulator"])
def test_outsiders_do_not_see_the_enterprises_objection(world, objection, client, who):
    user = getattr(world.p, who, None) or getattr(world, who)
    signed_in(client, user)
    assert client.get(_url("objection_detail", objection.pk)).status_code == 404
    assert client.get(_url("objection_withdraw", objection.pk)).status_code == 404
    assert client.post(_url("objection_withdraw", objection.pk)).status_code == 404
    listed = client.get(_url("objection_list"))
    assert listed.status_code == 404 or f'data-objection="{objection.pk}"' not in str(
        listed.content.decode()
    )
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


def test_another_enterprise_sees_an_empty_list(world, objection, client):
    page = signed_in(client, world.p.bob).get(_url("objection_list"))
    assert page.status_code == 200
    assert f'data-objection="{objection.pk}"' not in page.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(world, objection, client):
    for url in (
        _url("objection_list"),
        _url("objection_detail", objection.pk),
        _url("objection_file"),
        _url("provider_objection_list"),
        _url("operator_objection_list"),
        _url("objection_evidence", objection.pk, objection.evidence.get().pk),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_filing_from_a_profile_link_prefills_the_month(world, client):
    page = signed_in(client, world.p.alice).get(
        _url("objection_file") + "?source=tax_monthly&period=2026-01-01"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="period"' in text
    assert 'value="2026-01"' in text
    assert 'name="evidence_files"' in text
    assert "multiple" in text
    assert 'enctype="multipart/form-data"' in text


def test_without_a_source_the_form_asks_for_one(world, client):
    page = signed_in(client, world.p.alice).get(_url("objection_file"))
    assert page.status_code == 200
    assert 'name="source"' in page.content.decode()


def test_the_enterprise_files_through_the_page_with_evidence(world, client):
    signed_in(client, world.p.alice)
    response = _file(client, evidence_files=[upload(PDF, "完税证明.pdf"), upload(PNG, "回单.png")])
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("objection_detail", objection.pk)
    assert objection.record_key == world.key_a
    assert objection.reason == REASON
    assert sorted(objection.evidence.values_list("original_name", flat=True)) == [
        "回单.png",
        "完税证明.pdf",
    ]
    notified = Notification.objects.get(kind="objection.file")
    assert notified.recipient == world.reviewer
    assert notified.url == _url("provider_objection_detail", objection.pk)


def test_a_program_renamed_pdf_is_refused_next_to_the_field(world, client):
    signed_in(client, world.p.alice)
    before = counts()
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100
    page = _file(client, evidence_files=[upload(exe, "证明.pdf")])
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        '<p class="error" id="id_evidence_files_error">'
        "文件“证明.pdf”不是允许的文件类型（仅限 PDF、JPG、PNG）。</p>"
    ) in text
    assert counts() == before


def test_a_file_too_large_is_refused_next_to_the_field(world, client, settings):
    settings.OBJECTION_EVIDENCE_MAX_BYTES = 1024 * 1024
    signed_in(client, world.p.alice)
    before = counts()
    big = PDF + b"0" * (1024 * 1024)
    page = _file(client, evidence_files=[upload(PDF, "a.pdf"), upload(big, "大文件.pdf")])
    text = page.content.decode()
    assert (
        '<p class="error" id="id_evidence_files_error">文件“大文件.pdf”超过 1 MB 的大小上限。</p>'
    ) in text
    assert counts() == before


def test_a_missing_reason_is_shown_next_to_the_field(world, client):
    signed_in(client, world.p.alice)
    before = counts()
    text = _file(client, reason="").content.decode()
    assert '<p class="error" id="id_reason_error">' in text
    assert counts() == before


def test_a_second_objection_to_the_record_is_refused(world, objection, client):
    signed_in(client, world.p.amy)
    before = counts()
    page = _file(client, evidence_files=[upload(PDF, "b.pdf")])
    assert page.status_code == 200
    assert "该记录已有异议正在处理中。" in page.content.decode()
    assert counts() == before


def test_a_record_that_is_not_the_enterprises_is_a_404_with_the_reason(world, client):
    signed_in(client, world.p.alice)
    before = counts()
    page = _file(client, period="2025-12")
    assert page.status_code == 404
    assert "未找到贵企业在该数据源中的这条现行记录，无法提出异议。" in page.content.decode()
    assert counts() == before


def test_withdrawing_asks_for_confirmation_first(world, objection, client):
    signed_in(client, world.p.amy)
    page = client.get(_url("objection_withdraw", objection.pk))
    assert page.status_code == 200
    assert "确认撤回" in page.content.decode()
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED
    response = client.post(_url("objection_withdraw", objection.pk))
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.WITHDRAWN
    assert objection.resolved_by == world.p.amy
    notified = Notification.objects.get(kind="objection.withdraw")
    assert notified.url == _url("provider_objection_detail", objection.pk)


def test_withdrawing_a_decided_objection_is_a_409_with_its_state(world, objection, client):
    Objection.objects.filter(pk=objection.pk).update(state=Objection.State.UPHELD)
    signed_in(client, world.p.alice)
    for response in (
        client.get(_url("objection_withdraw", objection.pk)),
        client.post(_url("objection_withdraw", objection.pk)),
    ):
        assert response.status_code == 409
        text = response.content.decode()
        assert "异议当前状态为“维持原记录”，不能撤回异议。" in text
        assert 'data-role="state">维持原记录<' in text


# --------------------------------------------------------------------------- the provider


def test_the_provider_queue_lists_its_records_nearest_deadline_first(world, objection, client):
    other = file_objection(
        world, user=world.p.bob, enterprise=world.p.enterprise_b, key=world.key_b
    )
    page = signed_in(client, world.uploader).get(_url("provider_objection_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-objection="{objection.pk}"' in text
    assert f'data-objection="{other.pk}"' not in text  # the other bureau's record
    assert world.p.enterprise_a.name in text


def test_the_provider_queue_filters_by_state(world, objection, client):
    signed_in(client, world.reviewer)
    listed = client.get(_url("provider_objection_list"), {"state": "in_review"}).content.decode()
    assert f'data-objection="{objection.pk}"' not in listed
    listed = client.get(_url("provider_objection_list"), {"state": "submitted"}).content.decode()
    assert f'data-objection="{objection.pk}"' in listed


@pytest.mark.parametrize("who", ["other_reviewer", "alice", "operator", "editor", "officer"])
def test_outsiders_do_not_see_the_providers_objection(world, objection, client, who):
    user = getattr(world.p, who, None) or getattr(world, who)
    signed_in(client, user)
    assert client.get(_url("provider_objection_detail", objection.pk)).status_code == 404
    response = client.post(_url("provider_objection_act", objection.pk, "review"), {})
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


def test_the_provider_reviews_and_upholds_with_an_explanation(world, objection, client):
    signed_in(client, world.reviewer)
    page = client.get(_url("provider_objection_detail", objection.pk))
    assert page.status_code == 200
    assert 'data-action="review"' in page.content.decode()
    response = client.post(_url("provider_objection_act", objection.pk, "review"), {})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.IN_REVIEW

    page = client.post(_url("provider_objection_act", objection.pk, "uphold"), {"uphold-note": ""})
    assert page.status_code == 200
    assert (
        '<p class="error" id="id_uphold-note_error">请填写处理说明，说明核查的依据和结果。</p>'
        in page.content.decode()
    )
    objection.refresh_from_db()
    assert objection.state == Objection.State.IN_REVIEW

    response = client.post(
        _url("provider_objection_act", objection.pk, "uphold"),
        {"uphold-note": "经核对申报记录，原记录无误。"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.resolution) == ("upheld", "经核对申报记录，原记录无误。")
    told = Notification.objects.filter(kind="objection.uphold", recipient=world.p.alice).get()
    assert told.url == _url("objection_detail", objection.pk)
    client.logout()
    text = signed_in(client, world.p.alice).get(_url("objection_detail", objection.pk))
    assert "经核对申报记录，原记录无误。" in text.content.decode()


def test_correcting_needs_the_redelivery_first(world, objection, client):
    signed_in(client, world.reviewer)
    client.post(_url("provider_objection_act", objection.pk, "review"), {})
    page = client.get(_url("provider_objection_detail", objection.pk)).content.decode()
    assert f'href="{reverse("sources:delivery_home")}" data-role="redeliver"' in page
    note = {"correct-note": "已更正1月增值税金额。"}
    page = client.post(_url("provider_objection_act", objection.pk, "correct"), note)
    assert page.status_code == 200
    assert "尚未收到该记录的更正数据。" in page.content.decode()
    objection.refresh_from_db()
    assert objection.state == Objection.State.IN_REVIEW

    batch = redeliver(world.tax, world.p.enterprise_a.uscc, "900")
    response = client.post(_url("provider_objection_act", objection.pk, "correct"), note)
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.correcting_batch) == ("corrected", batch)


def test_a_step_from_the_wrong_state_is_a_409_with_the_current_state(world, objection, client):
    signed_in(client, world.reviewer)
    client.post(_url("provider_objection_act", objection.pk, "review"), {})
    response = client.post(_url("provider_objection_act", objection.pk, "review"), {})
    assert response.status_code == 409
    assert 'data-role="state">核查中<' in response.content.decode()


def test_the_provider_may_not_escalate(world, objection, client):
    signed_in(client, world.reviewer)
    response = client.post(_url("provider_objection_act", objection.pk, "escalate"), {})
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


# --------------------------------------------------------------------------- the operator


def test_the_operator_escalates_and_decides(world, objection, client):
    signed_in(client, world.operator)
    listed = client.get(_url("operator_objection_list")).content.decode()
    assert f'data-objection="{objection.pk}"' in listed
    response = client.post(
        _url("operator_objection_act", objection.pk, "escalate"), {"escalate-note": "超期督办"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.ESCALATED
    urls = dict(
        Notification.objects.filter(kind="objection.escalate").values_list(
            "recipient__username", "url"
        )
    )
    assert urls == {
        "operator": _url("operator_objection_detail", objection.pk),
        "reviewer": _url("provider_objection_detail", objection.pk),
    }
    page = client.get(_url("operator_objection_detail", objection.pk)).content.decode()
    assert 'data-action="uphold"' in page
    assert 'data-action="escalate"' not in page
    response = client.post(
        _url("operator_objection_act", objection.pk, "uphold"),
        {"uphold-note": "经平台核实，原记录无误。"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == Objection.State.UPHELD


def test_the_operator_filters_overdue_ones(world, objection, client):
    other = file_objection(
        world, user=world.p.bob, enterprise=world.p.enterprise_b, key=world.key_b
    )
    Objection.objects.filter(pk=objection.pk).update(is_overdue=True)
    signed_in(client, world.operator)
    text = client.get(_url("operator_objection_list"), {"overdue": "1"}).content.decode()
    assert f'data-objection="{objection.pk}"' in text
    assert f'data-objection="{other.pk}"' not in text
    assert 'data-role="overdue"' in text


@pytest.mark.parametrize("who", ["editor", "reviewer", "alice", "officer", "regulator"])
def test_only_operators_reach_the_operator_pages(world, objection, client, who):
    user = getattr(world.p, who, None) or getattr(world, who)
    signed_in(client, user)
    assert client.get(_url("operator_objection_list")).status_code == 404
    assert client.get(_url("operator_objection_detail", objection.pk)).status_code == 404
    response = client.post(_url("operator_objection_act", objection.pk, "escalate"), {})
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


# --------------------------------------------------------------------------- evidence


@pytest.mark.parametrize("who", ["alice", "amy", "reviewer", "uploader", "operator"])
def test_the_parties_download_the_evidence(world, objection, client, who):
    user = getattr(world.p, who, None) or getattr(world, who)
    evidence = objection.evidence.get()
    response = signed_in(client, user).get(_url("objection_evidence", objection.pk, evidence.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["bob", "other_reviewer", "editor", "officer", "regulator"])
def test_no_one_else_downloads_the_evidence(world, objection, client, who):
    user = getattr(world.p, who, None) or getattr(world, who)
    evidence = objection.evidence.get()
    response = signed_in(client, user).get(_url("objection_evidence", objection.pk, evidence.pk))
    assert response.status_code == 404


# --------------------------------------------------------------------------- query counts


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("alice", "objection_list"),
        ("reviewer", "provider_objection_list"),
        ("operator", "operator_objection_list"),
    ],
)
def test_list_pages_do_not_grow_with_the_objections(world, client, who, name):
    user = getattr(world.p, who, None) or getattr(world, who)
    file_objection(world)
    signed_in(client, user)
    one = _queries(client, _url(name))
    many_objections(world, 6)
    assert Objection.objects.count() == 7
    assert _queries(client, _url(name)) == one


def test_the_enterprise_profile_links_records_to_the_filing_form(world, client):
    from xinyidai.profiles.models import LendingProfile, ProfileRebuild
    from xinyidai.profiles.services import profiles_rebuild_start

    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.FULL,
        usccs=[world.p.enterprise_a.uscc],
        here=True,
    )
    text = login(client, world.p.alice).get("/profile/").content.decode()
    assert 'data-role="object-link"' in text
    assert f'href="{_url("objection_file")}?source=tax_monthly&amp;period=2026-01"' in text
