"""Batch shipping as a merchant does it, in Debian's Chromium on a phone-sized page: the staff
tick every order to ship at once, choose a courier per row (another courier's name field shows
only for "other"), send the table; the row with a wrong tracking number comes back with its
reason, is corrected and sent again; the buyer then reads the courier and its tracking link."""

from __future__ import annotations

import pytest

from quanzi.orders.models import Order, OrderStatus
from tests.browser.people import log_in
from tests.orders.conftest import Shop, pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_staff_ship_two_orders_in_one_table(new_page, shop: Shop):  # type: ignore[no-untyped-def]
    # given two paid orders
    first, second = pay(place(shop)), pay(place(shop, sku=shop.sku2))
    page = new_page("zh-hans")
    log_in(page, shop.staff.username)
    # when the staff open the orders to ship and tick them all at once
    page.goto(f"/orders/console/{shop.store.pk}/?status=paid")
    page.get_by_test_id("batch-select-all").check()
    assert page.get_by_test_id("batch-pick").nth(0).is_checked()
    assert page.get_by_test_id("batch-pick").nth(1).is_checked()
    page.get_by_test_id("batch-ship-selected").click()
    page.wait_for_url("**/ship/?order=*")
    # then the table has a row per order; another courier's name shows only when chosen
    rows = page.get_by_test_id("batch-row")
    assert rows.count() == 2
    one = page.locator(f'[data-testid="batch-row"][data-order="{first.pk}"]')
    two = page.locator(f'[data-testid="batch-row"][data-order="{second.pk}"]')
    assert not two.get_by_test_id("batch-carrier-name").is_visible()
    two.get_by_test_id("batch-carrier").select_option("other")
    assert two.get_by_test_id("batch-carrier-name").is_visible()
    two.get_by_test_id("batch-carrier-name").fill("顺心捷达")
    two.get_by_test_id("batch-tracking").fill("SX-2026-001")
    one.get_by_test_id("batch-carrier").select_option("SF")
    one.get_by_test_id("batch-tracking").fill("SF123")  # too short for SF
    page.get_by_test_id("batch-submit").click()
    page.wait_for_load_state()
    # then the good row shipped, and the other comes back with its reason and what was typed
    assert page.get_by_test_id("batch-shipped-order").count() == 1
    assert "顺心捷达" in page.get_by_test_id("batch-shipped").inner_text()
    error = page.get_by_test_id("batch-row-error")
    assert "顺丰速运的快递单号应为SF 加 12 至 15 位数字" in error.inner_text()
    assert page.get_by_test_id("batch-tracking").input_value() == "SF123"
    # when they correct it and send again
    page.get_by_test_id("batch-tracking").fill("SF1234567890123")
    page.get_by_test_id("batch-submit").click()
    page.wait_for_url("**/?status=paid")
    # then both orders are shipped, and the list to ship is empty
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.SHIPPED}
    assert page.get_by_test_id("batch-pick").count() == 0
    # and the buyer reads SF and its tracking link on the order page
    buyer = new_page("zh-hans")
    log_in(buyer, shop.buyer.username)
    buyer.goto(f"/orders/{first.pk}/")
    card = buyer.get_by_test_id("order-shipment")
    assert card.get_by_test_id("shipment-carrier").inner_text() == "顺丰速运"
    link = card.get_by_test_id("tracking-link")
    assert link.inner_text() == "查询物流"
    assert link.get_attribute("href").endswith("/waybill-detail/SF1234567890123")
    assert not new_page.csp_violations
