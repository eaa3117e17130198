"""The API as its OpenAPI document describes it: the documented operations (known when tests
are collected, so each one is its own test), the document as served, and a seeded platform
that a generated request can reach as a bank's system (signed) or as a logged-in user."""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core import signals
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import login
from tests.consent.conftest import grant, rich_profile
from tests.factories import EnterpriseFactory, UserFactory
from tests.financing.conftest import make_product, need_values
from tests.integrations.conftest import Key, make_key
from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import (
    bank_create,
    data_provider_create,
    membership_grant,
    organization_create,
)
from xinyidai.financing import services as financing
from xinyidai.integrations.models import Scope
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import Batch, Source
from xinyidai.sources.services import batch_create

SCHEMA_PATH = "/api/v1/schema/"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
# Operations of data providers' systems (the session of a provider's uploader); the other
# session operations are the enterprise's.
PROVIDER_PREFIXES = ("/api/v1/sources/", "/api/v1/batches/")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # as documented, e.g. /api/v1/bank/applications/{id}
    operation_id: str
    signed: bool  # for banks' systems: the view names the API scopes it needs
    integer_path_parameters: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _view_class(path: str) -> Any:
    try:
        match = resolve(re.sub(r"\{[^}/]+\}", "1", path))
    except Resolver404:
        return None
    return getattr(match.func, "cls", None)


@functools.cache
def generated_document() -> dict[str, Any]:
    """The document as drf-spectacular generates it, without a request (collection time)."""
    with GENERATOR_STATS.silence():
        document: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return document


@functools.cache
def documented_operations() -> tuple[Operation, ...]:
    operations = []
    for path, item in generated_document()["paths"].items():
        view_class = _view_class(path)
        for method in HTTP_METHODS:
            if method in item:
                parameters = [*item.get("parameters", []), *item[method].get("parameters", [])]
                operations.append(
                    Operation(
                        method=method.upper(),
                        path=path,
                        operation_id=str(item[method].get("operationId", "")),
                        signed=bool(getattr(view_class, "required_scopes", ())),
                        integer_path_parameters=tuple(
                            p["name"]
                            for p in parameters
                            if p.get("in") == "path"
                            and p.get("schema", {}).get("type") == "integer"
                        ),
                    )
                )
    return tuple(operations)


def operation_params() -> list[Any]:
    """One pytest param per documented operation, with the operationId as its id."""
    return [
        pytest.param(operation, id=operation.operation_id or str(operation))
        for operation in documented_operations()
    ]


@pytest.fixture(scope="session")
def served_document(django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get(SCHEMA_PATH, {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    document: dict[str, Any] = response.json()
    return document


# --------------------------------------------------------------------------- a seeded platform


@dataclass
class Session:
    cookies: dict[str, str]
    headers: dict[str, str]


@dataclass
class Cast:
    """The personas the seeded platform needs (``tests.conftest.Personas`` names more); the
    shared helpers (``grant``, ``make_key``) read only these."""

    alice: User  # owner of enterprise A
    officer: User  # credit officer of bank 1
    enterprise_a: Enterprise
    bank: Organization


@dataclass
class World:
    cast: Cast
    key: Key  # bank 1's system, every scope
    enterprise: Session  # alice, owner of enterprise A
    provider: Session  # an uploader of a tax bureau
    # A real object's key by the path before the parameter, or by the parameter's name.
    ids: dict[str, Any] = field(default_factory=dict)

    def session_for(self, operation: Operation) -> Session:
        return self.provider if operation.path.startswith(PROVIDER_PREFIXES) else self.enterprise

    def real_path_parameters(self, path: str) -> dict[str, Any] | None:
        """Path parameters naming real objects for ``path``, or None when some are unknown."""
        values: dict[str, Any] = {}
        for match in re.finditer(r"/\{([^}/]+)\}", path):
            name = match.group(1)
            value = self.ids.get(path[: match.start()], self.ids.get(name))
            if value is None:
                return None
            values[name] = value
        return values or None


def _session(user: User) -> Session:
    client = login(Client(), user, verify=True)
    token = secrets.token_hex(16)  # a CSRF secret: 32 alphanumerics, cookie and header alike
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cookies["csrftoken"] = token
    return Session(cookies=cookies, headers={"X-CSRFToken": token})


def _enterprise(name: str, owner: User) -> Enterprise:
    enterprise = EnterpriseFactory(name=name)
    enterprise.organization = organization_create(
        name=name, kind=Organization.Kind.ENTERPRISE, region_code=enterprise.region_code
    )
    enterprise.save()
    membership_grant(user=owner, organization=enterprise.organization, role=Role.ENTERPRISE_OWNER)
    return enterprise


def _seed() -> World:
    """Bank 1 with a published product, enterprise A with a built profile, a published need,
    an application to bank 1 and an active grant to it, and a tax bureau with a delivered file."""
    alice, officer = UserFactory(username="alice"), UserFactory(username="officer")
    bank = bank_create(
        name="测试银行一", short_name="一行", licence_number="B0001", head_office_region="441202"
    )
    membership_grant(user=officer, organization=bank.organization, role=Role.BANK_CREDIT_OFFICER)
    cast = Cast(
        alice=alice,
        officer=officer,
        enterprise_a=_enterprise("肇庆甲有限公司", alice),
        bank=bank.organization,
    )
    rich_profile(cast.enterprise_a)
    product = make_product(cast.bank, officer)
    need = financing.need_create(
        enterprise=cast.enterprise_a, actor=alice, publish=True, **need_values()
    )
    application = financing.application_create(
        enterprise=cast.enterprise_a,
        product=product,
        actor=alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
        need=need,
    )
    authorization = grant(cast)  # type: ignore[arg-type]  # reads only the cast's personas
    key = make_key(cast, scopes=list(Scope.values))  # type: ignore[arg-type]

    tax = data_provider_create(name="肇庆市税务局", kind="tax", region_code="441200")
    uploader = UserFactory(username="taxi")
    membership_grant(user=uploader, organization=tax.organization, role=Role.PROVIDER_UPLOADER)
    batch = batch_create(
        source=Source.objects.get(code="tax_monthly"),
        provider=tax.organization,
        file=ContentFile(b"uscc,period\r\n"),
        name="tax.csv",
        channel=Batch.Channel.API,
        uploaded_by=uploader,
        enqueue=False,
    )
    return World(
        cast=cast,
        key=key,
        enterprise=_session(alice),
        provider=_session(uploader),
        ids={
            "uscc": cast.enterprise_a.uscc,
            "code": "tax_monthly",
            "/api/v1/bank/applications": application.pk,
            "/api/v1/bank/needs": need.pk,
            "/api/v1/bank/products": product.pk,
            "/api/v1/bank/authorizations": authorization.pk,
            "/api/v1/enterprise/applications": application.pk,
            "/api/v1/enterprise/needs": need.pk,
            "/api/v1/batches": batch.pk,
        },
    )


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction (a savepoint when nested) that is always rolled back, even after a
    database error. Marked as TestCase marks its own, so the durable blocks of the code under
    test may run inside it."""
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]
    with atomic:
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def seeded_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Seeded once for the module, like ``TestCase.setUpTestData``: in an outer transaction
    that each test's own (pytest-django's) transaction nests in, rolled back at the end."""
    with django_db_blocker.unblock(), rolled_back():
        yield _seed()


@pytest.fixture
def world(seeded_world: World, db: None) -> World:
    """The seeded platform; what a test changes in it is rolled back after the test."""
    return seeded_world


@pytest.fixture(scope="session")
def wsgi_app() -> WSGIHandler:
    return WSGIHandler()


@contextlib.contextmanager
def in_test_transaction() -> Iterator[None]:
    """Requests sent straight to the WSGI handler keep the test's connection and transaction
    (as Django's test client does): no closing of "old" connections around them. (Django's
    test client connects the handler again after each of its requests: enter this after.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
