"""What orders does when payments tells it about an order's money (called by the purpose
handler `paying.OrderPayments`, inside the transaction that records it): a capture marks the
order paid, a completed refund adds to what was refunded (and may end after-sales or refund the
order), a late payment given back and a refused refund are noted."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.core.errors import Conflict
from quanzi.core.events import send_on_commit
from quanzi.orders.errors import OrderCode
from quanzi.orders.locks import lock_order
from quanzi.orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleStatus,
    Order,
    OrderItem,
    OrderStatus,
)
from quanzi.orders.services import thread
from quanzi.orders.services.state import give_back_stock, leave_after_sales, move, record_event
from quanzi.orders.signals import order_paid, order_refunded
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record

logger = logging.getLogger("quanzi.orders")

S = OrderStatus

NOTE_PAID = gettext_noop("Payment received")
NOTE_REFUND_FAILED = gettext_noop("The refund could not be started; the request is open again")
NOTE_REFUNDED = gettext_noop("Refund completed")
NOTE_PARTLY_REFUNDED = gettext_noop("Partial refund completed")
NOTE_LATE_REFUND = gettext_noop("A late payment was refunded")


def on_payment_captured(order_id: str, payment_id: str) -> bool:
    """Mark the order paid by `payment_id`. True when it is (also when it already was, by this
    payment); False when it can no longer be paid, and payments then refunds the capture."""
    with transaction.atomic():
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            return False
        if order.status != S.PENDING_PAYMENT:
            return order.payment_id == payment_id
        paid = move(
            order,
            S.PAID,
            actor=None,
            note=NOTE_PAID,
            paid_at=timezone.now(),
            payment_id=payment_id,
        )
        if not paid:  # a concurrent transition (cancel, another capture) won
            order.refresh_from_db(fields=["payment_id"])
            return order.payment_id == payment_id
        _count_sales(order)
        record(
            EventKind.PAID,
            store_id=order.store_id,
            user_id=order.buyer_id,
            ref=order.pk,
            amount=order.total,
        )
        # Social feed (issue 4): friends' purchases, once the payment is committed.
        send_on_commit(order_paid, Order, order_id=order.pk, buyer_id=order.buyer_id)
    return True


def _count_sales(order: Order) -> None:
    from quanzi.catalog.services import record_sale

    sold: dict[str, int] = defaultdict(int)
    for product_id, quantity in OrderItem.objects.filter(order_id=order.pk).values_list(
        "product_id", "quantity"
    ):
        sold[product_id] += quantity
    for product_id in sorted(sold):
        record_sale(product_id, sold[product_id])


def on_refund_succeeded(
    order_id: str, amount: int, after_sale_id: str | None, *, payment_id: str | None = None
) -> None:
    """Record a completed refund of `amount` fen (called once per refund by payments).

    `payment_id` names the payment the money is given back from: a refund changes the order only
    when that is the payment the order was paid with (any other is logged and ignored)."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order is None:
            logger.error("refund of %s fen for unknown order %s", amount, order_id)
            return
        if payment_id is not None and order.payment_id != payment_id:
            logger.error(
                "refund of %s fen from payment %s ignored: order %s was paid by %r",
                amount,
                payment_id,
                order_id,
                order.payment_id,
            )
            return
        before = order.refunded_amount
        _add_refunded(order, amount)
        # Distribution (issue 4): reverse commissions once the refund is committed.
        if order.refunded_amount > before:
            _send_refunded(order.pk, order.refunded_amount - before, order.refunded_amount)
            record(
                EventKind.REFUNDED,
                store_id=order.store_id,
                user_id=order.buyer_id,
                ref=order.pk,
                amount=order.refunded_amount - before,
            )
        if after_sale_id:
            closed = AfterSale.objects.filter(
                pk=after_sale_id,
                order=order,
                status__in=[AfterSaleStatus.APPROVED, AfterSaleStatus.REQUESTED],
            ).update(status=AfterSaleStatus.REFUNDED, updated_at=timezone.now())
            if closed:
                _record(after_sale_id, AfterSaleEvent.REFUNDED, {"amount": amount})
        fully = order.refunded_amount >= order.total
        note = NOTE_REFUNDED if fully else NOTE_PARTLY_REFUNDED
        if order.status == S.AFTER_SALES:
            if not AfterSale.objects.filter(
                order=order,
                status__in=[AfterSaleStatus.APPROVED, AfterSaleStatus.REQUESTED],
            ).exists():
                leave_after_sales(order, actor=None, note=note, refunded=fully)
        elif fully and order.status in (S.PAID, S.SHIPPED, S.RECEIVED):
            move(order, S.REFUNDED, actor=None, note=note)
            if order.shipped_at is None:
                give_back_stock(order)
        else:
            record_event(order, order.status, order.status, None, note)


def on_late_payment_returned(order_id: str) -> None:
    """A payment the order refused (it came after the order was cancelled, or after another
    payment had paid it) was refunded to the buyer: noted on the order, which keeps its state
    and its money."""
    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        record_event(order, order.status, order.status, None, NOTE_LATE_REFUND)


def _send_refunded(order_id: str, amount: int, refunded_total: int) -> None:
    """Sent inside the refund's transaction (not on commit): what money follows a refund, such
    as a commission reversal, is booked atomically with the refund itself. Receivers work in a
    savepoint of their own and never raise."""
    order_refunded.send(Order, order_id=order_id, amount=amount, refunded_total=refunded_total)


def _add_refunded(order: Order, amount: int) -> None:
    """Add to refunded_amount with a conditional update that never passes the total."""
    remaining = order.total - order.refunded_amount
    if amount > remaining:
        logger.error(
            "refund of %s fen on order %s exceeds the %s fen left; capped",
            amount,
            order.pk,
            remaining,
        )
        amount = remaining
    if amount <= 0:
        return
    won = Order.objects.filter(pk=order.pk, refunded_amount__lte=F("total") - amount).update(
        refunded_amount=F("refunded_amount") + amount, updated_at=timezone.now()
    )
    if won != 1:
        raise Conflict(_("The refund exceeds what is left to refund."), code=OrderCode.OVER_REFUND)
    order.refunded_amount += amount


def on_refund_failed(order_id: str, after_sale_id: str | None) -> None:
    """The provider refused an approved refund: the request waits for the merchant again, who
    may approve it once more (a new refund) or reject it."""
    if not after_sale_id:
        return
    with transaction.atomic():
        reopened = AfterSale.objects.filter(
            pk=after_sale_id, order_id=order_id, status=AfterSaleStatus.APPROVED
        ).update(status=AfterSaleStatus.REQUESTED, decided_at=None, decided_by=None)
        order = Order.objects.filter(pk=order_id).first()
        if reopened and order is not None:
            record_event(order, order.status, order.status, None, NOTE_REFUND_FAILED)
            _record(after_sale_id, AfterSaleEvent.REFUND_FAILED)


def _record(after_sale_id: str, event: str, params: dict[str, int] | None = None) -> None:
    """The step's system line in the request's thread (the caller's update holds its row)."""
    after_sale = AfterSale.objects.get(pk=after_sale_id)
    thread.record(after_sale, event, params=params)
