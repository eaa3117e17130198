"""The authorization pages: the enterprise signs, pauses, revokes and sees who queried it; the
bank asks and reads the profile only through the guarded path (every refusal a 404 with its
code); the regulator sees counts per bank, never an enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from tests.conftest import Personas, confirmed_totp, current_code, login
from tests.factories import PASSWORD, UserFactory
from xinyidai.accounts.models import Membership, Role
from xinyidai.accounts.services import membership_grant, regulator_create
from xinyidai.consent import services
from xinyidai.consent.models import AccessLogEntry, Authorization
from xinyidai.consent.services import REASONS
from xinyidai.financing.models import Application
from xinyidai.notifications.models import Notification

from .conftest import fetch, grant, rich_profile

pytestmark = pytest.mark.django_db

BASE = "/authorizations/"
ALL = ["registration", "tax", "social_insurance", "housing_fund", "utilities", "public_credit"]
TAX_FIGURE = "1,200"  # the first month of tax paid in rich_profile (1200.0 yuan)


def _page(response: Any) -> str:
    return response.content.decode()


def _main(response: Any) -> str:
    """The page's own content (the layout around it carries a fresh CSRF token each time)."""
    page = _page(response)
    return page[page.index("<main") : page.index("</main>")]


def _error(field: str, message: str) -> str:
    """How a message appears next to its field."""
    return f'id="id_{field}_error">{message}</p>'


def _profile_url(personas: Personas, purpose: str = "pre_loan") -> str:
    return f"{BASE}bank/profile/{personas.enterprise_a.uscc}/?purpose={purpose}"


def _refusal(code: str) -> str:
    return f"{REASONS[code]}({code})"


def _staff(personas: Personas, username: str, role: str) -> Any:
    user = UserFactory(username=username)
    membership_grant(user=user, organization=personas.bank, role=role)
    return user


def _request(personas: Personas, application: Application, **overrides: Any) -> Authorization:
    """A pending request of bank 1 to enterprise A."""
    values: dict[str, Any] = {
        "membership": Membership.objects.get(user=personas.officer),
        "enterprise": personas.enterprise_a,
        "purpose": "pre_loan",
        "scopes": ALL,
        "application": application,
    }
    values.update(overrides)
    return services.authorization_request(**values)


@pytest.fixture
def officer_client(client: Client, personas: Personas) -> Client:
    return login(client, personas.officer, verify=True)


@pytest.fixture
def zhaoqing_regulator(personas: Personas) -> Any:
    regulator = regulator_create(name="肇庆测试监管局", jurisdiction="4412", region_code="441202")
    user = UserFactory(username="zq_regulator")
    membership_grant(user=user, organization=regulator.organization, role=Role.REGULATOR_ANALYST)
    return user


# --------------------------------------------------------------------------- the profile page


def test_it_shows_the_profile_under_an_active_grant_and_logs_a_web_fetch(
    officer_client, personas, profile
):
    grant(personas)
    response = officer_client.get(_profile_url(personas), REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200
    page = _page(response)
    assert "肇庆甲有限公司" in page
    assert "实缴税款（元）" in page
    assert f'<td class="num">{TAX_FIGURE}</td>' in page
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get()
    assert (entry.outcome, entry.channel, entry.purpose) == ("allowed", "web", "pre_loan")
    assert entry.username == "officer"
    assert entry.ip_address == "10.7.7.7"
    assert f"#{entry.pk}" in page


def _make_pending(personas: Personas, application: Application) -> None:
    _request(personas, application)


def _make_status(status: str):
    def make(personas: Personas, application: Application) -> None:
        authorization = grant(personas)
        Authorization.objects.filter(pk=authorization.pk).update(status=status)

    return make


def _make_not_yet_valid(personas: Personas, application: Application) -> None:
    now = timezone.now()
    grant(
        personas,
        valid_from=now + dt.timedelta(days=2),
        expires_at=now + dt.timedelta(days=30),
    )


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_make_pending, "no_grant"),
        (_make_status("paused"), "paused"),
        (_make_status("revoked"), "revoked"),
        (_make_not_yet_valid, "not_yet_valid"),
    ],
    ids=["pending", "paused", "revoked", "not_yet_valid"],
)
def test_it_answers_404_with_the_code_when_the_grant_does_not_open_the_path(
    client, personas, application, make, code
):
    rich_profile(personas.enterprise_a)
    make(personas, application)
    login(client, personas.officer, verify=True)
    before = AccessLogEntry.objects.count()
    response = client.get(_profile_url(personas))
    assert response.status_code == 404
    page = _page(response)
    assert _refusal(code) in page
    assert TAX_FIGURE not in page
    assert "肇庆甲有限公司" not in page
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert (entry.outcome, entry.reason, entry.channel) == ("refused", code, "web")


def test_it_refuses_one_second_after_expiry(client, personas, profile):
    authorization = grant(personas)
    with time_machine.travel(authorization.expires_at + dt.timedelta(seconds=1), tick=False):
        login(client, personas.officer, verify=True)
        response = client.get(_profile_url(personas))
    assert response.status_code == 404
    assert "授权已过期。(expired)" in _page(response)
    assert TAX_FIGURE not in _page(response)
    entry = AccessLogEntry.objects.get()
    assert (entry.outcome, entry.reason) == ("refused", "expired")


@pytest.mark.parametrize(
    ("username", "role"),
    [("manager", Role.BANK_PRODUCT_MANAGER), ("bank_admin", Role.BANK_ADMIN)],
)
def test_it_lets_only_credit_officers_read_profiles(client, personas, profile, username, role):
    grant(personas)
    user = _staff(personas, username, role)
    login(client, user, verify=True)
    response = client.get(_profile_url(personas))
    assert response.status_code == 404
    assert "只有客户经理可以查询企业信用信息。(role)" in _page(response)
    assert TAX_FIGURE not in _page(response)
    entry = AccessLogEntry.objects.get()
    assert (entry.outcome, entry.reason, entry.username) == ("refused", "role", username)


def test_it_refuses_another_bank(client, personas, profile):
    grant(personas)
    login(client, personas.other_officer, verify=True)
    response = client.get(_profile_url(personas))
    assert response.status_code == 404
    assert "没有该企业对本行此用途的授权。(no_grant)" in _page(response)
    entry = AccessLogEntry.objects.get()
    assert (entry.reason, entry.organization_name) == ("no_grant", "测试银行二")


def test_it_refuses_another_purpose_than_the_one_granted(officer_client, personas, profile):
    grant(personas)
    response = officer_client.get(_profile_url(personas, "post_loan"))
    assert response.status_code == 404
    assert _refusal("no_grant") in _page(response)


def test_it_answers_an_unknown_uscc_like_a_known_one_without_a_grant(officer_client, personas):
    known = officer_client.get(_profile_url(personas))
    unknown = officer_client.get(f"{BASE}bank/profile/91441200MA0000000X/?purpose=pre_loan")
    assert known.status_code == unknown.status_code == 404
    assert _refusal("no_grant") in _page(unknown)
    assert _main(known) == _main(unknown)
    # Only the known enterprise's refusal is in its log; an unknown code is nobody's.
    assert list(AccessLogEntry.objects.values_list("reason", flat=True)) == ["no_grant"]


def test_it_shows_only_the_granted_scopes(officer_client, personas, profile):
    grant(personas, scopes=["tax"])
    response = officer_client.get(_profile_url(personas))
    assert response.status_code == 200
    page = _page(response)
    assert '<h2 id="scope-tax">纳税信息</h2>' in page
    assert f'<td class="num">{TAX_FIGURE}</td>' in page
    assert "近6个月纳税额下降 30%" in page  # a tax reason is kept
    assert "登记注册信息" not in page
    assert "社会保险" not in page
    assert "住房公积金" not in page
    assert "公共信用" not in page
    assert "社保参保人数减少" not in page  # a reason drawn on social insurance is not
    assert "广东省 肇庆市 端州区" not in page
    assert AccessLogEntry.objects.get().sections == ["tax"]


def test_it_shows_the_legal_representative_only_with_its_own_consent(
    officer_client, personas, profile
):
    grant(personas)
    assert "法定代表人个人信息" not in _page(officer_client.get(_profile_url(personas)))
    Authorization.objects.update(status="revoked")
    grant(personas, scopes=[*ALL, "legal_representative"], legal_rep_consent=True)
    page = _page(officer_client.get(_profile_url(personas)))
    assert ">法定代表人个人信息</h2>" in page
    assert "测试人" in page


def test_it_stops_the_bank_at_the_next_fetch_after_the_enterprise_revokes(
    officer_client, personas, profile
):
    authorization = grant(personas)
    assert officer_client.get(_profile_url(personas)).status_code == 200

    enterprise_client = login(Client(), personas.alice)
    response = enterprise_client.post(
        f"{BASE}{authorization.pk}/change", {"action": "revoke"}, follow=True
    )
    assert "撤销授权不能恢复，请勾选确认后再提交。" in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "active"
    response = enterprise_client.post(
        f"{BASE}{authorization.pk}/change", {"action": "revoke", "confirm": "1"}, follow=True
    )
    assert "授权已撤销，自此刻起该行的查询将被拒绝。" in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "revoked"

    response = officer_client.get(_profile_url(personas))
    assert response.status_code == 404
    assert "企业已撤销授权。(revoked)" in _page(response)
    assert Notification.objects.filter(
        recipient=personas.officer, title="肇庆甲有限公司 撤销了查询授权"
    ).exists()
    assert list(AccessLogEntry.objects.values_list("outcome", flat=True)) == [
        "allowed",
        "refused",
    ]


def test_it_pauses_and_resumes_through_the_page(officer_client, personas, profile):
    authorization = grant(personas)
    enterprise_client = login(Client(), personas.amy)  # any member may pause
    enterprise_client.post(f"{BASE}{authorization.pk}/change", {"action": "pause"})
    assert officer_client.get(_profile_url(personas)).status_code == 404
    assert "企业已暂停授权。(paused)" in _page(officer_client.get(_profile_url(personas)))
    response = enterprise_client.post(
        f"{BASE}{authorization.pk}/change", {"action": "resume"}, follow=True
    )
    assert "授权已恢复。" in _page(response)
    assert officer_client.get(_profile_url(personas)).status_code == 200


def test_it_does_not_resume_a_revoked_grant(client, personas, profile):
    authorization = grant(personas)
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    login(client, personas.alice)
    response = client.post(f"{BASE}{authorization.pk}/change", {"action": "resume"}, follow=True)
    assert "授权当前状态为“已撤销”，不能执行该操作。" in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "revoked"


# --------------------------------------------------------------------------- signing


def test_it_keeps_the_request_pending_on_a_wrong_password(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.alice)
    response = client.post(f"{BASE}{authorization.pk}/accept", {"password": "wrong"})
    assert response.status_code == 200
    assert _error("password", "请重新输入登录密码以确认签署。") in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"


def test_it_signs_with_the_right_password_and_records_the_address(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.alice)
    page = _page(client.get(f"{BASE}{authorization.pk}/"))
    assert "授权书全文" in page
    assert escape(services.consent_document(authorization)) in page
    response = client.post(
        f"{BASE}{authorization.pk}/accept", {"password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.status == "active"
    assert authorization.signed_ip == "10.9.8.7"
    assert authorization.signed_by == personas.alice
    assert authorization.signed_method == "password"
    assert "授权已签署，测试银行一 可在有效期内按约定范围查询。" in _page(client.get(response.url))


def test_it_signs_with_a_totp_code_instead_of_the_password(client, personas, application):
    authorization = _request(personas, application)
    device = confirmed_totp(personas.alice)
    login(client, personas.alice)
    response = client.post(f"{BASE}{authorization.pk}/accept", {"otp_token": "000000"})
    assert _error("otp_token", "动态验证码不正确。") in _page(response)
    client.post(f"{BASE}{authorization.pk}/accept", {"otp_token": current_code(device)})
    authorization.refresh_from_db()
    assert (authorization.status, authorization.signed_method) == ("active", "totp")


def test_it_does_not_sign_twice(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.alice)
    client.post(f"{BASE}{authorization.pk}/accept", {"password": PASSWORD})
    response = client.post(f"{BASE}{authorization.pk}/accept", {"password": PASSWORD}, follow=True)
    assert '<li class="msg error" role="status">该授权已处理。</li>' in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "active"


def test_it_asks_a_separate_consent_for_the_legal_representative(client, personas, application):
    authorization = _request(personas, application, scopes=[*ALL, "legal_representative"])
    login(client, personas.alice)
    assert "我单独同意向该行提供法定代表人个人信息" in _page(
        client.get(f"{BASE}{authorization.pk}/")
    )
    response = client.post(f"{BASE}{authorization.pk}/accept", {"password": PASSWORD})
    assert _error("legal_rep_consent", "授权范围含法定代表人个人信息，须单独勾选同意。") in _page(
        response
    )
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"
    client.post(
        f"{BASE}{authorization.pk}/accept", {"password": PASSWORD, "legal_rep_consent": "on"}
    )
    authorization.refresh_from_db()
    assert (authorization.status, authorization.legal_rep_consent) == ("active", True)


def test_it_lets_only_the_owner_sign(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.amy)
    page = _page(client.get(f"{BASE}{authorization.pk}/"))
    assert 'data-role="owner-only">只有企业负责人可以签署授权。' in page
    response = client.post(f"{BASE}{authorization.pk}/accept", {"password": PASSWORD})
    assert '<div class="errors" role="alert"><p>只有企业负责人可以签署授权。</p></div>' in _page(
        response
    )
    assert Authorization.objects.get(pk=authorization.pk).status == "pending"


def test_it_rejects_a_request_and_tells_the_bank(client, personas, application):
    authorization = _request(personas, application)
    login(client, personas.alice)
    page = _page(client.get(f"{BASE}{authorization.pk}/"))
    assert "拒绝后该行不能查询贵企业的信用信息" in page
    response = client.post(f"{BASE}{authorization.pk}/change", {"action": "reject"}, follow=True)
    assert "已拒绝该行的授权申请。" in _page(response)
    assert Authorization.objects.get(pk=authorization.pk).status == "rejected"
    assert Notification.objects.filter(
        recipient=personas.officer, title="肇庆甲有限公司 拒绝了查询授权申请"
    ).exists()


def test_it_warns_before_revoking(client, personas, profile):
    authorization = grant(personas)
    login(client, personas.alice)
    page = _page(client.get(f"{BASE}{authorization.pk}/"))
    assert "撤销立即生效：自此刻起该行不能再查询贵企业的信用信息" in page
    assert 'name="action" value="pause"' in page
    assert 'name="action" value="revoke"' in page
    assert 'name="action" value="resume"' not in page


# --------------------------------------------------------------------------- granting


def test_it_grants_from_an_application_with_the_bank_prefilled(client, personas, application):
    login(client, personas.alice)
    url = f"{BASE}grant/?application={application.pk}"
    page = _page(client.get(url))
    assert f'<option value="{application.bank_id}" selected>测试银行一</option>' in page
    response = client.post(
        url,
        {
            "bank": application.bank_id,
            "purpose": "pre_loan",
            "scopes": ["tax", "registration"],
            "history_months": "24",
            "validity_days": "30",
            "fetch_limit": "5",
            "data_life_days": "60",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    authorization = Authorization.objects.get()
    assert response.url == f"{BASE}{authorization.pk}/"
    assert authorization.status == "active"
    assert authorization.application == application
    assert authorization.scopes == ["registration", "tax"]
    assert (authorization.history_months, authorization.fetch_limit) == (24, 5)
    assert (authorization.expires_at - authorization.valid_from).days in (29, 30)


def test_it_shows_grant_errors_next_to_the_fields(client, personas, application):
    login(client, personas.alice)
    response = client.post(
        f"{BASE}grant/",
        {
            "bank": application.bank_id,
            "purpose": "pre_loan",
            "history_months": "36",
            "validity_days": "90",
            "fetch_limit": "10",
            "data_life_days": "90",
            "password": "wrong",
        },
    )
    assert _error("scopes", "请至少选择一项数据范围。") in _page(response)
    assert not Authorization.objects.exists()


def test_it_links_the_grant_page_from_the_enterprise_application(client, personas, application):
    login(client, personas.alice)
    page = _page(client.get(f"/financing/applications/{application.pk}/"))
    assert f'href="{BASE}grant/?application={application.pk}">授权该行查询</a>' in page


# --------------------------------------------------------------------------- bank pages


def test_it_sends_a_request_from_the_application(officer_client, personas, application):
    page = _page(officer_client.get(f"/financing/bank/applications/{application.pk}/"))
    assert f'href="{BASE}bank/request/?application={application.pk}">申请查询授权</a>' in page
    profile_link = f"{BASE}bank/profile/{personas.enterprise_a.uscc}/?purpose=pre_loan"
    assert f'href="{profile_link}">查看信用画像</a>' in page

    url = f"{BASE}bank/request/?application={application.pk}"
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(
        url,
        {
            "purpose": "pre_loan",
            "scopes": ["tax", "social_insurance"],
            "history_months": "12",
            "validity_days": "60",
            "fetch_limit": "3",
            "data_life_days": "30",
            "branch": "",
            "note": "贷前审查",
        },
    )
    authorization = Authorization.objects.get()
    assert response.status_code == 302
    assert response.url == f"{BASE}bank/{authorization.pk}/"
    assert (authorization.status, authorization.fetch_limit) == ("pending", 3)
    assert authorization.application == application
    assert authorization.requested_by == personas.officer
    assert Notification.objects.filter(
        recipient=personas.alice, title="一行 申请查询贵企业的信用信息"
    ).exists()
    page = _page(officer_client.get(response.url))
    assert "待企业确认" in page
    assert "纳税信息、社会保险信息" in page


def test_it_rejects_a_request_form_without_scopes(officer_client, personas, application):
    response = officer_client.post(
        f"{BASE}bank/request/?application={application.pk}",
        {
            "purpose": "pre_loan",
            "history_months": "12",
            "validity_days": "400",
            "fetch_limit": "3",
            "data_life_days": "30",
        },
    )
    page = _page(response)
    assert _error("scopes", "请至少选择一项数据范围。") in page
    assert 'id="id_validity_days_error"' in page
    assert not Authorization.objects.exists()


def test_it_lists_the_banks_authorizations_with_this_months_use(
    officer_client, personas, profile, django_assert_max_num_queries
):
    grant(personas)
    grant(personas, purpose="post_loan")
    officer_client.get(_profile_url(personas))
    with django_assert_max_num_queries(15):
        page = _page(officer_client.get(f"{BASE}bank/"))
    assert page.count("肇庆甲有限公司") >= 2
    assert "1 / 10" in page
    assert "0 / 10" in page
    assert "生效中" in page


# --------------------------------------------------------------------------- enterprise lists


def test_it_lists_the_enterprises_authorizations(
    client, personas, profile, django_assert_max_num_queries
):
    authorization = grant(personas)
    fetch(personas)
    login(client, personas.alice)
    with django_assert_max_num_queries(15):
        page = _page(client.get(BASE))
    assert f'href="{BASE}{authorization.pk}/">测试银行一</a>' in page
    assert "贷前审查" in page
    assert "登记注册信息、纳税信息" in page
    assert '<td class="num" data-role="used">1 / 10</td>' in page
    assert '<span class="badge status-active" data-role="status">生效中</span>' in page


def test_it_shows_who_queried_the_enterprise(
    client, personas, profile, django_assert_max_num_queries
):
    moment = dt.datetime(2026, 11, 30, 2, 5, 6, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        authorization = grant(personas)
        fetch(personas)
    Authorization.objects.filter(pk=authorization.pk).update(status="paused")
    with (
        time_machine.travel(moment + dt.timedelta(hours=1), tick=False),
        pytest.raises(services.FetchRefused),
    ):
        fetch(personas, channel="api")
    login(client, personas.alice)
    with django_assert_max_num_queries(12):
        page = _page(client.get(f"{BASE}queries/"))
    assert "谁查询了我的信用信息" in page
    assert page.count('data-role="organization">测试银行一</td>') == 2
    assert "2026-11-30 10:05:06" in page  # Beijing time
    assert '<span class="badge outcome-allowed">允许</span>' in page
    assert '<span class="badge outcome-refused">拒绝</span>' in page
    assert "企业已暂停授权。" in page
    assert "officer" in page
    assert "登记注册信息、纳税信息、社会保险信息" in page
    refused = AccessLogEntry.objects.get(outcome="refused")
    allowed = AccessLogEntry.objects.get(outcome="allowed")
    assert page.index(f'data-entry="{refused.pk}"') < page.index(f'data-entry="{allowed.pk}"')


def test_it_shows_another_enterprise_none_of_the_queries(client, personas, profile):
    grant(personas)
    fetch(personas)
    login(client, personas.bob)
    page = _page(client.get(f"{BASE}queries/"))
    assert "还没有机构查询过贵企业的信用信息。" in page
    assert "测试银行一" not in page


def test_it_adds_the_pages_to_the_navigation(client, personas, zhaoqing_regulator):
    login(client, personas.alice)
    page = _page(client.get(f"{BASE}queries/"))
    assert f'<a href="{BASE}">查询授权</a>' in page
    assert f'<a href="{BASE}queries/" aria-current="page">查询记录</a>' in page
    regulator_client = login(Client(), zhaoqing_regulator, verify=True)
    page = _page(regulator_client.get(f"{BASE}regulator/"))
    assert "查询统计</a>" in page


# --------------------------------------------------------------------------- regulator


def test_it_counts_fetches_per_bank_for_the_regulators_region(
    client, personas, profile, zhaoqing_regulator
):
    grant(personas)
    fetch(personas)
    fetch(personas)
    with pytest.raises(services.FetchRefused):
        fetch(personas, user=personas.other_officer)
    login(client, zhaoqing_regulator, verify=True)
    page = _page(client.get(f"{BASE}regulator/"))
    assert '<th scope="row">测试银行一</th><td class="num" data-role="allowed">2</td>' in page
    assert '<td class="num" data-role="refused">0</td>' in page
    assert '<th scope="row">测试银行二</th><td class="num" data-role="allowed">0</td>' in page
    assert '<td class="num" data-role="refused">1</td>' in page
    assert "肇庆甲有限公司" not in page
    assert personas.enterprise_a.uscc not in page


def test_it_shows_another_regions_regulator_no_counts(client, personas, profile):
    grant(personas)
    fetch(personas)
    login(client, personas.regulator, verify=True)
    page = _page(client.get(f"{BASE}regulator/"))
    assert "近期没有银行查询辖区内企业的信用信息。" in page
    assert "测试银行一" not in page
    assert "肇庆甲有限公司" not in page


# --------------------------------------------------------------------------- outsiders


def test_it_hides_an_authorization_from_another_enterprise(client, personas, profile):
    authorization = grant(personas)
    login(client, personas.bob)
    assert client.get(f"{BASE}{authorization.pk}/").status_code == 404
    assert client.post(f"{BASE}{authorization.pk}/change", {"action": "revoke"}).status_code == 404
    assert (
        client.post(f"{BASE}{authorization.pk}/accept", {"password": PASSWORD}).status_code == 404
    )
    assert Authorization.objects.get(pk=authorization.pk).status == "active"
    assert "测试银行一" not in _page(client.get(BASE))


def test_it_hides_an_authorization_from_another_bank(client, personas, profile):
    authorization = grant(personas)
    login(client, personas.other_officer, verify=True)
    assert client.get(f"{BASE}bank/{authorization.pk}/").status_code == 404
    assert "肇庆甲有限公司" not in _page(client.get(f"{BASE}bank/"))


def test_it_hides_another_banks_application_from_the_request_form(client, personas, application):
    login(client, personas.other_officer, verify=True)
    url = f"{BASE}bank/request/?application={application.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"purpose": "pre_loan", "scopes": ["tax"]}).status_code == 404
    assert client.get(f"{BASE}bank/request/").status_code == 404
    assert not Authorization.objects.exists()


def test_it_hides_another_enterprises_application_from_the_grant_form(
    client, personas, application
):
    login(client, personas.bob)
    assert client.get(f"{BASE}grant/?application={application.pk}").status_code == 404


def test_it_answers_404_to_enterprise_users_on_bank_and_regulator_pages(client, personas, profile):
    authorization = grant(personas)
    login(client, personas.alice)
    for url in (
        f"{BASE}bank/",
        f"{BASE}bank/{authorization.pk}/",
        f"{BASE}bank/request/",
        _profile_url(personas),
        f"{BASE}regulator/",
    ):
        assert client.get(url).status_code == 404, url
    assert not AccessLogEntry.objects.exists()


def test_it_answers_404_to_bank_and_regulator_users_on_enterprise_pages(client, personas, profile):
    authorization = grant(personas)
    for user in (personas.officer, personas.regulator):
        user_client = login(Client(), user, verify=True)
        for url in (BASE, f"{BASE}{authorization.pk}/", f"{BASE}queries/", f"{BASE}grant/"):
            assert user_client.get(url).status_code == 404, (user, url)
        assert user_client.get(f"{BASE}regulator/").status_code == (
            200 if user == personas.regulator else 404
        )


@pytest.mark.parametrize(
    "url",
    [
        BASE,
        f"{BASE}1/",
        f"{BASE}queries/",
        f"{BASE}grant/",
        f"{BASE}bank/",
        f"{BASE}bank/1/",
        f"{BASE}bank/request/?application=1",
        f"{BASE}bank/profile/91441200MA0000000X/?purpose=pre_loan",
        f"{BASE}regulator/",
    ],
)
def test_it_sends_anonymous_visitors_to_log_in(client, personas, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_product_manager_may_not_ask_for_a_grant(client, personas, application):
    manager = UserFactory(username="pm_request")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    login(client, manager, verify=True)
    response = client.get(f"{BASE}bank/request/?application={application.pk}")
    assert response.status_code == 403
    assert not Authorization.objects.exists()


def test_the_bank_asks_for_a_pdf_report_from_the_profile_page(
    officer_client, personas, profile, django_capture_on_commit_callbacks
):
    from xinyidai.consent.models import CreditReport

    grant(personas)
    url = f"{BASE}bank/profile/{personas.enterprise_a.uscc}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(f"{url}report", {"purpose": "pre_loan"})
    assert response.status_code == 302
    report = CreditReport.objects.get()
    assert report.status == "ready"
    page = officer_client.get(f"{url}?purpose=pre_loan").content.decode()
    assert report.number in page
    assert f"/verify/report/{report.number}/download" in page
    entry = AccessLogEntry.objects.filter(channel="pdf").get()
    assert entry.report_sha256 == report.sha256
