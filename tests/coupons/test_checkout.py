"""Coupons at checkout: at most one per order, taken from the goods (never shipping), the
threshold checked on the goods, recorded on the order, used in the order's own transaction;
refusals (forged, someone else's, another store's, expired, used, below the threshold) are a
4xx with nothing written; a cancelled unpaid order gives its coupon back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.coupons import coupons
from quanzi.coupons.models import UserCoupon
from quanzi.orders.models import CartItem, Order
from quanzi.orders.services.access import access_order
from quanzi.orders.services.checkout import place_orders
from quanzi.orders.services.timers import expire_unpaid_order
from quanzi.orders.services.transitions import cancel_order
from tests.coupons.conftest import MakeCoupon, claim, later, written
from tests.factories import ProductFactory, SkuFactory, store_with_owner
from tests.orders.conftest import Shop, pay, stock_of

pytestmark = pytest.mark.django_db


def buy(shop: Shop, lines: list, coupon: UserCoupon | None, **kw: object) -> Order:
    chosen = {shop.store.pk: coupon.pk} if coupon else {}
    return place_orders(shop.buyer, lines, shop.address.pk, coupon_ids=chosen, **kw)[0]


# --- The discount on the order ---------------------------------------------------------------


def test_the_order_records_the_coupon_and_the_buyer_pays_the_rest(
    shop: Shop, make_coupon: MakeCoupon
):
    # given the buyer holds 满50减10
    copy = claim(shop.buyer, make_coupon())
    # when they buy one ¥59 item with it (shipping ¥8)
    order = buy(shop, [(shop.sku.pk, 1)], copy)
    # then the order takes ¥10 off the goods and records the coupon
    assert (order.subtotal, order.shipping_fee, order.discount, order.total) == (
        5900,
        800,
        1000,
        5700,
    )
    assert order.user_coupon_id == copy.pk
    # and the coupon is used on that order
    copy.refresh_from_db()
    assert (copy.status, copy.order_id) == ("used", order.pk)
    assert copy.used_at is not None


def test_the_threshold_counts_the_goods_not_the_shipping(shop: Shop, make_coupon: MakeCoupon):
    # given 满60减10 and a ¥59 item whose shipping makes ¥67
    copy = claim(shop.buyer, make_coupon(min_spend=6000))
    before = written()
    # when the buyer uses it, it is refused: the goods are ¥1 short
    with pytest.raises(Conflict) as refused:
        buy(shop, [(shop.sku.pk, 1)], copy)
    assert refused.value.code == "coupon_min_spend"
    # and nothing was written, the stock is untouched, the coupon unused
    assert written() == before
    assert stock_of(shop.sku) == 10
    copy.refresh_from_db()
    assert copy.status == "unused"


def test_the_discount_never_passes_the_goods_and_shipping_is_still_paid(
    shop: Shop, make_coupon: MakeCoupon
):
    # given a ¥100 no-threshold coupon and a ¥20 item (shipping ¥8)
    copy = claim(shop.buyer, make_coupon(kind="fixed", amount_off=10000, min_spend=0))
    order = buy(shop, [(shop.sku2.pk, 1)], copy)
    # then the goods are free and the shipping is paid
    assert (order.discount, order.total) == (2000, 800)


def test_an_order_with_free_shipping_keeps_one_fen_to_pay(shop: Shop, make_coupon: MakeCoupon):
    # given a ¥200 coupon and ¥118 of goods (free shipping from ¥99)
    copy = claim(shop.buyer, make_coupon(kind="fixed", amount_off=20000, min_spend=0))
    order = buy(shop, [(shop.sku.pk, 2)], copy)
    # then the payment provider still has 1 fen to charge
    assert (order.shipping_fee, order.discount, order.total) == (0, 11799, 1)


def test_a_percentage_coupon_rounds_for_the_buyer_and_stops_at_its_cap(
    shop: Shop, make_coupon: MakeCoupon
):
    # given 12% off, at most ¥10, and ¥59 → 12% is ¥7.08
    copy = claim(shop.buyer, make_coupon(kind="percent", percent_off=12, max_off=1000, min_spend=0))
    assert buy(shop, [(shop.sku.pk, 1)], copy).discount == 708
    # and on ¥118 12% is ¥14.16, capped to ¥10
    theirs = claim(shop.other, copy.coupon)
    order = place_orders(
        shop.other,
        [(shop.sku.pk, 2)],
        shop.other_address.pk,
        coupon_ids={shop.store.pk: theirs.pk},
    )[0]
    assert order.discount == 1000


def test_shipping_follows_the_goods_before_the_coupon(shop: Shop, make_coupon: MakeCoupon):
    # given ¥118 of goods: free shipping from ¥99, and a ¥30 coupon
    copy = claim(shop.buyer, make_coupon(kind="fixed", amount_off=3000, min_spend=0))
    order = buy(shop, [(shop.sku.pk, 2)], copy)
    # then shipping stays free although the buyer pays ¥88
    assert (order.shipping_fee, order.total) == (0, 8800)


def test_a_checkout_of_two_stores_takes_one_coupon_per_store_order(
    shop: Shop, make_coupon: MakeCoupon
):
    # given a second store with its own coupon, held by the buyer
    tea_store = store_with_owner(shop.other, name="茶山", shipping_fee=0)
    tea = SkuFactory(product=ProductFactory(store=tea_store), price=8000, stock=5)
    tea_coupon = coupons.create_coupon(
        shop.other,
        tea_store.pk,
        coupons.CouponFields(
            name="茶山立减 5 元",
            kind="fixed",
            amount_off=500,
            validity="days",
            valid_days=3,
            total=9,
        ),
    )
    ours, theirs = claim(shop.buyer, make_coupon()), claim(shop.buyer, tea_coupon)
    # when the buyer checks out both stores, each with its coupon
    orders = place_orders(
        shop.buyer,
        [(shop.sku.pk, 1), (tea.pk, 1)],
        shop.address.pk,
        coupon_ids={shop.store.pk: ours.pk, tea_store.pk: theirs.pk},
    )
    # then each store's order has its own coupon and discount
    by_store = {order.store_id: order for order in orders}
    assert (by_store[shop.store.pk].discount, by_store[tea_store.pk].discount) == (1000, 500)
    assert by_store[tea_store.pk].user_coupon_id == theirs.pk


# --- Refusals: a 4xx and nothing written -------------------------------------------------------


def test_a_coupon_is_used_once(shop: Shop, make_coupon: MakeCoupon):
    copy = claim(shop.buyer, make_coupon())
    buy(shop, [(shop.sku.pk, 1)], copy)
    before = written()
    with pytest.raises(Conflict) as refused:
        buy(shop, [(shop.sku.pk, 1)], copy)
    assert refused.value.code == "coupon_used"
    assert written() == before


def test_forged_and_foreign_coupons_are_not_found(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon()
    theirs = claim(shop.other, coupon)
    before = written()
    for bad in ("forged0000000000", theirs.pk, "a-b", "x" * 40):
        with pytest.raises(NotFound):
            buy(shop, [(shop.sku.pk, 1)], UserCoupon(pk=bad))
    assert written() == before
    theirs.refresh_from_db()
    assert theirs.status == "unused"


def test_another_stores_coupon_or_a_store_not_in_the_checkout_is_a_400(
    shop: Shop, make_coupon: MakeCoupon
):
    tea_store = store_with_owner(shop.other, name="茶山")
    copy = claim(shop.buyer, make_coupon())
    before = written()
    # a coupon of this store given for a store that is not in the checkout
    with pytest.raises(InvalidInput):
        place_orders(
            shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, coupon_ids={tea_store.pk: copy.pk}
        )
    # a coupon of this store used on another store's order
    tea = SkuFactory(product=ProductFactory(store=tea_store), price=8000, stock=5)
    with pytest.raises(InvalidInput) as refused:
        place_orders(shop.buyer, [(tea.pk, 1)], shop.address.pk, coupon_ids={tea_store.pk: copy.pk})
    assert refused.value.code == "coupon_wrong_store"
    assert written() == before


def test_expired_and_not_yet_valid_coupons_are_refused(shop: Shop, make_coupon: MakeCoupon):
    expiring = claim(shop.buyer, make_coupon(valid_days=1))
    start = timezone.now() + timedelta(days=1)
    upcoming = claim(
        shop.buyer,
        make_coupon(validity="window", valid_from=start, valid_until=start + timedelta(days=1)),
    )
    before = written()
    with pytest.raises(Conflict) as refused:
        buy(shop, [(shop.sku.pk, 1)], upcoming)
    assert refused.value.code == "coupon_not_yet_valid"
    with later(days=1, seconds=1), pytest.raises(Conflict) as refused:
        buy(shop, [(shop.sku.pk, 1)], expiring)
    assert refused.value.code == "coupon_expired"
    assert written() == before


# --- Giving it back ----------------------------------------------------------------------------


def test_a_cancelled_unpaid_order_gives_its_coupon_back_for_another_order(
    shop: Shop, make_coupon: MakeCoupon
):
    copy = claim(shop.buyer, make_coupon())
    order = buy(shop, [(shop.sku.pk, 1)], copy)
    cancel_order(shop.buyer, order.pk)
    copy.refresh_from_db()
    assert (copy.status, copy.order_id) == ("returned", None)
    assert coupons.state_of(copy) == "returned"
    # and it works on the next order, while the cancelled one still shows what it took off
    again = buy(shop, [(shop.sku.pk, 1)], copy)
    assert again.discount == 1000
    order.refresh_from_db()
    assert (order.user_coupon_id, order.discount) == (copy.pk, 1000)


def test_the_unpaid_timer_gives_the_coupon_back_even_when_only_a_read_runs_it(
    shop: Shop, make_coupon: MakeCoupon
):
    copy = claim(shop.buyer, make_coupon(valid_days=3))
    order = buy(shop, [(shop.sku.pk, 1)], copy)
    with later(minutes=31):
        access_order(shop.buyer, order.pk)  # the read applies the overdue timer
        copy.refresh_from_db()
        assert copy.status == "returned"
        # and a second run gives nothing twice
        assert expire_unpaid_order(order.pk) is False
        assert coupons.state_of(copy) == "returned"


def test_a_coupon_that_expired_meanwhile_comes_back_expired(shop: Shop, make_coupon: MakeCoupon):
    copy = claim(shop.buyer, make_coupon(valid_days=1))
    order = buy(shop, [(shop.sku.pk, 1)], copy)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() + timedelta(days=2))
    with later(days=1, hours=1):
        cancel_order(shop.buyer, order.pk)
        copy.refresh_from_db()
        assert coupons.state_of(copy) == "expired"
        with pytest.raises(Conflict):
            buy(shop, [(shop.sku.pk, 1)], copy)


def test_a_paid_order_keeps_its_coupon(shop: Shop, make_coupon: MakeCoupon):
    copy = claim(shop.buyer, make_coupon())
    order = pay(buy(shop, [(shop.sku.pk, 1)], copy))
    assert order.status == "paid"
    copy.refresh_from_db()
    assert copy.status == "used"


# --- Through the API ---------------------------------------------------------------------------


def test_checkout_and_buy_now_through_the_api(api, shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon(per_user_limit=2)
    first, second = claim(shop.buyer, coupon), claim(shop.buyer, coupon)
    client = api(shop.buyer)
    # the options of the buyer's lines name the best coupon and its discount
    options = client.get("campaigns/my-coupons/options", {"lines": f"{shop.sku.pk}:1"}).json()
    assert [o["store_id"] for o in options] == [shop.store.pk]
    assert options[0]["best_id"] == first.pk and options[0]["usable"][0]["discount"] == 1000
    # a checkout with a coupon
    r = client.post(
        "orders/checkout",
        {
            "address_id": shop.address.pk,
            "lines": [{"sku_id": shop.sku.pk, "quantity": 1}],
            "coupons": {shop.store.pk: first.pk},
        },
    )
    assert r.status_code == 201, r.content
    [body] = r.json()
    assert (body["discount"], body["total"], body["coupon_id"]) == (1000, 5700, first.pk)
    # a one-click order with the other coupon
    r = client.post(
        "orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1, "coupon_id": second.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["coupon_id"] == second.pk
    # and the same coupon again is a 409
    again = client.post(
        "orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1, "coupon_id": second.pk}
    )
    assert again.status_code == 409 and again.json()["code"] == "coupon_used"


@pytest.mark.parametrize(
    "coupons_field",
    [["x"], {"k": 5}, "abc", {"k": None}, {"k": ["a"]}],
)
def test_wrong_types_for_coupons_are_a_422_and_nothing_is_written(
    api, shop: Shop, coupons_field: object
):
    before = written()
    r = api(shop.buyer).post(
        "orders/checkout",
        {
            "address_id": shop.address.pk,
            "lines": [{"sku_id": shop.sku.pk, "quantity": 1}],
            "coupons": coupons_field,
        },
    )
    assert r.status_code == 422
    assert written() == before


def test_bad_coupons_through_the_api_are_clear_4xx(api, shop: Shop, make_coupon: MakeCoupon):
    theirs = claim(shop.other, make_coupon())
    client = api(shop.buyer)
    before = written()

    def checkout(choice: dict) -> tuple[int, str]:
        r = client.post(
            "orders/checkout",
            {
                "address_id": shop.address.pk,
                "lines": [{"sku_id": shop.sku.pk, "quantity": 1}],
                "coupons": choice,
            },
            headers={"Accept-Language": "en"},
        )
        return r.status_code, r.json()["code"]

    assert checkout({shop.store.pk: theirs.pk}) == (404, "coupon_not_found")
    assert checkout({shop.store.pk: "forged0000000000"}) == (404, "coupon_not_found")
    assert checkout({"nostore000000000": theirs.pk}) == (400, "coupon_wrong_store")
    buy_now = client.post(
        "orders/buy-now", {"sku_id": shop.sku.pk, "quantity": 1, "coupon_id": "y" * 17}
    )
    assert buy_now.status_code == 422
    assert written() == before


# --- The pages ---------------------------------------------------------------------------------


def test_the_checkout_page_offers_the_best_coupon_and_places_the_chosen_one(
    client, shop: Shop, make_coupon: MakeCoupon
):
    # given the buyer holds 满50减10 and a ¥5 coupon, and a 满200 coupon they cannot use
    big = claim(shop.buyer, make_coupon())
    small = claim(shop.buyer, make_coupon(kind="fixed", amount_off=500, min_spend=0))
    claim(shop.buyer, make_coupon(amount_off=3000, min_spend=20000))
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=1)
    client.force_login(shop.buyer)
    # when they open the cart and the checkout page
    cart = client.get("/orders/cart/", headers={"Accept-Language": "en"}).content.decode()
    page = client.get("/orders/checkout/", headers={"Accept-Language": "en"})
    html = page.content.decode()
    # then the cart hints at the coupon, and checkout chooses the best one with its discount
    assert 'data-testid="cart-coupon-hint"' in cart and "¥10.00 off at checkout" in cart
    assert f'value="{big.pk}" data-discount="1000" checked' in html
    assert f'value="{small.pk}" data-discount="500"' in html
    assert "Spend ¥141.00 more to use it" in html
    assert "¥57.00" in html  # 59 + 8 - 10
    # when they choose the ¥5 coupon and place the order
    form = {
        "address": shop.address.pk,
        "line": [f"{shop.sku.pk}:1"],
        "checkout_key": page.context["checkout_key"],
        f"coupon_{shop.store.pk}": small.pk,
    }
    r = client.post("/orders/checkout/", form)
    assert r.status_code == 302
    order = Order.objects.get()
    assert (order.discount, order.total, order.user_coupon_id) == (500, 6200, small.pk)


def test_a_refused_coupon_shows_the_checkout_again_with_the_reason(
    client, shop: Shop, make_coupon: MakeCoupon
):
    theirs = claim(shop.other, make_coupon())
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=1)
    client.force_login(shop.buyer)
    form = {
        "address": shop.address.pk,
        "line": [f"{shop.sku.pk}:1"],
        "checkout_key": "k1",
        f"coupon_{shop.store.pk}": theirs.pk,
    }
    r = client.post("/orders/checkout/", form, headers={"Accept-Language": "en"})
    assert r.status_code == 404
    assert "Coupon not found." in r.content.decode()
    assert not Order.objects.exists()


def test_buy_now_on_the_product_page_uses_the_best_coupon(
    client, shop: Shop, make_coupon: MakeCoupon
):
    copy = claim(shop.buyer, make_coupon())
    client.force_login(shop.buyer)
    r = client.post("/orders/buy-now/", {"sku": shop.sku.pk, "quantity": "1"})
    assert r.status_code == 302
    order = Order.objects.get()
    assert (order.user_coupon_id, order.discount) == (copy.pk, 1000)
    detail = client.get(f"/orders/{order.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "Coupon" in detail and "-¥10.00" in detail
