"""Who sees which page of the risk module; outsiders get 404, members without the role 403."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import UserFactory
from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def operators(db):
    platform = organization_create(
        name="测试信用中心", kind=Organization.Kind.PLATFORM, region_code="441200"
    )
    operator, editor = UserFactory(username="op"), UserFactory(username="ed")
    membership_grant(user=operator, organization=platform, role=Role.PLATFORM_OPERATOR)
    membership_grant(user=editor, organization=platform, role=Role.PLATFORM_EDITOR)
    return operator, editor


def test_an_enterprise_without_a_profile_is_told_what_happens_next(client, personas):
    response = login(client, personas.alice).get("/profile/")
    assert response.status_code == 200
    assert "尚未生成画像" in response.content.decode()


def test_the_owner_reads_grade_reasons_and_missing_sources(client, personas, credit_model):
    services.profile_rebuild_now(enterprise=personas.enterprise_a)
    profile = LendingProfile.objects.get(enterprise=personas.enterprise_a)
    page = login(client, personas.alice).get("/profile/").content.decode()
    assert f'data-role="grade">{profile.grade}<' in page
    assert f'data-role="probability">{float(profile.probability) * 100:.2f}%<' in page
    assert profile.reasons[0]["text"] in page
    # Nothing was ever delivered for this enterprise: every source is shown as missing.
    assert "以下数据缺失，画像未据此推断：" in page
    assert "纳税月度信息" in page


def test_the_owner_may_ask_for_a_rebuild_staff_may_not(client, personas, credit_model):
    response = login(client, personas.alice).post("/profile/rebuild/", follow=True)
    assert "画像已更新为新版本。" in response.content.decode()
    response = client.post("/profile/rebuild/", follow=True)
    assert "数据没有变化，画像保持当前版本。" in response.content.decode()
    client.logout()
    assert login(client, personas.amy).post("/profile/rebuild/").status_code == 403


def test_a_past_version_stays_readable_and_others_are_404(client, personas, credit_model):
    services.profile_rebuild_now(enterprise=personas.enterprise_a)
    login(client, personas.alice)
    assert "v1" in client.get("/profile/?version=1").content.decode()
    assert client.get("/profile/?version=9").status_code == 404
    assert client.get("/profile/?version=x").status_code == 404
    client.logout()
    # Bob owns another enterprise: he sees his own (none), never Alice's version 1.
    login(client, personas.bob)
    assert client.get("/profile/?version=1").status_code == 404


def test_banks_regulators_and_visitors_do_not_see_enterprise_profiles(client, personas):
    assert client.get("/profile/").status_code == 302  # to the log-in page
    login(client, personas.officer, verify=True)
    assert client.get("/profile/").status_code == 404
    client.logout()
    login(client, personas.regulator, verify=True)
    assert client.get("/profile/").status_code == 404


def test_only_the_operator_runs_rebuilds_and_models(
    client, personas, operators, credit_model, django_capture_on_commit_callbacks
):
    operator, editor = operators
    login(client, editor)
    assert client.get("/profile/operations/").status_code == 403
    client.logout()
    login(client, personas.alice)
    assert client.get("/profile/operations/").status_code == 404
    assert client.get(f"/profile/models/{credit_model.pk}/").status_code == 404
    client.logout()
    login(client, operator)
    page = client.get("/profile/operations/").content.decode()
    assert "平台评分模型" in page
    assert "v1" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/profile/operations/", {"action": "rebuild"})
    rebuild = ProfileRebuild.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/profile/rebuilds/{rebuild.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-role="status">已完成<' in page
    assert LendingProfile.objects.filter(rebuild=rebuild).count() == 2  # enterprises A and B


def test_the_operator_switches_the_active_model_and_profiles_follow(
    client, personas, operators, credit_model, trained, django_capture_on_commit_callbacks
):
    operator, _editor = operators
    model, features = trained
    second = services.scoring_model_register(trained=model, training_features=features)
    credit_model.refresh_from_db()
    assert (credit_model.is_active, second.is_active) == (False, True)
    login(client, operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/profile/models/{credit_model.pk}/")
    rebuild = ProfileRebuild.objects.get()
    assert response["Location"] == f"/profile/rebuilds/{rebuild.pk}/"
    credit_model.refresh_from_db()
    second.refresh_from_db()
    assert (credit_model.is_active, second.is_active) == (True, False)
    assert (rebuild.trigger, rebuild.scope) == ("model", "all")
    rebuilt = LendingProfile.objects.filter(rebuild=rebuild)
    assert rebuilt.count() == 2  # enterprises A and B, now scored by the reactivated version
    assert set(rebuilt.values_list("scoring_model", flat=True)) == {credit_model.pk}
    assert "模型卡" in client.get(f"/profile/models/{credit_model.pk}/").content.decode()
