"""Bad input on every order endpoint and page is a 4xx with a clear code, never a 500, and
leaves no partial rows (also on PostgreSQL, which refuses NUL characters outright)."""

from __future__ import annotations

import pytest

from quanzi.orders.models import AfterSale, CartItem, Order
from tests.orders.conftest import Shop, pay, place
from tests.orders.test_checkout import counts

pytestmark = pytest.mark.django_db

MALFORMED_IDS = ["ab%00cd", "x" * 40, "%E4%B8%AD%E6%96%87", "a-b"]


@pytest.mark.parametrize("ident", MALFORMED_IDS)
def test_malformed_ids_are_not_found(api, client, shop: Shop, ident: str):
    # given an order, and an id that cannot be one of ours (a NUL is refused at the door)
    order = pay(place(shop))
    expected = 400 if "%00" in ident else 404
    rest = api(shop.owner)
    calls = [
        rest.get(f"orders/{ident}"),
        rest.get(f"orders/store/{ident}"),
        rest.post(f"orders/{ident}/cancel"),
        rest.post(f"orders/{ident}/pay"),
        rest.post(f"orders/{ident}/ship", {"carrier": "EMS", "tracking_number": "E1"}),
        rest.post(f"orders/{order.pk}/after-sales/{ident}/approve"),
        rest.patch(f"orders/cart/items/{ident}", {"quantity": 1}),
        rest.delete(f"orders/cart/items/{ident}"),
    ]
    client.force_login(shop.owner)
    calls += [
        client.get(f"/orders/{ident}/"),
        client.get(f"/orders/console/{ident}/"),
        client.get(f"/orders/console/{shop.store.pk}/{ident}/"),
    ]
    # then every endpoint and page answers 404 (400 for a NUL), never a 500
    assert [r.status_code for r in calls] == [expected] * len(calls)
    # and ids inside a body are refused too
    buyer = api(shop.buyer)
    assert buyer.post("orders/cart/items", {"sku_id": "ab\x00cd"}).status_code in (400, 404)
    checkout = buyer.post(
        "orders/checkout",
        {"address_id": "ab\x00cd", "lines": [{"sku_id": shop.sku.pk, "quantity": 1}]},
    )
    assert checkout.status_code in (400, 404)
    assert Order.objects.count() == 1


def test_nul_characters_in_text_are_a_400(api, shop: Shop):
    before = counts()
    client = api(shop.buyer)
    r = client.post(
        "orders/checkout",
        {
            "address_id": shop.address.pk,
            "lines": [{"sku_id": shop.sku.pk, "quantity": 1}],
            "note": "放门口\x00",
        },
    )
    assert r.status_code == 400
    assert counts() == before
    order = pay(place(shop))
    r = client.post(
        f"orders/{order.pk}/after-sales",
        {"kind": "refund_only", "amount": 100, "reason": "坏\x00了"},
    )
    assert r.status_code == 400
    r = api(shop.owner).post(
        f"orders/{order.pk}/ship", {"carrier": "EMS\x00", "tracking_number": "E1"}
    )
    assert r.status_code == 400
    assert not AfterSale.objects.exists()
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_oversized_and_mistyped_bodies(api, shop: Shop):
    client = api(shop.buyer)
    order = pay(place(shop))
    cases = [
        ("orders/cart/items", {"sku_id": shop.sku.pk, "quantity": "2x"}),
        ("orders/cart/items", {"sku_id": ["a"], "quantity": 1}),
        ("orders/buy-now", {"sku_id": shop.sku.pk, "quantity": -1}),
        ("orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 10**40}),
        (f"orders/{order.pk}/after-sales", {"kind": "refund_only", "amount": "1e3"}),
        (f"orders/{order.pk}/after-sales", {"kind": "x" * 5000, "amount": 1, "reason": "r"}),
    ]
    for path, body in cases:
        r = client.post(path, body)
        assert 400 <= r.status_code < 500, (path, body, r.status_code)
    assert not CartItem.objects.exists()
    assert Order.objects.count() == 1
