"""A request with an Idempotency-Key that the database drops half-way leaves no claim behind:
when the database is back, the client's retry with the same key runs and answers, instead of
being told for minutes that the key "is still being processed" (found by the outage test,
tests/ops/test_database_outage.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from quanzi.core import idempotency
from quanzi.core.idempotency import run_idempotent
from quanzi.core.models import IdempotencyRecord
from tests.core.conftest import refusing
from tests.factories import UserFactory

# transaction=True: the request's transaction is the outermost one, as in a real request.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_retry_of_a_request_cut_off_by_an_outage_runs(monkeypatch):
    # given a buyer whose order request loses the database half-way (nothing works after that
    # until it comes back, not even releasing the key)
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2, raising=False)
    user = UserFactory()
    outage = refusing(OperationalError("terminating connection due to administrator command"))

    def cut_off() -> tuple[int, dict[str, str]]:
        outage.__enter__()
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        run_idempotent(user, "orders.checkout", "key-1", {"sku": "a"}, cut_off)
    # when the database is back and the client retries with the same key
    outage.__exit__(None, None, None)
    answer = run_idempotent(user, "orders.checkout", "key-1", {"sku": "a"}, lambda: (201, {}))
    # then the retry ran, and its answer is what the key replays from now on
    assert answer == (201, {})
    assert run_idempotent(user, "orders.checkout", "key-1", {"sku": "a"}, lambda: (500, {})) == (
        201,
        {},
    )
    assert IdempotencyRecord.objects.filter(key="key-1").count() == 1
