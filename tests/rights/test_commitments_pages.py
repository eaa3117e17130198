"""Commitment pages: the enterprise's (sign in two steps, detail, withdraw), the operator's
(filters, fulfil, breach), the public list and detail, outsiders and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.rights.fixtures_commitments import (  # noqa: F401 (fixture)
    CWorld,
    cw_fixture,
    sign,
    template,
)
from xinyidai.accounts.models import User
from xinyidai.rights.models import Commitment
from xinyidai.rights.services_commitments import commitment_breach, commitment_withdraw

pytestmark = pytest.mark.django_db
S = Commitment.State
TWO_FACTOR = {"officer", "other_officer", "regulator"}


def user_of(world: CWorld, name: str) -> User:
    return getattr(world.p, name, None) or getattr(world, name)


def client_for(world: CWorld, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        login(client, user_of(world, name), verify=name in TWO_FACTOR)
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --------------------------------------------------------------------------- signing


def test_the_owner_signs_in_two_steps(cw: CWorld) -> None:
    client = client_for(cw, "alice")
    chooser = client.get("/credit/enterprise/commitments/templates/")
    assert chooser.status_code == 200
    for title in ("行政审批告知承诺书（审批替代型）", "主动公开型信用承诺书", "信用修复承诺书"):
        assert title in html(chooser)
    assert "审批替代型" in html(chooser)
    assert "证明事项告知承诺" in html(chooser)
    assert f"本企业{cw.p.enterprise_a.name}" in html(chooser)  # the full text, filled in
    url = f"/credit/enterprise/commitments/sign/{template('approval-substitute').pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "2026-08-13" in html(page)

    step_one = client.post(url, {"subject": "食品经营许可", "signer_name": "张丽"})
    assert step_one.status_code == 200
    assert "就“食品经营许可”郑重承诺" in html(step_one)
    assert "本人已阅读并同意以上承诺" in html(step_one)
    assert Commitment.objects.count() == 0

    unticked = client.post(url, {"subject": "食品经营许可", "signer_name": "张丽", "confirm": "1"})
    assert '<p class="error" id="id_agree_error">请阅读承诺全文并勾选同意。</p>' in html(unticked)
    assert Commitment.objects.count() == 0

    signed = client.post(
        url, {"subject": "食品经营许可", "signer_name": "张丽", "confirm": "1", "agree": "on"}
    )
    commitment = Commitment.objects.get()
    assert signed.status_code == 302
    assert signed["Location"] == f"/credit/enterprise/commitments/{commitment.pk}/"
    detail = html(client.get(signed["Location"]))
    assert commitment.digest in detail
    assert "履约中" in detail
    assert "2026-08-13" in detail
    assert "张丽" in detail
    assert "三、在2026年8月13日前补齐全部材料并接受核查" in detail
    assert 'data-action="sign"' in detail


def test_a_blank_subject_is_shown_next_to_the_field_and_nothing_is_written(cw: CWorld) -> None:
    client = client_for(cw, "alice")
    url = f"/credit/enterprise/commitments/sign/{template('public').pk}/"
    response = client.post(url, {"subject": "  ", "signer_name": "张丽"})
    assert response.status_code == 200
    assert '<p class="error" id="id_subject_error">请填写承诺事项。</p>' in html(response)
    tampered = client.post(
        url, {"subject": "", "signer_name": "张丽", "confirm": "1", "agree": "on"}
    )
    assert '<p class="error" id="id_subject_error">请填写承诺事项。</p>' in html(tampered)
    assert Commitment.objects.count() == 0


def test_staff_see_the_templates_but_only_the_owner_signs(cw: CWorld) -> None:
    client = client_for(cw, "amy")
    chooser = client.get("/credit/enterprise/commitments/templates/")
    assert 'data-role="owner-only"' in html(chooser)
    url = f"/credit/enterprise/commitments/sign/{template('public').pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "只有企业负责人可以在线签署信用承诺。" in html(page)
    assert 'name="subject"' not in html(page)
    refused = client.post(
        url, {"subject": "诚信经营", "signer_name": "王芳", "confirm": "1", "agree": "on"}
    )
    assert refused.status_code == 403
    assert "只有企业负责人可以在线签署信用承诺。" in html(refused)
    assert Commitment.objects.count() == 0


def test_an_inactive_template_cannot_be_signed(cw: CWorld) -> None:
    old = template("public")
    old.is_active = False
    old.save()
    client = client_for(cw, "alice")
    assert client.get(f"/credit/enterprise/commitments/sign/{old.pk}/").status_code == 404
    assert "主动公开型信用承诺书" not in html(
        client.get("/credit/enterprise/commitments/templates/")
    )


# --------------------------------------------------------------------------- detail, withdraw


def test_the_owner_withdraws_after_a_confirmation_page(cw: CWorld) -> None:
    commitment = sign(cw, "public")
    client = client_for(cw, "alice")
    url = f"/credit/enterprise/commitments/{commitment.pk}/withdraw/"
    assert "撤销立即生效且不能恢复" in html(client.get(url))
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE  # the GET only asks
    response = client.post(url)
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.state == S.WITHDRAWN
    detail = html(client.get(f"/credit/enterprise/commitments/{commitment.pk}/"))
    assert "已撤销" in detail
    assert 'data-action="withdraw"' in detail


def test_staff_cannot_withdraw_and_a_due_commitment_offers_no_withdrawal(cw: CWorld) -> None:
    standing, due = sign(cw, "public"), sign(cw)
    amy = client_for(cw, "amy")
    refused = amy.post(f"/credit/enterprise/commitments/{standing.pk}/withdraw/")
    assert refused.status_code == 403
    alice = client_for(cw, "alice")
    assert "撤销承诺" not in html(alice.get(f"/credit/enterprise/commitments/{due.pk}/"))
    alice.post(f"/credit/enterprise/commitments/{due.pk}/withdraw/")
    standing.refresh_from_db()
    due.refresh_from_db()
    assert (standing.state, due.state) == (S.IN_FORCE, S.IN_FORCE)


@pytest.mark.parametrize(
    "who", ["bob", "officer", "regulator", "tax_reviewer", "operator", "editor"]
)
def test_outsiders_get_404_on_the_enterprise_pages(cw: CWorld, who: str) -> None:
    commitment = sign(cw, "public")
    client = client_for(cw, who)
    for url in (
        f"/credit/enterprise/commitments/{commitment.pk}/",
        f"/credit/enterprise/commitments/{commitment.pk}/withdraw/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/credit/enterprise/commitments/{commitment.pk}/withdraw/").status_code == 404
    )
    if who != "bob":  # another enterprise has its own lists; the others none
        assert client.get("/credit/enterprise/commitments/").status_code == 404
        assert client.get("/credit/enterprise/commitments/templates/").status_code == 404
    else:
        assert commitment.subject not in html(client.get("/credit/enterprise/commitments/"))
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


def test_anonymous_visitors_are_sent_to_log_in(cw: CWorld) -> None:
    commitment = sign(cw)
    client = Client()
    for url in (
        "/credit/enterprise/commitments/",
        "/credit/enterprise/commitments/templates/",
        f"/credit/enterprise/commitments/{commitment.pk}/",
        "/credit/operator/commitments/",
        f"/credit/operator/commitments/{commitment.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


# --------------------------------------------------------------------------- operator


def test_the_operator_filters_and_confirms_fulfilment(cw: CWorld) -> None:
    due = sign(cw, subject="食品经营许可")
    sign(cw, "public", subject="诚信经营")
    client = client_for(cw, "operator")
    listed = html(client.get("/credit/operator/commitments/?kind=approval_substitute"))
    assert "食品经营许可" in listed
    assert "诚信经营" not in listed
    listed = html(client.get("/credit/operator/commitments/?due=none"))
    assert "食品经营许可" not in listed
    assert "诚信经营" in listed
    detail = html(client.get(f"/credit/operator/commitments/{due.pk}/"))
    assert "确认履约" in detail
    assert "记录违约" in detail
    response = client.post(f"/credit/operator/commitments/{due.pk}/fulfil/", {"note": "已核查。"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == S.FULFILLED
    again = client.post(f"/credit/operator/commitments/{due.pk}/fulfil/", {"note": ""})
    assert again.status_code == 409
    assert "该承诺当前状态为“已履约”，不能确认履约。" in html(again)


def test_a_breach_with_a_future_date_is_shown_next_to_the_field(cw: CWorld) -> None:
    commitment = sign(cw)
    client = client_for(cw, "operator")
    url = f"/credit/operator/commitments/{commitment.pk}/breach/"
    response = client.post(
        url, {"breached_on": "2026-02-20", "authority": "肇庆市市场监督管理局", "note": "x"}
    )
    assert response.status_code == 200
    assert '<p class="error" id="id_breached_on_error">违约日期不能晚于今天。</p>' in html(response)
    missing = client.post(url, {"breached_on": "2026-02-13"})
    assert '<p class="error" id="id_authority_error">请填写认定违约的部门。</p>' in html(missing)
    assert '<p class="error" id="id_note_error">请填写违约情形。</p>' in html(missing)
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE
    done = client.post(
        url,
        {"breached_on": "2026-02-13", "authority": "肇庆市市场监督管理局", "note": "未补齐材料。"},
    )
    assert done.status_code == 302
    commitment.refresh_from_db()
    assert commitment.state == S.BREACHED


def test_the_credit_centre_records_breaches_but_does_not_confirm_fulfilment(cw: CWorld) -> None:
    commitment = sign(cw)
    client = client_for(cw, "centre_reviewer")
    detail = html(client.get(f"/credit/operator/commitments/{commitment.pk}/"))
    assert "记录违约" in detail
    assert 'action="/credit/operator/commitments/' in detail
    assert f"/credit/operator/commitments/{commitment.pk}/fulfil/" not in detail
    refused = client.post(f"/credit/operator/commitments/{commitment.pk}/fulfil/", {"note": ""})
    assert refused.status_code == 403
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


@pytest.mark.parametrize(
    "who", ["alice", "amy", "officer", "regulator", "tax_reviewer", "centre_uploader", "editor"]
)
def test_outsiders_get_404_on_the_operator_pages(cw: CWorld, who: str) -> None:
    commitment = sign(cw)
    client = client_for(cw, who)
    base = f"/credit/operator/commitments/{commitment.pk}/"
    assert client.get("/credit/operator/commitments/").status_code == 404
    assert client.get(base).status_code == 404
    assert client.post(base + "fulfil/", {"note": ""}).status_code == 404
    assert (
        client.post(
            base + "breach/",
            {"breached_on": "2026-02-13", "authority": "某局", "note": "违约"},
        ).status_code
        == 404
    )
    commitment.refresh_from_db()
    assert commitment.state == S.IN_FORCE


# --------------------------------------------------------------------------- public


def test_the_public_sees_only_published_commitments_without_the_signer(cw: CWorld) -> None:
    shown = sign(cw, "public", subject="诚信经营", signer_name="张丽")
    hidden = sign(cw, "repair", subject="肇市监罚〔2025〕1号", signer_name="张丽")
    withdrawn = commitment_withdraw(
        user=cw.p.alice, commitment=sign(cw, "self-discipline", subject="肇庆市餐饮协会")
    )
    breached = commitment_breach(
        user=cw.operator,
        commitment=sign(cw, subject="食品经营许可", enterprise=cw.p.enterprise_b, user=cw.p.bob),
        breached_on=shown.signed_at.date(),
        authority="肇庆市市场监督管理局",
        document_number="肇市监〔2026〕3号",
        note="未补齐材料。",
    )
    client = Client()
    page = html(client.get("/credit/commitments/"))
    assert "诚信经营" in page
    assert "食品经营许可" in page
    assert hidden.subject not in page
    assert withdrawn.subject not in page
    assert cw.p.enterprise_a.uscc in page
    assert "已违约" in page
    for private in ("张丽", "alice", "bob"):
        assert private not in page
    detail = html(client.get(f"/credit/commitments/{shown.pk}/"))
    assert shown.text.splitlines()[0] in detail
    assert shown.digest in detail
    assert "张丽" not in detail
    assert "alice" not in detail
    assert 'data-role="signer"' not in detail
    breach_page = html(client.get(f"/credit/commitments/{breached.pk}/"))
    assert "肇庆市市场监督管理局" in breach_page
    assert "未补齐材料。" not in breach_page
    assert client.get(f"/credit/commitments/{hidden.pk}/").status_code == 404
    assert client.get(f"/credit/commitments/{withdrawn.pk}/").status_code == 404
    assert client.get("/credit/commitments/999999/").status_code == 404


def test_the_public_list_searches_by_name_or_uscc(cw: CWorld) -> None:
    sign(cw, "public", subject="诚信经营")
    sign(cw, "public", subject="守法经营", enterprise=cw.p.enterprise_b, user=cw.p.bob)
    client = Client()
    by_name = html(client.get("/credit/commitments/", {"q": "甲"}))
    assert "诚信经营" in by_name
    assert "守法经营" not in by_name
    by_code = html(client.get("/credit/commitments/", {"q": cw.p.enterprise_b.uscc.lower()}))
    assert "守法经营" in by_code
    assert "诚信经营" not in by_code
    nothing = html(client.get("/credit/commitments/", {"q": "不存在的企业"}))
    assert "没有找到相关企业的公示承诺。" in nothing


# --------------------------------------------------------------------------- query counts


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("alice", "/credit/enterprise/commitments/"),
        ("operator", "/credit/operator/commitments/"),
        ("anonymous", "/credit/commitments/"),
    ],
)
def test_list_pages_take_the_same_queries_for_more_rows(cw: CWorld, who: str, url: str) -> None:
    client = client_for(cw, who)
    sign(cw, "public")
    client.get(url)  # warm caches (session, membership)
    one = _queries(client, url)
    for code in ("public", "self-discipline", "certification", "approval-substitute", "public"):
        sign(cw, code)
    assert _queries(client, url) == one
