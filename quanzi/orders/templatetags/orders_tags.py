"""Template filters of the order pages: `{% load orders_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from quanzi.orders.models import OrderStatus

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """'shipped' → the translated label of that order status."""
    try:
        return str(OrderStatus(status).label)
    except ValueError:
        return status


@register.filter
def event_note(note: str) -> str:
    """An event note: system notes are stored in English and shown in the reader's language;
    a person's own words (a reason) have no translation and are shown as written."""
    return gettext(note) if note else ""
