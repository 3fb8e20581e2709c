"""Coupons on campaign orders (group buys, bargains, flash sales): none unless the store allows
coupons on campaign prices; then the buyer's best usable coupon of the store (or the one
chosen), priced on the campaign's goods (the threshold too), one per order, used in the order's
transaction; a chosen coupon is refused as at checkout with nothing written; a cancelled unpaid
campaign order gives its coupon back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from quanzi.campaigns.flashsales import services as flashsales
from quanzi.core.errors import Conflict, NotFound
from quanzi.coupons import coupons
from quanzi.coupons.models import UserCoupon
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import CampaignCheckout, place_campaign_order
from quanzi.orders.services.transitions import cancel_order
from tests.coupons.conftest import MakeCoupon, claim, written
from tests.orders.conftest import Shop, stock_of

pytestmark = pytest.mark.django_db


def allow_coupons_on_campaign_prices(shop: Shop, allowed: bool = True) -> None:
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=allowed, join_cashback_id=None
    )


def group_order(
    shop: Shop, quantity: int = 2, price: int = 3900, coupon_id: str | None = None
) -> Order:
    """The buyer's group-buy order of the ¥59 SKU at a campaign price (¥39 by default), with
    the coupon chosen (None: the best usable one; "": none)."""
    return place_campaign_order(
        shop.buyer,
        shop.sku.pk,
        quantity,
        price,
        campaign="group",
        campaign_ref="g1",
        checkout=CampaignCheckout(coupon_id=coupon_id),
    )


def status_of(copy: UserCoupon) -> tuple[str, str | None]:
    copy.refresh_from_db()
    return copy.status, copy.order_id


# --- The store's setting ---------------------------------------------------------------------


@pytest.mark.parametrize("saved", [False, True], ids=["never-set", "set-off"])
def test_without_the_setting_a_campaign_order_takes_no_coupon(
    shop: Shop, make_coupon: MakeCoupon, saved: bool
):
    # given the store does not allow coupons on campaign prices (the default, or set off)
    if saved:
        allow_coupons_on_campaign_prices(shop, False)
    # and the buyer holds 满50减10 and ¥5 off without a threshold
    threshold = claim(shop.buyer, make_coupon())
    fixed = claim(shop.buyer, make_coupon(kind="fixed", amount_off=500, min_spend=0))
    # when they place a group order of 2 × ¥39
    order = group_order(shop)
    # then they pay the full campaign price and both coupons are untouched
    assert (order.subtotal, order.discount, order.total, order.user_coupon_id) == (
        7800,
        0,
        8600,
        None,
    )
    assert status_of(threshold) == status_of(fixed) == ("unused", None)


def test_without_the_setting_a_chosen_coupon_is_refused_and_nothing_written(
    shop: Shop, make_coupon: MakeCoupon
):
    # given the store does not allow coupons on campaign prices and the buyer holds a coupon
    copy = claim(shop.buyer, make_coupon())
    before = written()
    # when the buyer chooses it for a campaign order, then a clear 409
    with translation.override("en"):
        with pytest.raises(Conflict) as refused:
            group_order(shop, coupon_id=copy.pk)
        assert refused.value.code == "coupon_not_on_campaign_price"
        assert "campaign prices" in str(refused.value.message)
    # and nothing was written: no order, the stock and the coupon untouched
    assert written() == before
    assert stock_of(shop.sku) == 10
    assert status_of(copy) == ("unused", None)


# --- With the setting on ---------------------------------------------------------------------


def test_the_best_coupon_goes_on_the_campaign_price(shop: Shop, make_coupon: MakeCoupon):
    # given the store allows coupons on campaign prices
    allow_coupons_on_campaign_prices(shop)
    # and the buyer holds ¥5 off, 满50减10 and 满80减20
    fixed = claim(shop.buyer, make_coupon(kind="fixed", amount_off=500, min_spend=0))
    fifty = claim(shop.buyer, make_coupon())
    eighty = claim(shop.buyer, make_coupon(amount_off=2000, min_spend=8000))
    # when they place a group order of 2 × ¥39 (¥78 of goods; ¥118 at the normal price)
    order = group_order(shop)
    # then 满50减10 is the best usable one: 满80减20 is measured on the ¥78, not the ¥118
    assert order.user_coupon_id == fifty.pk
    assert (order.subtotal, order.shipping_fee, order.discount, order.total) == (
        7800,
        800,
        1000,
        7600,
    )
    assert order.items.get().unit_price == 3900
    # and it is used on that order, once; the others stay unused
    assert status_of(fifty) == ("used", order.pk)
    assert status_of(fixed) == status_of(eighty) == ("unused", None)
    assert UserCoupon.objects.filter(status="used").count() == 1


def test_the_threshold_is_checked_on_the_campaign_goods(shop: Shop, make_coupon: MakeCoupon):
    # given the setting on and the buyer holds only 满50减10
    allow_coupons_on_campaign_prices(shop)
    copy = claim(shop.buyer, make_coupon())
    before = written()
    # when they buy one ¥59 item at a campaign price of ¥45, then the best choice is none
    order = group_order(shop, quantity=1, price=4500)
    assert (order.discount, order.total, order.user_coupon_id) == (0, 5300, None)
    assert status_of(copy) == ("unused", None)
    # and choosing it is refused: the campaign goods are ¥5 short
    with translation.override("en"):
        with pytest.raises(Conflict) as refused:
            group_order(shop, quantity=1, price=4500, coupon_id=copy.pk)
        assert refused.value.code == "coupon_min_spend"
        assert "5.00" in str(refused.value.message)
    assert written() == before | {"orders": before["orders"] + 1, "items": before["items"] + 1}


def test_a_chosen_coupon_is_used_and_no_coupon_when_the_best_is_not_wanted(
    shop: Shop, make_coupon: MakeCoupon
):
    allow_coupons_on_campaign_prices(shop)
    fixed = claim(shop.buyer, make_coupon(kind="fixed", amount_off=500, min_spend=0))
    claim(shop.buyer, make_coupon())
    # when the buyer chooses the ¥5 coupon although 满50减10 gives more, then theirs is used
    order = group_order(shop, coupon_id=fixed.pk)
    assert (order.discount, order.user_coupon_id) == (500, fixed.pk)
    # and without a choice and without the best, the order takes none
    bare = group_order(shop, coupon_id="")
    assert (bare.discount, bare.user_coupon_id) == (0, None)


def test_forged_and_foreign_coupons_are_refused_as_at_checkout(shop: Shop, make_coupon: MakeCoupon):
    # given the setting on and a coupon held by another customer
    allow_coupons_on_campaign_prices(shop)
    theirs = claim(shop.other, make_coupon())
    before = written()
    # when the buyer names it or a made-up id, then 404 and nothing written
    for forged in (theirs.pk, "x" * 12, "../../x"):
        with pytest.raises(NotFound) as refused:
            group_order(shop, coupon_id=forged)
        assert refused.value.code == "coupon_not_found"
    assert written() == before
    assert stock_of(shop.sku) == 10
    assert status_of(theirs) == ("unused", None)


def test_the_same_coupon_cannot_go_on_two_campaign_orders(shop: Shop, make_coupon: MakeCoupon):
    # given the setting on and a first campaign order that used the buyer's only coupon
    allow_coupons_on_campaign_prices(shop)
    copy = claim(shop.buyer, make_coupon())
    first = group_order(shop)
    before = written()
    # when the buyer names it again for a second campaign order, then 409 and nothing written
    with pytest.raises(Conflict) as refused:
        group_order(shop, coupon_id=copy.pk)
    assert refused.value.code == "coupon_used"
    assert written() == before
    # and a second order with the best coupon gets none: the coupon stays on the first order
    second = group_order(shop)
    assert (second.discount, second.user_coupon_id) == (0, None)
    assert status_of(copy) == ("used", first.pk)


def test_a_cancelled_unpaid_campaign_order_gives_its_coupon_back(
    shop: Shop, make_coupon: MakeCoupon, django_capture_on_commit_callbacks: Any
):
    # given the setting on and a campaign order that used the buyer's coupon
    allow_coupons_on_campaign_prices(shop)
    copy = claim(shop.buyer, make_coupon())
    order = group_order(shop)
    # when the buyer cancels it unpaid
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(shop.buyer, order.pk)
    # then the coupon comes back and the stock returns
    assert status_of(copy) == ("returned", None)
    assert stock_of(shop.sku) == 10
    # and the next campaign order can take it again
    again = group_order(shop)
    assert (again.discount, again.user_coupon_id) == (1000, copy.pk)


def test_a_flash_sale_order_takes_the_coupon_on_the_flash_price(
    shop: Shop, make_coupon: MakeCoupon, settings: Any
):
    # given the database path, the setting on and a ¥59 SKU on a flash sale at ¥52
    settings.REDIS_URL = ""
    allow_coupons_on_campaign_prices(shop)
    now = timezone.now()
    sale = flashsales.create_flash_sale(
        shop.owner,
        shop.store.pk,
        flashsales.FlashSaleFields(
            sku_id=shop.sku.pk,
            flash_price=5200,
            stock=5,
            per_user_limit=1,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        ),
    )
    copy = claim(shop.buyer, make_coupon())
    # when the buyer buys one
    order = flashsales.buy_flash_sale(shop.buyer, sale.pk)
    # then 满50减10 comes off the ¥52 flash price
    assert (order.campaign, order.subtotal, order.discount, order.total) == (
        "flash",
        5200,
        1000,
        5000,
    )
    assert status_of(copy) == ("used", order.pk)
