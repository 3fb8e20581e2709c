"""A sandbox webhook delivered in-process on commit (the tests' and the demo's mode) that meets a
database outage is logged and retried later; it never turns the request that committed the
payment into a 500. (Django 5.2 names a failed robust on_commit callback by its __qualname__,
which a functools.partial lacks, so the logging itself raised AttributeError: Django ticket
36487. The fault test met it on the sandbox pay page's confirm.)"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, transaction

from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inline_delivery_cut_off_by_an_outage_is_logged_not_raised(monkeypatch, caplog):
    # given the in-process delivery failing as it does while the database is gone
    def cut_off(event_id: str) -> bool:
        raise OperationalError("couldn't get a connection after 2.00 sec")

    monkeypatch.setattr(sandbox, "deliver_inline", cut_off)
    # when an event is emitted in a transaction that commits
    with caplog.at_level(logging.ERROR), transaction.atomic():
        event = sandbox.emit_event("payment.captured", {"charge": "c1", "payment_id": "p1"})
    # then the commit went through, the failure is logged, and the event waits undelivered
    assert "in on_commit() during transaction" in caplog.text
    assert SandboxEvent.objects.get(pk=event.pk).delivered_at is None
