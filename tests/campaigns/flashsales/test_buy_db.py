"""Flash sales on the database path (REDIS_URL off): stock, per-user limit, time window, all
or nothing, and units given back by a cancelled unpaid order."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quanzi.campaigns.flashsales import services
from quanzi.campaigns.flashsales.models import FlashClaim, FlashQuota, FlashSale
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated
from quanzi.orders.models import Order
from quanzi.orders.services.timers import expire_unpaid_order
from quanzi.orders.services.transitions import cancel_order
from tests.campaigns.flashsales.conftest import MakeSale
from tests.factories import AddressFactory, UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def counts(sale: FlashSale) -> tuple[int, int, int]:
    sale.refresh_from_db()
    return sale.stock, Order.objects.count(), FlashClaim.objects.count()


def test_a_buyer_gets_an_order_at_the_flash_price_from_the_campaign_stock(
    shop: Shop, make_sale: MakeSale
):
    # given a running slot of 10 units at ¥9.90
    sale = make_sale()
    # when the buyer buys one
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # then an unpaid order at the flash price names the campaign
    assert order.status == "pending_payment"
    assert (order.campaign, order.campaign_ref) == ("flash", sale.pk)
    assert order.items.get().unit_price == 990
    assert order.subtotal == 990
    # and the campaign stock went down, the SKU's normal stock did not
    assert counts(sale) == (9, 1, 1)
    shop.sku.refresh_from_db()
    assert shop.sku.stock == 10
    assert FlashQuota.objects.get(sale=sale, user=shop.buyer).claimed == 1


def test_a_second_purchase_over_the_limit_is_refused_and_writes_nothing(
    shop: Shop, make_sale: MakeSale
):
    # given a slot limited to 1 per person, and the buyer holds 1
    sale = make_sale()
    services.buy_flash_sale(shop.buyer, sale.pk)
    # when the buyer tries again, and tries 2 at once
    with pytest.raises(Conflict) as again:
        services.buy_flash_sale(shop.buyer, sale.pk)
    with pytest.raises(Conflict) as two:
        services.buy_flash_sale(shop.other, sale.pk, 2)
    # then both are the over-limit refusal and only the first order exists
    assert again.value.code == two.value.code == "over_limit"
    assert counts(sale) == (9, 1, 1)


def test_a_limit_of_two_allows_two_orders_of_one(shop: Shop, make_sale: MakeSale):
    # given a slot limited to 2 per person
    sale = make_sale(per_user_limit=2)
    # when the buyer buys 1, 1, then 1 more
    services.buy_flash_sale(shop.buyer, sale.pk)
    services.buy_flash_sale(shop.buyer, sale.pk)
    with pytest.raises(Conflict) as third:
        services.buy_flash_sale(shop.buyer, sale.pk)
    # then the third is refused
    assert third.value.code == "over_limit"
    assert FlashQuota.objects.get(sale=sale, user=shop.buyer).claimed == 2
    assert counts(sale) == (8, 2, 2)


def test_the_last_unit_goes_to_one_buyer_and_the_next_is_sold_out(shop: Shop, make_sale: MakeSale):
    # given a slot with one unit
    sale = make_sale(stock=1)
    # when two customers buy it
    services.buy_flash_sale(shop.buyer, sale.pk)
    with pytest.raises(Conflict) as late:
        services.buy_flash_sale(shop.other, sale.pk)
    # then the second is sold out and holds no quota
    assert late.value.code == "sold_out"
    assert counts(sale) == (0, 1, 1)
    assert not FlashQuota.objects.filter(user=shop.other).exists()


def test_before_its_start_a_slot_refuses(shop: Shop, make_sale: MakeSale):
    # given a slot starting in 10 minutes
    now = timezone.now()
    sale = make_sale(starts_at=now + timedelta(minutes=10), ends_at=now + timedelta(hours=1))
    # when the buyer tries now
    with pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.buyer, sale.pk)
    # then it has not started, and nothing is written
    assert refused.value.code == "not_started"
    assert counts(sale) == (10, 0, 0)


def test_after_its_end_or_switched_off_a_slot_refuses(shop: Shop, make_sale: MakeSale):
    # given a slot ending in an hour, and another one switched off
    sale = make_sale()
    off = services.set_flash_sale_active(shop.owner, make_sale().pk, False)
    # when the buyer tries the first after its end, and the second now
    with (
        time_machine.travel(timezone.now() + timedelta(hours=2)),
        pytest.raises(Conflict) as late,
    ):
        services.buy_flash_sale(shop.buyer, sale.pk)
    with pytest.raises(Conflict) as switched_off:
        services.buy_flash_sale(shop.buyer, off.pk)
    # then both are over
    assert late.value.code == switched_off.value.code == "ended"
    assert Order.objects.count() == 0


def test_a_buyer_without_an_address_gets_a_clear_error_and_keeps_the_quota(
    shop: Shop, make_sale: MakeSale
):
    # given a customer with no address
    sale = make_sale()
    nomad = UserFactory()
    # when they buy
    with pytest.raises(InvalidInput) as refused:
        services.buy_flash_sale(nomad, sale.pk)
    # then nothing is half written: stock and quota untouched
    assert refused.value.code == "no_default_address"
    assert counts(sale) == (10, 0, 0)
    assert not FlashQuota.objects.filter(user=nomad).exists()
    # and after adding an address the purchase works
    AddressFactory(user=nomad)
    assert services.buy_flash_sale(nomad, sale.pk).campaign == "flash"


def test_anonymous_and_bad_quantities_are_refused(shop: Shop, make_sale: MakeSale):
    # given a slot
    sale = make_sale()
    # when an anonymous caller buys, and the buyer asks for 0 units
    with pytest.raises(NotAuthenticated):
        services.buy_flash_sale(None, sale.pk)
    with pytest.raises(InvalidInput):
        services.buy_flash_sale(shop.buyer, sale.pk, 0)
    # then nothing is written
    assert counts(sale) == (10, 0, 0)


def test_a_cancelled_unpaid_order_gives_stock_and_quota_back_once(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks
):
    # given the buyer holds the only unit of a slot
    sale = make_sale(stock=1)
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # when the buyer cancels the unpaid order (the signal runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(shop.buyer, order.pk)
    # then the unit and the quota are back, once even if the signal came twice
    assert services.give_back_order(order.pk) is False
    sale.refresh_from_db()
    assert sale.stock == 1
    assert FlashQuota.objects.get(sale=sale, user=shop.buyer).claimed == 0
    assert FlashClaim.objects.get(order=order).returned is True
    # and the buyer can buy again
    assert services.buy_flash_sale(shop.buyer, sale.pk).pk != order.pk


def test_an_order_not_paid_in_time_gives_the_unit_back(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks
):
    # given an unpaid flash order
    sale = make_sale(stock=1)
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # when its pay window passes and the timer runs
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=31)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert expire_unpaid_order(order.pk) is True
    # then the unit is back on sale for someone else
    sale.refresh_from_db()
    assert sale.stock == 1
    assert services.buy_flash_sale(shop.other, sale.pk).buyer_id == shop.other.pk
