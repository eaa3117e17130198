"""The API channel of the guarded path: what a bank's system gets, what it is told when refused,
and the enterprise's view of who queried it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.conftest import Personas, login
from tests.factories import PASSWORD, UserFactory
from xinyidai.accounts.models import Role
from xinyidai.accounts.services import membership_grant
from xinyidai.consent import services
from xinyidai.consent.models import AccessLogEntry, Authorization

from .conftest import fetch, grant

ALL = ["registration", "tax", "social_insurance", "housing_fund", "utilities", "public_credit"]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _url(personas: Personas, **query: str) -> str:
    params = {"purpose": "pre_loan", **query}
    return f"/api/v1/enterprises/{personas.enterprise_a.uscc}/profile?" + "&".join(
        f"{k}={v}" for k, v in params.items()
    )


def _officer(client: Client, personas: Personas, user=None) -> Client:
    return login(client, user or personas.officer, verify=True)


def _refused(client: Client, url: str, code: str) -> AccessLogEntry:
    before = AccessLogEntry.objects.count()
    response = client.get(url, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 404
    assert response.json() == {
        "code": code,
        "message": str(services.REASONS[code]),
        "details": {"reason": code},
    }
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert (entry.outcome, entry.reason, entry.channel) == ("refused", code, "api")
    assert entry.ip_address == "10.9.8.7"
    return entry


def test_it_answers_an_active_grant_with_the_profile_and_logs_one_api_fetch(
    client, personas, profile
):
    authorization = grant(personas)
    _officer(client, personas)
    response = client.get(_url(personas), REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["enterprise"] == {"uscc": personas.enterprise_a.uscc, "name": "肇庆甲有限公司"}
    assert body["profile"]["grade"] == "B"
    assert body["profile"]["probability"] == "0.021000"
    assert body["scopes"] == ALL
    entry = AccessLogEntry.objects.get()
    assert (entry.outcome, entry.reason, entry.channel) == ("allowed", "", "api")
    assert entry.authorization_id == authorization.pk
    assert entry.username == "officer"
    assert entry.ip_address == "10.9.8.7"
    assert entry.sections == ALL
    assert entry.profile_version == profile.version


def test_it_refuses_a_pending_request_as_no_grant(client, personas, profile, application):
    from xinyidai.accounts.models import Membership

    services.authorization_request(
        membership=Membership.objects.get(user=personas.officer),
        enterprise=personas.enterprise_a,
        purpose="pre_loan",
        scopes=["tax"],
        application=application,
    )
    _officer(client, personas)
    entry = _refused(client, _url(personas), "no_grant")
    assert entry.authorization_id is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (services.authorization_pause, "paused"),
        (services.authorization_revoke, "revoked"),
    ],
)
def test_it_refuses_a_paused_or_revoked_grant(client, personas, profile, change, code):
    authorization = grant(personas)
    change(authorization=authorization, user=personas.alice)
    _officer(client, personas)
    _refused(client, _url(personas), code)


def test_it_refuses_a_grant_that_expired_one_second_ago(client, personas, profile):
    authorization = grant(personas)
    with time_machine.travel(authorization.expires_at + dt.timedelta(seconds=1), tick=False):
        _officer(client, personas)
        _refused(client, _url(personas), "expired")


def test_it_refuses_a_grant_that_is_not_yet_valid(client, personas, profile):
    start = timezone.now() + dt.timedelta(days=2)
    grant(personas, valid_from=start, expires_at=start + dt.timedelta(days=30))
    _officer(client, personas)
    _refused(client, _url(personas), "not_yet_valid")


@pytest.mark.parametrize("role", [Role.BANK_PRODUCT_MANAGER, Role.BANK_ADMIN])
def test_it_refuses_bank_staff_who_are_not_credit_officers(client, personas, profile, role):
    grant(personas)
    user = UserFactory(username=f"api_{role}")
    membership_grant(user=user, organization=personas.bank, role=role)
    _officer(client, personas, user)
    entry = _refused(client, _url(personas), "role")
    assert entry.username == f"api_{role}"


def test_it_tells_another_bank_it_has_no_grant(client, personas, profile):
    grant(personas)
    _officer(client, personas, personas.other_officer)
    entry = _refused(client, _url(personas), "no_grant")
    assert entry.organization_name == "测试银行二"


def test_it_returns_only_the_granted_sources_and_refuses_sections_outside(
    client, personas, profile
):
    grant(personas, scopes=["tax", "social_insurance"])
    _officer(client, personas)
    body = client.get(_url(personas)).json()
    assert set(body["sources"]) == {"tax_monthly", "tax_credit_grade", "social_insurance_monthly"}
    assert body["scopes"] == ["tax", "social_insurance"]
    for absent in ("registration", "events", "flags", "legal_representative"):
        assert absent not in body
    narrowed = client.get(_url(personas, sections="tax"))
    assert set(narrowed.json()["sources"]) == {"tax_monthly", "tax_credit_grade"}
    assert AccessLogEntry.objects.order_by("-id").first().sections == ["tax"]
    _refused(client, _url(personas, sections="tax,utilities"), "scope")


def test_the_eleventh_fetch_of_a_month_is_refused_and_the_next_month_is_open(
    client, personas, profile
):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        grant(personas, fetch_limit=10)
        _officer(client, personas)
        for _ in range(10):
            assert client.get(_url(personas)).status_code == 200
        _refused(client, _url(personas), "ceiling")
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 0, 1, tzinfo=SHANGHAI), tick=False):
        fresh = _officer(Client(), personas)  # the first session has timed out by then
        assert fresh.get(_url(personas)).status_code == 200
    assert AccessLogEntry.objects.filter(outcome="allowed").count() == 11


def test_a_revocation_between_two_calls_refuses_the_second(client, personas, profile):
    authorization = grant(personas)
    _officer(client, personas)
    assert client.get(_url(personas)).status_code == 200
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    _refused(client, _url(personas), "revoked")


@pytest.mark.parametrize(
    "uscc",
    [
        "91441202MA4UJ3LX2T",  # well formed, no such enterprise
        "91441202MA4UJ3LX2X",  # wrong check character
        "not-a-code",
    ],
)
def test_an_unknown_or_malformed_code_answers_as_no_grant_and_logs_nothing(
    client, personas, profile, uscc
):
    grant(personas)
    _officer(client, personas)
    response = client.get(f"/api/v1/enterprises/{uscc}/profile?purpose=pre_loan")
    assert response.status_code == 404
    assert response.json() == {
        "code": "no_grant",
        "message": "没有该企业对本行此用途的授权。",
        "details": {"reason": "no_grant"},
    }
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "purpose", "请用 purpose 参数说明查询用途：pre_loan、post_loan 或 joint_modelling。"),
        (
            "purpose=marketing",
            "purpose",
            "未知的查询用途“marketing”，可选：pre_loan、post_loan、joint_modelling。",
        ),
        (
            "purpose=pre_loan&sections=tax,salary",
            "sections",
            "未知的数据范围：salary；可选：registration、tax、social_insurance、housing_fund、"
            "utilities、public_credit、legal_representative。",
        ),
    ],
)
def test_a_missing_or_unknown_parameter_is_a_400_naming_it(
    client, personas, profile, query, field, message
):
    grant(personas)
    _officer(client, personas)
    response = client.get(f"/api/v1/enterprises/{personas.enterprise_a.uscc}/profile?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "提交的数据有误，请按 details 中的说明改正。",
        "details": {field: [message]},
    }
    assert not AccessLogEntry.objects.exists()


def test_an_anonymous_caller_gets_the_error_body_and_nothing_is_logged(client, personas, profile):
    grant(personas)
    for url in (_url(personas), f"/api/v1/enterprises/{personas.enterprise_a.uscc}/queries"):
        response = client.get(url)
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "not_authenticated"
        assert set(response.json()) == {"code", "message", "details"}
    assert not AccessLogEntry.objects.exists()


def test_an_enterprise_user_is_refused_by_role(client, personas, profile):
    grant(personas)
    login(client, personas.alice)
    _refused(client, _url(personas), "role")


# --------------------------------------------------------------------------- query history


def _queries(client: Client, personas: Personas, uscc: str | None = None):
    return client.get(f"/api/v1/enterprises/{uscc or personas.enterprise_a.uscc}/queries")


def test_the_enterprise_sees_who_queried_it_newest_first(client, personas, profile):
    grant(personas, scopes=["tax"])
    fetch(personas, channel="api", sections=["tax"])
    with pytest.raises(services.FetchRefused):
        fetch(personas, user=personas.other_officer)
    login(client, personas.amy)
    response = _queries(client, personas)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    first, second = body["results"]
    assert {k: v for k, v in first.items() if k != "time"} == {
        "organization_name": "测试银行二",
        "purpose": "pre_loan",
        "purpose_label": "贷前审查",
        "channel": "web",
        "channel_label": "网页",
        "outcome": "refused",
        "outcome_label": "拒绝",
        "reason": "no_grant",
        "reason_message": "没有该企业对本行此用途的授权。",
        "sections": [],
    }
    assert {k: v for k, v in second.items() if k != "time"} == {
        "organization_name": "测试银行一",
        "purpose": "pre_loan",
        "purpose_label": "贷前审查",
        "channel": "api",
        "channel_label": "接口",
        "outcome": "allowed",
        "outcome_label": "允许",
        "reason": "",
        "reason_message": "",
        "sections": ["tax"],
    }
    assert "username" not in first


def test_the_query_history_is_paged_by_cursor(client, personas, profile):
    grant(personas, fetch_limit=100)
    for _ in range(55):
        fetch(personas)
    login(client, personas.alice)
    page = _queries(client, personas).json()
    assert len(page["results"]) == 50
    following = client.get(page["next"]).json()
    assert len(following["results"]) == 5
    assert following["next"] is None
    times = [r["time"] for r in page["results"] + following["results"]]
    assert times == sorted(times, reverse=True)


def test_the_query_history_reads_a_bounded_number_of_queries(
    client, personas, profile, django_assert_max_num_queries
):
    grant(personas, fetch_limit=100)
    for _ in range(20):
        fetch(personas)
    login(client, personas.alice)
    with django_assert_max_num_queries(8):
        assert len(_queries(client, personas).json()["results"]) == 20


@pytest.mark.parametrize("who", ["bob", "officer"])
def test_outsiders_get_404_for_the_query_history(client, personas, profile, who):
    grant(personas)
    fetch(personas)
    user = getattr(personas, who)
    login(client, user, verify=who == "officer")
    response = _queries(client, personas)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。", "details": {}}


def test_the_query_history_of_an_unknown_code_is_404(client, personas):
    login(client, personas.alice)
    assert _queries(client, personas, "91441202MA4UJ3LX2T").status_code == 404
    assert _queries(client, personas, "nonsense").status_code == 404


# --------------------------------------------------------------------------- documentation


def test_the_schema_documents_both_endpoints(client, db):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    profile = schema["paths"]["/api/v1/enterprises/{uscc}/profile"]["get"]
    assert profile["summary"] == "按授权查询企业信用画像"
    assert {p["name"] for p in profile["parameters"]} == {"uscc", "purpose", "sections"}
    examples = profile["responses"]["404"]["content"]["application/json"]["examples"]
    codes = {e["value"]["code"] for e in examples.values()}
    assert codes == set(services.REASONS)
    for code in services.REASONS:
        assert f"| `{code}` |" in profile["description"]
    assert "200" in profile["responses"]
    queries = schema["paths"]["/api/v1/enterprises/{uscc}/queries"]["get"]
    assert queries["summary"] == "本企业数据的查询记录"


def test_a_refused_fetch_does_not_change_the_grant(client, personas, profile):
    authorization = grant(personas, scopes=["tax"])
    _officer(client, personas)
    _refused(client, _url(personas, sections="utilities"), "scope")
    assert Authorization.objects.get(pk=authorization.pk).status == "active"
    assert client.get(_url(personas)).status_code == 200


def test_a_bank_user_without_the_second_factor_gets_the_api_error_body(client, personas):
    response = client.post(
        "/accounts/login/", {"username": personas.officer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(
        f"/api/v1/enterprises/{personas.enterprise_a.uscc}/profile?purpose=pre_loan"
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "two_factor_required",
        "message": "请先完成双因素认证。",
        "details": {},
    }


def test_a_grant_to_one_branch_is_refused_to_another_branch_over_the_api(client, personas, profile):
    from xinyidai.accounts.models import Bank, Role
    from xinyidai.accounts.services import branch_create, membership_grant
    from xinyidai.consent.models import Authorization

    bank = Bank.objects.get(organization=personas.bank)
    own = branch_create(bank=bank, name="一行四会支行", code="0102", region_code="441284")
    other = branch_create(bank=bank, name="一行高要支行", code="0103", region_code="441204")
    authorization = grant(personas)
    Authorization.objects.filter(pk=authorization.pk).update(branch=own)
    elsewhere = UserFactory(username="api_other_branch")
    membership_grant(
        user=elsewhere, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER, branch=other
    )
    _officer(client, personas, elsewhere)
    entry = _refused(client, _url(personas), "branch")
    assert entry.authorization_id == authorization.pk
