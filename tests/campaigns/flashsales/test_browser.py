"""Flash sales in Debian's Chromium: the merchant creates a slot on the console page, the
product page shows the countdowns ticking, and a customer buys at the flash price."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.campaigns.flashsales import services
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.core.validation import SHANGHAI
from quanzi.orders.models import Order
from tests.catalog.test_browser import _log_in
from tests.factories import AddressFactory, ProductFactory, SkuFactory
from tests.stores.roles import make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_flash_sale_from_the_console_to_an_order(new_page):
    cast = make_cast()
    product = ProductFactory(store=cast.store, title="云南小粒咖啡豆", min_price=5900)
    sku = SkuFactory(product=product, price=5900, stock=10)
    AddressFactory(user=cast.customer)
    # given the merchant on the flash-sale console
    page = new_page("en")
    _log_in(page, "owner")
    page.goto(f"/flash/console/{cast.store.pk}/")
    # when they create a slot starting tomorrow evening
    page.get_by_test_id("flash-sku").select_option(sku.pk)
    page.get_by_test_id("flash-price-input").fill("9.90")
    page.get_by_test_id("flash-stock-input").fill("30")
    start = (timezone.now() + timedelta(days=1)).astimezone(SHANGHAI)
    page.get_by_test_id("flash-starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("flash-ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("flash-create").click()
    page.wait_for_load_state()
    # then it is listed
    upcoming = FlashSale.objects.get()
    assert page.get_by_test_id("flash-console-slot").count() == 1
    assert (upcoming.flash_price, upcoming.stock) == (990, 30)
    # and given another slot of the product that is running now
    now = timezone.now()
    running = services.create_flash_sale(
        cast.owner,
        cast.store.pk,
        services.FlashSaleFields(
            sku_id=sku.pk,
            flash_price=1990,
            stock=5,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        ),
    )
    # when a customer opens the product page
    buyer = new_page("en")
    _log_in(buyer, cast.customer.username)
    buyer.goto(f"/products/{product.pk}/")
    # then both slots show, their countdowns tick, and only the running one can be bought
    assert buyer.get_by_test_id("flash-slot").count() == 2
    clock = buyer.locator(f'[data-slot-id="{running.pk}"] [data-countdown-clock]')
    first = clock.inner_text()
    buyer.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[clock.element_handle(), first]
    )
    assert ":" in clock.inner_text()
    assert buyer.get_by_test_id("flash-buy").count() == 1
    # when they buy at the flash price
    buyer.get_by_test_id("flash-buy").click()
    sheet = buyer.get_by_test_id("buy-sheet")
    assert sheet.get_by_test_id("sheet-price").inner_text().startswith("¥19.90")
    sheet.get_by_test_id("sheet-confirm").click()
    buyer.wait_for_url("**/pay/**")
    # then the order is at ¥19.90 and the browser is on the pay page
    order = Order.objects.get()
    assert (order.campaign_ref, order.subtotal) == (running.pk, 1990)
    assert "/pay/" in buyer.url
