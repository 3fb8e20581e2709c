"""Panels the domains above orders add to the buyer's order pages (the registry of order panels).

Orders knows an order's money and status, not what a campaign made of it: a group buy knows
that the group still needs two people and runs out in three hours. Orders may not import the
campaigns, so a domain above registers a provider in its `AppConfig.ready`:

    register_order_panel("groupbuy", provider, css=("groupbuy/groupbuy.css",),
                         js=("groupbuy/groupbuy.js",))

A provider takes the orders a page shows (all of them at once: the views call `order_panels`
once per page) and answers `{order id: rendered HTML}` for the orders it has something to say
about, in a number of queries that does not grow with the orders. The HTML is the provider's
own template, autoescaped; the static files it names are linked once in the page's head, and
only when a panel is shown (the pages run under a CSP that forbids inline scripts and styles).
A provider that fails is logged and shows nothing: a panel never breaks an order page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from quanzi.orders.models import Order

logger = logging.getLogger("quanzi.orders")

# The orders a page shows → {order id: HTML} for those the provider has a panel for.
OrderPanelProvider = Callable[[Sequence[Order]], Mapping[str, str]]


@dataclass(frozen=True)
class _Registered:
    provider: OrderPanelProvider
    css: tuple[str, ...]
    js: tuple[str, ...]


_providers: dict[str, _Registered] = {}


def register_order_panel(
    name: str,
    provider: OrderPanelProvider,
    *,
    css: Sequence[str] = (),
    js: Sequence[str] = (),
) -> None:
    """Show what `provider` answers on the buyer's order pages (once per name; registering a
    name again replaces it). `css` and `js` are static paths the panels need."""
    _providers[name] = _Registered(provider, tuple(css), tuple(js))


@dataclass(frozen=True)
class OrderPanels:
    """The panels of one page: the HTML of each order's panels and the static files they need."""

    html: dict[str, SafeString] = field(default_factory=dict)
    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()

    def of(self, order_id: str) -> SafeString:
        return self.html.get(order_id, SafeString(""))


def _ask(name: str, registered: _Registered, orders: Sequence[Order]) -> dict[str, str]:
    """What one provider shows of `orders` (nothing for orders it was not asked about)."""
    asked = {order.pk for order in orders}
    try:
        answered = registered.provider(orders)
    except Exception:
        logger.exception("order panel %s failed", name)
        return {}
    return {order_id: panel for order_id, panel in answered.items() if panel and order_id in asked}


def order_panels(orders: Sequence[Order]) -> OrderPanels:
    """Every registered provider's panels for `orders`, joined per order in registration
    order; one call per provider whatever the number of orders."""
    if not orders or not _providers:
        return OrderPanels()
    parts: dict[str, list[str]] = {}
    css: list[str] = []
    js: list[str] = []
    for name, registered in _providers.items():
        shown = _ask(name, registered, orders)
        for order_id, panel in shown.items():
            parts.setdefault(order_id, []).append(panel)
        if shown:
            css += [path for path in registered.css if path not in css]
            js += [path for path in registered.js if path not in js]
    # The providers' templates escaped what they show; joining keeps it as it is.
    html = {order_id: mark_safe("".join(pieces)) for order_id, pieces in parts.items()}
    return OrderPanels(html=html, css=tuple(css), js=tuple(js))
