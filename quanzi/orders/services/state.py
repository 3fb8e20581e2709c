"""The moves of the order state machine, shared by the actions of every area (transitions,
after-sales, payment events, timers).

A move is a conditional update on the order's status (`filter(pk=…, status=expected).update(…)`,
row count checked), so two concurrent actions can never both win, followed by an `OrderEvent` in
the same transaction. What an order gives back when it leaves the money path (stock, coupon, open
pay pages) is given back exactly once, whatever path asks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict
from quanzi.core.events import enqueue_on_commit, send_on_commit
from quanzi.coupons import checkout as coupons
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order, OrderEvent, OrderItem, OrderStatus
from quanzi.orders.services.inputs import MAX_REASON
from quanzi.orders.signals import order_cancelled
from quanzi.payments.services import void_payments

S = OrderStatus


def transition_refused(message: Promise, order: Order) -> Conflict:
    """The 409 of a transition not allowed from the order's status, naming that status."""
    return Conflict(
        message % {"status": S(order.status).label},
        code=OrderCode.INVALID_TRANSITION,
        status=order.status,
    )


REFUSE_RECEIVE = _("Only a shipped order can be confirmed as received; this one is “%(status)s”.")
REFUSE_DECIDE = _("This order has no after-sales request waiting; it is “%(status)s”.")


def record_event(
    order: Order, from_status: str, to_status: str, actor: User | None, note: str
) -> None:
    """Add a step to the order's timeline. System notes are stored in English (`gettext_noop`,
    the NOTE_… of each area) and translated when shown (templatetags/orders_tags.py), so the
    timeline follows the reader's language."""
    OrderEvent.objects.create(
        order_id=order.pk,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note[:MAX_REASON],
    )


def move(order: Order, to: str, *, actor: User | None, note: str, **fields: Any) -> bool:
    """Move `order` from its status in memory to `to` with a conditional update and record the
    event; False (and nothing written) when a concurrent action changed it first.

    Must run inside a transaction, with the caller's other writes."""
    now = timezone.now()
    won = Order.objects.filter(pk=order.pk, status=order.status).update(
        status=to, updated_at=now, **fields
    )
    if won != 1:
        return False
    record_event(order, order.status, to, actor, note)
    order.status = to
    order.updated_at = now
    for name, value in fields.items():
        setattr(order, name, value)
    return True


def move_or_refuse(
    order: Order,
    to: str,
    *,
    allowed: Collection[str],
    refusal: Promise,
    actor: User | None,
    note: str,
    **fields: Any,
) -> None:
    if order.status not in allowed or not move(order, to, actor=actor, note=note, **fields):
        order.refresh_from_db(fields=["status"])
        raise transition_refused(refusal, order)


def receive(
    order: Order, *, received_at: datetime, actor: User | None, note: str, refuse: bool
) -> bool:
    complete_at = received_at + timedelta(days=order.store.after_sales_days)
    fields = {"received_at": received_at, "complete_at": complete_at}
    if refuse:
        move_or_refuse(
            order,
            S.RECEIVED,
            allowed=(S.SHIPPED,),
            refusal=REFUSE_RECEIVE,
            actor=actor,
            note=note,
            **fields,
        )
    elif not move(order, S.RECEIVED, actor=actor, note=note, **fields):
        return False
    schedule("complete_order", order.pk, complete_at)
    return True


def give_back_stock(order: Order) -> None:
    """Give the order's stock back, exactly once whatever path asks (cancel, timer, refund)."""
    if Order.objects.filter(pk=order.pk, stock_returned=False).update(stock_returned=True) != 1:
        return
    order.stock_returned = True
    from quanzi.catalog.services import return_stock

    totals: dict[str, int] = defaultdict(int)
    for sku_id, quantity in OrderItem.objects.filter(order_id=order.pk).values_list(
        "sku_id", "quantity"
    ):
        totals[sku_id] += quantity
    for sku_id in sorted(totals):
        return_stock(sku_id, totals[sku_id])


def release_cancelled(order: Order) -> None:
    """An unpaid order was cancelled (by the buyer or the timer): its stock and its coupon come
    back (a paid order refunded keeps its coupon), and its open pay pages are closed."""
    give_back_stock(order)
    coupons.return_coupon(order.pk, order.user_coupon_id)
    void_payments([order.pk])
    send_on_commit(
        order_cancelled,
        Order,
        order_id=order.pk,
        campaign=order.campaign,
        campaign_ref=order.campaign_ref,
    )


def leave_after_sales(order: Order, *, actor: User | None, note: str, refunded: bool) -> None:
    """Order out of after-sales: to `refunded` when fully refunded, else back where it was."""
    if refunded:
        move_or_refuse(
            order,
            S.REFUNDED,
            allowed=(S.AFTER_SALES,),
            refusal=REFUSE_DECIDE,
            actor=actor,
            note=note,
            status_before_after_sales="",
        )
        if order.shipped_at is None:
            give_back_stock(order)
        return
    back = order.status_before_after_sales or S.PAID
    move_or_refuse(
        order,
        back,
        allowed=(S.AFTER_SALES,),
        refusal=REFUSE_DECIDE,
        actor=actor,
        note=note,
        status_before_after_sales="",
    )
    # A timer that fired during after-sales found nothing to do: schedule it again.
    if back == S.SHIPPED and order.auto_receive_at:
        schedule("auto_receive_order", order.pk, order.auto_receive_at)
    elif back == S.RECEIVED and order.complete_at:
        schedule("complete_order", order.pk, order.complete_at)


def schedule(task_name: str, order_id: str, when: datetime) -> None:
    """Enqueue an order timer task to run at `when` after commit (reads and
    `run_order_timers` apply overdue timers whatever happens to it)."""
    from quanzi.orders import tasks

    enqueue_on_commit(getattr(tasks, task_name), when, order_id)
