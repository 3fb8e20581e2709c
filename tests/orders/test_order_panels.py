"""The registry of order panels (`orders.panels`): domains above orders show what they know
of an order on the buyer's order pages, asked once per page for all the orders shown."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pytest
from django.test import Client
from django.utils.html import format_html

from quanzi.orders import panels
from quanzi.orders.models import Order
from tests.orders.conftest import Shop, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the panels a test registers (the domains' own are put back afterwards)."""
    monkeypatch.setattr(panels, "_providers", {})
    yield


def test_a_provider_is_asked_once_per_page_for_the_orders_shown(
    registry: None, client: Client, shop: Shop
):
    # given three orders and a provider with a panel for the first only
    orders = [place(shop) for _ in range(3)]
    asked: list[list[str]] = []

    def provider(shown: Sequence[Order]) -> Mapping[str, str]:
        asked.append(sorted(order.pk for order in shown))
        return {orders[0].pk: format_html("<p data-testid='x-panel'>{}</p>", "<b>团</b>")}

    panels.register_order_panel("x", provider, css=("x/x.css",), js=("x/x.js",))
    client.force_login(shop.buyer)
    # when the buyer lists the orders, then opens the second one
    listed = client.get("/orders/").content.decode()
    second = client.get(f"/orders/{orders[1].pk}/").content.decode()
    # then the list asked once for all three, the order page for its own
    assert asked == [sorted(o.pk for o in orders), [orders[1].pk]]
    # and the list shows the one panel, escaped as its provider rendered it, with its files
    assert listed.count("data-testid='x-panel'") == 1 and "&lt;b&gt;团&lt;/b&gt;" in listed
    assert '<link rel="stylesheet" href="/static/x/x.css">' in listed
    assert '<script src="/static/x/x.js" defer></script>' in listed
    # and a page without a panel links none of the provider's files
    assert "x-panel" not in second and "x/x.js" not in second


def test_a_failing_provider_never_breaks_the_page(registry: None, client: Client, shop: Shop):
    # given a provider that fails and one that works
    order = place(shop)

    def broken(shown: Sequence[Order]) -> Mapping[str, str]:
        raise RuntimeError("down")

    panels.register_order_panel("broken", broken, js=("broken.js",))
    panels.register_order_panel("ok", lambda shown: {order.pk: "<p>ok-panel</p>"})
    client.force_login(shop.buyer)
    # when the buyer opens the order
    response = client.get(f"/orders/{order.pk}/")
    # then the page shows, with the working panel only
    html = response.content.decode()
    assert response.status_code == 200
    assert "ok-panel" in html and "broken.js" not in html


def test_no_orders_asks_no_provider(registry: None):
    panels.register_order_panel("x", lambda shown: pytest.fail("asked"))  # type: ignore[arg-type]
    assert panels.order_panels([]) == panels.OrderPanels()
