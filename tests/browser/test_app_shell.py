"""The app shell on a phone (390×844): the five tabs reach their pages from every page, the
unread badge changes while the page stays open, and the top bar is one slim row."""

from __future__ import annotations

import re

import pytest

from quanzi.circles.models import NotificationKind
from quanzi.circles.services.notifications import notify
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.checkout import place_orders
from tests.browser.people import log_in
from tests.circles.conftest_chat import make_chat_circle
from tests.factories import AddressFactory, SkuFactory, UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# tab → a pattern of the page it opens for a signed-in member
TAB_PAGES = {
    "tab-home": r"/$",
    "tab-circles": r"/circles/mine/$",
    "tab-discover": r"/social/$",
    "tab-messages": r"/circles/me/notifications/$",
    "tab-me": r"/me/$",
}


def test_the_tab_bar_reaches_every_tab_from_every_page(new_page):
    # given a member of a store circle, on a phone
    cc = make_chat_circle()
    page = new_page()
    log_in(page, "alice")
    pages = [
        "/",
        f"/products/{cc.product.pk}/",
        f"/stores/{cc.circle.store_id}/",
        f"/circles/{cc.id}/",
        "/social/",
        "/orders/",
        "/redpackets/wallet/",
        "/coupons/",
        "/me/",
    ]
    for start in pages:
        for tab, target in TAB_PAGES.items():
            # when they tap a tab on that page
            page.goto(start)
            page.get_by_test_id(tab).click()
            page.wait_for_load_state()
            # then its page opens and that tab is the current one
            assert re.search(target, page.url), (start, tab, page.url)
            assert page.get_by_test_id(tab).get_attribute("aria-current") == "page", (start, tab)


def test_the_unread_badge_updates_while_the_page_stays_open(new_page):
    # given a member on the home page with nothing unread
    cc = make_chat_circle()
    page = new_page()
    log_in(page, "alice")
    page.goto("/")
    assert page.get_by_test_id("badge-messages").count() == 0
    page.evaluate("window.__sameDocument = true")
    # when someone mentions them
    notify(cc.alice, NotificationKind.MENTION, "阿宝 提到了你", circle=cc.circle)
    # then the 消息 badge shows it without a reload
    badge = page.get_by_test_id("badge-messages")
    badge.wait_for()
    assert badge.inner_text() == "1"
    assert page.evaluate("window.__sameDocument") is True
    # and reading the notifications clears it
    page.get_by_test_id("tab-messages").click()
    page.wait_for_load_state()


def test_the_shell_is_slim_on_a_phone(new_page):
    # given a member on pages with much in the top bar
    make_chat_circle()
    page = new_page()
    log_in(page, "alice")
    for path in ("/", "/products/search/?q=咖啡", "/me/"):
        page.goto(path)
        top = page.locator("header.topbar").bounding_box()
        bar = page.get_by_test_id("tabbar").bounding_box()
        # then the top bar is one row and the tab bar sits at the bottom edge, all five tabs
        # side by side with labels on one line
        assert top is not None and top["height"] <= 56, (path, top)
        assert bar is not None and abs(bar["y"] + bar["height"] - 844) <= 1, (path, bar)
        heights = {round(page.get_by_test_id(t).bounding_box()["height"]) for t in TAB_PAGES}
        assert len(heights) == 1, (path, heights)
        for t in TAB_PAGES:
            label = page.get_by_test_id(t).locator("span")
            assert label.bounding_box()["height"] < 20, (path, t)  # one line: no "分/享"


def test_an_irreversible_step_asks_first_and_cancel_keeps_the_page(new_page):
    # given a buyer on an unpaid order's page
    buyer = UserFactory(username="alice")
    address = AddressFactory(user=buyer)
    sku = SkuFactory(product__store=store_with_owner(), stock=3)
    order = place_orders(buyer, [(sku.pk, 1)], address.pk)[0]
    page = new_page()
    log_in(page, "alice")
    page.goto(f"/orders/{order.pk}/")
    # when they tap 取消订单, the page asks in its own dialog; 取消 keeps the order
    page.get_by_test_id("cancel-order").click()
    dialog = page.get_by_test_id("confirm-dialog")
    assert "取消" in dialog.inner_text()
    page.get_by_test_id("confirm-no").click()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    # and confirming cancels it, once
    page.get_by_test_id("cancel-order").click()
    page.get_by_test_id("confirm-yes").click()
    page.wait_for_load_state()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_console_tables_are_cards_on_a_phone(new_page):
    # given a merchant with orders, on the console's dashboard
    owner = UserFactory(username="shanye")
    store = store_with_owner(owner, name="山野小铺")
    buyer = UserFactory()
    sku = SkuFactory(product__store=store, stock=5)
    address = AddressFactory(user=buyer)
    for _ in range(2):
        place_orders(buyer, [(sku.pk, 1)], address.pk)
    page = new_page()
    log_in(page, "shanye")
    page.goto(f"/stores/console/{store.pk}/")
    # then each order is a card as wide as the screen, its cells labelled, nothing wrapping
    # one character per line
    rows = page.locator("[data-testid=latest-orders] tbody tr")
    assert rows.count() == 2
    box = rows.first.bounding_box()
    assert box is not None and box["width"] > 300
    label = page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=latest-orders] td'), '::before')"
        ".content"
    )
    assert label not in ("", "none", "normal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
