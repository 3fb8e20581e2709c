"""Template filters of the order pages: `{% load orders_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from quanzi.orders import thread_lines
from quanzi.orders.carriers import carrier_label, parse_ship_note, tracking_url
from quanzi.orders.models import (
    MAX_THREAD_PHOTOS,
    MAX_THREAD_TEXT,
    AfterSaleMessage,
    Order,
    OrderEvent,
    OrderStatus,
)
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


@register.filter
def courier(carrier: str) -> str:
    """An order's `carrier` as a person reads it: the courier's name in their language, or the
    name typed for another courier (and the free text of orders shipped before the list)."""
    return carrier_label(carrier) if carrier else ""


@register.inclusion_tag("orders/_shipment.html")
def shipment(carrier: str, number: str, testid: str = "order-shipment") -> dict[str, str]:
    """The courier, the tracking number and, where the courier has one, the link to its public
    tracking page."""
    return {
        "label": carrier_label(carrier),
        "number": number,
        "url": tracking_url(carrier, number),
        "testid": testid,
    }


@register.filter
def shipped_with(event: OrderEvent) -> tuple[str, str] | None:
    """(carrier, tracking number) of the timeline's shipping step, None for any other step."""
    if event.from_status == OrderStatus.PAID and event.to_status == OrderStatus.SHIPPED:
        return parse_ship_note(event.note)
    return None


@register.filter
def thread_line(line: AfterSaleMessage) -> str:
    """A system line of an after-sales thread, in the reader's language (stored as a code)."""
    return thread_lines.describe(line)


@register.filter
def thread_text_label(line: AfterSaleMessage) -> str:
    """What the person's words on a system line are: "Reason", "Seller's answer"…"""
    return thread_lines.text_label(line)


@register.simple_tag
def thread_author(line: AfterSaleMessage, order: Order, side: str) -> str:
    """Who wrote a message, as `side` ("buyer" or "merchant") reads it."""
    return thread_lines.author_name(line, order, "merchant" if side == "merchant" else "buyer")


@register.simple_tag
def thread_limits() -> dict[str, int]:
    """What one message of an after-sales thread may hold: {"text": characters, "photos": n}."""
    return {"text": MAX_THREAD_TEXT, "photos": MAX_THREAD_PHOTOS}
