"""Issue 2's whole flow, as people do it, in Debian's Chromium: a merchant opens a store and lists
a product with 2 × 2 SKUs; a customer finds it by a Chinese word, buys two SKUs, pays on the
sandbox page; the merchant ships; the customer confirms receipt and reviews with a photo; the
ledger balances."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from PIL import Image

from quanzi.catalog.models import Product
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.reviews.models import Review
from quanzi.stores.models import Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-42"


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _sign_up(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_merchant_lists_customer_buys_pays_receives_and_reviews(new_page):
    # given a merchant who opens a store from the console
    merchant = new_page()
    _sign_up(merchant, "shanye")
    merchant.get_by_test_id("tab-me").click()
    merchant.get_by_test_id("me-open-store").click()
    merchant.get_by_test_id("store-name").first.fill("山野小铺")
    merchant.get_by_test_id("open-store").first.click()
    merchant.wait_for_load_state()
    store = Store.objects.get()

    # when they create a product with 颜色 × 尺码 = 2 × 2 SKUs and a photo, and shelve it
    merchant.goto(f"/products/console/{store.pk}/new/")
    merchant.get_by_test_id("product-title").fill("扎染棉麻围巾 大理手作")
    merchant.get_by_test_id("spec-name-0").fill("颜色")
    merchant.get_by_test_id("spec-values-0").fill("靛蓝, 浅蓝")
    merchant.get_by_test_id("spec-name-1").fill("尺码")
    merchant.get_by_test_id("spec-values-1").fill("180cm, 200cm")
    merchant.get_by_test_id("generate-skus").click()
    for i in range(4):
        merchant.get_by_test_id(f"sku-price-{i}").fill(str(168 + 10 * i))
        merchant.get_by_test_id(f"sku-stock-{i}").fill("10")
    merchant.get_by_test_id("product-images").set_input_files(
        [{"name": "scarf.png", "mimeType": "image/png", "buffer": _png((40, 70, 150))}]
    )
    merchant.get_by_test_id("save-product").click()
    merchant.wait_for_load_state()
    merchant.get_by_test_id("shelf-toggle").click()
    merchant.wait_for_load_state()
    product = Product.objects.get()
    assert product.on_shelf and product.skus.count() == 4

    # given a customer who finds it by searching a Chinese word of its title
    customer = new_page()
    _sign_up(customer, "xiaomei")
    customer.fill("input[name=q]", "围巾")
    customer.press("input[name=q]", "Enter")
    customer.wait_for_load_state()
    customer.get_by_role("link", name="扎染棉麻围巾").first.click()
    customer.wait_for_url(f"**/products/{product.pk}/*")

    # when they put two different SKUs in the cart
    for colour, size in (("靛蓝", "180cm"), ("浅蓝", "200cm")):
        customer.get_by_test_id(f"spec-颜色-{colour}").click()
        customer.get_by_test_id(f"spec-尺码-{size}").click()
        customer.get_by_test_id("add-to-cart").click()
        customer.wait_for_load_state()
        customer.goto(f"/products/{product.pk}/")
    customer.goto("/orders/cart/")
    assert customer.get_by_test_id("cart-line").count() == 2

    # and check out with a new address, then pay on the sandbox page
    customer.get_by_test_id("checkout").click()
    customer.get_by_test_id("checkout-add-address").click()
    customer.fill("input[name=recipient]", "李小美")
    customer.fill("input[name=phone]", "13912345678")
    customer.fill("input[name=province]", "云南省")
    customer.fill("input[name=city]", "昆明市")
    customer.fill("input[name=detail]", "五华区翠湖南路 12 号")
    customer.click("form button[type=submit]")
    customer.wait_for_url("**/orders/checkout/**")
    customer.get_by_test_id("place-order").click()
    customer.wait_for_url("**/pay/sandbox/**")
    customer.get_by_test_id("sandbox-confirm").click()
    customer.wait_for_url("**/orders/*/?result=succeeded")

    # then one paid order holds both SKUs, and the store's escrow holds the money
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.items.count() == 2
    assert order.total == 168_00 + 198_00  # free shipping is not set, fee 0
    assert store_balance(store.pk).escrow == order.total

    # when the merchant ships it from the console
    merchant.goto(f"/orders/console/{store.pk}/{order.pk}/")
    merchant.get_by_test_id("ship-carrier").select_option("SF")
    merchant.get_by_test_id("ship-tracking").fill("SF1234567890123")
    merchant.get_by_test_id("ship-submit").click()
    merchant.wait_for_load_state()
    assert merchant.get_by_test_id("order-status").get_attribute("data-status") == "shipped"

    # and the customer confirms receipt and reviews one item with a photo
    customer.goto(f"/orders/{order.pk}/")
    customer.get_by_test_id("confirm-receipt").click()
    customer.get_by_test_id("confirm-yes").click()  # the page asks first: it pays the store
    customer.wait_for_load_state()
    assert customer.get_by_test_id("order-status").get_attribute("data-status") == "received"
    customer.get_by_test_id("write-review").first.click()
    customer.get_by_test_id("star-5").check()
    customer.get_by_test_id("review-text").fill("颜色很正，手感柔软，群里推荐的没错！")
    customer.get_by_test_id("review-photos").set_input_files(
        [{"name": "photo.png", "mimeType": "image/png", "buffer": _png((200, 120, 60))}]
    )
    customer.get_by_test_id("review-submit").click()
    customer.wait_for_url(f"**/products/{product.pk}/#reviews")

    # then the review with its photo shows on the product page and the ledger balances
    assert "颜色很正" in customer.get_by_test_id("product-reviews").inner_text()
    review = Review.objects.get()
    assert (review.stars, review.photos.count()) == (5, 1)
    call_command("ledger_check")
