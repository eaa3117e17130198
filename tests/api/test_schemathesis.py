"""Every documented operation, called with requests that schemathesis generates from the OpenAPI
document (loaded from the WSGI application), answers as documented: never a 5xx, only documented
status codes, and bodies (errors included) that match their documented schema.

Banks' operations are signed with a key of bank 1 holding every scope (a fresh nonce each call,
the signature computed over the request exactly as the handler will read it); the enterprise's
with alice's session (and CSRF header), data providers' with a tax bureau uploader's. Half of
the generated requests name real objects of a seeded platform, so they go past the 404s.

The run is bounded (examples per operation, no shrinking) and derandomized, so CI repeats it.
Defects found in endpoints this suite does not own are listed in ``KNOWN_DEFECTS``: the check
that fails is left out of the operation's main test and asserted to fail in its own strict
xfail, so everything else stays enforced and a fix shows up as an XPASS to clean up."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler, get_path_info
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import EnvironBuilder

from bank_connectors.signing import sign_request

from .conftest import (
    SCHEMA_PATH,
    Operation,
    World,
    documented_operations,
    in_test_transaction,
    operation_params,
    rolled_back,
)

MAX_EXAMPLES = 15
CHECKS: dict[str, Any] = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": status_code_conformance,
    "response_schema_conformance": response_schema_conformance,
}

# Defects found by this run in endpoints this suite does not own: (operationId, check) -> what
# is wrong. Remove an entry when its fix makes the strict xfail below pass.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}

SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time, first failure shown
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture(scope="session")
def api_schema(wsgi_app: WSGIHandler, django_db_setup: None, django_db_blocker: Any) -> Any:
    # The handler's request_started signal touches the connection (close_old_connections).
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi(f"{SCHEMA_PATH}?format=json", wsgi_app)


def _signed(case: Any, world: World) -> dict[str, Any]:
    """Headers and body of ``case`` signed as bank 1's system, over the path, query and body
    that Django will read (built by the same Werkzeug code that sends the request)."""
    environ = EnvironBuilder(**case.as_transport_kwargs()).get_environ()
    body = environ["wsgi.input"].read()
    headers = sign_request(
        key_id=world.key.client.key_id,
        secret=world.key.secret,
        method=case.method,
        path=get_path_info(environ),
        query=environ.get("QUERY_STRING", ""),
        body=body,
    ).as_dict()
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return {"headers": headers, "data": body}


def _call(case: Any, operation: Operation, world: World) -> Any:
    if operation.signed:
        return case.call(**_signed(case, world))
    session = world.session_for(operation)
    return case.call(headers=session.headers, cookies=session.cookies)


def _non_negative_ids(case: Any) -> Any:
    """Integer path parameters as the router takes them (``<int:pk>`` matches no sign): the
    document allows negative ones, a known defect asserted on its own below."""
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int) and value < 0:
            case.path_parameters[name] = -value
    return case


def _strategy(api_operation: Any, operation: Operation, world: World) -> Any:
    strategies = [
        api_operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(_non_negative_ids)
    ]
    real = world.real_path_parameters(operation.path)
    if real is not None:
        strategies.append(
            api_operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real)
        )
    return st.one_of(strategies)


def _explicit_cases(api_operation: Any, world: World) -> list[Any]:
    """Cases tried first, every run: each date-time query parameter with the largest offset
    ISO 8601 allows (PostgreSQL takes up to ±15:59)."""
    parameters = api_operation.definition.raw.get("parameters", [])
    return [
        api_operation.Case(
            path_parameters=world.real_path_parameters(api_operation.path) or {},
            query={parameter["name"]: "2026-03-02T10:00:00+20:00"},
        )
        for parameter in parameters
        if parameter.get("in") == "query"
        and parameter.get("schema", {}).get("format") == "date-time"
        and not any(p.get("required") for p in parameters if p is not parameter)
    ]


def _run(operation: Operation, checks: list[Any], api_schema: Any, world: World) -> None:
    api_operation = api_schema[operation.path][operation.method]
    server_errors_known = not_a_server_error not in checks

    def answers_as_documented(case: Any) -> None:
        # Each request on the seeded platform as it was: what one changed (or a database
        # error that aborted the transaction) does not reach the next.
        with rolled_back():
            response = _call(case, operation, world)
        if server_errors_known and response.status_code >= 500:
            return  # the known defect, asserted in its own xfail below
        case.validate_response(response, checks=checks)

    test = given(case=_strategy(api_operation, operation, world))(answers_as_documented)
    for case in _explicit_cases(api_operation, world):
        test = hypothesis.example(case=case)(test)
    with override_settings(API_RATE="1000000/min"), in_test_transaction():
        SETTINGS(test)()


@pytest.mark.parametrize("operation", operation_params())
def test_it_answers_as_documented(operation: Operation, api_schema: Any, world: World) -> None:
    known = {check for (op_id, check) in KNOWN_DEFECTS if op_id == operation.operation_id}
    _run(operation, [c for name, c in CHECKS.items() if name not in known], api_schema, world)


def _known_defect_params() -> list[Any]:
    by_id = {operation.operation_id: operation for operation in documented_operations()}
    return [
        pytest.param(
            by_id.get(op_id),
            check,
            marks=pytest.mark.xfail(strict=True, reason=reason),
            id=f"{op_id}-{check}",
        )
        for (op_id, check), reason in KNOWN_DEFECTS.items()
    ]


@pytest.mark.parametrize(("operation", "check"), _known_defect_params())
def test_a_known_defect_is_still_there(
    operation: Operation | None, check: str, api_schema: Any, world: World
) -> None:
    assert operation is not None, "no such operation any more: remove it from KNOWN_DEFECTS"
    _run(operation, [CHECKS[check]], api_schema, world)


@pytest.mark.parametrize(
    "operation",
    [p for p in operation_params() if p.values[0].integer_path_parameters],
)
def test_a_negative_id_is_answered_as_documented(
    operation: Operation, api_schema: Any, world: World
) -> None:
    api_operation = api_schema[operation.path][operation.method]
    real = world.real_path_parameters(operation.path) or {}
    case = api_operation.Case(
        path_parameters={**real, **dict.fromkeys(operation.integer_path_parameters, -1)}
    )
    with override_settings(API_RATE="1000000/min"), in_test_transaction():
        response = _call(case, operation, world)
    case.validate_response(response, checks=[status_code_conformance])


def test_every_documented_operation_is_exercised(api_schema: Any) -> None:
    """The collected operations are those of the document as the application serves it."""
    served = {
        f"{result.ok().method.upper()} {result.ok().path}"
        for result in api_schema.get_all_operations()
    }
    assert served == {str(operation) for operation in documented_operations()}
    assert len(served) >= 20
