"""Row locks of orders: the only place that takes them.

Lock order: order rows come before payments' rows and ledger accounts (see
docs/architecture.md); domains above lock an order through these functions.
"""

from __future__ import annotations

from quanzi.orders.models import Order


def lock_order(order_id: str) -> Order:
    """The order, locked FOR NO KEY UPDATE (Order.DoesNotExist if there is none)."""
    return Order.objects.select_for_update(of=("self",), no_key=True).get(pk=order_id)
