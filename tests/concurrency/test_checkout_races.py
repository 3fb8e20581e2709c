"""Checkout races on PostgreSQL: many buyers of the last units of a SKU never oversell, and one
order posted concurrently with one Idempotency-Key yields one order.

Each thread has its own database connection (Django opens one per thread) and closes it when it
ends, so the test database can be flushed afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict
from quanzi.orders.models import Order, OrderItem
from quanzi.orders.services.checkout import place_orders
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.transitions import cancel_order
from tests.factories import AddressFactory, ProductFactory, SkuFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 50
LAST_UNITS = 5


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released at the same moment; each result, or the exception."""
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs), timeout=30)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a buyer thread hung"
    return results


def scarce_sku() -> Sku:
    return SkuFactory(product=ProductFactory(title="最后五包咖啡豆"), price=5900, stock=LAST_UNITS)


def buyers(n: int) -> list[tuple[Any, Any]]:
    people = []
    for _ in range(n):
        user = UserFactory()
        people.append((user, AddressFactory(user=user)))
    return people


def test_fifty_buyers_of_the_last_five_units_make_exactly_five_orders():
    # given a SKU with 5 units left and 50 buyers
    sku = scarce_sku()
    people = buyers(BUYERS)

    def buy(user: Any, address: Any) -> Callable[[], Any]:
        return lambda: place_orders(user, [(sku.pk, 1)], address.pk)

    # when they all check out at once
    results = run_together([buy(user, address) for user, address in people])
    # then exactly 5 succeed, every other one is the clean out-of-stock conflict
    won = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, Conflict)]
    unexpected = [r for r in results if not isinstance(r, list | Conflict)]
    assert unexpected == []
    assert (len(won), len(refused)) == (LAST_UNITS, BUYERS - LAST_UNITS)
    assert {r.code for r in refused} == {"out_of_stock"}
    # and the database agrees: 5 orders, 5 items, stock 0
    sku.refresh_from_db()
    assert sku.stock == 0
    assert Order.objects.count() == LAST_UNITS
    assert OrderItem.objects.count() == LAST_UNITS


def test_fifty_buyers_through_the_api_get_no_5xx(api):
    # given a SKU with 5 units left and 50 buyers with API clients
    sku = scarce_sku()
    clients = [(api(user), address) for user, address in buyers(BUYERS)]

    def buy(client: Any, address: Any) -> Callable[[], Any]:
        body = {"address_id": address.pk, "lines": [{"sku_id": sku.pk, "quantity": 1}]}
        return lambda: client.post("orders/checkout", body).status_code

    # when they all post their checkout at once
    codes = run_together([buy(client, address) for client, address in clients])
    # then 5 are created, 45 are 409, none is a 5xx
    assert sorted(codes) == [201] * LAST_UNITS + [409] * (BUYERS - LAST_UNITS)
    sku.refresh_from_db()
    assert sku.stock == 0
    assert Order.objects.count() == LAST_UNITS


def test_one_order_posted_concurrently_with_one_key_yields_one_order(api):
    # given a buyer and a checkout body
    sku = SkuFactory(stock=50)
    [(user, address)] = buyers(1)
    client = api(user)
    body = {"address_id": address.pk, "lines": [{"sku_id": sku.pk, "quantity": 2}]}
    headers = {"Idempotency-Key": "double-tap-9d1c"}

    def post() -> tuple[int, Any]:
        from tests.conftest import ApiClient

        own = ApiClient()  # a client per thread, with the same token
        own.headers = dict(client.headers)
        r = own.post("orders/checkout", body, headers=headers)
        return r.status_code, r.json()

    # when 10 identical requests with one key arrive together
    results = run_together([post for _ in range(10)])
    # then one order exists and every answer is the same 201
    assert all(isinstance(r, tuple) for r in results), results
    assert {r[0] for r in results} == {201}
    assert all(r[1] == results[0][1] for r in results)
    assert Order.objects.count() == 1
    sku.refresh_from_db()
    assert sku.stock == 48


def test_a_cancel_racing_a_payment_capture_has_exactly_one_winner():
    # given 10 unpaid orders of one unit each
    sku = SkuFactory(stock=10)
    [(user, address)] = buyers(1)
    orders = [place_orders(user, [(sku.pk, 1)], address.pk)[0] for _ in range(10)]

    def cancel(order_id: str) -> Callable[[], Any]:
        return lambda: cancel_order(user, order_id)

    def capture(order_id: str) -> Callable[[], Any]:
        return lambda: on_payment_captured(order_id, order_id[::-1])

    # when each is cancelled twice and captured at the same moment
    jobs = []
    for order in orders:
        jobs += [cancel(order.pk), cancel(order.pk), capture(order.pk)]
    results = run_together(jobs)
    # then per order exactly one transition won, and the losers were clean refusals
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert unexpected == []
    paid = 0
    for i, order in enumerate(orders):
        order.refresh_from_db()
        cancels, captured = results[3 * i : 3 * i + 2], results[3 * i + 2]
        won_cancels = [r for r in cancels if isinstance(r, Order)]
        if order.status == "paid":
            paid += 1
            assert captured is True and won_cancels == []
        else:
            assert order.status == "cancelled"
            assert captured is False and len(won_cancels) == 1
        assert order.events.exclude(to_status="pending_payment").count() == 1
    # and the stock returned exactly once for each cancelled order
    sku.refresh_from_db()
    assert sku.stock == 10 - paid
