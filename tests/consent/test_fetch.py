"""The one guarded path: who may fetch what, when, how often — and the log of every attempt."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from xinyidai.accounts.models import Bank, Role
from xinyidai.accounts.services import branch_create, membership_grant
from xinyidai.consent import services
from xinyidai.consent.models import AccessLogEntry, Authorization
from xinyidai.consent.services import FetchRefused

from .conftest import fetch, grant

ALL = ["registration", "tax", "social_insurance", "housing_fund", "utilities", "public_credit"]


def _refused(personas, code: str, **kwargs) -> AccessLogEntry:
    before = AccessLogEntry.objects.count()
    with pytest.raises(FetchRefused) as caught:
        fetch(personas, **kwargs)
    assert caught.value.code == code
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert (entry.outcome, entry.reason) == ("refused", code)
    assert entry.sections == []
    assert entry.profile_version is None
    return entry


def test_an_active_grant_lets_the_credit_officer_fetch_and_logs_it(personas, profile):
    authorization = grant(personas)
    fetched = fetch(personas)
    assert fetched.profile == profile
    assert fetched.content["profile"]["grade"] == "B"
    entry = fetched.entry
    assert (entry.outcome, entry.reason, entry.channel) == ("allowed", "", "web")
    assert entry.authorization_id == authorization.pk
    assert entry.username == personas.officer.username
    assert entry.organization_name == "测试银行一"
    assert entry.sections == ALL
    assert entry.profile_version == profile.version
    assert entry.ip_address == "10.1.2.3"


def test_the_history_window_cuts_series_and_events(personas, profile):
    grant(personas, history_months=2)
    content = fetch(personas).content
    assert content["months"] == ["2026-09", "2026-10"]
    assert content["sources"]["tax_monthly"]["series"]["tax_paid"] == [None, 1500.0]
    assert content["events"] == []  # the one penalty (May 2025) is older than the window


def test_a_refusal_names_the_grant_that_explains_it(personas, profile):
    authorization = grant(personas)
    services.authorization_pause(authorization=authorization, user=personas.alice)
    entry = _refused(personas, "paused")
    assert entry.authorization_id == authorization.pk


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("pending", "no_grant"),
        ("rejected", "no_grant"),
        ("paused", "paused"),
        ("revoked", "revoked"),
        ("expired", "expired"),
    ],
)
def test_only_an_active_grant_opens_the_path(personas, profile, status, code):
    authorization = grant(personas)
    Authorization.objects.filter(pk=authorization.pk).update(status=status)
    _refused(personas, code)


def test_expiry_is_enforced_at_the_fetch_not_by_the_job(personas, profile):
    authorization = grant(personas)
    with time_machine.travel(authorization.expires_at - dt.timedelta(seconds=1), tick=False):
        assert fetch(personas).entry.outcome == "allowed"
    with time_machine.travel(authorization.expires_at + dt.timedelta(seconds=1), tick=False):
        _refused(personas, "expired")
        assert Authorization.objects.get(pk=authorization.pk).status == "active"  # job not run
        assert services.authorizations_expire() == 1
    assert Authorization.objects.get(pk=authorization.pk).status == "expired"


def test_a_grant_that_is_not_yet_valid_is_refused(personas, profile):
    start = timezone.now() + dt.timedelta(days=2)
    grant(personas, valid_from=start, expires_at=start + dt.timedelta(days=30))
    _refused(personas, "not_yet_valid")


@pytest.mark.parametrize("role", [Role.BANK_ADMIN, Role.BANK_PRODUCT_MANAGER])
def test_other_bank_roles_may_not_fetch(personas, profile, role):
    grant(personas)
    user = UserFactory(username=f"bank_{role}")
    membership_grant(user=user, organization=personas.bank, role=role)
    _refused(personas, "role", user=user)


def test_enterprise_and_regulator_users_may_not_fetch(personas, profile):
    grant(personas)
    _refused(personas, "role", user=personas.bob)
    _refused(personas, "role", user=personas.regulator)


def test_another_bank_has_no_grant(personas, profile):
    grant(personas)
    entry = _refused(personas, "no_grant", user=personas.other_officer)
    assert entry.authorization_id is None
    assert entry.organization_name == "测试银行二"


def test_a_grant_to_one_branch_is_refused_to_another_branch(personas, profile):
    bank = Bank.objects.get(organization=personas.bank)
    own = branch_create(bank=bank, name="一行四会支行", code="0102", region_code="441284")
    other = branch_create(bank=bank, name="一行高要支行", code="0103", region_code="441204")
    authorization = grant(personas)
    Authorization.objects.filter(pk=authorization.pk).update(branch=own)
    at_own, at_other = UserFactory(username="own_branch"), UserFactory(username="other_branch")
    membership_grant(
        user=at_own, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER, branch=own
    )
    membership_grant(
        user=at_other, organization=personas.bank, role=Role.BANK_CREDIT_OFFICER, branch=other
    )
    assert fetch(personas, user=at_own).entry.outcome == "allowed"
    _refused(personas, "branch", user=at_other)
    _refused(personas, "branch")  # a bank-wide officer is not that branch either


def test_a_grant_serves_its_purpose_only(personas, profile):
    grant(personas, purpose="post_loan")
    _refused(personas, "no_grant", purpose="pre_loan")
    assert fetch(personas, purpose="post_loan").entry.outcome == "allowed"


def test_only_granted_sections_are_returned_and_the_rest_is_absent(personas, profile):
    grant(personas, scopes=["tax", "social_insurance"])
    content = fetch(personas).content
    assert set(content["sources"]) == {
        "tax_monthly",
        "tax_credit_grade",
        "social_insurance_monthly",
    }
    for absent in ("registration", "events", "flags", "legal_representative"):
        assert absent not in content
    assert content["under_objection"] == []
    # A reason is shown only when every scope its feature draws on is granted.
    assert [r["feature"] for r in content["profile"]["reasons"]] == [
        "tax_paid_trend_6m",
        "si_headcount_trend_3m",
    ]
    assert content["scopes"] == ["tax", "social_insurance"]


def test_asking_for_a_section_outside_the_grant_is_refused(personas, profile):
    grant(personas, scopes=["tax"])
    assert fetch(personas, sections=["tax"]).entry.sections == ["tax"]
    _refused(personas, "scope", sections=["tax", "utilities"])


def test_the_legal_representative_needs_its_own_consent(personas, profile):
    with pytest.raises(ValidationError) as caught:
        grant(personas, scopes=["registration", "legal_representative"])
    assert caught.value.message_dict["legal_rep_consent"] == [
        "授权范围含法定代表人个人信息，须单独勾选同意。"
    ]
    assert not Authorization.objects.filter(status="active").exists()
    grant(personas, scopes=["registration"])
    content = fetch(personas).content
    assert "legal_representative" not in content
    assert "legal_representative" not in content["registration"]
    assert "legal_rep_name" not in content["sources"]["registration"]["record"]
    grant(
        personas,
        scopes=["registration", "legal_representative"],
        legal_rep_consent=True,
    )
    assert fetch(personas).content["legal_representative"] == {"name": "测试人"}


def test_revocation_takes_effect_at_the_next_fetch(personas, profile):
    authorization = grant(personas)
    assert fetch(personas).entry.outcome == "allowed"
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    _refused(personas, "revoked")
    assert not personas.officer.has_perm("consent.fetch_profile", authorization)


def test_pausing_and_resuming(personas, profile):
    authorization = grant(personas)
    services.authorization_pause(authorization=authorization, user=personas.alice)
    _refused(personas, "paused")
    services.authorization_resume(authorization=authorization, user=personas.alice)
    assert fetch(personas).entry.outcome == "allowed"


def test_the_ceiling_counts_per_calendar_month(personas, profile):
    start = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        grant(personas, fetch_limit=10)
        for _ in range(10):
            assert fetch(personas).entry.outcome == "allowed"
        _refused(personas, "ceiling")
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 0, 1, tzinfo=start.tzinfo), tick=False):
        assert fetch(personas).entry.outcome == "allowed"


def test_refusals_do_not_count_against_the_ceiling(personas, profile):
    grant(personas, fetch_limit=1, scopes=["tax"])
    _refused(personas, "scope", sections=["utilities"])
    assert fetch(personas).entry.outcome == "allowed"


def test_a_valid_grant_without_a_profile_says_so(personas):
    grant(personas)
    _refused(personas, "no_profile")


def test_granting_needs_the_owner_and_the_password(personas, profile):
    with pytest.raises(ValidationError) as caught:
        grant(personas, password="wrong")
    assert caught.value.message_dict["password"] == ["请重新输入登录密码以确认签署。"]
    with pytest.raises(ValidationError, match="只有企业负责人可以签署授权"):
        grant(personas, user=personas.amy)
    authorization = grant(personas)
    assert authorization.signed_by == personas.alice
    assert authorization.signed_method == "password"
    assert authorization.signed_ip == "10.0.0.8"
    assert len(authorization.consent_sha256) == 64
    document = services.consent_document(authorization)
    assert "测试银行一" in document
    assert "每自然月查询上限：10 次" in document


def test_a_bank_may_ask_only_an_enterprise_that_applied_to_it(personas, application):
    from xinyidai.accounts.models import Membership

    officer = Membership.objects.get(user=personas.officer)
    requested = services.authorization_request(
        membership=officer,
        enterprise=personas.enterprise_a,
        purpose="pre_loan",
        scopes=["tax"],
        application=application,
    )
    assert requested.status == "pending"
    assert (requested.expires_at - requested.valid_from) == dt.timedelta(days=90)
    other = Membership.objects.get(user=personas.other_officer)
    with pytest.raises(ValidationError, match="企业向本行提交申请后"):
        services.authorization_request(
            membership=other, enterprise=personas.enterprise_a, purpose="pre_loan", scopes=["tax"]
        )
    accepted = services.authorization_accept(
        authorization=requested, user=personas.alice, password=PASSWORD
    )
    assert accepted.status == "active"
    with pytest.raises(ValidationError, match="授权当前状态为“生效中”，不能执行该操作。"):
        services.authorization_reject(authorization=accepted, user=personas.alice)
    with pytest.raises(ValidationError, match="该授权已处理"):
        services.authorization_accept(
            authorization=accepted, user=personas.alice, password=PASSWORD
        )


def test_a_grant_lasts_at_most_a_year(personas):
    start = timezone.now()
    with pytest.raises(ValidationError) as caught:
        grant(personas, valid_from=start, expires_at=start + dt.timedelta(days=400))
    assert caught.value.message_dict["expires_at"] == ["授权期限最长一年。"]


def test_a_rendered_document_is_logged_by_its_hash(personas, profile):
    import hashlib

    grant(personas)
    fetched = fetch(
        personas, channel="pdf", render=lambda content, g: b"%PDF " + str(g.pk).encode()
    )
    assert fetched.document.startswith(b"%PDF ")
    assert fetched.entry.report_sha256 == hashlib.sha256(fetched.document).hexdigest()
    assert fetched.entry.channel == "pdf"


def test_only_credit_officers_and_admins_may_ask_for_a_grant(personas, application):
    from django.core.exceptions import PermissionDenied

    from xinyidai.accounts.models import Membership

    manager = UserFactory(username="product_manager")
    membership_grant(user=manager, organization=personas.bank, role=Role.BANK_PRODUCT_MANAGER)
    with pytest.raises(PermissionDenied, match="只有客户经理或银行管理员可以申请查询授权"):
        services.authorization_request(
            membership=Membership.objects.get(user=manager),
            enterprise=personas.enterprise_a,
            purpose="pre_loan",
            scopes=["tax"],
        )
    assert not Authorization.objects.exists()


def test_banks_are_reminded_the_day_before_downloads_reach_their_data_life(personas, profile):
    from xinyidai.notifications.models import Notification

    start = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        grant(personas, data_life_days=30)
        fetch(personas)
        fetch(personas)
    assert services.data_life_reminders(today=dt.date(2026, 11, 30)) == 0
    assert services.data_life_reminders(today=dt.date(2026, 12, 1)) == 1  # kept until 2 Dec
    note = Notification.objects.get(recipient=personas.officer, kind="authorization.data_life")
    assert note.title == "2 份已下载的企业信用数据明日到达保存期限"


def test_the_daily_job_is_scheduled():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["consent-daily"]["task"] == "consent.consent_daily"


def test_every_change_of_a_grant_is_an_event_for_the_banks_systems(personas, profile):
    from xinyidai.core.models import OutboxEvent

    authorization = grant(personas)
    services.authorization_pause(authorization=authorization, user=personas.alice)
    services.authorization_resume(authorization=authorization, user=personas.alice)
    services.authorization_revoke(authorization=authorization, user=personas.alice)
    events = OutboxEvent.objects.filter(organization=personas.bank).order_by("id")
    assert [e.kind for e in events] == [
        "authorization.granted",
        "authorization.paused",
        "authorization.resumed",
        "authorization.revoked",
    ]
    assert events.last().payload["status"] == "revoked"
    assert events.last().payload["enterprise"] == personas.enterprise_a.uscc
    assert len({e.event_id for e in events}) == 4
