"""A crawl over the URL map: every page of every workspace answers without a server error for
its persona, and with 404, 403 or the log-in page for everyone else.

The world is the demo seed (one small synthetic city: every persona, applications in every
state, authorizations, objections, repairs, list entries, batches, reports) and what
``_unseeded`` adds to it through the same services, built once per test session inside a
transaction that is rolled back at the end. Routes with arguments take them from that world
(``ARGUMENTS``); every GET page is requested as every persona.
``tests/core/test_accessibility.py`` checks the HTML of the same responses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Where the crawl does not go: other surfaces with their own tests (API, admin, CMS, files),
# and addresses that are not pages (log-out, language switch, health probe).
SKIPPED_PREFIXES = (
    "api/",
    "django-admin/",
    "cms/",
    "documents/",
    "static/",
    "media/",
    "i18n/",
    "healthz",
    "sitemap.xml",
    "_util/",
    "accounts/logout/",
)
# Pages anyone may open, signed in or not.
PUBLIC = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:password_reset_confirm",
    "registry:enterprise_register",
    "verify:index",
    "verify:report",
    "verify:download",
    "rights:list_public",
    "rights:commitment_public_list",
    "rights:commitment_public_detail",
}

ENTERPRISE = frozenset({"ent_owner", "ent_staff"})
OWNER = frozenset({"ent_owner"})
BANK = frozenset({"bank_officer", "bank_admin"})
BANK_ADMIN = frozenset({"bank_admin"})
REGULATOR = frozenset({"regulator"})
PROVIDER = frozenset({"tax_uploader"})
OPERATOR = frozenset({"operator"})
EDITOR = frozenset({"editor"})
SIGNED_IN = frozenset(
    {
        "ent_owner",
        "ent_staff",
        "bank_officer",
        "bank_admin",
        "regulator",
        "tax_uploader",
        "operator",
        "editor",
    }
)
# Who gets the page (200) among the personas; everyone else must get 403, 404 or the log-in
# page. POST-only addresses are listed with nobody: a GET answers 405 to all.
OWNERS: dict[str, frozenset[str]] = {
    "accounts:two_factor": SIGNED_IN,  # verified users are sent on (see OWNER_ANSWERS)
    "accounts:switch_organization": frozenset(),
    "core:workspace": SIGNED_IN,
    "notifications:list": SIGNED_IN,
    "notifications:open": frozenset(),
    "notifications:read_all": frozenset(),
    # enterprise
    "registry:enterprise_detail": ENTERPRISE,
    "registry:enterprise_edit": OWNER,
    "profiles:my_profile": ENTERPRISE,
    "profiles:my_profile_rebuild": frozenset(),
    "financing:need_list": ENTERPRISE,
    "financing:need_create": ENTERPRISE,
    "financing:need_detail": ENTERPRISE,
    "financing:need_edit": ENTERPRISE,
    "financing:need_publish": frozenset(),
    "financing:need_close": frozenset(),
    "financing:interest_answer": frozenset(),
    "financing:product_catalogue": ENTERPRISE,
    "financing:product_detail": ENTERPRISE,
    "financing:application_new": ENTERPRISE,
    "financing:application_list": ENTERPRISE,
    "financing:application_detail": ENTERPRISE,
    "financing:application_act": frozenset(),
    "consent:authorization_list": ENTERPRISE,
    "consent:authorization_grant": ENTERPRISE,
    "consent:authorization_detail": ENTERPRISE,
    "consent:authorization_accept": frozenset(),
    "consent:authorization_change": frozenset(),
    "consent:query_history": ENTERPRISE,
    "rights:objection_list": ENTERPRISE,
    "rights:objection_file": ENTERPRISE,
    "rights:objection_detail": ENTERPRISE,
    "rights:objection_withdraw": ENTERPRISE,  # a confirmation page
    "rights:repair_home": ENTERPRISE,
    "rights:repair_apply": ENTERPRISE,  # the penalty, with why it is not open to repair now
    "rights:repair_detail": ENTERPRISE,
    "rights:repair_withdraw": ENTERPRISE,  # a confirmation page
    "rights:commitment_list": ENTERPRISE,
    "rights:commitment_templates": ENTERPRISE,
    "rights:commitment_sign": ENTERPRISE,
    "rights:commitment_detail": ENTERPRISE,
    "rights:commitment_withdraw": ENTERPRISE,  # a confirmation page
    "rights:list_home": ENTERPRISE,
    "rights:list_entry_detail": ENTERPRISE,
    "rights:list_exit_apply": ENTERPRISE,
    "rights:list_exit_detail": ENTERPRISE,
    "rights:list_exit_withdraw": ENTERPRISE,  # a confirmation page
    "policies:for_me": ENTERPRISE,
    # bank
    "financing:bank_product_list": BANK,
    "financing:bank_product_create": BANK_ADMIN,
    "financing:bank_product_edit": BANK_ADMIN,
    "financing:bank_product_status": frozenset(),
    "financing:bank_need_list": BANK,
    "financing:bank_need_detail": BANK,
    "financing:bank_interest_express": frozenset(),
    "financing:bank_application_list": BANK,
    "financing:bank_application_detail": BANK,
    "financing:bank_application_act": frozenset(),
    "financing:bank_batch_list": BANK,
    "financing:bank_batch_detail": BANK,
    "financing:bank_batch_errors": BANK,
    "financing:bank_batch_template": BANK,
    "consent:bank_authorization_list": BANK,
    "consent:bank_request": BANK,
    "consent:bank_authorization_detail": BANK,
    "consent:bank_profile": frozenset({"bank_officer"}),  # credit officers read profiles
    "consent:bank_report_request": frozenset(),
    "profiles:joint_list": BANK,
    "profiles:joint_detail": BANK,
    "integrations:home": BANK_ADMIN,
    "integrations:client_create": frozenset(),
    "integrations:client_rotate": frozenset(),
    "integrations:client_revoke": BANK_ADMIN,  # a confirmation page
    "integrations:webhooks": BANK_ADMIN,
    "integrations:subscription_create": frozenset(),
    "integrations:delivery_replay": frozenset(),
    # regulator
    "oversight:dashboard": REGULATOR,
    "oversight:screen": REGULATOR,
    "oversight:reports": REGULATOR,
    "oversight:report_status": REGULATOR,
    "oversight:report_download": REGULATOR,
    "consent:regulator_counts": REGULATOR,
    # data provider (and the platform operator, who sees every delivery)
    # The platform's editors may read the source catalogue (and an empty delivery page).
    "sources:delivery_home": PROVIDER | OPERATOR | EDITOR,
    "sources:batch_detail": PROVIDER | OPERATOR,
    "sources:batch_progress": PROVIDER | OPERATOR,
    "sources:batch_errors": PROVIDER | OPERATOR,
    "sources:source_list": PROVIDER | OPERATOR | EDITOR,
    "sources:source_detail": PROVIDER | OPERATOR | EDITOR,
    "sources:source_template": PROVIDER | OPERATOR | EDITOR,
    "rights:provider_objection_list": PROVIDER,
    "rights:provider_objection_detail": PROVIDER,
    "rights:provider_objection_act": frozenset(),
    # platform operator
    "sources:source_edit": OPERATOR,
    "sources:quality": OPERATOR,
    "profiles:operations": OPERATOR,
    "profiles:rebuild_detail": OPERATOR,
    "profiles:model_detail": OPERATOR,
    "rights:operator_objection_list": OPERATOR,
    "rights:operator_objection_detail": OPERATOR,
    "rights:operator_objection_act": frozenset(),
    "rights:repair_queue": OPERATOR,
    "rights:repair_review": OPERATOR,
    "rights:repair_act": frozenset(),
    "rights:repair_rules": OPERATOR,
    "rights:commitment_operator_list": OPERATOR,
    "rights:commitment_operator_detail": OPERATOR,
    "rights:commitment_fulfil": frozenset(),
    "rights:commitment_breach": frozenset(),
    "rights:operator_list_entries": OPERATOR,
    "rights:operator_list_designate": OPERATOR,
    "rights:operator_list_entry": OPERATOR,
    "rights:operator_list_end": OPERATOR,
    "rights:operator_list_exits": OPERATOR,
    "rights:operator_list_exit_detail": OPERATOR,
    "rights:operator_list_exit_act": frozenset(),
}

# What the owners get where it is not the page itself (default: 200).
OWNER_ANSWERS: dict[str, set[int]] = {
    "accounts:two_factor": {200, 302},  # already verified (or no second factor): sent on
    "financing:need_edit": {200, 302},  # a published need is not edited: back to the need
    "sources:batch_errors": {200, 404},  # an accepted batch has no error file
}
# Routes whose objects neither the demo world nor ``_unseeded`` creates: none left (the
# list stays as the place to name one, with its reason, should a route need it again).
NOT_SEEDED: set[str] = set()
# Query strings some pages need to show anything.
QUERIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "consent:bank_request": lambda w: f"?application={w['application'].pk}",
    "rights:repair_apply": lambda w: f"?decision={quote(w['penalty'])}",
}

PERSONAS = (
    "ent_owner",  # enterprise owner
    "ent_staff",  # enterprise staff
    "bank_officer",  # bank credit officer (2FA)
    "bank_admin",  # bank administrator (2FA)
    "regulator",  # regulator analyst (2FA)
    "tax_uploader",  # data provider uploader
    "operator",  # platform operator
    "editor",  # portal editor
    "anonymous",
)
DENIED = {403, 404}
# The marker makes pytest-django set up the test database (the world itself is session-wide).
pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    pattern: str  # e.g. "financing/needs/<int:pk>/"
    name: str  # namespaced, e.g. "financing:need_detail"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    location: str
    body: str  # HTML pages only


@dataclass
class Crawl:
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)  # (path, persona)
    routes: dict[str, Route] = field(default_factory=dict)  # path -> route
    uncovered: list[str] = field(default_factory=list)  # routes without arguments to build


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern, recursively through includes and namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            module = getattr(pattern.callback, "__module__", "")
            if module.startswith("wagtail") or str(pattern.pattern).startswith("^"):
                continue  # CMS pages and regex catch-alls: not workspace pages
            yield Route(prefix + str(pattern.pattern), namespace + (pattern.name or ""))


def crawled_routes() -> list[Route]:
    return [
        r
        for r in walk(get_resolver().url_patterns)
        if not r.pattern.startswith(SKIPPED_PREFIXES) and r.name != "set_language"
    ]


# --------------------------------------------------------------------------- the world


def _world() -> dict[str, Any]:
    """Objects of the demo personas' organizations to build URL arguments from."""
    from xinyidai.accounts.models import Bank, Organization
    from xinyidai.consent.models import Authorization
    from xinyidai.financing.models import (
        Application,
        FinancingNeed,
        Interest,
        LoanProduct,
        OutcomeBatch,
    )
    from xinyidai.integrations.models import ApiClient
    from xinyidai.integrations.selectors import deliveries_of
    from xinyidai.notifications.models import Notification
    from xinyidai.oversight.models import Report
    from xinyidai.profiles.models import JointModelRequest, ProfileRebuild, ScoringModel
    from xinyidai.registry.models import Enterprise
    from xinyidai.rights.demo import PENALTY_NUMBER
    from xinyidai.rights.models import (
        Commitment,
        CommitmentTemplate,
        ListEntry,
        ListExit,
        Objection,
        RepairApplication,
    )
    from xinyidai.sources.models import Batch

    enterprise = Enterprise.objects.get(organization__memberships__user__username="ent_owner")
    bank = Bank.objects.get(organization__memberships__user__username="bank_officer")
    provider = Organization.objects.get(memberships__user__username="tax_uploader")
    regulator = Organization.objects.get(memberships__user__username="regulator")
    applications = Application.objects.filter(enterprise=enterprise, bank=bank).exclude(
        state=Application.State.DRAFT
    )
    mine = {"enterprise": enterprise}
    return {
        "uscc": enterprise.uscc,
        "need": FinancingNeed.objects.filter(enterprise=enterprise).order_by("pk").first(),
        "interest": Interest.objects.filter(need__enterprise=enterprise, bank=bank).first(),
        "product": LoanProduct.objects.filter(bank=bank, status="published").first(),
        "application": applications.order_by("pk").first(),
        "authorization": Authorization.objects.filter(**mine, bank=bank).first(),
        "bank_authorization": Authorization.objects.filter(bank=bank).first(),
        "bank_application": Application.objects.filter(bank=bank)
        .exclude(state=Application.State.DRAFT)
        .first(),
        "bank_need": FinancingNeed.objects.filter(
            status__in=["published", "in_talks"], applications__bank=bank
        ).first()
        or FinancingNeed.objects.filter(status="published").first(),
        "outcome_batch": OutcomeBatch.objects.filter(bank=bank).first(),
        "api_client": ApiClient.objects.filter(bank=bank).first(),
        "delivery": deliveries_of(bank).first(),
        "joint": JointModelRequest.objects.filter(bank=bank).first(),
        "report": Report.objects.filter(regulator__organization=regulator).first(),
        "batch": Batch.objects.filter(provider=provider).first(),
        "source": Batch.objects.filter(provider=provider).values_list("source_id", flat=True)[0],
        "rebuild": ProfileRebuild.objects.first(),
        "model": ScoringModel.objects.filter(purpose="credit").first(),
        "objection": Objection.objects.filter(**mine).first(),
        "provider_objection": Objection.objects.filter(provider=provider).first(),
        "any_objection": Objection.objects.first(),
        "repair": RepairApplication.objects.filter(**mine).first(),
        "any_repair": RepairApplication.objects.first(),
        "commitment": Commitment.objects.filter(**mine).first(),
        "any_commitment": Commitment.objects.first(),
        "public_commitment": Commitment.objects.filter(is_public=True).first(),
        "template": CommitmentTemplate.objects.filter(is_active=True).first(),
        "list_entry": ListEntry.objects.filter(uscc=enterprise.uscc).first(),
        "any_list_entry": ListEntry.objects.first(),
        "list_exit": ListExit.objects.filter(**mine).first(),
        "any_list_exit": ListExit.objects.first(),
        "penalty": PENALTY_NUMBER,
        "notification": Notification.objects.filter(recipient__username="operator").first(),
    }


# A minimal PDF, as evidence of a repair.
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _unseeded() -> None:
    """What the demo seed leaves out, created through the services as the personas would:
    a rejected outcome batch and an API client of the bank, a joint-model request, a demand
    report (generated), a repair of the enterprise's eligible penalty, a list entry of the
    enterprise with an exit application, and a webhook delivery."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from xinyidai.accounts.models import Bank, Membership, Regulator, User
    from xinyidai.financing.batch import outcome_batch_apply
    from xinyidai.integrations.services import api_client_create
    from xinyidai.oversight.services import report_generate, report_request
    from xinyidai.profiles.joint import joint_model_request_create
    from xinyidai.registry.models import Enterprise
    from xinyidai.rights.demo import PENALTY_NUMBER
    from xinyidai.rights.models.lists import ListKind
    from xinyidai.rights.services_lists import list_designate, list_exit_file
    from xinyidai.rights.services_repair import repair_file
    from xinyidai.webhooks.services import webhook_subscription_create, webhooks_dispatch

    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    today = timezone.localdate()
    officer = Membership.objects.select_related("organization").get(
        user=users["bank_officer"], organization__kind="bank"
    )
    bank = Bank.objects.get(organization=officer.organization)
    # One row of another bank's (unknown) application: rejected, with an error file.
    outcome_batch_apply(
        bank=bank,
        membership=officer,
        filename="outcomes.csv",
        content=(
            "application_id,action,date,amount,rate,term_months,guarantee,reason,first_loan,"
            f"note,reference\r\n999999999,reject,{today.isoformat()},,,,,资料不全,,,\r\n"
        ).encode(),
    )
    api_client_create(
        bank=bank, name="核心系统", scopes=["profiles:read"], actor=users["bank_admin"]
    )
    joint_model_request_create(
        bank=bank,
        actor=users["bank_admin"],
        title="联合建模",
        upload=ContentFile(b"uscc,loan_date,outcome\r\n"),
        name="loans.csv",
        size=24,
    )
    webhook_subscription_create(
        organization=bank.organization, url="https://bank.example/hooks", actor=users["bank_admin"]
    )
    webhooks_dispatch()  # the bank's pending events become deliveries (never sent: no commit)
    regulator = Regulator.objects.get(organization__memberships__user=users["regulator"])
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    report = report_request(
        regulator=regulator, region="", period=last_month, user=users["regulator"]
    )
    report_generate(report_id=report.pk)
    owner = users["ent_owner"]
    enterprise = Enterprise.objects.get(organization__memberships__user=owner)
    repair_file(
        user=owner,
        enterprise=enterprise,
        decision_number=PENALTY_NUMBER,
        statement="已足额缴纳罚款并完成整改。",
        evidence={"fulfilment": [ContentFile(PDF, name="缴款凭证.pdf")]},
        sign_commitment=True,
        signer_name="企业负责人",
    )
    entry = list_designate(
        user=users["operator"],
        kind=ListKind.KEY_ATTENTION,
        uscc=enterprise.uscc,
        basis="拖欠账款重点关注对象",
        document_number="肇信用〔爬取〕1号",
        authority="肇庆市发展和改革局",
        listed_on=today - dt.timedelta(days=30),
    )
    list_exit_file(enterprise=enterprise, user=owner, entry=entry, reason="欠款已全部结清。")


def _pk(key: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    return lambda w: {"pk": w[key].pk} if w.get(key) is not None else None


# URL name -> its arguments from the world (None: nothing of the kind was seeded).
ARGUMENTS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "registry:enterprise_detail": lambda w: {"uscc": w["uscc"]},
    "registry:enterprise_edit": lambda w: {"uscc": w["uscc"]},
    "financing:need_detail": _pk("need"),
    "financing:need_edit": _pk("need"),
    "financing:need_publish": _pk("need"),
    "financing:need_close": _pk("need"),
    "financing:interest_answer": _pk("interest"),
    "financing:product_detail": _pk("product"),
    "financing:application_new": _pk("product"),
    "financing:application_detail": _pk("application"),
    "financing:application_act": _pk("application"),
    "financing:bank_product_edit": _pk("product"),
    "financing:bank_product_status": _pk("product"),
    "financing:bank_need_detail": _pk("bank_need"),
    "financing:bank_interest_express": _pk("bank_need"),
    "financing:bank_application_detail": _pk("application"),
    "financing:bank_application_act": _pk("application"),
    "financing:bank_batch_detail": _pk("outcome_batch"),
    "financing:bank_batch_errors": _pk("outcome_batch"),
    "financing:bank_batch_template": lambda w: {"fmt": "csv"},
    "consent:authorization_detail": _pk("authorization"),
    "consent:authorization_accept": _pk("authorization"),
    "consent:authorization_change": _pk("authorization"),
    "consent:bank_authorization_detail": _pk("authorization"),
    "consent:bank_profile": lambda w: {"uscc": w["uscc"]},
    "consent:bank_report_request": lambda w: {"uscc": w["uscc"]},
    "notifications:open": _pk("notification"),
    "integrations:client_rotate": _pk("api_client"),
    "integrations:client_revoke": _pk("api_client"),
    "integrations:delivery_replay": _pk("delivery"),
    "profiles:joint_detail": _pk("joint"),
    "profiles:rebuild_detail": _pk("rebuild"),
    "profiles:model_detail": _pk("model"),
    "oversight:report_status": _pk("report"),
    "oversight:report_download": lambda w: (
        {"pk": w["report"].pk, "fmt": "pdf"} if w.get("report") else None
    ),
    "sources:batch_detail": _pk("batch"),
    "sources:batch_progress": _pk("batch"),
    "sources:batch_errors": _pk("batch"),
    "sources:source_detail": lambda w: {"code": w["source"]},
    "sources:source_template": lambda w: {"code": w["source"]},
    "sources:source_edit": lambda w: {"code": w["source"]},
    "rights:objection_detail": _pk("objection"),
    "rights:objection_withdraw": _pk("objection"),
    "rights:provider_objection_detail": _pk("provider_objection"),
    "rights:provider_objection_act": lambda w: (
        {"pk": w["provider_objection"].pk, "action": "uphold"}
        if w.get("provider_objection")
        else None
    ),
    "rights:operator_objection_detail": _pk("any_objection"),
    "rights:operator_objection_act": lambda w: (
        {"pk": w["any_objection"].pk, "action": "escalate"} if w.get("any_objection") else None
    ),
    "rights:repair_detail": _pk("repair"),
    "rights:repair_withdraw": _pk("repair"),
    "rights:repair_review": _pk("any_repair"),
    "rights:repair_act": lambda w: (
        {"pk": w["any_repair"].pk, "action": "accept"} if w.get("any_repair") else None
    ),
    "rights:commitment_public_detail": _pk("public_commitment"),
    "rights:commitment_sign": lambda w: (
        {"template_pk": w["template"].pk} if w.get("template") else None
    ),
    "rights:commitment_detail": _pk("commitment"),
    "rights:commitment_withdraw": _pk("commitment"),
    "rights:commitment_operator_detail": _pk("any_commitment"),
    "rights:commitment_fulfil": _pk("any_commitment"),
    "rights:commitment_breach": _pk("any_commitment"),
    "rights:list_entry_detail": _pk("list_entry"),
    "rights:list_exit_apply": _pk("list_entry"),
    "rights:list_exit_detail": _pk("list_exit"),
    "rights:list_exit_withdraw": _pk("list_exit"),
    "rights:operator_list_entry": _pk("any_list_entry"),
    "rights:operator_list_end": _pk("any_list_entry"),
    "rights:operator_list_exit_detail": _pk("any_list_exit"),
    "rights:operator_list_exit_act": lambda w: (
        {"pk": w["any_list_exit"].pk, "action": "accept"} if w.get("any_list_exit") else None
    ),
}
# Arguments no fixture object stands for (tokens, evidence files, verification codes): their
# own tests cover them.
NOT_CRAWLED = {
    "accounts:password_reset_confirm",
    "verify:report",
    "verify:download",
    "rights:objection_evidence",
    "rights:repair_evidence",
    "rights:list_exit_evidence",
}

_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def _path(route: Route, world: dict[str, Any]) -> str | None:
    query = QUERIES[route.name](world) if route.name in QUERIES else ""
    if not _CONVERTER.search(route.pattern):
        return "/" + route.pattern + query
    builder = ARGUMENTS.get(route.name)
    kwargs = builder(world) if builder else None
    if kwargs is None:
        return None
    return "/" + _CONVERTER.sub(lambda m: str(kwargs[m.group("name")]), route.pattern) + query


def _client(username: str) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinyidai.accounts.models import User

    client = Client()
    if username == "anonymous":
        return client
    user = User.objects.get(username=username)
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:  # 2FA personas: as if the code had been entered
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _answer(response: Any) -> Answer:
    content_type = response.get("Content-Type", "")
    html = content_type.startswith("text/html") and not getattr(response, "streaming", False)
    return Answer(
        status=response.status_code,
        content_type=content_type,
        location=response.get("Location", ""),
        body=response.content.decode("utf-8", "replace") if html else "",
    )


def _seed_and_crawl() -> Crawl:
    from django.core.cache import cache
    from django.test.utils import override_settings

    from xinyidai.core import demo

    crawl = Crawl()
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]  # let durable blocks run inside
    atomic.__enter__()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            DEBUG_PROPAGATE_EXCEPTIONS=False,
        ):
            original = demo.DEMO_MODEL_ENTERPRISES
            demo.DEMO_MODEL_ENTERPRISES = 3000  # a smaller training city: same pages, faster
            try:
                demo.seed_demo(enterprises=60)
            finally:
                demo.DEMO_MODEL_ENTERPRISES = original
            _unseeded()
            world = _world()
            cache.clear()
            clients = {persona: _client(persona) for persona in PERSONAS}
            for route in crawled_routes():
                if route.name in NOT_CRAWLED:
                    continue
                path = _path(route, world)
                if path is None:
                    crawl.uncovered.append(route.name)
                    continue
                crawl.routes[path] = route
                for persona, client in clients.items():
                    crawl.answers[path, persona] = _answer(client.get(path))
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        cache.clear()
    return crawl


_CRAWL: list[Crawl] = []


def crawl_once(django_db_blocker: Any) -> Crawl:
    """The crawl, run once per test session (shared with the accessibility test)."""
    if not _CRAWL:
        with django_db_blocker.unblock():
            _CRAWL.append(_seed_and_crawl())
    return _CRAWL[0]


@pytest.fixture(scope="session")
def crawl(django_db_setup: Any, django_db_blocker: Any) -> Crawl:
    return crawl_once(django_db_blocker)


# --------------------------------------------------------------------------- tests


def _to_login(answer: Answer) -> bool:
    return answer.status == 302 and answer.location.startswith("/accounts/login/")


def test_it_answers_every_page_without_a_server_error(crawl):
    errors = [
        f"{answer.status} {path} as {persona}"
        for (path, persona), answer in crawl.answers.items()
        if answer.status >= 500
    ]
    assert not errors, "\n".join(errors)
    assert len(crawl.routes) > 100  # the crawl really walked the URL map


def test_it_builds_arguments_for_every_route_with_arguments(crawl):
    # Both ways: a route listed as not seeded that the world now covers is taken off the list.
    assert sorted(set(crawl.uncovered) ^ NOT_SEEDED) == []


def test_every_crawled_route_has_its_owners_written_down(crawl):
    names = {route.name for route in crawl.routes.values()}
    assert sorted(names - set(OWNERS) - PUBLIC) == []


def test_it_serves_each_workspace_page_to_its_persona_and_denies_everyone_else(crawl):
    wrong = []
    for path, route in crawl.routes.items():
        if route.name in PUBLIC or route.name not in OWNERS:
            continue
        owners = OWNERS[route.name]
        for persona in PERSONAS:
            answer = crawl.answers[path, persona]
            if persona in owners:
                ok = answer.status in OWNER_ANSWERS.get(route.name, {200})
            elif not owners:  # POST-only: a GET is refused (or sends to the log-in page)
                ok = answer.status == 405 or _to_login(answer) or answer.status in DENIED
            elif persona == "anonymous":
                ok = _to_login(answer)
            else:
                ok = answer.status in DENIED or _to_login(answer)
            if not ok:
                wrong.append(f"{route.name} {path} as {persona}: {answer.status} {answer.location}")
    assert not wrong, "\n".join(wrong)


def test_it_serves_the_public_pages_to_everyone(crawl):
    wrong = [
        f"{route.name} {path} as {persona}: {crawl.answers[path, persona].status}"
        for path, route in crawl.routes.items()
        if route.name in PUBLIC
        for persona in PERSONAS
        if crawl.answers[path, persona].status not in (200, 302)
    ]
    assert not wrong, "\n".join(wrong)
