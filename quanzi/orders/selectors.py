"""Permission-checked reads of orders: lists (constant query count per page), details, and the
merchant console's order counts for one store (`dashboard`; the caller has checked access with
`access_store`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.orders.models import (
    AfterSale,
    AfterSaleStatus,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
)
from quanzi.orders.services import thread
from quanzi.orders.services.timers import refresh_orders
from quanzi.stores.models import Store

S = OrderStatus
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50

# The status tabs of the order lists: (key, label, statuses shown).
TABS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("", _("All"), ()),
    (S.PENDING_PAYMENT, _("To pay"), (S.PENDING_PAYMENT,)),
    (S.PAID, _("To ship"), (S.PAID,)),
    (S.SHIPPED, _("Shipped"), (S.SHIPPED,)),
    (S.RECEIVED, _("Received"), (S.RECEIVED,)),
    (S.AFTER_SALES, _("After-sales"), (S.AFTER_SALES, S.REFUNDED)),
    (S.COMPLETED, _("Completed"), (S.COMPLETED,)),
    (S.CANCELLED, _("Cancelled"), (S.CANCELLED,)),
]


@dataclass
class Page:
    items: list[Order]
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _with_items(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("store", "buyer").prefetch_related("items")


def statuses_of_tab(tab: str) -> tuple[str, ...]:
    """The statuses a page tab shows (none: all); 'after_sales' also shows refunded orders."""
    for key, _label, statuses in TABS:
        if tab == key:
            return statuses
    return ()


def _filter_status(qs: QuerySet[Order], statuses: Sequence[str]) -> QuerySet[Order]:
    return qs.filter(status__in=statuses) if statuses else qs


def paginate(qs: QuerySet[Order], page: int, page_size: int) -> Page:
    """One page of orders with their items: two queries (count, rows) and one prefetch; the
    orders of the page get their overdue timers applied before they are shown."""
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    count = qs.count()
    last = max(1, math.ceil(count / page_size))
    page = min(max(1, page), last)
    start = (page - 1) * page_size
    items = list(qs[start : start + page_size])
    refresh_orders(items)
    return Page(items=items, count=count, page=page, page_size=page_size)


def orders_of_buyer(
    user: User, statuses: Sequence[str] = (), page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page:
    """The user's orders, newest first, of `statuses` (all when empty)."""
    qs = _filter_status(_with_items(Order.objects.filter(buyer=user)), statuses)
    return paginate(qs, page, page_size)


def orders_of_store(
    store: Store,
    statuses: Sequence[str] = (),
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    *,
    shippable: bool = False,
) -> Page:
    """The store's orders (the caller checked the store with `access_store`); `shippable`
    leaves out the orders held back from shipping (`ship_hold`: a group still forming)."""
    qs = _filter_status(_with_items(Order.objects.filter(store=store)), statuses)
    if shippable:
        qs = qs.filter(ship_hold=False)
    return paginate(qs, page, page_size)


def to_ship(store: Store, ids: Sequence[str] | None = None, limit: int = 500) -> list[Order]:
    """The store's orders that may ship now (paid, not held back for a group), those that
    waited longest first; only those of `ids` when given. The caller checked the store."""
    qs = _with_items(Order.objects.filter(store=store, status=S.PAID, ship_hold=False))
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    orders = list(qs.order_by("paid_at", "created_at")[:limit])
    refresh_orders(orders)
    return [order for order in orders if order.status == S.PAID]


def last_carrier(store: Store) -> str:
    """The `carrier` of the store's latest shipment ("" before its first): what the next
    shipment's form offers first."""
    latest = (
        Order.objects.filter(store=store, shipped_at__isnull=False)
        .exclude(carrier="")
        .order_by("-shipped_at")
        .values_list("carrier", flat=True)
        .first()
    )
    return latest or ""


# The order states "我的" counts, each with its tab of the order list (key, label).
BUYER_COUNTED: list[tuple[str, Any]] = [
    (S.PENDING_PAYMENT, _("To pay")),
    (S.PAID, _("To ship")),
    (S.SHIPPED, _("To receive")),
    (S.RECEIVED, _("Received")),
    (S.AFTER_SALES, _("After-sales")),
]


@dataclass(frozen=True)
class StateCount:
    tab: str
    label: Any
    count: int


def buyer_counts(user: User, now: datetime | None = None) -> list[StateCount]:
    """How many of the user's orders wait in each state "我的" shows (one query); an order past
    its payment deadline is not counted as to pay (its timer cancels it when next read)."""
    moment = now or timezone.now()
    rows = (
        Order.objects.filter(buyer=user, status__in=[tab for tab, _label in BUYER_COUNTED])
        .exclude(status=S.PENDING_PAYMENT, pay_deadline__lte=moment)
        .values("status")
        .annotate(n=Count("id"))
    )
    found = {row["status"]: row["n"] for row in rows}
    return [StateCount(tab, label, found.get(tab, 0)) for tab, label in BUYER_COUNTED]


@dataclass
class OrderDetails:
    """An order checked with `access_order`, with its items, events and after-sales loaded."""

    order: Order
    items: list[OrderItem]
    events: list[OrderEvent]
    after_sales: list[AfterSale]

    @property
    def open_after_sale(self) -> AfterSale | None:
        """The request waiting for the merchant's decision, if any."""
        for after_sale in self.after_sales:
            if after_sale.status == AfterSaleStatus.REQUESTED:
                return after_sale
        return None


def details(order: Order) -> OrderDetails:
    """The order's items, events and after-sales requests, each request with its thread (lines,
    authors and photos: `after_sale.messages.all()` asks nothing more)."""
    return OrderDetails(
        order=order,
        items=list(OrderItem.objects.filter(order=order).order_by("id")),
        events=list(OrderEvent.objects.filter(order=order).select_related("actor")),
        after_sales=after_sales_of(order),
    )


def after_sales_of(order: Order) -> list[AfterSale]:
    """The order's after-sales requests, newest first, each with its thread loaded."""
    return list(AfterSale.objects.filter(order=order).prefetch_related(thread.lines_prefetch()))


def tabs_with_active(active: str) -> list[dict[str, Any]]:
    return [{"key": key, "label": label, "active": key == active} for key, label, _s in TABS]


# --- The merchant console's dashboard ---------------------------------------------------------

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
# Orders that count as sales: paid and not cancelled, refunded or under after-sales.
SOLD_STATUSES = (
    S.PAID,
    S.SHIPPED,
    S.RECEIVED,
    S.COMPLETED,
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
    """Today's paid orders and sales, the orders waiting to ship (not those held back: a group
    still forming), the latest orders."""
    start, end = business_day(now)
    today = Order.objects.filter(
        store=store, status__in=SOLD_STATUSES, paid_at__gte=start, paid_at__lt=end
    ).aggregate(n=Count("id"), sales=Sum("total"))
    pending = Order.objects.filter(store=store, status=S.PAID, ship_hold=False).count()
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
