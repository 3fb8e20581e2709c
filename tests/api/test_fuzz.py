"""The API keeps its word: schemathesis sends every operation of /api/v1/ as a merchant (a
store owner) and as a customer, and checks each answer against the OpenAPI document.

Each operation gets the requests of the coverage phase (boundary values, missing and wrong-typed
fields, one at a time) and of the fuzzing phase (random valid and invalid requests). Path ids are
real objects 7 times in 8 (see tests/api/world.py: a store with products, campaigns, a circle, a
distribution programme; a customer with orders, reviews, a note, a share link…), so the requests
reach the services instead of stopping at a 404. Every request runs in a savepoint rolled back
after it, so each one meets the same objects. The checks: no 5xx, and the status code, content
type and body are ones the document declares for the operation (every 4xx is the shared error
body of quanzi.core.openapi).

A second, deterministic sweep sends what the generator does not: a form where JSON is expected
and the reverse, integers past 64 bits, and JSON escapes of lone surrogates.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from pydantic import ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from quanzi.core.openapi import ErrorOut
from tests.api.world import ROLES, World, build_world

APP = WSGIHandler()
# Raise it for a deeper hunt: QUANZI_FUZZ_EXAMPLES=300 pytest tests/api
MAX_EXAMPLES = int(os.environ.get("QUANZI_FUZZ_EXAMPLES", "10"))
# The same requests on every run: a failure found in CI can be replayed.
SEED = 20261201

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            # The bearer token below is the only credential: fuzzed Authorization headers and
            # session cookies would only test the 401 path, again and again.
            "with-security-parameters": False,
            "database": "none",
        },
        # Requests with methods the path does not have: ninja's 405, which no check looks at.
        "phases": {"coverage": {"unexpected-methods": []}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The signed sandbox webhook wants a raw signed body; tests/payments/test_webhooks.py covers it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG).exclude(
    path_regex=r"/payments/webhooks/"
)
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, in a transaction rolled back at its end: the tests' own
    transactions (and each request's savepoint) nest inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    if SENT:
        print(f"fuzz: {sum(SENT.values())} requests, {len(SENT)} (operation, role) pairs")


@pytest.fixture
def wsgi_calls_in_test_transaction() -> Iterator[None]:
    """Calls go through the WSGI handler, which closes stale connections at each request's start
    and end; inside the test's transaction that would close it. Django's test client disconnects
    the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


JSON_VALUES = (dict, list, str, bytes, int, float, bool)


def _aim(case: schemathesis.Case, world: World, role: str) -> None:
    """Put real ids in the path 7 times in 8, chosen by a fingerprint of the request: the same
    request always gets the same ids, and the cases of an operation spread over its objects."""
    body = case.body if isinstance(case.body, JSON_VALUES) else None
    request = repr((case.path_parameters, case.query, body))
    for name in case.path_parameters or {}:
        real = world.ids(role, case.operation.path, name)
        pick = zlib.crc32(f"{name} {request}".encode())
        if real and pick % 8:
            case.path_parameters[name] = real[pick % len(real)]


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_calls_in_test_transaction")
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        # a request through the whole stack, with database work: slow by Hypothesis' measure
        HealthCheck.too_slow,
        # the database fixture is shared by the examples on purpose: each rolls back its own
        # savepoint
        HealthCheck.function_scoped_fixture,
        # schemathesis' own generation: big bodies and filtered negative cases are intended
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_answer_is_documented(case: schemathesis.Case, role: str, world: World) -> None:
    # given the generated request, with real ids in its path
    _aim(case, world, role)
    # when the merchant or the customer sends it (in a savepoint: every example meets the same
    # world)
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Bearer {world.token(role)}"})
        transaction.set_rollback(True)
    SENT[f"{role} {case.operation.label}"] += 1
    # then it is not a server error, and its status, content type and body are documented
    case.validate_response(response, checks=CHECKS)


# --- What the generator does not send ---------------------------------------------------------
# Schemathesis keeps to each operation's media type, to integers near the schema's bounds and to
# text that is valid Unicode. A client is not so kind: it may post a form where JSON is expected
# (and JSON where a form is), integers past 64 bits, and JSON escapes of lone surrogates.

HUGE_INTEGERS = [2**63, -(2**63) - 1, 10**30]
LONE_SURROGATE = "\\ud800"  # written into the JSON text as is: the escape, not the character


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = schema.raw_schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    if "anyOf" in node:
        return _resolve(node["anyOf"][0])
    return node


def _plain(node: dict[str, Any]) -> Any:
    """A harmless value of the property's type, so the one bad value is what is tested."""
    node = _resolve(node)
    if "enum" in node:
        return node["enum"][0]
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        node.get("type", ""), "abc"
    )


def _bad_json_bodies(body_schema: dict[str, Any]) -> Iterator[str]:
    """The body with one property (or one property of a listed object) made hostile at a time."""
    props = _resolve(body_schema).get("properties", {})
    base = {name: _plain(prop) for name, prop in props.items()}
    for name, prop in props.items():
        node = _resolve(prop)
        if node.get("type") == "array" and "properties" in _resolve(node.get("items", {})):
            for inner in _bad_json_bodies(node["items"]):
                yield json.dumps(base).replace(f'"{name}": []', f'"{name}": [{inner}]')
        for value in HUGE_INTEGERS:
            yield json.dumps({**base, name: value})
        yield json.dumps({**base, name: "@"}).replace('"@"', f'"{LONE_SURROGATE}"')


def _hostile_requests(op: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(query string, client keyword arguments) of every hostile request for one operation."""
    for param in op.get("parameters", []):
        if param["in"] == "query" and _resolve(param["schema"]).get("type") == "integer":
            for value in HUGE_INTEGERS:
                yield f"?{param['name']}={value}", {}
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        yield "", {"data": {"field": "value"}}  # a multipart form instead of JSON
        for body in _bad_json_bodies(content["application/json"]["schema"]):
            yield "", {"data": body, "content_type": "application/json"}
    if "multipart/form-data" in content:
        yield "", {"data": '{"field": "value"}', "content_type": "application/json"}
        props = _resolve(content["multipart/form-data"]["schema"]).get("properties", {})
        for name in props:
            yield "", {"data": {name: str(HUGE_INTEGERS[-1])}}


def _served_or_refused(response: Any) -> bool:
    if response.status_code < 400:
        return True
    media_type = response["Content-Type"].split(";")[0]
    if response.status_code >= 500 or media_type != "application/json":
        return False
    try:
        ErrorOut.model_validate_json(response.content)
    except ValidationError:
        return False
    return True


def _real_url(world: World, role: str, path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: (world.ids(role, path, m[1]) or ["unknown"])[0], path)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_bodies_and_numbers_are_never_a_server_error(role: str, world: World) -> None:
    # given every operation of the API, with real ids in its path
    client = Client(
        raise_request_exception=False, headers={"Authorization": f"Bearer {world.token(role)}"}
    )
    failures = []
    for path, operations in schema.raw_schema["paths"].items():
        if "/payments/webhooks/" in path:
            continue
        url = _real_url(world, role, path)
        for method, op in operations.items():
            for query, kwargs in _hostile_requests(op):
                # when the hostile request is sent
                with transaction.atomic():
                    response = getattr(client, method)(url + query, **kwargs)
                    transaction.set_rollback(True)
                # then it is served, or refused with the documented error body: never a 5xx
                if not _served_or_refused(response):
                    failures.append(
                        f"{response.status_code} {method.upper()} {url}{query} {str(kwargs)[:120]}"
                    )
    assert failures == []
