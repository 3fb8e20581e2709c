"""Fixtures of the outage, health and metrics tests: a database that refuses connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections

from quanzi.accounts.models import ApiToken
from tests.factories import UserFactory


@contextmanager
def refusing(error: Exception) -> Iterator[None]:
    """Inside, every query fails as it does while PostgreSQL refuses connections."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    connection = connections["default"]
    # The test's connection is open already: its queries go through cursor(). Code that takes
    # a connection from the pool itself (the readiness probe, on PostgreSQL) asks the pool.
    pool = getattr(connection, "pool", None)
    connection.cursor = refuse  # type: ignore[method-assign]
    if pool is not None:
        pool.connection = pool.getconn = refuse
    try:
        yield
    finally:
        del connection.cursor
        if pool is not None:
            del pool.connection, pool.getconn


@pytest.fixture
def database_down(request: pytest.FixtureRequest) -> Iterator[None]:
    with refusing(getattr(request, "param", OperationalError("connection refused"))):
        yield


@pytest.fixture
def token_headers() -> dict[str, str]:
    _, raw = ApiToken.issue(UserFactory())
    return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
