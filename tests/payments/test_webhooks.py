from __future__ import annotations

import io
import time
import urllib.request
from typing import Any

import pytest
from django.test import Client

from quanzi.ledger.models import Account, Entry, Transaction
from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import escrow_account, store_balance
from quanzi.orders.models import OrderStatus
from quanzi.orders.services.paying import refund_order, start_payment
from quanzi.payments.accounts import UNAPPLIED_ACCOUNT
from quanzi.payments.models import (
    PartOutcome,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
    WebhookStatus,
)
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxEvent
from quanzi.payments.tasks import deliver_sandbox_event
from tests.factories import UserFactory
from tests.payments.helpers import captured_data, event_body, make_order, pay, post_webhook

pytestmark = pytest.mark.django_db


def ledger_rows() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


def test_a_replayed_webhook_changes_nothing(hooks, django_capture_on_commit_callbacks):
    # given an order paid on the sandbox (its webhook delivered once)
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = pay(buyer, [order], django_capture_on_commit_callbacks)
    assert payment.status == PaymentStatus.CAPTURED
    rows = ledger_rows()
    event = SandboxEvent.objects.get(type="payment.captured")
    # when the provider sends the very same event again over HTTP (freshly signed)
    r = post_webhook(event.body.encode())
    # then it is acknowledged as a duplicate and nothing changes
    assert r.status_code == 200, r.content
    assert r.json() == {"result": "duplicate"}
    assert ledger_rows() == rows == (1, 2)
    assert len(hooks["on_payment_captured"].calls) == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == (PaymentStatus.CAPTURED, OrderStatus.PAID)
    assert WebhookEvent.objects.get().status == WebhookStatus.PROCESSED
    # and a second capture event under a new id (a provider retrying differently) changes
    # nothing either
    other = event_body("payment.captured", captured_data(payment), event_id="evt_other")
    assert post_webhook(other).json() == {"result": "processed"}
    assert ledger_rows() == rows
    assert len(hooks["on_payment_captured"].calls) == 1


def test_a_forged_signature_is_rejected_and_nothing_is_stored(hooks):
    # given a pending payment
    buyer = UserFactory()
    payment = start_payment(buyer, [make_order(buyer)])
    body = event_body("payment.captured", captured_data(payment))
    t = int(time.time())
    # when someone posts a capture signed with another secret, or unsigned, or tampered
    forged = [
        f"t={t},v1={'0' * 64}",
        "",
        "garbage",
        sandbox.sign(body.replace(b"CNY", b"USD")),
    ]
    codes = [post_webhook(body, signature=sig).status_code for sig in forged]
    # then each is refused with 400 and nothing is stored or changed
    assert codes == [400, 400, 400, 400]
    assert WebhookEvent.objects.count() == 0
    assert hooks["on_payment_captured"].calls == []
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert ledger_rows() == (0, 0)


def test_an_old_timestamp_is_rejected():
    buyer = UserFactory()
    payment = start_payment(buyer, [make_order(buyer)])
    body = event_body("payment.captured", captured_data(payment))
    # when a correctly signed event is more than five minutes old (a captured replay)
    stale = sandbox.sign(body, timestamp=int(time.time()) - 301)
    r = post_webhook(body, signature=stale)
    # then it is refused and nothing is stored
    assert r.status_code == 400
    assert r.json()["code"] == "stale_signature"
    assert WebhookEvent.objects.count() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_an_amount_mismatch_is_refused_and_stored_as_rejected(hooks):
    # given a pending payment of 59.00
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    # when a signed capture event says 0.01 (or another currency)
    for n, changes in enumerate([{"amount": 1}, {"currency": "USD"}, {"amount": "5900"}]):
        body = event_body("payment.captured", captured_data(payment, **changes), f"evt_bad{n}")
        r = post_webhook(body)
        # then it is refused with 422 and stored as rejected
        assert r.status_code == 422, r.content
        assert r.json()["code"] == "amount_mismatch"
    # and nothing changed: no capture, no ledger rows, orders not told
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert ledger_rows() == (0, 0)
    assert hooks["on_payment_captured"].calls == []
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookStatus.REJECTED}
    # and a replay of a refused event is refused again
    assert post_webhook(body).status_code == 422


def test_an_unknown_payment_and_a_malformed_event_are_refused():
    buyer = UserFactory()
    payment = start_payment(buyer, [make_order(buyer)])
    unknown = event_body("payment.captured", captured_data(payment, payment_id="x" * 16))
    r = post_webhook(unknown)
    assert (r.status_code, r.json()["code"]) == (422, "unknown_payment")
    wrong_charge = event_body("payment.captured", captured_data(payment, charge="y"), "evt_2")
    assert post_webhook(wrong_charge).status_code == 422
    assert post_webhook(b"not json").status_code == 400
    assert post_webhook(b'{"id": "e", "type": "nope", "data": {}}').status_code == 400
    assert (
        Client()
        .post("/api/v1/payments/webhooks/paypal", data=b"{}", content_type="application/json")
        .status_code
        == 404
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_late_capture_of_a_cancelled_order_is_refunded_automatically(
    hooks, django_capture_on_commit_callbacks
):
    # given a payment started in time for an order that was then cancelled (its window passed)
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status"])
    # when the money arrives anyway
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, payment.provider_ref)
    # then the payment is captured, orders refused it, and the whole amount went back
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert hooks["on_payment_captured"].calls == [(order.pk, payment.pk)]
    assert payment.parts.get().outcome == PartOutcome.REFUNDED
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.order_id) == (
        5900,
        RefundStatus.SUCCEEDED,
        order.pk,
    )
    # and the order, never paid with that money, keeps its state and only notes the refund
    assert hooks["on_refund_succeeded"].calls == []
    assert hooks["on_late_payment_returned"].calls == [(order.pk,)]
    # and the ledger recorded both the capture and the refund: nothing is owed to anyone, and
    # the money never passed through the store's escrow
    kinds = sorted(Transaction.objects.values_list("kind", flat=True))
    assert kinds == ["capture", "refund"]
    assert store_balance(order.store_id).escrow == 0
    assert not Entry.objects.filter(account__code=escrow_account(order.store_id)).exists()
    assert Account.objects.get(code=UNAPPLIED_ACCOUNT).balance == 0
    assert check_ledger() == []
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.CANCELLED, 0)


def test_refund_completes_through_the_webhook_once(hooks, django_capture_on_commit_callbacks):
    # given a paid order
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    # when 20.00 is refunded
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order, 2000, reason="破损")
    # then the provider's refund.succeeded webhook completes it and orders hear of it once
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_ref
    assert hooks["on_refund_succeeded"].calls == [(order.pk, 2000, None)]
    assert store_balance(order.store_id).escrow == 3900
    # and replaying the refund event changes nothing
    event = SandboxEvent.objects.get(type="refund.succeeded")
    assert post_webhook(event.body.encode()).json() == {"result": "duplicate"}
    again = event_body("refund.succeeded", {**_data(event), "refund": "r2"}, "evt_again")
    assert post_webhook(again).json() == {"result": "processed"}
    assert len(hooks["on_refund_succeeded"].calls) == 1
    assert store_balance(order.store_id).escrow == 3900


def _data(event: SandboxEvent) -> dict[str, Any]:
    import json

    return json.loads(event.body)["data"]


def test_a_failed_refund_reopens_the_request(hooks, django_capture_on_commit_callbacks):
    # given a paid order and a pending refund whose provider call has not happened yet
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = pay(buyer, [order], django_capture_on_commit_callbacks)
    refund = refund_order(order, 1000, reason="少件")
    # when the provider reports that the refund failed
    body = event_body(
        "refund.failed",
        {
            "refund_id": refund.pk,
            "charge": payment.provider_ref,
            "payment_id": payment.pk,
            "amount": 1000,
            "currency": "CNY",
            "reason": "account closed",
        },
    )
    assert post_webhook(body).status_code == 200
    # then the refund failed, orders were told once, and no money moved in the ledger
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == (RefundStatus.FAILED, "account closed")
    assert hooks["on_refund_failed"].calls == [(order.pk, None)]
    assert Transaction.objects.filter(kind="refund").count() == 0


class _Answer(io.BytesIO):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(body)
        self.status = status


def test_task_delivery_posts_the_signed_event_and_retries_with_backoff(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    # given the sandbox delivers webhooks from a background task
    settings.QUANZI_SANDBOX_DELIVERY = "task"
    settings.QUANZI_PUBLIC_URL = "http://testserver"
    buyer = UserFactory()
    order = make_order(buyer)
    payment = start_payment(buyer, [order])
    default_task_backend.clear()
    # when the payer confirms
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, payment.provider_ref)
    # then a delivery task is queued and nothing is processed yet
    [queued] = default_task_backend.results
    assert queued.task.func is deliver_sandbox_event.func
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    # when the first attempt finds the platform down
    def down(request: urllib.request.Request, timeout: float) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(urllib.request, "urlopen", down)
    default_task_backend.clear()
    assert deliver_sandbox_event.call(*queued.args) is False
    # then a retry is queued for later
    [retry] = default_task_backend.results
    assert retry.args == [queued.args[0], 2]
    assert retry.task.run_after is not None

    # when the retry reaches the platform over HTTP
    def forward(request: urllib.request.Request, timeout: float) -> Any:
        path = request.full_url.removeprefix("http://testserver")
        r = Client().post(
            path,
            data=request.data,
            content_type="application/json",
            headers={sandbox.SIGNATURE_HEADER: request.get_header("X-sandbox-signature")},
        )
        return _Answer(r.status_code, r.content)

    monkeypatch.setattr(urllib.request, "urlopen", forward)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_sandbox_event.call(*retry.args) is True
    # then the payment is captured and the event marked delivered after two attempts
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    event = SandboxEvent.objects.get()
    assert (event.attempts, event.delivered_at is not None) == (2, True)


def test_payment_captured_for_a_cancelled_payment_still_counts(
    hooks, monkeypatch, django_capture_on_commit_callbacks
):
    # given a buyer who paid an old payment just as a new one including the same order
    # cancelled it: the provider answered "closed" while the payer's confirmation was in flight
    # (the sandbox itself refuses a new payment over a paid charge: payment_in_progress)
    monkeypatch.setattr(sandbox.SandboxProvider, "cancel_charge", lambda self, ref: True)
    buyer = UserFactory()
    order, other = make_order(buyer, total=5900), make_order(buyer, total=1000)
    old = start_payment(buyer, [order])
    sandbox.confirm_charge(buyer, old.provider_ref)  # its webhook is not delivered yet
    new = start_payment(buyer, [order, other])
    old.refresh_from_db()
    assert old.status == PaymentStatus.CANCELLED
    # when the old payment's capture arrives
    body = SandboxEvent.objects.get(type="payment.captured").body.encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(body).status_code == 200
    # then the money taken is not lost: the old payment pays the order
    old.refresh_from_db()
    order.refresh_from_db()
    assert old.status == PaymentStatus.CAPTURED
    assert order.status == OrderStatus.PAID
    # and when the new one is paid too, orders refuse its part for the paid order, which is
    # refunded in full, and accept the other
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, new.provider_ref)
    new.refresh_from_db()
    other.refresh_from_db()
    assert new.status == PaymentStatus.CAPTURED
    assert other.status == OrderStatus.PAID
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.order_id, refund.amount, refund.status) == (
        new.pk,
        order.pk,
        5900,
        RefundStatus.SUCCEEDED,
    )
    assert store_balance(order.store_id).escrow == 5900
    assert store_balance(other.store_id).escrow == 1000
    assert check_ledger() == []
    # and that refund gave back money the order was never paid with: the order stays paid
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, order.payment_id) == (
        OrderStatus.PAID,
        0,
        old.pk,
    )
    # and a later refund of the order comes out of the payment that paid it
    with django_capture_on_commit_callbacks(execute=True):
        later = refund_order(order, 500, reason="差价")
    assert later.payment_id == old.pk
