"""The product editor's and the SKU picker's JavaScript, in Debian's Chromium."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import pytest
from PIL import Image

from quanzi.catalog.models import Product
from tests.factories import PASSWORD
from tests.stores.roles import make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_merchant_builds_a_2x2_matrix_and_a_customer_picks_a_sku(new_page):
    cast = make_cast()
    # given the merchant on the new-product editor
    page = new_page("en")
    _log_in(page, "owner")
    page.goto(f"/products/console/{cast.store.pk}/new/")
    # when they type two spec attributes, the matrix appears as they type
    page.get_by_test_id("product-title").fill("云南小粒咖啡豆")
    page.get_by_test_id("spec-name-0").fill("烘焙")
    page.get_by_test_id("spec-values-0").fill("中烘，深烘")
    page.get_by_test_id("spec-name-1").fill("重量")
    page.get_by_test_id("spec-values-1").fill("250g, 500g")
    page.get_by_test_id("generate-skus").click()
    assert page.locator("input[name^=sku_price_]").count() == 4
    # and prices typed survive a later change of the values
    for i in range(4):
        page.get_by_test_id(f"sku-price-{i}").fill(f"{59 + i}")
        page.get_by_test_id(f"sku-stock-{i}").fill("5")
    page.get_by_test_id("spec-values-1").fill("250g, 500g, 1kg")
    assert page.locator("input[name^=sku_price_]").count() == 6
    assert page.get_by_test_id("sku-price-0").input_value() == "59"
    page.get_by_test_id("spec-values-1").fill("250g, 500g")
    page.get_by_test_id("product-images").set_input_files(
        [{"name": "bag.png", "mimeType": "image/png", "buffer": _png()}]
    )
    assert page.locator("#image-previews img").count() == 1
    page.get_by_test_id("save-product").click()
    page.wait_for_load_state()
    # then the product is saved with its 4 SKUs and photo, and goes on the shelf
    product = Product.objects.get()
    assert sorted(product.skus.values_list("price", flat=True)) == [5900, 6000, 6100, 6200]
    assert product.images.count() == 1
    page.get_by_test_id("shelf-toggle").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("shelf-toggle").get_attribute("data-on-shelf") == "1"

    # given a customer on the product page
    shopper = new_page("en")
    _log_in(shopper, "xiaomei")
    shopper.goto(f"/products/{product.pk}/")
    posted: list[dict[str, list[str]]] = []
    shopper.route(
        "**/orders/cart/add/",
        lambda route: (
            posted.append(parse_qs(route.request.post_data or "")),
            route.fulfill(status=200, body="ok"),
        ),
    )
    # when they pick 深烘 / 500g
    shopper.get_by_test_id("spec-烘焙-深烘").click()
    shopper.get_by_test_id("spec-重量-500g").click()
    # then the price and stock of that SKU show, and adding to the cart posts its id
    assert shopper.get_by_test_id("sku-price").inner_text() == "¥62.00"
    assert "5" in shopper.get_by_test_id("sku-stock").inner_text()
    shopper.get_by_test_id("quantity").fill("2")
    shopper.get_by_test_id("add-to-cart").click()
    shopper.wait_for_load_state()
    sku = product.skus.get(spec_values__烘焙="深烘", spec_values__重量="500g")
    assert posted and posted[0]["sku"] == [sku.pk] and posted[0]["quantity"] == ["2"]


def test_buy_buttons_ask_for_every_option_first(new_page):
    cast = make_cast()
    from quanzi.catalog import services
    from tests.catalog.conftest import matrix_input

    product = services.create_product(cast.owner, cast.store.pk, matrix_input())
    services.set_shelf(cast.owner, product.pk, True)
    page = new_page("en")
    _log_in(page, "xiaomei")
    page.goto(f"/products/{product.pk}/")
    page.get_by_test_id("spec-颜色-红").click()
    page.get_by_test_id("buy-now").click()
    assert page.get_by_test_id("choose-hint").is_visible()
    assert page.url.endswith(f"/products/{product.pk}/")


def test_choosing_a_colour_turns_the_gallery_to_its_photo(new_page):
    # given a 颜色 × 尺码 product with three photos, the third showing 蓝
    cast = make_cast()
    from quanzi.catalog import services
    from tests.catalog.conftest import matrix_input
    from tests.stores.roles import image_file

    product = services.create_product(cast.owner, cast.store.pk, matrix_input())
    services.set_shelf(cast.owner, product.pk, True)
    photos = [
        services.add_image(cast.owner, product.pk, image_file(f"p{i}.jpg", (600, 600), "JPEG"))
        for i in range(3)
    ]
    services.set_image_variant(cast.owner, product.pk, photos[2].pk, "蓝")
    page = new_page("en")
    page.goto(f"/products/{product.pk}/")
    gallery = page.get_by_test_id("gallery")
    # when a visitor chooses 蓝 (before choosing a size)
    page.get_by_test_id("spec-颜色-蓝").click()
    # then the gallery turns to 蓝's photo
    # (a function, not an expression: an expression is eval'ed in the page, which its CSP
    # forbids)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=gallery]').scrollLeft > 0"
        " && document.querySelector('[data-testid=gallery]').dataset.shown === '2'"
    )
    # and choosing 红, which has no photo of its own, turns it back to the first
    page.get_by_test_id("spec-颜色-红").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=gallery]').dataset.shown === '0'"
    )
    assert gallery.is_visible()
