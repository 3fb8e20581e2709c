"""Permission-checked reads of orders: lists (constant query count per page) and details."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
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
from quanzi.orders.services import refresh_orders
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
    store: Store, statuses: Sequence[str] = (), page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page:
    """The store's orders (the caller checked the store with `access_store`)."""
    qs = _filter_status(_with_items(Order.objects.filter(store=store)), statuses)
    return paginate(qs, page, page_size)


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
    return OrderDetails(
        order=order,
        items=list(OrderItem.objects.filter(order=order).order_by("id")),
        events=list(OrderEvent.objects.filter(order=order).select_related("actor")),
        after_sales=list(AfterSale.objects.filter(order=order)),
    )


def tabs_with_active(active: str) -> list[dict[str, Any]]:
    return [{"key": key, "label": label, "active": key == active} for key, label, _s in TABS]
