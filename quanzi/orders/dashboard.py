"""The merchant console's order counts for one store: today's paid orders and sales, the orders
waiting to ship, the latest orders (the caller has checked access with `access_store`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.utils import timezone

from quanzi.orders.models import Order, OrderStatus
from quanzi.stores.models import Store

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
# Orders that count as sales: paid and not cancelled, refunded or under after-sales.
SOLD_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.RECEIVED,
    OrderStatus.COMPLETED,
)
LATEST_ORDERS = 10


@dataclass(frozen=True)
class Dashboard:
    today_orders: int
    today_sales: int  # fen
    pending_shipments: int
    latest_orders: list[Order]


def business_day(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the current day in Asia/Shanghai, as aware datetimes."""
    local = timezone.localtime(now or timezone.now(), BUSINESS_TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def dashboard(store: Store, now: datetime | None = None) -> Dashboard:
    """Today's paid orders and sales, the orders waiting to ship, the latest orders."""
    start, end = business_day(now)
    today = Order.objects.filter(
        store=store, status__in=SOLD_STATUSES, paid_at__gte=start, paid_at__lt=end
    ).aggregate(n=Count("id"), sales=Sum("total"))
    pending = Order.objects.filter(store=store, status=OrderStatus.PAID).count()
    latest = list(
        Order.objects.filter(store=store)
        .select_related("buyer")
        .order_by("-created_at")[:LATEST_ORDERS]
    )
    return Dashboard(
        today_orders=today["n"] or 0,
        today_sales=today["sales"] or 0,
        pending_shipments=pending,
        latest_orders=latest,
    )
