"""Batch shipping (批量发货) from the console's list of orders to ship and through the API: each
order ships on its own with its courier and tracking number; a line that cannot ship (a bad
tracking number, an order held for its group, not paid, already shipped, of another store, not
found) is left as it was and says why, while the others ship. Only the store's staff may."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.batch_shipping import MAX_LINES, ShipmentLine, check_lines
from quanzi.orders.services.checkout import place_campaign_order, place_orders
from quanzi.orders.services.transitions import ship_order
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)
from tests.orders.conftest import Shop, pay, place

pytestmark = pytest.mark.django_db
S = OrderStatus
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SF = "SF1234567890123"


def held(shop: Shop) -> Order:
    """A paid group-buy order waiting for its group to fill."""
    return pay(
        place_campaign_order(
            shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
        )
    )


def status_of(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def form(rows: list[tuple[str, str, str, str]]) -> dict[str, list[str]]:
    """The batch form's fields for rows of (order id, carrier, other name, tracking number)."""
    return {
        "order": [r[0] for r in rows],
        "carrier": [r[1] for r in rows],
        "carrier_name": [r[2] for r in rows],
        "tracking_number": [r[3] for r in rows],
    }


def test_the_list_to_ship_lets_the_staff_pick_orders_for_the_batch_table(
    client: Client, shop: Shop
):
    # given two paid orders, an unpaid one, a held one, and a store that last shipped by ZTO
    ship_order(shop.owner, pay(place(shop)).pk, "ZTO", "731234567890")
    a, b = pay(place(shop)), pay(place(shop, sku=shop.sku2))
    unpaid, waiting = place(shop), held(shop)
    client.force_login(shop.staff)
    base = f"/orders/console/{shop.store.pk}/"
    # when the staff open the list to ship
    html = client.get(f"{base}?status=paid", **EN).content.decode()
    # then each order there has a box to pick it, and the sheet's links are there
    assert html.count('data-testid="batch-pick"') == 2
    assert f'value="{a.pk}" data-testid="batch-pick"' in html
    assert 'data-testid="ship-sheet-template"' in html and 'data-testid="ship-sheet-form"' in html
    # when they pick both (and, by a crafted link, the unpaid and the held one)
    r = client.get(f"{base}ship/", {"order": [a.pk, b.pk, unpaid.pk, waiting.pk]}, **EN)
    # then the table has a row for each order that may ship, with ZTO chosen
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count('data-testid="batch-row"') == 2
    assert f'data-order="{a.pk}"' in html and f'data-order="{b.pk}"' in html
    assert html.count('<option value="ZTO" selected>') == 2
    assert a.number in html and "张三" in html
    # when nothing that may ship is picked, then back to the list with a message
    r = client.get(f"{base}ship/", {"order": [unpaid.pk]})
    assert r.status_code == 302 and r["Location"] == f"{base}?status=paid"


def test_a_batch_ships_the_good_rows_and_shows_the_others_with_their_reason(
    client: Client, shop: Shop
):
    # given paid orders, one held for its group and one already shipped
    good, bad_number, other_courier = pay(place(shop)), pay(place(shop)), pay(place(shop))
    waiting = held(shop)
    done = ship_order(shop.owner, pay(place(shop)).pk, "SF", "SF1234567890999")
    unpaid = place(shop)
    client.force_login(shop.staff)
    url = f"/orders/console/{shop.store.pk}/ship/"
    # when the staff send the table with good and bad rows
    rows = [
        (good.pk, "SF", "", SF),
        (bad_number.pk, "YTO", "", "12"),
        (other_courier.pk, "other", "顺心捷达", "SX-001"),
        (waiting.pk, "SF", "", "SF1234567890124"),
        (done.pk, "SF", "", "SF1234567890125"),
        (unpaid.pk, "SF", "", "SF1234567890126"),
    ]
    r = client.post(url, form(rows), **EN)
    # then the good rows are shipped, each with its courier
    assert r.status_code == 200
    assert (status_of(good), status_of(other_courier)) == (S.SHIPPED, S.SHIPPED)
    assert Order.objects.get(pk=other_courier.pk).carrier == "顺心捷达"
    # and the others are left as they were
    assert [status_of(o) for o in (bad_number, waiting, unpaid)] == [
        S.PAID,
        S.PAID,
        S.PENDING_PAYMENT,
    ]
    assert Order.objects.get(pk=done.pk).tracking_number == "SF1234567890999"
    # and the page says what shipped and, row by row, why the others did not
    html = r.content.decode()
    assert "2 orders shipped" in html and "4 orders were not shipped" in html
    assert html.count('data-testid="batch-row"') == 4
    assert f'data-order="{good.pk}"' not in html
    assert "YTO Express tracking numbers are YT and 12 to 15 digits" in html
    assert "waits for its group to fill" in html
    assert "already shipped: SF Express SF1234567890999" in html
    assert "Only a paid order can be shipped" in html
    # and the rows keep what was typed, to correct and send again
    assert 'value="12"' in html and '<option value="YTO" selected>' in html
    r = client.post(url, form([(bad_number.pk, "YTO", "", "YT1234567890123")]))
    assert r.status_code == 302 and r["Location"].endswith("?status=paid")
    assert status_of(bad_number) == S.SHIPPED


def test_check_lines_finds_orders_by_number_and_says_what_each_line_would_do(shop: Shop):
    # given a paid order, a paid order of the owner's other store and one of a stranger's store
    order = pay(place(shop))
    second = store_with_owner(shop.owner, name="二店")
    mine_elsewhere = pay(
        place_orders(
            shop.buyer,
            [(SkuFactory(product=ProductFactory(store=second)).pk, 1)],
            shop.address.pk,
        )[0]
    )
    stranger = UserFactory()
    foreign_store = store_with_owner(stranger)
    buyer = UserFactory()
    foreign = pay(
        place_orders(
            buyer,
            [(SkuFactory(product=ProductFactory(store=foreign_store)).pk, 1)],
            AddressFactory(user=buyer).pk,
        )[0]
    )
    lines = [
        ShipmentLine(order.number, "顺丰速运", SF.lower()),
        ShipmentLine(f" {order.pk} ", "SF", SF),
        ShipmentLine(mine_elsewhere.number, "SF", SF),
        ShipmentLine(foreign.number, "SF", SF),
        ShipmentLine("2026120299999999", "SF", SF),
        ShipmentLine("not an order", "SF", SF),
    ]
    # when the owner checks them for the first store
    checks = check_lines(shop.owner, shop.store.pk, lines)
    # then the first ships (found by its number), the same order again is a duplicate
    assert checks[0].ok and checks[0].order == order
    assert checks[0].shipment is not None and checks[0].shipment.carrier == "SF"
    assert [c.error.code if c.error else None for c in checks] == [
        None,
        "duplicate_order",
        "other_store",  # the owner works for that store too: they learn whose it is
        "order_not_found",  # a stranger's order is not found, as anywhere else
        "order_not_found",
        "order_not_found",
    ]
    # and nothing was written
    assert status_of(order) == S.PAID


def test_the_api_ships_a_batch_and_answers_for_each_item(api, shop: Shop):
    # given two paid orders and a held one
    a, b, waiting = pay(place(shop)), pay(place(shop)), held(shop)
    body = {
        "items": [
            {"order": a.number, "carrier": "SF", "tracking_number": SF},
            {"order": b.pk, "carrier": "极兔", "tracking_number": "JT123"},
            {"order": waiting.number, "carrier": "SF", "tracking_number": "SF1234567890124"},
            {
                "order": b.pk,
                "carrier": "other",
                "carrier_name": "顺心捷达",
                "tracking_number": "SX-1",
            },
        ]
    }
    # when the staff send it
    r = api(shop.staff).post(
        f"orders/store/{shop.store.pk}/ship-batch", body, headers={"Accept-Language": "en"}
    )
    # then each item says whether it shipped, and why not
    assert r.status_code == 200
    out = r.json()
    assert (out["shipped"], out["failed"]) == (1, 3)
    first, second, third, fourth = out["items"]
    assert first["ok"] and first["order_id"] == a.pk and first["carrier_label"] == "SF Express"
    assert first["tracking_url"].endswith("/waybill-detail/" + SF)
    assert (second["ok"], second["code"]) == (False, "invalid_tracking_number")
    assert "J&T Express tracking numbers are JT and 13 to 15 digits" in second["detail"]
    assert (third["code"], third["number"]) == ("ship_hold", waiting.number)
    assert fourth["code"] == "duplicate_order"
    assert [status_of(o) for o in (a, b, waiting)] == [S.SHIPPED, S.PAID, S.PAID]


@pytest.mark.parametrize(
    ("items", "status", "code"),
    [
        ([], 400, "no_shipments"),
        ([{"order": "x", "carrier": "SF", "tracking_number": SF}] * (MAX_LINES + 1), 422, None),
        ([{"order": "x", "carrier": "SF"}], 422, None),
    ],
    ids=["empty", "too-many", "no-number"],
)
def test_a_bad_batch_is_a_4xx(api, shop: Shop, items: list[Any], status: int, code: str | None):
    r = api(shop.owner).post(f"orders/store/{shop.store.pk}/ship-batch", {"items": items})
    assert r.status_code == status
    if code:
        assert r.json()["code"] == code


def test_only_the_stores_staff_may_ship_a_batch(api, client: Client, shop: Shop):
    # given a paid order
    order = pay(place(shop))
    body = {"items": [{"order": order.number, "carrier": "SF", "tracking_number": SF}]}
    path = f"orders/store/{shop.store.pk}/ship-batch"
    # then the buyer, another customer and anyone without a token are refused by the API
    assert api(shop.buyer).post(path, body).status_code == 403
    assert api(shop.other).post(path, body).status_code == 403
    assert api().post(path, body).status_code == 401
    assert api(shop.owner).post("orders/store/nosuchstore00000/ship-batch", body).status_code == 404
    # and by the pages: the batch table, the sheet and its upload
    pages = [
        ("get", f"/orders/console/{shop.store.pk}/ship/?order={order.pk}"),
        ("post", f"/orders/console/{shop.store.pk}/ship/"),
        ("get", f"/orders/console/{shop.store.pk}/ship-sheet/"),
        ("post", f"/orders/console/{shop.store.pk}/ship-sheet/import/"),
    ]
    for person in (shop.buyer, shop.other):
        client.force_login(person)
        for method, url in pages:
            data = form([(order.pk, "SF", "", SF)]) if method == "post" else None
            assert getattr(client, method)(url, data).status_code == 403, (person, url)
    client.logout()
    for method, url in pages:
        r = getattr(client, method)(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    # and the order is still to ship, until its staff ship it
    assert status_of(order) == S.PAID
    assert api(shop.staff).post(path, body).json()["shipped"] == 1
