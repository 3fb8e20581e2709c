"""Events sent after commit: a failing receiver is logged and neither stops the others nor
fails the sender; a rolled-back transaction sends nothing."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from django.dispatch import Signal

from quanzi.core.events import send_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failing_receiver_is_logged_and_the_others_still_run(caplog):
    # given a signal with a failing receiver connected before a working one
    signal = Signal()
    heard: list[str] = []

    def broken(sender, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    def listener(sender, order_id, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(order_id)

    signal.connect(broken, weak=False)
    signal.connect(listener, weak=False)
    # when the event is sent from a transaction that commits
    with caplog.at_level(logging.ERROR, logger="quanzi.events"), transaction.atomic():
        send_on_commit(signal, object, order_id="o1")
        assert heard == []  # not before the commit
    # then the working receiver heard it and the failure was logged, not raised
    assert heard == ["o1"]
    assert "broken" in caplog.text and "boom" in caplog.text


def test_nothing_is_sent_when_the_transaction_rolls_back():
    signal = Signal()
    heard: list[object] = []
    signal.connect(lambda sender, **kwargs: heard.append(kwargs), weak=False)
    with transaction.atomic():
        send_on_commit(signal, object, order_id="o1")
        transaction.set_rollback(True)
    assert heard == []


def test_a_timer_that_cannot_be_enqueued_is_logged_not_raised(caplog):
    # given a task whose backend refuses to enqueue
    from datetime import timedelta

    from django.utils import timezone

    from quanzi.core.events import enqueue_on_commit

    class Refusing:
        name = "refusing"

        def using(self, **kwargs):  # type: ignore[no-untyped-def]
            return self

        def enqueue(self, *args):  # type: ignore[no-untyped-def]
            raise ConnectionError("task backend down")

    # when a committed transaction schedules it
    with caplog.at_level(logging.ERROR, logger="quanzi.events"), transaction.atomic():
        enqueue_on_commit(Refusing(), timezone.now() + timedelta(hours=1), "p1")
    # then the commit stands and the failure is logged (reads and sweeps apply the timer)
    assert "could not enqueue refusing" in caplog.text
