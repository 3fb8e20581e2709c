"""Checkout and one-click buy through the API: status codes, codes, no partial rows, and the
Idempotency-Key (a replay returns the first response; another body with the key is a 422)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from quanzi.orders.models import CartItem, Order
from quanzi.orders.services.checkout import place_orders
from quanzi.orders.services.transitions import cancel_order
from tests.orders.conftest import Shop, stock_of
from tests.orders.test_checkout import counts

pytestmark = pytest.mark.django_db


def body(shop: Shop, quantity: object = 1, **extra: object) -> dict[str, object]:
    return {
        "address_id": shop.address.pk,
        "lines": [{"sku_id": shop.sku.pk, "quantity": quantity}],
        **extra,
    }


def test_checkout_creates_orders_and_answers_201(api, shop: Shop):
    r = api(shop.buyer).post("orders/checkout", body(shop, 2, note="放门口"))
    assert r.status_code == 201, r.content
    [order] = r.json()
    assert order["status"] == "pending_payment"
    assert order["total"] == 2 * 5900  # ¥118 ≥ ¥99: free shipping
    assert order["items"][0]["quantity"] == 2
    assert Order.objects.get(pk=order["id"]).note == "放门口"


def test_checkout_without_lines_buys_the_cart(api, shop: Shop):
    client = api(shop.buyer)
    client.post("orders/cart/items", {"sku_id": shop.sku.pk, "quantity": 1})
    client.post("orders/cart/items", {"sku_id": shop.sku2.pk, "quantity": 3})
    r = client.post("orders/checkout", {"address_id": shop.address.pk})
    assert r.status_code == 201, r.content
    [order] = r.json()  # both SKUs are of one store: one order
    assert sorted(i["quantity"] for i in order["items"]) == [1, 3]
    assert not CartItem.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "status", "code"),
    [
        (-3, 400, "invalid_quantity"),
        (0, 400, "invalid_quantity"),
        (1000, 400, "invalid_quantity"),
        (10**20, 400, "invalid_quantity"),
        ("lots", 422, "validation"),
        (None, 422, "validation"),
        ([1], 422, "validation"),
    ],
)
def test_bad_quantities_are_a_clear_4xx_with_no_rows(api, shop: Shop, quantity, status, code):
    before = counts()
    r = api(shop.buyer).post("orders/checkout", body(shop, quantity))
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert counts() == before


def test_unknown_sku_and_foreign_address_are_404_with_no_rows(api, shop: Shop):
    before = counts()
    client = api(shop.buyer)
    unknown = client.post(
        "orders/checkout",
        {"address_id": shop.address.pk, "lines": [{"sku_id": "doesnotexist", "quantity": 1}]},
        headers={"Accept-Language": "en"},
    )
    foreign = client.post("orders/checkout", {**body(shop), "address_id": shop.other_address.pk})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_sku")
    assert "doesnotexist" in unknown.json()["detail"]
    assert foreign.status_code == 404
    assert counts() == before


def test_wrong_body_types_are_422(api, shop: Shop):
    client = api(shop.buyer)
    for bad in ({"address_id": 5, "lines": "x"}, {"lines": []}, "not json"):
        r = client.post("orders/checkout", bad)
        assert r.status_code in (400, 422), r.content
    assert not Order.objects.exists()


def test_out_of_stock_is_409_naming_the_product(api, shop: Shop):
    r = api(shop.buyer).post("orders/checkout", body(shop, 11), headers={"Accept-Language": "en"})
    assert r.status_code == 409
    assert r.json()["code"] == "out_of_stock"
    assert "云南小粒咖啡豆" in r.json()["detail"]
    assert stock_of(shop.sku) == 10


def test_an_idempotency_key_replay_returns_the_first_response(api, shop: Shop):
    # given a checkout sent with a key
    client = api(shop.buyer)
    key = {"Idempotency-Key": "checkout-7f3a"}
    first = client.post("orders/checkout", body(shop, 2), headers=key)
    # when the same request is sent again with the key
    again = client.post("orders/checkout", body(shop, 2), headers=key)
    # then the answer is the first one and only one order exists
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Order.objects.count() == 1
    assert stock_of(shop.sku) == 8
    # and the key with another body is refused
    other = client.post("orders/checkout", body(shop, 3), headers=key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert Order.objects.count() == 1


def test_a_refused_checkout_does_not_burn_its_key(api, shop: Shop):
    client = api(shop.buyer)
    key = {"Idempotency-Key": "retry-after-fix"}
    assert client.post("orders/checkout", body(shop, 11), headers=key).status_code == 409
    shop.sku.stock = 20
    shop.sku.save()
    assert client.post("orders/checkout", body(shop, 11), headers=key).status_code == 201


def test_buy_now_and_its_idempotency(api, shop: Shop):
    client = api(shop.buyer)
    key = {"Idempotency-Key": "buy-1"}
    first = client.post("orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1}, headers=key)
    again = client.post("orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1}, headers=key)
    assert first.status_code == 201, first.content
    assert first.json() == again.json()
    assert Order.objects.count() == 1


def test_buy_now_without_default_address_is_a_clear_400(api, shop: Shop):
    shop.address.delete()
    r = api(shop.buyer).post(
        "orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1}, headers={"Accept-Language": "en"}
    )
    assert (r.status_code, r.json()["code"]) == (400, "no_default_address")
    assert "address" in r.json()["detail"]


def test_anonymous_cannot_check_out(api, shop: Shop):
    assert api().post("orders/checkout", body(shop)).status_code == 401
    assert api().post("orders/buy-now", {"sku_id": shop.sku.pk}).status_code == 401


def test_pay_starts_a_payment_and_honours_the_idempotency_key(api, shop: Shop):
    # given an unpaid order
    order = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)[0]
    client = api(shop.buyer)
    key = {"Idempotency-Key": "pay-once"}
    # when the buyer starts paying, twice with one key
    first = client.post(f"orders/{order.pk}/pay", headers=key)
    again = client.post(f"orders/{order.pk}/pay", headers=key)
    # then both answers are the same payment, for the order's total, with its pay page
    assert first.status_code == 200, first.content
    assert first.json() == again.json()
    assert first.json()["amount"] == order.total
    assert first.json()["pay_url"].startswith("/pay/sandbox/")
    # and the key cannot be reused for another order
    other = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)[0]
    assert client.post(f"orders/{other.pk}/pay", headers=key).status_code == 422


def test_paying_a_cancelled_or_overdue_order_is_409(api, shop: Shop):
    client = api(shop.buyer)
    cancelled = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)[0]
    cancel_order(shop.buyer, cancelled.pk)
    assert client.post(f"orders/{cancelled.pk}/pay").status_code == 409
    overdue = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)[0]
    with time_machine.travel(overdue.pay_deadline + timedelta(seconds=1), tick=False):
        assert client.post(f"orders/{overdue.pk}/pay").status_code == 409
    # and the read that found the window closed cancelled it for good
    assert Order.objects.get(pk=overdue.pk).status == "cancelled"
    assert stock_of(shop.sku) == 10
