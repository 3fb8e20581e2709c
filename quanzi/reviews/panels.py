"""What the buyer's order pages say of their reviews under review: an item they reviewed whose
review a suspected-fraud check holds says so, with a link to see it and appeal — a held review
never silently disappears for its author. Registered with the orders' panel registry
(quanzi/orders/panels.py) in ReviewsConfig.ready."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.template.loader import render_to_string

from quanzi.orders.models import Order
from quanzi.orders.panels import register_order_panel
from quanzi.reviews.models import Review
from quanzi.reviews.selectors import held_reviews_of_orders


def under_review(orders: Sequence[Order]) -> Mapping[str, str]:
    """The panel of each order with a review under review (one query)."""
    by_order: dict[str, list[Review]] = {}
    for review in held_reviews_of_orders(order.pk for order in orders):
        by_order.setdefault(review.order_item.order_id, []).append(review)
    return {
        order_id: render_to_string("reviews/_order_under_review.html", {"reviews": reviews})
        for order_id, reviews in by_order.items()
    }


def register() -> None:
    register_order_panel("reviews.under_review", under_review)
