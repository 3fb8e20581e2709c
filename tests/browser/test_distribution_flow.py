"""Issue 4's distribution flow, as people do it, in Debian's Chromium: promoter A shares a
product's poster link; B opens it logged out, signs up and buys; A's promoter centre shows a
frozen commission; after the after-sales window (time travel) it is available; A withdraws and
the merchant approves; the payout arrives and the ledger balances."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.transitions import confirm_receipt, ship_order
from quanzi.referrals.models import Commission, CommissionStatus, DistributionConfig, Withdrawal
from quanzi.referrals.services.distribution import promoter_balance
from tests.browser.people import log_in
from tests.factories import PASSWORD, SkuFactory, UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_poster_link_sign_up_buy_commission_release_withdraw(new_page):
    # given a store paying 10 % to promoters (everyone may promote), ¥1 minimum withdrawal
    merchant_user = UserFactory(username="shanye")
    promoter_user = UserFactory(username="ahua")
    store = store_with_owner(merchant_user, name="山野小铺")
    DistributionConfig.objects.create(
        store=store, enabled=True, level1_rate_bp=1000, level2_rate_bp=0, min_withdrawal=100
    )
    sku = SkuFactory(
        product__store=store, product__title="云南小粒咖啡豆", product__min_price=8800, price=8800
    )
    product = sku.product

    # when A opens the product, shares it and takes the poster's link
    a = new_page()
    log_in(a, "ahua")
    a.goto(f"/products/{product.pk}/")
    a.get_by_test_id("share-product").click()
    a.wait_for_load_state()
    assert a.get_by_test_id("share-poster").is_visible()
    link = a.get_by_test_id("share-url").input_value()

    # and B opens that link logged out, signs up, and buys the product paying on the sandbox
    b = new_page()
    b.goto(link)
    b.wait_for_url(f"**/products/{product.pk}/*")
    b.goto("/accounts/signup/")
    b.fill("input[name=username]", "xiaomei")
    b.fill("input[name=password]", PASSWORD)
    b.click("button[type=submit]")
    b.wait_for_load_state()
    b.goto(f"/products/{product.pk}/")
    b.get_by_test_id("buy-now").first.click()
    # (立即购买's sheet asks a new customer where to send it, right there)
    sheet = b.get_by_test_id("buy-sheet")
    sheet.get_by_test_id("sheet-recipient").fill("李小美")
    sheet.get_by_test_id("sheet-phone").fill("13912345678")
    sheet.get_by_test_id("sheet-province").fill("云南省")
    sheet.get_by_test_id("sheet-city").fill("昆明市")
    sheet.get_by_test_id("sheet-detail").fill("五华区翠湖南路 12 号")
    sheet.get_by_test_id("sheet-confirm").click()
    b.wait_for_url("**/pay/sandbox/**")
    b.get_by_test_id("sandbox-confirm").click()
    b.wait_for_url("**/orders/*/?result=succeeded")
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.buyer.username == "xiaomei"

    # then A's promoter centre shows a frozen commission of ¥8.80
    a.goto(f"/promote/{store.pk}/")
    assert a.get_by_test_id("balance-frozen").inner_text() == "¥8.80"
    assert a.get_by_test_id("balance-available").inner_text() == "¥0.00"
    assert a.get_by_test_id("commission-row").count() == 1

    # when the merchant ships, B confirms receipt, and the after-sales window (7 days) passes
    ship_order(merchant_user, order.pk, carrier="顺丰速运", tracking_number="SF1234567890123")
    confirm_receipt(order.buyer, order.pk)
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=True):
        call_command("run_order_timers")
        order.refresh_from_db()
        assert order.status == OrderStatus.COMPLETED
        assert Commission.objects.get().status == CommissionStatus.AVAILABLE

        # then the commission is available in A's centre
        a.goto(f"/promote/{store.pk}/")
        assert a.get_by_test_id("balance-frozen").inner_text() == "¥0.00"
        assert a.get_by_test_id("balance-available").inner_text() == "¥8.80"

        # when A withdraws ¥8.80
        a.get_by_test_id("withdraw-amount").fill("8.80")
        a.get_by_test_id("withdraw-submit").click()
        a.wait_for_load_state()
        assert a.get_by_test_id("balance-withdrawing").inner_text() == "¥8.80"
        assert a.get_by_test_id("my-withdrawal").get_attribute("data-status") == "pending"

        # and the merchant approves it in the console
        m = new_page()
        log_in(m, "shanye")
        m.goto(f"/promote/console/{store.pk}/withdrawals/")
        m.get_by_test_id("withdrawal-approve").first.click()
        m.wait_for_load_state()

        # then the sandbox pays it out, A's centre shows it paid, and the ledger balances
        withdrawal = Withdrawal.objects.get()
        assert withdrawal.status == "paid", withdrawal.status
        a.goto(f"/promote/{store.pk}/")
        assert a.get_by_test_id("my-withdrawal").get_attribute("data-status") == "paid"
        assert a.get_by_test_id("balance-available").inner_text() == "¥0.00"
        balance = promoter_balance(store.pk, promoter_user.public_id)
        assert (balance.available, balance.withdrawing) == (0, 0)
        call_command("ledger_check")
