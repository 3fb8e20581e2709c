"""The buyer's and the store's moves of an order along the money path: cancel an unpaid order,
ship a paid one, confirm receipt.

    pending_payment ─pay→ paid ─ship→ shipped ─receive→ received ─(window)→ completed
    pending_payment ─cancel / pay window→ cancelled
    paid | shipped | received ─after-sales→ after_sales ─reject/withdraw/partial→ (back)
                                                       └─full refund→ refunded

Paying is told by payments (`payment_events`), after-sales is `aftersales`, and the windows are
`timers`; every move is one of `state`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, DomainError
from quanzi.orders.carriers import carrier_label, clean_shipment
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.access import access_order
from quanzi.orders.services.state import (
    move_or_refuse,
    receive,
    release_cancelled,
    schedule,
    transition_refused,
)

S = OrderStatus
SHIPPED_STATES = (S.SHIPPED, S.RECEIVED, S.COMPLETED)

NOTE_BUYER_CANCELLED = gettext_noop("Cancelled by the buyer")
NOTE_RECEIVED = gettext_noop("Receipt confirmed by the buyer")

REFUSE_CANCEL = _("Only an unpaid order can be cancelled; this one is “%(status)s”.")
REFUSE_SHIP = _("Only a paid order can be shipped; this one is “%(status)s”.")


def cancel_order(user: User, order_id: str) -> Order:
    """The buyer cancels an unpaid order; its stock returns."""
    order = access_order(user, order_id, need="buyer")
    with transaction.atomic():
        move_or_refuse(
            order,
            S.CANCELLED,
            allowed=(S.PENDING_PAYMENT,),
            refusal=REFUSE_CANCEL,
            actor=user,
            note=NOTE_BUYER_CANCELLED,
            cancelled_at=timezone.now(),
        )
        release_cancelled(order)
    return order


def ship_refusal(order: Order) -> DomainError | None:
    """Why `order`, as just read, cannot be shipped now; None when it can. `ship_order` asks
    first, and the batches ask it to preview their lines."""
    if order.status == S.PAID and order.ship_hold:
        # Only ever cleared (a group fills), never set again: checking first is enough.
        return Conflict(
            _("This order waits for its group to fill before it can be shipped."),
            code=OrderCode.SHIP_HOLD,
        )
    if order.status in SHIPPED_STATES:
        return Conflict(
            _("This order was already shipped: %(carrier)s %(number)s.")
            % {"carrier": carrier_label(order.carrier), "number": order.tracking_number},
            code=OrderCode.INVALID_TRANSITION,
            status=order.status,
        )
    if order.status != S.PAID:
        return transition_refused(REFUSE_SHIP, order)
    return None


def ship_order(
    user: User, order_id: str, carrier: str, tracking_number: str, *, carrier_name: str = ""
) -> Order:
    """Store staff ship a paid order with a courier and tracking number; auto-receive starts.

    `carrier` is a courier's code (`quanzi.orders.carriers`), one of its names, or "other" with
    the courier's name in `carrier_name`; the order keeps the code, or the other courier's
    name (`carriers.clean_shipment`)."""
    order = access_order(user, order_id, need="store")
    refusal = ship_refusal(order)
    if refusal is not None:
        raise refusal
    shipment = clean_shipment(carrier, tracking_number, carrier_name)
    now = timezone.now()
    auto_at = now + timedelta(days=order.store.auto_receive_days)
    with transaction.atomic():
        move_or_refuse(
            order,
            S.SHIPPED,
            allowed=(S.PAID,),
            refusal=REFUSE_SHIP,
            actor=user,
            # Read back by the timeline (carriers.parse_ship_note): courier, space, number.
            note=f"{shipment.carrier} {shipment.tracking_number}",
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=now,
            auto_receive_at=auto_at,
        )
        schedule("auto_receive_order", order.pk, auto_at)
    return order


def confirm_receipt(user: User, order_id: str) -> Order:
    """The buyer confirms receipt; the after-sales window starts."""
    order = access_order(user, order_id, need="buyer")
    with transaction.atomic():
        receive(order, received_at=timezone.now(), actor=user, note=NOTE_RECEIVED, refuse=True)
    return order
