"""The flash-sale API: lists, buying with an Idempotency-Key, the merchant's slots, and who
may do what (owner, staff, customer, stranger, anonymous)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.orders.models import Order
from tests.campaigns.flashsales.conftest import MakeSale
from tests.factories import ProductFactory, SkuFactory, UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def slot_body(shop: Shop, **fields: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "sku_id": shop.sku.pk,
        "flash_price": 990,
        "stock": 50,
        "per_user_limit": 1,
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        **fields,
    }


def test_the_product_and_store_lists_show_upcoming_and_running_slots(
    api, shop: Shop, make_sale: MakeSale
):
    # given a running slot, an upcoming one, and one switched off
    running = make_sale()
    upcoming = make_sale(
        starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2)
    )
    FlashSale.objects.filter(pk=make_sale().pk).update(is_active=False)
    # when anyone lists the product's and the store's slots
    by_product = api().get(f"flashsales/products/{shop.sku.product_id}/slots")
    by_store = api().get(f"flashsales/stores/{shop.store.pk}/slots")
    # then both show the two live slots with their phase, soonest first
    assert by_product.status_code == by_store.status_code == 200
    rows = by_product.json()
    assert [(r["id"], r["phase"]) for r in rows] == [
        (running.pk, "running"),
        (upcoming.pk, "upcoming"),
    ]
    assert rows[0]["flash_price"] == 990 and rows[0]["price"] == 5900
    assert by_store.json() == rows


def test_the_lists_take_a_constant_number_of_queries(api, shop: Shop, make_sale: MakeSale):
    # given one slot, then five more on other products of the store
    make_sale()
    client = api()
    with CaptureQueriesContext(connection) as one:
        client.get(f"flashsales/stores/{shop.store.pk}/slots")
    for _ in range(5):
        sku = SkuFactory(product=ProductFactory(store=shop.store), price=5900)
        make_sale(sku=sku)
    # when the list is read again
    with CaptureQueriesContext(connection) as six:
        r = client.get(f"flashsales/stores/{shop.store.pk}/slots")
    # then it shows six slots with the same number of queries
    assert len(r.json()) == 6
    assert len(six) == len(one)


def test_buying_through_the_api_replays_one_order_for_one_key(api, shop: Shop, make_sale: MakeSale):
    # given a running slot and the buyer's client
    sale = make_sale()
    client = api(shop.buyer)
    headers = {"Idempotency-Key": "flash-tap-1", **EN}
    # when the buyer posts twice with one key, then once more with another
    first = client.post(f"flashsales/slots/{sale.pk}/buy", {"quantity": 1}, headers=headers)
    again = client.post(f"flashsales/slots/{sale.pk}/buy", {"quantity": 1}, headers=headers)
    other = client.post(
        f"flashsales/slots/{sale.pk}/buy", {}, headers={"Idempotency-Key": "flash-tap-2", **EN}
    )
    # then one order, the same answer twice, and the new key is over the limit
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert first.json()["total"] == 990 + 800
    assert Order.objects.get().pk == first.json()["order_id"]
    assert other.status_code == 409
    assert other.json()["code"] == "over_limit"
    assert "at most 1" in other.json()["detail"]


@pytest.mark.parametrize(
    ("shift", "code"), [(timedelta(hours=1), "not_started"), (timedelta(hours=-3), "ended")]
)
def test_buying_outside_the_window_is_a_clear_409(
    api, shop: Shop, make_sale: MakeSale, shift: timedelta, code: str
):
    # given a slot that starts later, or ended
    sale = make_sale()
    start = timezone.now() + shift
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    # when the buyer posts
    r = api(shop.buyer).post(f"flashsales/slots/{sale.pk}/buy", {}, headers=EN)
    # then 409 with the reason
    assert (r.status_code, r.json()["code"]) == (409, code)
    assert Order.objects.count() == 0


def test_sold_out_is_a_409(api, shop: Shop, make_sale: MakeSale):
    sale = make_sale(stock=1)
    assert api(shop.other).post(f"flashsales/slots/{sale.pk}/buy", {}).status_code == 201
    r = api(shop.buyer).post(f"flashsales/slots/{sale.pk}/buy", {}, headers=EN)
    assert (r.status_code, r.json()["code"]) == (409, "sold_out")


def test_anonymous_cannot_buy_and_an_unknown_slot_is_404(api, shop: Shop, make_sale: MakeSale):
    sale = make_sale()
    assert api().post(f"flashsales/slots/{sale.pk}/buy", {}).status_code == 401
    assert api(shop.buyer).post("flashsales/slots/nope/buy", {}).status_code == 404
    assert api().get("flashsales/slots/nope").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 201), ("staff", 201), ("buyer", 403), ("stranger", 403), ("anonymous", 401)],
)
def test_who_may_create_a_slot(api, shop: Shop, who: str, status: int):
    # given someone of each kind
    user = {"owner": shop.owner, "staff": shop.staff, "buyer": shop.buyer}.get(who)
    if who == "stranger":
        user = UserFactory()
    # when they create a slot in the store
    r = api(user).post(f"flashsales/stores/{shop.store.pk}/slots", slot_body(shop))
    # then only the store's people can
    assert r.status_code == status
    assert FlashSale.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("buyer", 403), ("stranger", 403), ("anonymous", 401)],
)
def test_who_may_manage_a_slot(api, shop: Shop, make_sale: MakeSale, who: str, status: int):
    # given an upcoming slot
    sale = make_sale(
        starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2)
    )
    user = {"owner": shop.owner, "staff": shop.staff, "buyer": shop.buyer}.get(who)
    if who == "stranger":
        user = UserFactory()
    client = api(user)
    # when they read the console, edit, switch off and on, and delete it
    codes = [
        client.get(f"flashsales/stores/{shop.store.pk}/console").status_code,
        client.patch(f"flashsales/slots/{sale.pk}", {"flash_price": 1990}).status_code,
        client.post(f"flashsales/slots/{sale.pk}/deactivate").status_code,
        client.post(f"flashsales/slots/{sale.pk}/activate").status_code,
    ]
    deleted = client.delete(f"flashsales/slots/{sale.pk}").status_code
    # then only the store's people can
    assert codes == [status] * 4
    assert deleted == (204 if status == 200 else status)


def test_a_slot_with_bad_terms_is_refused_with_nothing_written(api, shop: Shop):
    # given the owner's client
    client = api(shop.owner)
    url = f"flashsales/stores/{shop.store.pk}/slots"
    now = timezone.now()
    # when the terms are wrong: price not below normal, no stock, end before start, over
    bad = [
        slot_body(shop, flash_price=5900),
        slot_body(shop, stock=0),
        slot_body(shop, per_user_limit=0),
        slot_body(shop, ends_at=(now - timedelta(hours=1)).isoformat()),
        slot_body(shop, sku_id="nope"),
    ]
    codes = [client.post(url, body, headers=EN).status_code for body in bad]
    # then each is a 4xx and no slot exists
    assert codes == [400, 400, 400, 400, 404]
    assert FlashSale.objects.count() == 0


def test_a_started_slot_can_only_be_switched_off_and_one_with_orders_not_deleted(
    api, shop: Shop, make_sale: MakeSale
):
    # given a running slot with one order
    sale = make_sale()
    api(shop.buyer).post(f"flashsales/slots/{sale.pk}/buy", {})
    client = api(shop.owner)
    # when the owner edits it and deletes it
    edit = client.patch(f"flashsales/slots/{sale.pk}", {"stock": 5}, headers=EN)
    delete = client.delete(f"flashsales/slots/{sale.pk}", headers=EN)
    off = client.post(f"flashsales/slots/{sale.pk}/deactivate")
    # then editing and deleting are refused; switching off works
    assert (edit.status_code, edit.json()["code"]) == (409, "started")
    assert (delete.status_code, delete.json()["code"]) == (409, "has_orders")
    assert off.status_code == 200 and off.json()["phase"] == "ended"
    # and the public no longer sees it
    assert api().get(f"flashsales/slots/{sale.pk}").status_code == 404
