"""Coupons in Debian's Chromium: the merchant's form shows the fields of the chosen kind, a
customer claims on the product page, and the checkout picker updates the amounts as they
choose."""

from __future__ import annotations

import pytest

from quanzi.coupons.models import Coupon
from quanzi.orders.models import Order
from tests.catalog.test_browser import _log_in
from tests.factories import AddressFactory, ProductFactory, SkuFactory
from tests.stores.roles import make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coupon_from_the_console_to_the_checkout(new_page):
    cast = make_cast()
    product = ProductFactory(store=cast.store, title="云南小粒咖啡豆", min_price=5900)
    SkuFactory(product=product, price=5900, stock=10)
    AddressFactory(user=cast.customer)
    # given the merchant on the new-coupon form
    page = new_page("en")
    _log_in(page, "owner")
    page.goto(f"/coupons/console/{cast.store.pk}/new/")
    # when they choose a percentage, its fields show and the amount off hides
    page.get_by_test_id("coupon-kind").select_option("percent")
    assert page.get_by_test_id("coupon-percent-off").is_visible()
    assert not page.get_by_test_id("coupon-amount-off").is_visible()
    page.get_by_test_id("coupon-kind").select_option("threshold")
    page.get_by_test_id("coupon-name").fill("满50减10")
    page.get_by_test_id("coupon-amount-off").fill("10")
    page.get_by_test_id("coupon-min-spend").fill("50")
    page.get_by_test_id("save-coupon").click()
    page.wait_for_load_state()
    coupon = Coupon.objects.get()
    assert (coupon.amount_off, coupon.min_spend) == (1000, 5000)
    # when a customer claims it on the product page and checks out
    buyer = new_page("en")
    _log_in(buyer, cast.customer.username)
    buyer.goto(f"/products/{product.pk}/")
    buyer.get_by_test_id("coupon-claim").click()
    buyer.wait_for_load_state()
    assert buyer.get_by_test_id("coupon-claimed").is_visible()
    buyer.get_by_test_id("add-to-cart").click()
    buyer.wait_for_load_state()
    buyer.get_by_test_id("checkout").click()
    buyer.wait_for_load_state()
    # then the best coupon is chosen: ¥59 + ¥8 shipping − ¥10
    total = buyer.get_by_test_id("checkout-total")
    assert total.inner_text() == "¥57.00"
    # and choosing no coupon, then the coupon again, updates the amount to pay
    buyer.get_by_test_id("coupon-none").check()
    assert total.inner_text() == "¥67.00"
    assert buyer.get_by_test_id("checkout-discount").inner_text() == "-¥0.00"
    buyer.get_by_test_id("coupon-option").check()
    assert total.inner_text() == "¥57.00"
    buyer.get_by_test_id("place-order").click()
    buyer.wait_for_load_state()
    order = Order.objects.get()
    assert (order.discount, order.total) == (1000, 5700)
