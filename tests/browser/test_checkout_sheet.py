"""A newcomer's first purchase on a phone, as issue 11 walks it: a friend's share link, sign
up, 立即购买 opens the sheet over the product (the page stays), the address typed right there,
paying on the sandbox, and the order found under 我的 → 待发货."""

from __future__ import annotations

import pytest

from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.services.links import share_link
from tests.factories import PASSWORD, SkuFactory, UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_friend_s_link_sign_up_address_in_the_sheet_pay_and_find_it_under_me(new_page):
    # given a friend's share link to a ¥88 coffee of a store
    store = store_with_owner(UserFactory(), name="山野小铺")
    sku = SkuFactory(product__store=store, product__title="云南小粒咖啡豆", price=8800, stock=5)
    product = sku.product
    link = share_link(UserFactory(username="ahua"), "product", product.pk)
    page = new_page()
    # when a newcomer opens it, taps 立即购买 and signs up on the way
    page.goto(f"/s/{link.code}")
    page.wait_for_url(f"**/products/{product.pk}/*")
    page.get_by_test_id("buy-now").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_role("link", name="注册").click()
    page.fill("input[name=username]", "xiaomei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/products/{product.pk}/*")
    # and taps 立即购买 again: the sheet opens over the product page
    page.evaluate("window.__sameDocument = true")
    page.get_by_test_id("buy-now").click()
    sheet = page.get_by_test_id("buy-sheet")
    sheet.wait_for()
    assert page.evaluate("window.__sameDocument") is True
    # then it shows the money: ¥88 + ¥0 shipping… and asks where to send it, in place
    assert sheet.get_by_test_id("sheet-subtotal").inner_text() == "¥88.00"
    assert sheet.get_by_test_id("sheet-address-form").is_visible()
    sheet.get_by_test_id("sheet-recipient").fill("李小美")
    sheet.get_by_test_id("sheet-phone").fill("13912345678")
    sheet.get_by_test_id("sheet-province").fill("云南省")
    sheet.get_by_test_id("sheet-city").fill("昆明市")
    sheet.get_by_test_id("sheet-detail").fill("五华区翠湖南路 12 号")
    total = sheet.get_by_test_id("sheet-total").inner_text()
    # when they confirm, they pay on the sandbox
    sheet.get_by_test_id("sheet-confirm").click()
    page.wait_for_url("**/pay/sandbox/**")
    page.get_by_test_id("sandbox-confirm").click()
    page.wait_for_url("**/orders/*/?result=succeeded")
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and f"¥{order.total / 100:.2f}" == total
    # then 我的 counts it under 待发货, and that tab lists it
    page.get_by_test_id("tab-me").click()
    to_ship = page.get_by_test_id("me-orders-paid")
    assert to_ship.get_attribute("data-count") == "1"
    to_ship.click()
    page.wait_for_load_state()
    assert "云南小粒咖啡豆" in page.locator("main").inner_text()
    assert order.pk in page.content()


def test_a_returning_buyer_pays_in_one_tap_from_the_sheet(new_page):
    # given a buyer with a default address (the one from the walk above, made in the sheet)
    store = store_with_owner(UserFactory(), name="山野小铺")
    sku = SkuFactory(product__store=store, product__title="古树普洱", price=19800, stock=5)
    buyer = UserFactory(username="ahua")
    from quanzi.accounts.services import AddressInput, save_address

    save_address(
        buyer,
        AddressInput(
            recipient="王阿华",
            phone="13912345678",
            province="云南省",
            city="大理市",
            detail="古城人民路 88 号",
        ),
        make_default=True,
    )
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", "ahua")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/products/{sku.product_id}/")
    # when they tap 立即购买 and confirm at once
    page.get_by_test_id("buy-now").click()
    page.get_by_test_id("sheet-confirm").click()
    # then they are on the pay page: the address and everything else was already there
    page.wait_for_url("**/pay/sandbox/**")
    assert Order.objects.get().address["recipient"] == "王阿华"
