"""The bank's profile page lists the records under objection at the top and marks their month
column, only for sources the authorization grants."""

from __future__ import annotations

import pytest
from django.test import Client

from risk_models.catalogue import SOURCES_BY_CODE
from tests.conftest import login
from tests.consent.conftest import grant
from tests.sources.conftest import deliver, tax_csv
from xinyidai.accounts.services import data_provider_create
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.profiles.services import profiles_rebuild_start
from xinyidai.rights.services import objection_file
from xinyidai.sources.models import Batch, Source

from .conftest import World, file_objection

pytestmark = pytest.mark.django_db

NOTICE = "以下记录正在异议处理中"
BADGE = 'data-role="objection">异议处理中<'


@pytest.fixture
def objected(world: World, django_capture_on_commit_callbacks) -> World:
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.FULL,
        usccs=[world.p.enterprise_a.uscc],
        here=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        file_objection(world)
    profile = LendingProfile.objects.get(enterprise=world.p.enterprise_a, is_current=True)
    assert profile.under_objection == [{"source": "tax_monthly", "period": "2026-01"}]
    return world


def _page(world: World, client: Client) -> str:
    login(client, world.p.officer, verify=True)
    url = f"/authorizations/bank/profile/{world.p.enterprise_a.uscc}/?purpose=pre_loan"
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_bank_page_lists_and_marks_the_record(objected, client):
    grant(objected.p)
    page = _page(objected, client)
    assert 'data-role="under-objection"' in page
    assert NOTICE in page
    assert "<li>纳税月度信息 · 2026-01</li>" in page
    # the badge sits in the 2026-01 header of the tax table
    header = page.split('<th scope="col" class="num">2026-01')
    assert len(header) > 1
    assert (
        header[1].lstrip().startswith('<span class="badge status-pending" data-role="objection">')
    )
    assert page.count(BADGE) == 1


def test_a_grant_without_the_source_shows_nothing_of_it(objected, client):
    grant(objected.p, scopes=["registration", "social_insurance"])
    page = _page(objected, client)
    assert NOTICE not in page
    assert BADGE not in page


def test_without_objections_the_page_has_no_notice(world, client):
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.FULL,
        usccs=[world.p.enterprise_a.uscc],
        here=True,
    )
    grant(world.p)
    page = _page(world, client)
    assert NOTICE not in page
    assert BADGE not in page


PENALTY_HEADER = "uscc,decision_number,decided_on,severity,amount,authority,reason,fulfilled_on"


def test_an_event_under_objection_is_marked_on_both_sides(
    world, client, django_capture_on_commit_callbacks
):
    centre = data_provider_create(
        name="肇庆市信用中心数据组", kind="credit_centre", region_code="441200"
    ).organization
    row = (
        f"{world.p.enterprise_a.uscc},肇罚〔2025〕7号,2025-06-02,minor,2000,"
        "肇庆市市场监管局,未按期年报,"
    )
    batch = deliver(centre, tax_csv([row], header=PENALTY_HEADER), source="admin_penalty")
    assert batch.status == Batch.Status.ACCEPTED, batch.message
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.FULL,
        usccs=[world.p.enterprise_a.uscc],
        here=True,
    )
    # The enterprise's profile links the event to the filing form with its key.
    page = login(client, world.p.alice).get("/profile/").content.decode()
    link = "/credit/objections/new/?source=admin_penalty&amp;decision_number="
    assert link in page
    with django_capture_on_commit_callbacks(execute=True):
        objection_file(
            enterprise=world.p.enterprise_a,
            user=world.p.alice,
            source=Source.objects.get(code="admin_penalty"),
            record_key={"decision_number": "肇罚〔2025〕7号"},
            reason="该处罚已撤销。",
        )
    client.logout()
    grant(world.p)
    page = _page(world, client)
    assert f"<li>{SOURCES_BY_CODE['admin_penalty'].name} · 肇罚〔2025〕7号</li>" in page
    row_html = page.split("未按期年报")[1].split("</tr>")[0]
    assert BADGE in row_html
