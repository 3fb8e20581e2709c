"""Recording events: after commit only, in batches, never raising, bots left out, visitors
counted by account or by a daily hash."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.signals import request_finished
from django.db import transaction
from django.test import RequestFactory

from quanzi.tracking import recorder
from quanzi.tracking.models import Event, EventKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"


@pytest.fixture(autouse=True)
def empty_buffer() -> Any:
    recorder.flush()
    yield
    recorder.flush()


def test_an_event_is_written_when_its_transaction_commits_and_never_if_it_rolls_back():
    # given an event recorded inside a transaction that rolls back, and one that commits
    with pytest.raises(RuntimeError), transaction.atomic():
        recorder.record(EventKind.PAID, store_id="s1", amount=100)
        raise RuntimeError
    with transaction.atomic():
        recorder.record(EventKind.PAID, store_id="s1", amount=200)
        # then nothing is written while the transaction is open
        assert not Event.objects.exists()
    # and only the committed one is written
    assert list(Event.objects.values_list("amount", flat=True)) == [200]


def test_rows_wait_in_the_buffer_until_a_batch_is_full(settings: Any):
    # given batches of 3
    settings.TRACKING_BATCH = 3
    # when two events are recorded, they wait; the third writes all three in one go
    recorder.record(EventKind.LIKE, store_id="s1")
    recorder.record(EventKind.LIKE, store_id="s1")
    assert recorder.pending() == 2 and not Event.objects.exists()
    recorder.record(EventKind.LIKE, store_id="s1")
    assert recorder.pending() == 0 and Event.objects.count() == 3


def test_a_request_finishing_after_the_flush_interval_writes_what_waits(
    settings: Any, monkeypatch: Any
):
    # given a big batch size, a flush interval of 5 s, and a row waiting
    settings.TRACKING_BATCH = 1000
    settings.TRACKING_FLUSH_SECONDS = 5
    start = time.monotonic()
    monkeypatch.setattr(recorder.time, "monotonic", lambda: start)
    recorder.record(EventKind.COMMENT, store_id="s1")
    request_finished.send(sender=None)
    assert Event.objects.count() == 0
    # when a request finishes 6 s later
    monkeypatch.setattr(recorder.time, "monotonic", lambda: start + 6)
    request_finished.send(sender=None)
    # then the waiting row is written
    assert Event.objects.count() == 1


def test_an_event_after_the_flush_interval_writes_what_waits_without_a_request(
    settings: Any, monkeypatch: Any
):
    # given a row waiting, as a chat message sent over a socket leaves it (no request cycle)
    settings.TRACKING_BATCH = 1000
    settings.TRACKING_FLUSH_SECONDS = 5
    start = time.monotonic()
    monkeypatch.setattr(recorder.time, "monotonic", lambda: start)
    recorder.record(EventKind.MESSAGE, store_id="s1")
    assert Event.objects.count() == 0
    # when another message comes 6 s later
    monkeypatch.setattr(recorder.time, "monotonic", lambda: start + 6)
    recorder.record(EventKind.MESSAGE, store_id="s1")
    # then both are written
    assert Event.objects.count() == 2


def test_a_write_failure_is_logged_and_never_raised(monkeypatch: Any, caplog: Any):
    # given the database refusing the batch
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(Event.objects, "bulk_create", refuse)
    # when an event is recorded, the caller carries on, and the failure is logged
    recorder.record(EventKind.ADD_TO_CART, store_id="s1")
    assert "could not write 1 tracking events" in caplog.text


@pytest.mark.parametrize(
    "agent,bot",
    [
        (PHONE, False),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("facebookexternalhit/1.1", True),
        ("curl/8.5.0", True),
        ("python-requests/2.32", True),
        ("", True),
    ],
)
def test_bots_and_scripts_are_not_counted(agent: str, bot: bool):
    # given a product view from this user agent
    request = RequestFactory().get("/products/p1/", HTTP_USER_AGENT=agent)
    request.user = UserFactory.build()  # type: ignore[attr-defined]
    # when it is recorded
    recorder.record_visit(request, EventKind.PRODUCT_VIEW, store_id="s1", ref="p1")
    # then only a person's view is written
    assert Event.objects.count() == (0 if bot else 1)


def test_visitors_are_accounts_or_a_daily_hash_and_sources_are_whitelisted():
    from django.contrib.auth.models import AnonymousUser

    factory = RequestFactory()
    one = factory.get("/", {"src": "chat"}, HTTP_USER_AGENT=PHONE, REMOTE_ADDR="10.0.0.1")
    again = factory.get("/", {"src": "<script>"}, HTTP_USER_AGENT=PHONE, REMOTE_ADDR="10.0.0.1")
    other = factory.get("/", HTTP_USER_AGENT=PHONE + " x", REMOTE_ADDR="10.0.0.1")
    for request in (one, again, other):
        request.user = AnonymousUser()  # type: ignore[attr-defined]
    # then the same phone is the same visitor, another browser another, and no raw address
    assert recorder.visitor_of(one) == recorder.visitor_of(again) != recorder.visitor_of(other)
    assert "10.0.0.1" not in recorder.visitor_of(one) and len(recorder.visitor_of(one)) == 24
    # and a source is one of the known ones, else direct
    assert recorder.source_of(one) == "chat" and recorder.source_of(again) == "direct"


@pytest.mark.django_db
def test_a_commit_callback_run_twice_writes_once_and_a_failure_leaves_the_transaction_usable(
    django_capture_on_commit_callbacks: Any,
):
    # given an event whose commit callback is run twice (nested test captures do this)
    with django_capture_on_commit_callbacks() as callbacks:
        recorder.record(EventKind.PAID, store_id="s1", amount=100)
    for callback in callbacks * 2:
        callback()
    # then it is written once
    assert Event.objects.count() == 1
    # and when a write fails inside the caller's transaction, the caller can carry on
    row = Event.objects.get()
    recorder._buffer.append(row)  # the same primary key again: the insert fails
    recorder.flush()
    assert Event.objects.count() == 1  # the transaction still answers
