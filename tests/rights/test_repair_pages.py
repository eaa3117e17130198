"""The credit-repair pages: the enterprise's list, application form, detail and withdrawal;
the operator's queue, review and rules; evidence downloads; outsiders get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import login
from tests.rights.conftest import PDF, stored_files
from tests.rights.fixtures_repair import (  # noqa: F401 (fixture)
    MAJOR,
    MINOR,
    Penalties,
    file_repair,
    penalties_fixture,
)
from xinyidai.core.models import AuditEvent
from xinyidai.rights.models import RepairApplication, RepairRule

APPLY = "/credit/repair/apply/"


def _client(user, **kwargs) -> Client:
    return login(Client(), user, **kwargs)


def test_the_enterprise_sees_its_penalties_and_which_it_may_repair(
    penalties: Penalties, django_assert_max_num_queries
):
    client = _client(penalties.world.p.alice)
    with django_assert_max_num_queries(20):
        response = client.get("/credit/repair/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "贵企业有 2 条行政处罚记录现在可以申请信用修复。" in page
    assert "2026-03-01 起可申请" in page
    assert "尚未履行处罚" in page
    assert "端市监罚" not in page  # B's penalty


def test_the_owner_applies_in_one_place(penalties: Penalties):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(penalties.world.p.alice)
    page = client.get(APPLY, {"decision": MINOR}).content.decode()
    assert "信用修复承诺书" in page
    assert "申请信用修复，郑重承诺" in page
    response = client.post(
        f"{APPLY}?decision={MINOR}",
        {
            "statement": "已缴纳罚款并补报年报。",
            "evidence_fulfilment": [SimpleUploadedFile("缴款凭证.pdf", PDF)],
            "sign_commitment": "on",
            "signer_name": "张丽",
        },
    )
    application = RepairApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/credit/repair/{application.pk}/"
    assert application.commitment is not None
    detail = client.get(response["Location"]).content.decode()
    assert "缴款凭证.pdf" in detail
    assert "已提交" in detail


def test_the_form_shows_the_services_messages_and_changes_nothing(penalties: Penalties):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(penalties.world.p.alice)
    files = len(stored_files("repairs"))
    response = client.post(
        f"{APPLY}?decision={MINOR}",
        {
            "statement": "说明",
            "evidence_fulfilment": [SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00rest")],
            "signer_name": "张丽",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件“病毒.pdf”不是允许的文件类型（仅限 PDF、JPG、PNG）。" in page
    assert "该处罚的信用修复须签署信用修复承诺，请阅读并勾选。" in page
    assert RepairApplication.objects.count() == 0
    assert len(stored_files("repairs")) == files


def test_an_ineligible_penalty_shows_the_reason_and_no_form(penalties: Penalties):
    client = _client(penalties.world.p.alice)
    page = client.get(APPLY, {"decision": MAJOR}).content.decode()
    assert "最短公示期 6 个月未满，2026-03-01 起可申请信用修复。" in page
    assert "signer_name" not in page


def test_staff_sees_that_only_the_owner_can_sign_and_cannot_file(penalties: Penalties):
    client = _client(penalties.world.p.amy)
    page = client.get(APPLY, {"decision": MINOR}).content.decode()
    assert "只有企业负责人可以签署承诺并提交申请" in page
    response = client.post(
        f"{APPLY}?decision={MINOR}",
        {"statement": "说明", "sign_commitment": "on", "signer_name": "王芳"},
    )
    assert response.status_code == 403
    assert RepairApplication.objects.count() == 0


def test_withdrawal_asks_for_confirmation(penalties: Penalties):
    application = file_repair(penalties)
    client = _client(penalties.world.p.alice)
    url = f"/credit/repair/{application.pk}/withdraw/"
    assert "撤回后本申请终止办理" in client.get(url).content.decode()
    application.refresh_from_db()
    assert application.state == "submitted"
    assert client.post(url, {"note": ""}).status_code == 302
    application.refresh_from_db()
    assert application.state == "withdrawn"
    assert client.post(url, {"note": ""}).status_code == 409


def test_the_operator_works_through_the_queue(penalties: Penalties, django_assert_max_num_queries):
    application = file_repair(penalties)
    client = _client(penalties.operator)
    with django_assert_max_num_queries(20):
        queue = client.get("/credit/repair/queue/")
    assert MINOR in queue.content.decode()
    review = f"/credit/repair/queue/{application.pk}/"
    page = client.get(review).content.decode()
    assert "肇庆市市场监督管理局" in page
    assert "2025-10-01" in page
    assert client.post(f"{review}accept/").status_code == 302
    response = client.post(f"{review}approve/", {"approve-note": ""})
    assert response.status_code == 400
    assert "请填写决定理由。" in response.content.decode()
    assert client.post(f"{review}approve/", {"approve-note": "已纠正。"}).status_code == 302
    application.refresh_from_db()
    assert application.state == "approved"
    assert client.post(f"{review}accept/").status_code == 409


def test_the_operator_consults_and_records_the_opinion(penalties: Penalties):
    application = file_repair(penalties)
    client = _client(penalties.operator)
    review = f"/credit/repair/queue/{application.pk}/"
    client.post(f"{review}accept/")
    client.post(f"{review}consult/", {"department_name": ""})
    client.post(f"{review}opinion/", {"department_agrees": "yes", "note": "同意修复"})
    application.refresh_from_db()
    assert (application.state, application.department_name, application.department_agrees) == (
        "consulting",
        "肇庆市市场监督管理局",
        True,
    )


def test_the_operator_edits_the_rules(penalties: Penalties):
    client = _client(penalties.operator)
    page = client.get("/credit/repair/rules/")
    assert page.status_code == 200
    rules = list(RepairRule.objects.order_by("id"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
    }
    for i, rule in enumerate(rules):
        data[f"form-{i}-id"] = str(rule.pk)
        data[f"form-{i}-min_publication_months"] = str(rule.min_publication_months)
        data[f"form-{i}-watch_months"] = str(rule.watch_months)
        for name in (
            "repairable",
            "requires_fulfilment",
            "requires_commitment",
            "requires_training",
            "requires_credit_report",
        ):
            if getattr(rule, name):
                data[f"form-{i}-{name}"] = "on"
    data["form-0-min_publication_months"] = "4"
    assert client.post("/credit/repair/rules/", data).status_code == 302
    minor = RepairRule.objects.get(severity="minor")
    assert minor.min_publication_months == 4
    assert minor.updated_by == penalties.operator
    event = AuditEvent.objects.get(action="repair.rule_update")
    assert event.data["changed"] == {"min_publication_months": [3, 4]}


def test_evidence_downloads_for_the_enterprise_and_the_operator_only(penalties: Penalties):
    w = penalties.world
    application = file_repair(penalties)
    evidence = application.evidence.get()
    url = f"/credit/repair/{application.pk}/evidence/{evidence.pk}/"
    for user in (w.p.alice, w.p.amy, w.operator):
        response = _client(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    for user in (w.p.bob, w.editor, w.uploader):
        assert _client(user).get(url).status_code == 404
    for user in (w.p.officer, w.p.regulator):
        assert _client(user, verify=True).get(url).status_code == 404
    assert Client().get(url).status_code == 302


ENTERPRISE_PAGES = ["/credit/repair/", APPLY + "?decision=" + MINOR]
OPERATOR_PAGES = ["/credit/repair/queue/", "/credit/repair/rules/"]


@pytest.mark.parametrize("outsider", ["bob", "uploader", "officer", "regulator", "editor"])
def test_outsiders_get_404(penalties: Penalties, outsider: str):
    w = penalties.world
    user = getattr(w, outsider, None) or getattr(w.p, outsider)
    client = _client(user, verify=outsider in ("officer", "regulator"))
    application = file_repair(penalties)
    pages = [
        f"/credit/repair/{application.pk}/",
        f"/credit/repair/{application.pk}/withdraw/",
        f"/credit/repair/queue/{application.pk}/",
        *OPERATOR_PAGES,
    ]
    if outsider != "bob":
        pages += ENTERPRISE_PAGES
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/credit/repair/queue/{application.pk}/accept/").status_code == 404
    assert client.post(f"/credit/repair/{application.pk}/withdraw/").status_code == 404
    application.refresh_from_db()
    assert application.state == "submitted"


def test_another_enterprise_cannot_apply_for_a_penalty_not_its_own(penalties: Penalties):
    client = _client(penalties.world.p.bob)
    assert client.get(APPLY, {"decision": MINOR}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(penalties: Penalties):
    application = file_repair(penalties)
    for url in [
        *ENTERPRISE_PAGES,
        *OPERATOR_PAGES,
        f"/credit/repair/{application.pk}/",
        f"/credit/repair/queue/{application.pk}/",
    ]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
