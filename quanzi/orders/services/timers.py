"""Order timers: an unpaid order is cancelled when its pay window passes, a shipped one is
received automatically, a received one completes (and is settled to its store) when its
after-sales window closes.

Timers are tasks (`quanzi.orders.tasks`, scheduled by `state.schedule`) *and* are re-applied by
`refresh_order` whenever an order is read (rule 5) and by `manage.py run_order_timers`, so a lost
or doubled task never leaves a wrong state: each acts only if the order is still in the state the
timer was set for and the time has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from quanzi.core.events import send_on_commit
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.postings import settle_order
from quanzi.orders.services.state import move, receive, release_cancelled
from quanzi.orders.signals import order_completed

S = OrderStatus

NOTE_NOT_PAID = gettext_noop("Not paid in time: cancelled and stock returned")
NOTE_AUTO_RECEIVED = gettext_noop("Receipt confirmed automatically")
NOTE_COMPLETED = gettext_noop("After-sales window closed: order completed")


# The mutable fields reloaded after a timer ran on an order already in memory.
STATE_FIELDS = [
    "status",
    "status_before_after_sales",
    "refunded_amount",
    "paid_at",
    "received_at",
    "completed_at",
    "cancelled_at",
    "auto_receive_at",
    "complete_at",
    "stock_returned",
    "payment_id",
    "updated_at",
]


def expire_unpaid_order(order_id: str) -> bool:
    """Cancel the order if it is still unpaid after its pay deadline; stock returns once."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.filter(
            pk=order_id, status=S.PENDING_PAYMENT, pay_deadline__lte=now
        ).first()
        if order is None or not move(
            order, S.CANCELLED, actor=None, note=NOTE_NOT_PAID, cancelled_at=now
        ):
            return False
        release_cancelled(order)
    return True


def auto_receive_order(order_id: str) -> bool:
    """Confirm receipt of a shipped order whose auto-receive time has passed. The receipt is
    dated at that time, so the after-sales window runs from when it should have started."""
    with transaction.atomic():
        order = (
            Order.objects.select_related("store")
            .filter(pk=order_id, status=S.SHIPPED, auto_receive_at__lte=timezone.now())
            .first()
        )
        if order is None or order.auto_receive_at is None:
            return False
        return receive(
            order,
            received_at=order.auto_receive_at,
            actor=None,
            note=NOTE_AUTO_RECEIVED,
            refuse=False,
        )


def complete_order(order_id: str) -> bool:
    """Complete a received order whose after-sales window closed, and settle it to the store."""
    now = timezone.now()
    with transaction.atomic():
        order = (
            Order.objects.select_related("store")
            .filter(pk=order_id, status=S.RECEIVED, complete_at__lte=now)
            .first()
        )
        if order is None or not move(
            order, S.COMPLETED, actor=None, note=NOTE_COMPLETED, completed_at=now
        ):
            return False
        settle_order(order)
        # Distribution (issue 4): release frozen commissions once the completion is committed.
        send_on_commit(order_completed, Order, order_id=order.pk)
    return True


def is_overdue(order: Order, now: datetime | None = None) -> bool:
    """Whether a timer of `order` should have fired (no query)."""
    now = now or timezone.now()
    return (
        (order.status == S.PENDING_PAYMENT and order.pay_deadline <= now)
        or (
            order.status == S.SHIPPED
            and order.auto_receive_at is not None
            and order.auto_receive_at <= now
        )
        or (
            order.status == S.RECEIVED
            and order.complete_at is not None
            and order.complete_at <= now
        )
    )


def apply_due_timers(order_id: str) -> None:
    """Run every timer that is due, in order (shipped → received → completed may chain)."""
    expire_unpaid_order(order_id)
    auto_receive_order(order_id)
    complete_order(order_id)


def refresh_order(order: Order) -> Order:
    """Apply overdue timers to an order being read (rule 5); no query when none is due."""
    if is_overdue(order):
        apply_due_timers(order.pk)
        order.refresh_from_db(fields=STATE_FIELDS)
    return order


def refresh_orders(orders: Iterable[Order]) -> None:
    now = timezone.now()
    for order in orders:
        if is_overdue(order, now):
            refresh_order(order)
