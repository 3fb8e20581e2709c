"""Races that need PostgreSQL's row locks: concurrent webhook deliveries and refunds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from quanzi.core.errors import Conflict
from quanzi.ledger.models import Transaction
from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import Order, OrderEvent, OrderStatus
from quanzi.orders.services.paying import refund_order, start_payment
from quanzi.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxEvent
from tests.factories import UserFactory
from tests.payments.helpers import make_order, post_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(0..n-1) in n threads released at once; each result or raised exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # collected for the test to look at
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_same_webhook_delivered_concurrently_is_processed_once(settings):
    # given a confirmed sandbox charge whose webhook has not been delivered yet
    settings.QUANZI_SANDBOX_DELIVERY = "task"
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    sandbox.confirm_charge(buyer, payment.provider_ref)
    body = SandboxEvent.objects.get().body.encode()
    # when the provider delivers it eight times at once
    answers = run_together(8, lambda i: post_webhook(body))
    # then every delivery is acknowledged, one processed it, and it counted once
    assert sorted(r.status_code for r in answers) == [200] * 8
    assert sorted(r.json()["result"] for r in answers) == ["duplicate"] * 7 + ["processed"]
    assert WebhookEvent.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.CAPTURED
    assert Transaction.objects.filter(kind="capture").count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
    assert store_balance(order.store_id).escrow == 5900
    assert check_ledger() == []


def test_concurrent_refunds_never_exceed_the_captured_amount(settings):
    # given a paid order of 59.00 (webhooks delivered inline)
    settings.QUANZI_SANDBOX_DELIVERY = "inline"
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    sandbox.confirm_charge(buyer, payment.provider_ref)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    # when eight refunds of 10.00 are asked at once
    results = run_together(
        8, lambda i: refund_order(Order.objects.get(pk=order.pk), 1000, reason=f"r{i}")
    )
    # then five succeed and three are refused; the ledger and the order agree
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(refused), Refund.objects.count()) == (3, 5)
    assert Order.objects.get(pk=order.pk).refunded_amount == 5000
    assert store_balance(order.store_id).escrow == 900
    assert check_ledger() == []
