"""Order lists: newest first, status filter, pagination, and a query count that does not grow
with the page size (the API and the pages)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.catalog.models import Sku
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import place_orders
from tests.orders.conftest import Shop, pay, place

pytestmark = pytest.mark.django_db


def _orders(shop: Shop, n: int) -> list[Order]:
    Sku.objects.filter(pk__in=[shop.sku.pk, shop.sku2.pk]).update(stock=1000)
    return [
        place_orders(shop.buyer, [(shop.sku.pk, 1), (shop.sku2.pk, 1)], shop.address.pk)[0]
        for _ in range(n)
    ]


def _queries(call) -> int:  # type: ignore[no-untyped-def]
    """Queries of a request, measured on a second call (the first records the token's use)."""
    call()
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_my_orders_query_count_does_not_grow_with_page_size(api, shop: Shop):
    # given many orders of two items each
    _orders(shop, 3)
    client = api(shop.buyer)
    small = _queries(lambda: client.get("orders", {"page_size": 3}))
    for _ in range(5):
        _orders(shop, 5)
    # when a page of 3 and a page of 28 are read
    big = _queries(lambda: client.get("orders", {"page_size": 28}))
    # then both cost the same number of queries
    assert big == small


def test_my_orders_list_has_a_fixed_query_budget(api, shop: Shop, django_assert_max_num_queries):
    _orders(shop, 20)
    client = api(shop.buyer)
    # token lookup, count, page, items prefetch (+ the token's last-used update)
    with django_assert_max_num_queries(5):
        r = client.get("orders", {"page_size": 20})
    assert len(r.json()["items"]) == 20


def test_store_orders_query_count_does_not_grow_with_page_size(api, shop: Shop):
    _orders(shop, 3)
    client = api(shop.staff)
    small = _queries(lambda: client.get(f"orders/store/{shop.store.pk}", {"page_size": 3}))
    _orders(shop, 20)
    big = _queries(lambda: client.get(f"orders/store/{shop.store.pk}", {"page_size": 23}))
    assert big == small


def test_the_pages_query_count_does_not_grow_with_the_number_of_orders(client, shop: Shop):
    _orders(shop, 2)
    client.force_login(shop.owner)
    small_console = _queries(lambda: client.get(f"/orders/console/{shop.store.pk}/"))
    client.force_login(shop.buyer)
    small_mine = _queries(lambda: client.get("/orders/"))
    _orders(shop, 15)
    assert _queries(lambda: client.get("/orders/")) == small_mine
    client.force_login(shop.owner)
    assert _queries(lambda: client.get(f"/orders/console/{shop.store.pk}/")) == small_console


def test_status_filter_and_pagination(api, shop: Shop):
    # given 3 unpaid orders and 2 paid ones
    _orders(shop, 3)
    for _ in range(2):
        pay(place(shop))
    client = api(shop.buyer)
    # when filtering
    paid = client.get("orders", {"status": "paid"}).json()
    unpaid = client.get("orders", {"status": "pending_payment", "page_size": 2, "page": 2}).json()
    # then each filter gives its orders, paginated, newest first
    assert paid["count"] == 2 and {o["status"] for o in paid["items"]} == {"paid"}
    assert (unpaid["count"], unpaid["page"], unpaid["pages"], len(unpaid["items"])) == (3, 2, 2, 1)
    everything = client.get("orders").json()
    created = [o["created_at"] for o in everything["items"]]
    assert created == sorted(created, reverse=True)
    # and an unknown status is a clear 400
    bad = client.get("orders", {"status": "shipped_to_mars"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


def test_store_list_filters_by_status(api, shop: Shop):
    pay(place(shop))
    place(shop)
    r = api(shop.owner).get(f"orders/store/{shop.store.pk}", {"status": "paid"})
    assert r.json()["count"] == 1


def test_page_tabs_filter(client, shop: Shop):
    pay(place(shop))
    place(shop)
    client.force_login(shop.buyer)
    html = client.get("/orders/?status=paid").content.decode()
    assert html.count('data-testid="order-card"') == 1
    html = client.get("/orders/").content.decode()
    assert html.count('data-testid="order-card"') == 2
