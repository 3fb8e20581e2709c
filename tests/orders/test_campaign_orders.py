"""Campaign orders (the entry point group buys, bargains and flash sales use): one SKU at the
campaign's price, SKU stock taken or left to the campaign, shipping held until released, and
`order_cancelled` telling the campaign when an unpaid one is cancelled."""

from __future__ import annotations

import pytest
from django.utils import translation

from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.checkout import place_campaign_order, release_ship_hold
from quanzi.orders.services.transitions import cancel_order, ship_order
from quanzi.orders.signals import order_cancelled
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def _stock(sku: Sku) -> int:
    return Sku.objects.get(pk=sku.pk).stock


def test_a_campaign_order_is_priced_by_the_campaign_and_takes_sku_stock(shop: Shop):
    # when a buyer orders 2 of the ¥59 SKU at a group price of ¥39
    order = place_campaign_order(
        shop.buyer, shop.sku.pk, 2, 3900, campaign="group", campaign_ref="g1", ship_hold=True
    )
    # then the order is ¥78 of goods + ¥8 shipping, marked as the group's, and stock is taken
    assert (order.subtotal, order.shipping_fee, order.total) == (7800, 800, 8600)
    assert (order.campaign, order.campaign_ref, order.ship_hold) == ("group", "g1", True)
    assert order.items.get().unit_price == 3900
    assert _stock(shop.sku) == 8


def test_a_campaign_holding_its_own_stock_leaves_sku_stock_alone(
    shop: Shop, django_capture_on_commit_callbacks
):
    order = place_campaign_order(
        shop.buyer, shop.sku.pk, 1, 990, campaign="flash", campaign_ref="s1", take_stock=False
    )
    assert _stock(shop.sku) == 10
    # and cancelling it gives no SKU stock back, but tells the campaign
    heard: list[dict[str, object]] = []

    def listener(sender, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(kwargs)

    order_cancelled.connect(listener, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            cancel_order(shop.buyer, order.pk)
    finally:
        order_cancelled.disconnect(listener)
    assert _stock(shop.sku) == 10
    assert heard and heard[0]["campaign"] == "flash" and heard[0]["campaign_ref"] == "s1"


def test_a_held_order_cannot_be_shipped_until_released(shop: Shop):
    # given a paid group order waiting for its group
    order = place_campaign_order(
        shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
    # when the merchant tries to ship it, then a clear 409
    with translation.override("en"), pytest.raises(Conflict) as refused:
        ship_order(shop.owner, order.pk, "顺丰", "SF1234567890123")
    assert refused.value.code == "ship_hold"
    # when the group fills and releases it, then it ships
    assert release_ship_hold([order.pk]) == 1
    ship_order(shop.owner, order.pk, "顺丰", "SF1234567890123")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


@pytest.mark.parametrize("price", [0, -1, True, "39", 39.5])
def test_a_bad_campaign_price_is_refused_and_nothing_written(shop: Shop, price: object):
    with pytest.raises(InvalidInput):
        place_campaign_order(
            shop.buyer,
            shop.sku.pk,
            1,
            price,
            campaign="group",
            campaign_ref="g1",  # type: ignore[arg-type]
        )
    assert not Order.objects.exists() and _stock(shop.sku) == 10


def test_not_enough_stock_writes_nothing(shop: Shop):
    with pytest.raises(Conflict):
        place_campaign_order(shop.buyer, shop.sku.pk, 11, 3900, campaign="group", campaign_ref="g1")
    assert not Order.objects.exists() and _stock(shop.sku) == 10
