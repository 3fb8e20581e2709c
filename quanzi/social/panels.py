"""The one question asked at the moment it makes sense: after a purchase, on the buyer's order
page or list, "may your friends see what you buy?" (purchases are private by default; the
answer is the buyer's, once — the privacy page changes it later). Registered with the orders'
panel registry (quanzi/orders/panels.py) in SocialConfig.ready."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.template.loader import render_to_string

from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.panels import register_order_panel
from quanzi.social.services.graph import asks_about_purchases

PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.RECEIVED, OrderStatus.COMPLETED)


def purchase_question(orders: Sequence[Order]) -> Mapping[str, str]:
    """The question on the first paid order shown, for a buyer not asked yet (one query)."""
    paid = [order for order in orders if order.status in PAID]
    if not paid:
        return {}
    first = paid[0]
    if first.buyer_id not in asks_about_purchases([first.buyer_id]):
        return {}
    html = render_to_string("social/_purchase_question.html", {"order": first})
    return {first.pk: html}


def register() -> None:
    register_order_panel("social.purchase_question", purchase_question)
