"""Flash-sale races on PostgreSQL: 2,000 buyers (limit 1 each) of a 100-unit slot, through the
database path and through the Redis fast path, end with exactly 100 orders and nobody holding
two; one buyer hammering a slot from many threads never gets past the limit.

A pool of worker threads calls the service function. Each call is one "request": it takes a
connection from the process's pool and gives it back when it ends, as a request does. 50 threads
share the pool's 10 connections and each waits only for the calls ahead of it, instead of
10 threads holding the connections for the whole run while the others time out.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from bench.flash import crowd
from quanzi.accounts.models import User
from quanzi.campaigns.flashsales import fast, services
from quanzi.campaigns.flashsales.models import FlashClaim, FlashQuota, FlashSale
from quanzi.core.errors import Conflict
from quanzi.orders.models import Order
from quanzi.orders.services.transitions import cancel_order
from tests.campaigns.flashsales.conftest import MakeSale
from tests.orders.conftest import Shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UNITS = 100
BUYERS = 2000
THREADS = 50
PATHS = ["database", pytest.param("redis", marks=pytest.mark.redis)]


def run_pool(jobs: list[Callable[[], Any]], threads: int = THREADS) -> list[Any]:
    """Run the jobs on `threads` workers released together; each result, or the exception."""
    results: list[Any] = [None] * len(jobs)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(jobs)):
        todo.put(i)
    barrier = threading.Barrier(threads, timeout=30)

    def worker() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[i] = jobs[i]()
                except BaseException as exc:
                    results[i] = exc
                finally:
                    connection.close()
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in pool), "a buyer thread hung"
    return results


@pytest.mark.parametrize("path", PATHS)
def test_two_thousand_buyers_of_a_hundred_units_make_exactly_a_hundred_orders(
    shop: Shop, make_sale: MakeSale, path: str
):
    # given a 100-unit slot, limit 1 per person, and 2,000 buyers
    sale = make_sale(stock=UNITS, per_user_limit=1)
    assert fast.enabled() == (path == "redis")
    people = crowd(BUYERS)

    def buy(user: User) -> Callable[[], Any]:
        return lambda: services.buy_flash_sale(user, sale.pk)

    # when they all buy at once over 50 threads
    results = run_pool([buy(user) for user in people])
    # then exactly 100 orders were made and every other attempt was a clean sold-out
    won = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, Order | Conflict)] == []
    assert (len(won), len(refused)) == (UNITS, BUYERS - UNITS)
    assert {r.code for r in refused} == {"sold_out"}
    # and the database agrees: 100 orders, nobody with 2, stock 0, quotas match the orders
    sale.refresh_from_db()
    assert sale.stock == 0
    per_buyer = Counter(Order.objects.filter(campaign="flash").values_list("buyer_id", flat=True))
    assert sum(per_buyer.values()) == UNITS
    assert max(per_buyer.values()) == 1
    assert FlashClaim.objects.count() == UNITS
    assert sorted(FlashQuota.objects.filter(claimed__gt=0).values_list("user_id", flat=True)) == (
        sorted(per_buyer)
    )
    if path == "redis":
        assert fast.read(sale.pk) is not None
        stock, held = fast.read(sale.pk)  # type: ignore[misc]
        assert (stock["stock"], held) == (0, dict(per_buyer))


@pytest.mark.parametrize("path", PATHS)
def test_one_buyer_hammering_a_slot_from_many_threads_gets_only_the_limit(
    shop: Shop, make_sale: MakeSale, path: str
):
    # given a slot with a limit of 2 per person
    sale: FlashSale = make_sale(stock=UNITS, per_user_limit=2)

    # when one buyer sends 200 attempts over 50 threads
    results = run_pool([lambda: services.buy_flash_sale(shop.buyer, sale.pk)] * 200)
    # then exactly 2 orders, the rest refused over the limit
    won = [r for r in results if isinstance(r, Order)]
    assert len(won) == 2
    assert {r.code for r in results if not isinstance(r, Order)} == {"over_limit"}
    sale.refresh_from_db()
    assert sale.stock == UNITS - 2
    assert FlashQuota.objects.get(sale=sale, user=shop.buyer).claimed == 2


@pytest.mark.parametrize("path", PATHS)
def test_cancellations_racing_new_buyers_keep_stock_and_quotas_consistent(
    shop: Shop, make_sale: MakeSale, path: str
):
    # given a 20-unit slot sold out to 20 buyers
    sale = make_sale(stock=20, per_user_limit=1)
    people = crowd(40)
    first, late = people[:20], people[20:]
    held = [services.buy_flash_sale(user, sale.pk) for user in first]

    def cancel(order: Order) -> Callable[[], Any]:
        return lambda: cancel_order(order.buyer, order.pk)

    def buy(user: User) -> Callable[[], Any]:
        return lambda: services.buy_flash_sale(user, sale.pk)

    # when each first buyer cancels twice while 20 others try to buy, all at once
    jobs = [cancel(o) for o in held] * 2 + [buy(u) for u in late]
    run_pool(jobs, threads=30)
    # then the stock left plus the live orders is the slot's size, and quotas match the orders
    sale.refresh_from_db()
    live = Order.objects.filter(campaign="flash", campaign_ref=sale.pk).exclude(status="cancelled")
    assert sale.stock + live.count() == 20
    assert FlashClaim.objects.filter(returned=True).count() == 20
    holders = Counter(live.values_list("buyer_id", flat=True))
    assert max(holders.values(), default=0) <= 1
    quotas = dict(FlashQuota.objects.filter(claimed__gt=0).values_list("user_id", "claimed"))
    assert quotas == dict(holders)
    if path == "redis":
        stock, in_redis = fast.read(sale.pk)  # type: ignore[misc]
        assert (stock["stock"], in_redis) == (sale.stock, dict(holders))
