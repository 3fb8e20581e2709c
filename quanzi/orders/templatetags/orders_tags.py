"""Template filters of the order pages: `{% load orders_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.panels import OrderPanels

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """'shipped' → the translated label of that order status."""
    try:
        return str(OrderStatus(status).label)
    except ValueError:
        return status


@register.filter
def order_status_label(order: Order) -> str:
    """The order's status as its pages show it: a paid order held back from shipping (a group
    buy whose group is still forming) is "awaiting the group", not "to ship"."""
    if order.status == OrderStatus.PAID and order.ship_hold:
        return gettext("Awaiting the group")
    return status_label(order.status)


@register.filter
def panel_of(panels: OrderPanels | None, order_id: str) -> SafeString:
    """The panels the domains above orders show on the order (`orders.panels`), or nothing."""
    return panels.of(order_id) if isinstance(panels, OrderPanels) else SafeString("")


@register.filter
def event_note(note: str) -> str:
    """An event note: system notes are stored in English and shown in the reader's language;
    a person's own words (a reason) have no translation and are shown as written."""
    return gettext(note) if note else ""
