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

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.access import access_order
from quanzi.orders.services.inputs import clean_text
from quanzi.orders.services.state import move_or_refuse, receive, release_cancelled, schedule

S = OrderStatus
TRACKING_RE = re.compile(r"^[A-Za-z0-9\-]+$")

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


def ship_order(user: User, order_id: str, carrier: str, tracking_number: str) -> Order:
    """Store staff ship a paid order with a carrier and tracking number; auto-receive starts."""
    order = access_order(user, order_id, need="store")
    carrier = clean_text(carrier, 40, field="carrier", required=True)
    tracking_number = clean_text(tracking_number, 60, field="tracking_number", required=True)
    if not TRACKING_RE.match(tracking_number):
        raise InvalidInput(
            _("A tracking number has only letters, digits and '-'."),
            code=OrderCode.INVALID_TRACKING_NUMBER,
            field="tracking_number",
        )
    if Order.objects.filter(pk=order.pk, ship_hold=True).exists():
        # Only ever cleared (a group fills), never set again: checking first is enough.
        raise Conflict(
            _("This order waits for its group to fill before it can be shipped."),
            code=OrderCode.SHIP_HOLD,
        )
    now = timezone.now()
    auto_at = now + timedelta(days=order.store.auto_receive_days)
    with transaction.atomic():
        move_or_refuse(
            order,
            S.SHIPPED,
            allowed=(S.PAID,),
            refusal=REFUSE_SHIP,
            actor=user,
            note=f"{carrier} {tracking_number}",
            carrier=carrier,
            tracking_number=tracking_number,
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
