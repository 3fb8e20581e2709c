"""How a line of an after-sales thread reads, in the language of whoever reads it.

A system line is stored as a code (`AfterSaleEvent`) and its parameters, never as words: the
words are chosen here when the line is shown (the pages, the API, a notification), so a thread
written while the merchant browsed in Chinese reads in English to an English-speaking buyer.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext, gettext_noop

from quanzi.core.money import format_fen
from quanzi.orders.models import (
    AfterSaleEvent,
    AfterSaleKind,
    AfterSaleMessage,
    AfterSaleRole,
    Order,
)

Side = Literal["buyer", "merchant"]
E = AfterSaleEvent

# The words of each system line (English msgids, translated when shown).
REQUESTED_REFUND = gettext_noop("The buyer asked for a refund of %(amount)s.")
REQUESTED_RETURN = gettext_noop("The buyer asked to return the goods for a refund of %(amount)s.")
EVENT_TEXTS = {
    E.RETURN_TRACKING: gettext_noop("The buyer sent the goods back: tracking number %(number)s."),
    E.APPROVED: gettext_noop("The merchant approved the request: %(amount)s is being refunded."),
    E.REJECTED: gettext_noop("The merchant rejected the request."),
    E.REFUNDED: gettext_noop("The refund of %(amount)s is complete."),
    E.REFUND_FAILED: gettext_noop(
        "The refund could not be made; the request waits for the merchant again."
    ),
    E.WITHDRAWN: gettext_noop("The buyer withdrew the request."),
}
# What the person's own words on a system line are.
TEXT_LABELS = {
    E.REQUESTED: gettext_noop("Reason"),
    E.REJECTED: gettext_noop("Seller's answer"),
}


def _amount(params: dict[str, object]) -> str:
    value = params.get("amount")
    return format_fen(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def describe(line: AfterSaleMessage) -> str:
    """A system line in the current language ("" for a person's message)."""
    if line.role != AfterSaleRole.SYSTEM:
        return ""
    params = line.params if isinstance(line.params, dict) else {}
    words: str | None
    if line.event == E.REQUESTED:
        returning = params.get("kind") == AfterSaleKind.RETURN_REFUND
        words = REQUESTED_RETURN if returning else REQUESTED_REFUND
    else:
        words = EVENT_TEXTS.get(E(line.event)) if line.event in E.values else None
    if words is None:
        return ""
    return gettext(words) % {"amount": _amount(params), "number": str(params.get("number", ""))}


def text_label(line: AfterSaleMessage) -> str:
    """What the person's words on a system line are ("Reason", "Seller's answer"), or ""."""
    label = TEXT_LABELS.get(E(line.event)) if line.event in E.values else None
    return gettext(label) if label else ""


def author_name(line: AfterSaleMessage, order: Order, side: Side) -> str:
    """Who wrote a message, as `side` reads it: the buyer by their name; the store's staff as
    the store to the buyer, and by their own name too in the console. "" for a system line."""
    if line.role == AfterSaleRole.BUYER:
        return order.buyer.display_name
    if line.role == AfterSaleRole.MERCHANT:
        if side == "merchant" and line.author is not None:
            return f"{order.store.name} · {line.author.display_name}"
        return order.store.name
    return ""
