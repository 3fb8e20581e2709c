"""Paid orders held back from shipping (`ship_hold`: a group buy whose group is still forming):
the console shows them as awaiting the group, offers no ship form and leaves them out of
"to ship" (the list's tab and the dashboard's count); released, they ship as any other."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.orders.models import Order
from quanzi.orders.selectors import dashboard
from quanzi.orders.services.checkout import place_campaign_order, release_ship_hold
from tests.orders.conftest import Shop, pay, place

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def held_order(shop: Shop) -> Order:
    """A paid group-buy order whose group is still forming."""
    order = place_campaign_order(
        shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
    )
    return pay(order)


def test_the_console_order_page_shows_a_held_order_as_awaiting_the_group(
    client: Client, shop: Shop
):
    # given a paid order held for its group
    order = held_order(shop)
    client.force_login(shop.staff)
    url = f"/orders/console/{shop.store.pk}/{order.pk}/"
    # when the staff open it
    html = client.get(url, **EN).content.decode()
    chinese = client.get(url, **ZH).content.decode()
    # then it says it awaits the group, and offers no ship form
    assert "Awaiting the group" in html and 'data-testid="ship-held"' in html
    assert 'data-status="paid" data-ship-hold="1">Awaiting the group</span>' in html
    assert 'data-testid="ship-submit"' not in html
    assert "拼团中" in chinese
    # when the group completes (the hold is released), the ship form is back
    release_ship_hold([order.pk])
    html = client.get(url, **EN).content.decode()
    assert 'data-testid="ship-submit"' in html and 'data-testid="ship-held"' not in html
    assert "Awaiting the group" not in html


def test_the_console_list_labels_held_orders_and_keeps_them_out_of_to_ship(
    client: Client, shop: Shop
):
    # given a held paid order and an ordinary paid one
    held = held_order(shop)
    ready = pay(place(shop))
    client.force_login(shop.owner)
    base = f"/orders/console/{shop.store.pk}/"
    # when the owner lists all orders, then the "to ship" tab
    everything = client.get(base, **EN).content.decode()
    to_ship = client.get(f"{base}?status=paid", **EN).content.decode()
    # then the held one is listed as awaiting the group, and "to ship" has only the other
    assert everything.count('data-testid="order-card"') == 2
    assert everything.count("Awaiting the group") == 1
    assert to_ship.count('data-testid="order-card"') == 1
    assert f"/{ready.pk}/" in to_ship and f"/{held.pk}/" not in to_ship


def test_the_dashboard_counts_only_what_may_ship(shop: Shop):
    # given a held paid order and an ordinary paid one
    held = held_order(shop)
    pay(place(shop))
    # when the dashboard is computed, then once the group completes
    before = dashboard(shop.store).pending_shipments
    release_ship_hold([held.pk])
    after = dashboard(shop.store).pending_shipments
    # then the held order counts only once it may ship
    assert (before, after) == (1, 2)


def test_the_buyer_sees_the_held_order_as_awaiting_the_group(client: Client, shop: Shop):
    order = held_order(shop)
    client.force_login(shop.buyer)
    detail = client.get(f"/orders/{order.pk}/", **EN).content.decode()
    listed = client.get("/orders/", **EN).content.decode()
    assert "Awaiting the group" in detail and "Awaiting the group" in listed
    # an unpaid held order is simply waiting for payment
    unpaid = place_campaign_order(
        shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g2", ship_hold=True
    )
    assert "Awaiting the group" not in client.get(f"/orders/{unpaid.pk}/", **EN).content.decode()
