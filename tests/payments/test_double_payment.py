"""An order paid twice keeps the payment it was paid with (issue 9, point 1).

The second capture is refunded automatically, and that refund is money the order was never
paid with: it must not mark the order refunded, return its stock or touch the store's escrow.
Webhooks here are held back (delivery "task", no worker) and delivered by hand, late, as a real
gateway's may arrive after the buyer has already paid another way.
"""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.core.errors import Conflict
from quanzi.ledger.services import check_ledger, post_transaction
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import pay_from_wallet, start_payment
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import PartOutcome, Payment, PaymentStatus, Refund, RefundStatus
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxEvent
from quanzi.wallets.services import wallet_account, wallet_balance
from tests.factories import UserFactory
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _held_webhooks(settings: Any) -> None:
    """The sandbox queues its webhooks (no worker in tests): each is delivered by `deliver`."""
    settings.QUANZI_SANDBOX_DELIVERY = "task"


def deliver_all(capture_on_commit: Any) -> None:
    """Deliver every queued sandbox webhook in order, with what each commits, until none is left
    (the refund of a refused capture queues its own event once the capture is committed)."""
    while True:
        pending = list(SandboxEvent.objects.filter(delivered_at=None).order_by("created_at", "id"))
        if not pending:
            return
        with capture_on_commit(execute=True):
            for event in pending:
                sandbox.deliver_inline(event.pk)


def fund_wallet(user: Any, amount: int) -> None:
    post_transaction(
        "test.topup",
        f"wallet-{user.pk}",
        [(provider_account("sandbox"), amount), (wallet_account(user), -amount)],
    )


def test_paying_from_the_wallet_while_a_pay_page_is_confirmed_keeps_one_payment(
    django_capture_on_commit_callbacks,
):
    # given an order whose sandbox pay page the buyer confirmed (the webhook is still on its way)
    buyer = UserFactory()
    fund_wallet(buyer, 10_000)
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, payment.provider_ref)
    # when, within that second, the buyer pays the same order from the wallet
    with django_capture_on_commit_callbacks(execute=True):
        try:
            kept = pay_from_wallet(buyer, order.pk)
        except Conflict as exc:  # the platform may refuse: the first payment is in progress
            assert exc.code == "payment_in_progress"
            kept = None
    # and the sandbox's webhook then arrives
    deliver_all(django_capture_on_commit_callbacks)
    # then the order is paid once, by one payment, and stays paid
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.refunded_amount == 0
    assert order.stock_returned is False
    # and the buyer paid exactly once: the other money, if any was taken, went back in full
    kept_pk = order.payment_id
    captured = Payment.objects.filter(status=PaymentStatus.CAPTURED)
    for other in captured.exclude(pk=kept_pk):
        assert other.parts.get().outcome == PartOutcome.REFUNDED
        assert Refund.objects.get(payment=other).status == RefundStatus.SUCCEEDED
    assert wallet_balance(buyer) == (10_000 if kept is None or kept.pk != kept_pk else 4_100)
    # and the store's escrow holds the order's money once
    assert store_balance(order.store_id).escrow == 5900
    assert check_ledger() == []


def test_a_multi_order_payment_after_a_confirmed_pay_page_keeps_the_first_payment(
    django_capture_on_commit_callbacks,
):
    # given order X whose own pay page the buyer confirmed (webhook on its way), and order Y
    buyer = UserFactory()
    x = make_order(buyer, total=5900)
    y = make_order(buyer, store=x.store, total=1200)
    first = start_payment(buyer, [x])
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, first.provider_ref)
    # when the buyer starts one payment for X and Y and confirms it too
    with django_capture_on_commit_callbacks(execute=True):
        try:
            both = start_payment(buyer, [x, y])
        except Conflict as exc:
            assert exc.code == "payment_in_progress"
            both = start_payment(buyer, [y])
        sandbox.confirm_charge(buyer, both.provider_ref)
    # and every webhook arrives, late
    deliver_all(django_capture_on_commit_callbacks)
    # then both orders are paid and neither is refunded
    for order in (x, y):
        order.refresh_from_db()
        assert (order.status, order.refunded_amount) == (OrderStatus.PAID, 0)
        assert order.stock_returned is False
    # and what X was paid twice (if it was) went back; the escrow holds X and Y once each
    assert store_balance(x.store_id).escrow == 5900 + 1200
    assert check_ledger() == []


def test_the_capture_of_a_closed_pay_page_is_refunded_without_touching_the_paid_order(
    django_capture_on_commit_callbacks,
):
    # given an order paid by one payment while another capture for it is refused
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    late = start_payment(buyer, [order])
    # (the buyer confirms the page, but the platform had closed it: the payment was cancelled)
    Payment.objects.filter(pk=late.pk).update(status=PaymentStatus.CANCELLED)
    other = make_order(buyer, store=order.store, total=100)  # unrelated, same store
    with django_capture_on_commit_callbacks(execute=True):
        paid = start_payment(buyer, [order, other])
        sandbox.confirm_charge(buyer, paid.provider_ref)
    deliver_all(django_capture_on_commit_callbacks)
    # when the old page's money arrives and is refused
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(buyer, late.provider_ref)
    deliver_all(django_capture_on_commit_callbacks)
    # then the order keeps the payment it was paid with
    order.refresh_from_db()
    assert (order.status, order.payment_id, order.refunded_amount) == (
        OrderStatus.PAID,
        paid.pk,
        0,
    )
    assert Order.objects.get(pk=other.pk).status == OrderStatus.PAID
    assert store_balance(order.store_id).escrow == 5900 + 100
    assert check_ledger() == []
