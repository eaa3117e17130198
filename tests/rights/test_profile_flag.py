"""The "异议处理中" flag: from filing until the objection is withdrawn or decided, the record is
marked in the enterprise's profile (JSON and page), the bank's API response and the PDF report;
each change of the flag is a new profile version, and only the objecting enterprise's."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pypdf import PdfReader

from tests.conftest import login
from tests.consent.conftest import grant
from xinyidai.accounts.models import Membership
from xinyidai.consent import report_services
from xinyidai.consent.models import CreditReport
from xinyidai.profiles.models import LendingProfile, ProfileRebuild
from xinyidai.profiles.services import profiles_rebuild_start
from xinyidai.rights.models import Objection
from xinyidai.rights.services import objection_transition

from .conftest import World, file_objection

pytestmark = pytest.mark.django_db

ENTRY = {"source": "tax_monthly", "period": "2026-01"}
BADGE = 'data-role="objection">异议处理中<'


def current(enterprise) -> LendingProfile:
    return LendingProfile.objects.get(enterprise=enterprise, is_current=True)


@pytest.fixture
def built(world: World) -> World:
    """Real profiles of both enterprises, built from their delivered tax records."""
    profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ENTERPRISES,
        trigger=LendingProfile.Trigger.FULL,
        usccs=[world.p.enterprise_a.uscc, world.p.enterprise_b.uscc],
        here=True,
    )
    for enterprise in (world.p.enterprise_a, world.p.enterprise_b):
        profile = current(enterprise)
        assert (profile.version, profile.under_objection) == (1, [])
        assert "2026-01" in profile.registration["months"]
    return world


@pytest.fixture
def objected(built: World, django_capture_on_commit_callbacks) -> Objection:
    with django_capture_on_commit_callbacks(execute=True):
        return file_objection(built)


def _pdf_text(report: CreditReport) -> str:
    with report.file.open("rb") as stream:
        data = stream.read()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_filing_flags_the_record_in_a_new_version_of_that_profile_only(built, objected):
    profile = current(built.p.enterprise_a)
    assert profile.version == 2
    assert profile.under_objection == [ENTRY]
    assert profile.rebuild is not None
    assert profile.rebuild.scope == ProfileRebuild.Scope.ENTERPRISES
    assert profile.rebuild.requested_by == built.p.alice
    # The other enterprise's profile was not touched.
    other = LendingProfile.objects.filter(enterprise=built.p.enterprise_b)
    assert list(other.values_list("version", "is_current", "under_objection")) == [(1, True, [])]


def test_the_bank_api_returns_the_flag(built, objected, client: Client):
    grant(built.p)
    login(client, built.p.officer, verify=True)
    response = client.get(
        f"/api/v1/enterprises/{built.p.enterprise_a.uscc}/profile?purpose=pre_loan"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["version"] == 2
    assert body["under_objection"] == [ENTRY]


def test_the_pdf_report_marks_the_month(built, objected, django_capture_on_commit_callbacks):
    grant(built.p)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            membership=Membership.objects.get(user=built.p.officer),
            enterprise=built.p.enterprise_a,
            purpose="pre_loan",
            ip_address="10.1.2.3",
        )
    report.refresh_from_db()
    assert report.status == CreditReport.Status.READY, report.reason
    text = _pdf_text(report)
    assert "2026-01 异议处理中" in text
    assert "异议处理中的记录" in text


def test_the_profile_pages_show_it(built, objected, client: Client):
    page = login(client, built.p.alice).get("/profile/").content.decode()
    assert 'data-role="under-objection"' in page
    assert BADGE in page  # on the 2026-01 column of the tax table
    assert "2026-01" in page
    client.logout()
    grant(built.p)
    login(client, built.p.officer, verify=True)
    url = f"/authorizations/bank/profile/{built.p.enterprise_a.uscc}/?purpose=pre_loan"
    assert "部分记录正在异议处理中" in client.get(url).content.decode()


def test_withdrawing_removes_the_flag_in_a_new_version(
    built, objected, client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        objection_transition(
            objection=objected,
            action="withdraw",
            actor=built.p.alice,
            organization=built.p.enterprise_a.organization,
        )
    versions = LendingProfile.objects.filter(enterprise=built.p.enterprise_a)
    assert list(versions.order_by("version").values_list("version", "is_current")) == [
        (1, False),
        (2, False),
        (3, True),
    ]
    profile = current(built.p.enterprise_a)
    assert profile.under_objection == []
    assert profile.content_sha256 == versions.get(version=1).content_sha256
    page = login(client, built.p.alice).get("/profile/").content.decode()
    assert "异议处理中" not in page
    assert LendingProfile.objects.filter(enterprise=built.p.enterprise_b).count() == 1


def test_a_decision_removes_it_and_a_step_that_keeps_it_open_does_not(
    built, objected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        objection_transition(
            objection=objected, action="review", actor=built.reviewer, organization=built.tax
        )
    assert current(built.p.enterprise_a).version == 2  # still open: no rebuild
    with django_capture_on_commit_callbacks(execute=True):
        objection_transition(
            objection=objected,
            action="uphold",
            actor=built.reviewer,
            organization=built.tax,
            note="经核对申报记录，原记录无误。",
        )
    profile = current(built.p.enterprise_a)
    assert (profile.version, profile.under_objection) == (3, [])


def test_a_refused_filing_starts_no_rebuild(built, objected, django_capture_on_commit_callbacks):
    rebuilds = ProfileRebuild.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        file_objection(built)  # already under objection
    assert ProfileRebuild.objects.count() == rebuilds
    assert current(built.p.enterprise_a).version == 2
