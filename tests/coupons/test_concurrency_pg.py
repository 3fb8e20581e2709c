"""Coupon races on PostgreSQL: concurrent claims never hand out more than the quantity or more
than a person's limit, and one coupon used by concurrent checkouts ends on exactly one order.

Each thread has its own database connection (Django opens one per thread) and closes it when it
ends, so the test database can be flushed afterwards. The server is shared and allows 100
connections, so at most CONNECTIONS threads hold one at a time: all threads are released
together and contend for the same coupon row."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, UserCoupon
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import place_orders
from tests.concurrency.test_checkout_races import run_together
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONNECTIONS = 30


def together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """`run_together` of the checkout races, with at most CONNECTIONS jobs holding a database
    connection at a time (each closes its connection before letting the next one in)."""
    gate = threading.BoundedSemaphore(CONNECTIONS)

    def gated(job: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with gate:
                try:
                    return job()
                finally:
                    connection.close()

        return run

    return run_together([gated(job) for job in jobs])


def people(n: int) -> list[User]:
    users = [User(username=f"racer{i}", public_id=new_id()) for i in range(n)]
    return User.objects.bulk_create(users)


def a_coupon(owner: User, **fields: Any) -> Coupon:
    store = store_with_owner(owner, name="山野小铺")
    terms = {
        "name": "满50减10",
        "kind": "threshold",
        "amount_off": 1000,
        "min_spend": 5000,
        "validity": "days",
        "valid_days": 7,
        "total": 10,
    }
    return coupons.create_coupon(owner, store.pk, coupons.CouponFields(**(terms | fields)))


def test_a_hundred_claims_of_ten_coupons_hand_out_exactly_ten():
    # given a coupon of 10 copies and 100 customers
    coupon = a_coupon(UserFactory(), total=10)
    claimers = people(100)

    def claim(user: User) -> Callable[[], Any]:
        return lambda: coupons.claim_coupon(user, coupon.pk)

    # when they all claim at once
    results = together([claim(user) for user in claimers])
    # then exactly 10 got one, the 90 others were told it is all taken
    won = [r for r in results if isinstance(r, UserCoupon)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, UserCoupon | Conflict)] == []
    assert (len(won), len(refused)) == (10, 90)
    assert {r.code for r in refused} == {"coupon_sold_out"}
    # and the database agrees
    coupon.refresh_from_db()
    assert coupon.issued == 10
    assert UserCoupon.objects.filter(coupon=coupon).count() == 10
    assert UserCoupon.objects.values("user").distinct().count() == 10


def test_one_person_claiming_twenty_times_at_once_holds_the_limit():
    coupon = a_coupon(UserFactory(), total=100, per_user_limit=2)
    [me] = people(1)
    results = together([lambda: coupons.claim_coupon(me, coupon.pk) for _ in range(20)])
    won = [r for r in results if isinstance(r, UserCoupon)]
    assert [r for r in results if not isinstance(r, UserCoupon | Conflict)] == []
    assert len(won) == 2
    assert UserCoupon.objects.filter(user=me).count() == 2
    coupon.refresh_from_db()
    assert coupon.issued == 2


def test_claims_through_the_api_never_answer_5xx(api):
    coupon = a_coupon(UserFactory(), total=10)
    clients = [api(user) for user in UserFactory.create_batch(40)]

    def post(client: Any) -> Callable[[], int]:
        return lambda: client.post(f"campaigns/coupons/{coupon.pk}/claim").status_code

    codes = together([post(client) for client in clients])
    assert sorted(codes) == [201] * 10 + [409] * 30


def test_one_coupon_in_ten_concurrent_checkouts_ends_on_one_order():
    # given a buyer holding one coupon, and enough stock for every checkout
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    coupon = a_coupon(UserFactory())
    sku = SkuFactory(product=ProductFactory(store=coupon.store), price=5900, stock=100)
    copy = coupons.claim_coupon(buyer, coupon.pk)

    def checkout() -> Any:
        return place_orders(buyer, [(sku.pk, 1)], address.pk, coupon_ids={coupon.store_id: copy.pk})

    # when ten checkouts use it at the same moment
    results = together([checkout for _ in range(10)])
    # then one order has it, the nine others were refused and left nothing behind
    won = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, list | Conflict)] == []
    assert (len(won), len(refused)) == (1, 9)
    assert {r.code for r in refused} == {"coupon_used"}
    [order] = Order.objects.all()
    assert (order.user_coupon_id, order.discount, order.total) == (copy.pk, 1000, 5700)
    copy.refresh_from_db()
    assert (copy.status, copy.order_id) == ("used", order.pk)
    sku.refresh_from_db()
    assert sku.stock == 99
