"""The courier list (快递公司): shipping takes a courier's code, one of its names, or another
courier's name; a known courier's tracking number must have its shape, refused with a 400 in
the merchant's language that says which; the buyer's page, the console and the timeline show the
courier's name and its tracking link; orders shipped before the list show what they were given;
the ship form offers the store's last courier first."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from quanzi.core.errors import Conflict, InvalidInput
from quanzi.orders.carriers import CARRIERS, Carrier, clean_shipment
from quanzi.orders.models import Order, OrderEvent, OrderStatus
from quanzi.orders.services.checkout import place_campaign_order
from quanzi.orders.services.transitions import ship_order
from tests.orders.conftest import Shop, pay, place

pytestmark = pytest.mark.django_db
S = OrderStatus
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
SF_PAGE = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890123"


@pytest.mark.parametrize("carrier", CARRIERS, ids=lambda c: c.code)
def test_each_courier_takes_its_example_and_refuses_a_number_of_another_shape(carrier: Carrier):
    # given a courier of the list
    # when its example is given, in lower case, then it is kept upper-cased under the code
    shipment = clean_shipment(carrier.code, carrier.example.lower())
    assert (shipment.carrier, shipment.tracking_number) == (carrier.code, carrier.example)
    # when a number too short for any courier is given, then it is refused naming the shape
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            clean_shipment(carrier.code, "12345")
        assert str(carrier.shape) in str(refused.value.message)
    assert refused.value.code == "invalid_tracking_number"
    assert refused.value.extra["field"] == "tracking_number"


def test_a_bad_tracking_number_is_a_400_in_the_merchants_language(shop: Shop):
    # given a paid order
    order = pay(place(shop))
    # when the staff ship it by SF with a number of another shape
    for language, words in (
        ("en", "SF Express tracking numbers are SF and 12 to 15 digits, or 12 digits"),
        (
            "zh-hans",
            "顺丰速运的快递单号应为SF 加 12 至 15 位数字，或 12 位数字，例如 SF1234567890123",
        ),
    ):
        with translation.override(language), pytest.raises(InvalidInput) as refused:
            ship_order(shop.staff, order.pk, "SF", "ZT12345")
        # then the refusal says what an SF number looks like, in their language
        assert words in str(refused.value.message)
    # and nothing changed
    assert Order.objects.get(pk=order.pk).status == S.PAID


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("顺丰", "SF"),
        ("顺丰速运", "SF"),
        ("sf", "SF"),
        ("SF Express", "SF"),
        ("中通快递", "ZTO"),
        ("圆通速递", "YTO"),
        ("韵达", "YUNDA"),
        ("申通快递", "STO"),
        ("极兔速递", "JTEXPRESS"),
        ("邮政 EMS", "EMS"),
        ("中国邮政", "EMS"),
        ("京东物流", "JD"),
        ("德邦", "DEPPON"),
        ("百世快递", "BEST"),
    ],
)
def test_a_couriers_names_find_its_code(given: str, code: str):
    assert clean_shipment(given, next(c for c in CARRIERS if c.code == code).example).carrier == (
        code
    )


def test_another_courier_is_kept_by_the_name_typed_and_needs_one():
    # when "other" comes without a name, then a 400 on the name field
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            clean_shipment("other", "AB-123")
        assert "name of the courier" in str(refused.value.message)
    assert refused.value.extra["field"] == "carrier_name"
    # when it comes with one, then the name is kept as typed, and any clean number goes
    shipment = clean_shipment("other", "ab-123", carrier_name=" 顺心捷达 ")
    assert (shipment.carrier, shipment.tracking_number, shipment.known) == (
        "顺心捷达",
        "ab-123",
        None,
    )
    # and a name that is no courier's is another courier too (what the API took before)
    assert clean_shipment("安能物流", "300123").carrier == "安能物流"
    # and a typed name that is a known courier's is that courier, with its check
    assert clean_shipment("other", "SF1234567890123", carrier_name="顺丰").carrier == "SF"
    with pytest.raises(InvalidInput):
        clean_shipment("other", "123", carrier_name="顺丰")
    # and a number with other characters is refused whoever carries it
    for carrier, number in (("安能物流", "30 01<b>"), ("", "SF1234567890123")):
        with pytest.raises(InvalidInput):
            clean_shipment(carrier, number)


def test_a_held_group_buy_order_cannot_be_shipped(shop: Shop):
    # given a paid group-buy order waiting for its group
    order = pay(
        place_campaign_order(
            shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
        )
    )
    # when the staff ship it with a good number, then a 409 ship_hold, and it stays paid
    with pytest.raises(Conflict) as refused:
        ship_order(shop.staff, order.pk, "SF", "SF1234567890123")
    assert refused.value.code == "ship_hold"
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_an_order_already_shipped_says_how_it_went(shop: Shop):
    order = ship_order(shop.staff, pay(place(shop)).pk, "SF", "SF1234567890123")
    with translation.override("en"), pytest.raises(Conflict) as refused:
        ship_order(shop.staff, order.pk, "ZTO", "731234567890123")
    assert refused.value.code == "invalid_transition"
    assert "already shipped: SF Express SF1234567890123" in str(refused.value.message)


def test_the_buyer_the_console_and_the_timeline_show_the_courier_and_its_tracking_link(
    client: Client, shop: Shop
):
    # given an order shipped by SF
    order = ship_order(shop.staff, pay(place(shop)).pk, "SF", "SF1234567890123")
    assert (order.carrier, order.tracking_number) == ("SF", "SF1234567890123")
    assert OrderEvent.objects.get(order=order, to_status=S.SHIPPED).note == "SF SF1234567890123"
    # when the buyer opens it, in Chinese
    client.force_login(shop.buyer)
    html = client.get(f"/orders/{order.pk}/", **ZH).content.decode()
    # then the courier's name and the link to SF's tracking page show, in the address card and
    # in the timeline
    assert '<span data-testid="shipment-carrier">顺丰速运</span>' in html
    assert html.count(f'href="{SF_PAGE}"') == 2
    assert 'data-testid="order-tracking">SF1234567890123<' in html
    assert 'data-testid="event-shipment"' in html and ">SF SF1234567890123<" not in html
    # and in English on the store's console page
    client.force_login(shop.owner)
    html = client.get(f"/orders/console/{shop.store.pk}/{order.pk}/", **EN).content.decode()
    assert "SF Express" in html and f'href="{SF_PAGE}"' in html and "Track the parcel" in html


def test_orders_shipped_before_the_list_show_their_carrier_as_it_was(client: Client, shop: Shop):
    # given two orders shipped with free text: a courier unknown to the list, and SF's name
    unknown = pay(place(shop))
    named = pay(place(shop))
    for order, carrier, number in ((unknown, "小马快运", "XM001"), (named, "顺丰速运", "SF99")):
        Order.objects.filter(pk=order.pk).update(
            status=S.SHIPPED, carrier=carrier, tracking_number=number
        )
        OrderEvent.objects.create(
            order=order, from_status=S.PAID, to_status=S.SHIPPED, note=f"{carrier} {number}"
        )
    client.force_login(shop.buyer)
    # when the buyer opens them, then the carrier shows as it was given
    html = client.get(f"/orders/{unknown.pk}/", **EN).content.decode()
    assert '<span data-testid="shipment-carrier">小马快运</span>' in html
    assert 'data-testid="tracking-link"' not in html
    # and the name of a known courier still links to its tracking page
    html = client.get(f"/orders/{named.pk}/", **EN).content.decode()
    assert '<span data-testid="shipment-carrier">顺丰速运</span>' in html
    assert "waybill-detail/SF99" in html


def test_the_api_reads_the_courier_and_lists_the_couriers(api, shop: Shop):
    # given an order shipped through the API with a courier's name and a lower-case number
    order = pay(place(shop))
    r = api(shop.staff).post(
        f"orders/{order.pk}/ship",
        {"carrier": "京东", "tracking_number": "jdva01234567890"},
        headers={"Accept-Language": "zh-hans"},
    )
    # then the order keeps the code, and reads its name and tracking page
    assert r.status_code == 200
    body = r.json()
    assert (body["carrier"], body["carrier_label"]) == ("JD", "京东物流")
    assert body["tracking_url"] == "https://www.jdl.com/orderSearch/?waybillCodes=JDVA01234567890"
    shipped = next(e for e in body["events"] if e["to_status"] == "shipped")
    assert shipped["note"] == "京东物流 JDVA01234567890"
    # and another courier needs its name
    other = pay(place(shop))
    r = api(shop.staff).post(
        f"orders/{other.pk}/ship",
        {"carrier": "other", "tracking_number": "X1"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 400 and r.json()["code"] == "required"
    r = api(shop.staff).post(
        f"orders/{other.pk}/ship",
        {"carrier": "other", "carrier_name": "顺心捷达", "tracking_number": "X1"},
    )
    assert r.status_code == 200 and r.json()["carrier_label"] == "顺心捷达"
    # and the list of couriers is there to choose from, in the caller's language
    listed = api().get("orders/carriers", headers={"Accept-Language": "zh-hans"}).json()
    assert [c["code"] for c in listed] == [c.code for c in CARRIERS]
    sf = listed[0]
    assert (sf["name"], sf["example"]) == ("顺丰速运", "SF1234567890123")
    assert sf["tracking_url"].endswith("/waybill-detail/{number}")


def test_the_ship_form_offers_the_couriers_with_the_stores_last_one_first(
    client: Client, shop: Shop
):
    # given a store that has never shipped, and two paid orders
    first, second = pay(place(shop)), pay(place(shop))
    client.force_login(shop.staff)
    base = f"/orders/console/{shop.store.pk}/"
    # when the staff open the first, then every courier is offered and none chosen
    html = client.get(f"{base}{first.pk}/", **ZH).content.decode()
    assert 'data-testid="ship-carrier">' in html and 'name="carrier" required' in html
    for label in ("顺丰速运", "中通快递", "极兔速递", "邮政 EMS", "京东物流", "其他快递"):
        assert label in html
    assert " selected>" not in html
    # when they ship it with another courier, then the next form offers that courier first
    r = client.post(
        f"{base}{first.pk}/ship/",
        {"carrier": "other", "carrier_name": "顺心捷达", "tracking_number": "SX001"},
    )
    assert r.status_code == 302
    html = client.get(f"{base}{second.pk}/").content.decode()
    assert '<option value="other" selected>' in html and 'value="顺心捷达"' in html
    # when a refusal shows the form again, then it keeps the courier that was sent
    r = client.post(f"{base}{second.pk}/ship/", {"carrier": "ZTO", "tracking_number": "1"}, **EN)
    assert r.status_code == 400
    assert '<option value="ZTO" selected>' in r.content.decode()
    assert "ZTO Express tracking numbers are 12 to 15 digits" in r.content.decode()
    # when they ship with ZTO, then ZTO is the store's courier from now on
    client.post(f"{base}{second.pk}/ship/", {"carrier": "ZTO", "tracking_number": "731234567890"})
    third = pay(place(shop))
    html = client.get(f"{base}{third.pk}/").content.decode()
    assert '<option value="ZTO" selected>' in html
