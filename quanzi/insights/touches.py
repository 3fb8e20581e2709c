"""Each paid order's first and last touch, decided after the payment from the raw events.

`attribute_paid_orders()` runs after every tracking rollup (registered in apps.py) and from
`manage.py roll_up_events`: it takes the orders paid since its mark (at least the rollup's lag
ago, so their events are written), finds the buyer's visits to the store with a source in the
window before the payment (product and store views, share-link visits: `TOUCH_WINDOW_DAYS`,
default 30), and writes one `OrderTouch` per order. An order the referrals attributed to a
share link (`Attribution`, the store's last-touch rule) has that link as its last touch even
when the visit happened before the buyer signed in. No touch at all is `direct`. It is
idempotent: an order already touched is skipped, and the mark moves only forward.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from quanzi.insights.models import OrderTouch
from quanzi.orders.models import Order
from quanzi.referrals.models import Attribution
from quanzi.tracking.locks import lock_mark
from quanzi.tracking.models import Event, EventKind, Source

MARK = "touches"
TOUCH_KINDS = (EventKind.PRODUCT_VIEW, EventKind.STORE_VIEW, EventKind.SHARE_VISIT)


def window() -> timedelta:
    return timedelta(days=int(getattr(settings, "TOUCH_WINDOW_DAYS", 30)))


def _lag() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "TRACKING_ROLLUP_LAG_SECONDS", 10)))


@dataclass(frozen=True)
class Touch:
    at: datetime
    source: str
    ref: str


def _touches(orders: list[Order]) -> dict[tuple[str, str], list[Touch]]:
    """The visits with a source of each (store, buyer) of the batch, oldest first, in one
    query over the batch's time span."""
    if not orders:
        return {}
    since = min(o.paid_at for o in orders if o.paid_at) - window()
    until = max(o.paid_at for o in orders if o.paid_at)
    rows = (
        Event.objects.filter(
            kind__in=TOUCH_KINDS,
            at__gte=since,
            at__lte=until,
            store_id__in={o.store_id for o in orders},
            user_id__in={str(o.buyer_id) for o in orders},
        )
        .exclude(source="")
        .order_by("at", "id")
        .values_list("store_id", "user_id", "at", "source", "via")
    )
    found: dict[tuple[str, str], list[Touch]] = defaultdict(list)
    for store, user, at, source, ref in rows:
        found[(store, user)].append(Touch(at, source, ref))
    return found


def _first_paid(orders: list[Order]) -> dict[tuple[str, int], datetime]:
    """When each (store, buyer) of the batch first paid at the store (ever)."""
    rows = (
        Order.objects.filter(
            store_id__in={o.store_id for o in orders},
            buyer_id__in={o.buyer_id for o in orders},
            paid_at__isnull=False,
        )
        .values("store_id", "buyer_id")
        .annotate(first=Min("paid_at"))
    )
    return {(r["store_id"], r["buyer_id"]): r["first"] for r in rows}


def touch_of(order: Order, touches: list[Touch], shared: str | None) -> tuple[Touch, Touch]:
    """The first and last touch of one order: visits in the window before the payment, the
    referrals' share link as the last when it attributed the order."""
    assert order.paid_at is not None
    start = order.paid_at - window()
    inside = [t for t in touches if start <= t.at <= order.paid_at]
    direct = Touch(order.paid_at, Source.DIRECT, "")
    first = inside[0] if inside else direct
    last = inside[-1] if inside else direct
    if shared is not None:
        last = Touch(order.paid_at, Source.SHARE, shared)
        if not inside:
            first = last
    return first, last


def attribute_paid_orders(limit: int = 2000) -> int:
    """Touch one batch of orders paid since the mark; answers how many were touched."""
    with transaction.atomic():
        mark = lock_mark(MARK)
        cutoff = timezone.now() - _lag()
        paid = Order.objects.filter(paid_at__isnull=False, paid_at__lte=cutoff)
        if mark.rolled_at is not None:
            # a payment committed late, with an earlier paid_at, is still caught: look again
            # one lag back (the orders touched already are skipped)
            paid = paid.filter(paid_at__gte=mark.rolled_at - _lag())
        orders = list(
            paid.exclude(Exists(OrderTouch.objects.filter(order_id=OuterRef("pk"))))
            .order_by("paid_at", "id")
            .only("id", "store_id", "buyer_id", "paid_at")[:limit]
        )
        if not orders:
            return 0
        touches = _touches(orders)
        first_paid = _first_paid(orders)
        shared = dict(
            Attribution.objects.filter(order_id__in=[o.pk for o in orders]).values_list(
                "order_id", "link__code"
            )
        )
        rows = []
        for order in orders:
            assert order.paid_at is not None
            first, last = touch_of(
                order, touches.get((order.store_id, str(order.buyer_id)), []), shared.get(order.pk)
            )
            rows.append(
                OrderTouch(
                    order_id=order.pk,
                    store_id=order.store_id,
                    buyer_id=str(order.buyer_id),
                    paid_at=order.paid_at,
                    first_source=first.source,
                    first_ref=first.ref,
                    last_source=last.source,
                    last_ref=last.ref,
                    new_customer=first_paid.get((order.store_id, order.buyer_id)) == order.paid_at,
                )
            )
        OrderTouch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        mark.rolled_at = orders[-1].paid_at
        mark.save(update_fields=["rolled_at"])
        return len(rows)


def attribute_all(limit: int = 2000) -> int:
    total = 0
    while True:
        done = attribute_paid_orders(limit)
        total += done
        if done < limit:
            return total
