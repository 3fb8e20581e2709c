"""Group buying as people do it, in Debian's Chromium: 阿丽 starts a group of three from the
campaign page and pays on the sandbox; she shares the group through its short share link;
小美 opens it logged out, logs in, joins and pays: her order says the group still needs one,
and the merchant's console shows it awaiting the group; 大刘 joins and pays, the group
completes, and the group page, 小美's order and the console say so."""

from __future__ import annotations

import pytest

from quanzi.campaigns.groupbuy.models import Group, GroupStatus
from quanzi.orders.models import Order
from tests.browser.people import log_in
from tests.campaigns.groupbuy.conftest import make_deal
from tests.factories import AddressFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_sheet_and_pay(page) -> None:  # type: ignore[no-untyped-def]
    """The checkout sheet opened over the page (group price, address, total): confirm it,
    then pay on the sandbox."""
    sheet = page.get_by_test_id("buy-sheet")
    sheet.wait_for()
    assert sheet.get_by_test_id("sheet-offer").is_visible()
    sheet.get_by_test_id("sheet-confirm").click()
    pay_on_sandbox(page)


def pay_on_sandbox(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_url("**/pay/sandbox/**")
    page.get_by_test_id("sandbox-confirm").click()
    page.wait_for_url("**/orders/*/?result=succeeded")


def join_and_pay(page, name: str, link: str):  # type: ignore[no-untyped-def]
    """Open the group's link logged out, log in, join and pay; the page ends on the order."""
    page.goto(link)
    assert page.get_by_test_id("group-members").is_visible()
    log_in(page, name)
    page.goto(link)
    page.get_by_test_id("join").click()
    confirm_sheet_and_pay(page)
    return page


def group_panel(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_test_id("group-panel-status").inner_text()


def test_two_customers_join_through_the_link_and_the_group_completes(new_page):
    # given a group buy of three people and three customers with an address
    deal = make_deal(team_size=3)
    for name in ("ali", "xiaomei", "daliu"):
        AddressFactory(user=UserFactory(username=name))

    # when 阿丽 starts a group from the campaign page and pays
    a = new_page("en")
    log_in(a, "ali")
    a.goto(f"/groupbuy/c/{deal.campaign.pk}/")
    a.get_by_test_id("start-group").click()
    confirm_sheet_and_pay(a)
    group = Group.objects.get()
    a.goto(f"/groupbuy/g/{group.pk}/")
    assert a.get_by_test_id("in-group").is_visible()
    assert a.get_by_test_id("group-countdown").inner_text().count(":") == 2
    # and she shares it: the Share button makes her short link (with its poster)
    a.get_by_test_id("share-group").click()
    a.wait_for_url("**/s/*/share/")
    assert a.get_by_test_id("share-poster").is_visible()
    link = a.get_by_test_id("share-url").input_value()

    # and a friend, 小美, opens her link logged out, logs in, joins and pays
    xiaomei = join_and_pay(new_page("zh-hans"), "xiaomei", link)

    # then 小美's order says the group still needs one, with a ticking countdown, the two
    # members and the invite link
    assert group_panel(xiaomei).startswith("拼团中 · 还差 1 人")
    countdown = xiaomei.get_by_test_id("group-panel-countdown")
    xiaomei.wait_for_function(
        "el => el.textContent.split(':').length === 3", arg=countdown.element_handle()
    )
    assert xiaomei.get_by_test_id("group-member").count() == 2
    assert xiaomei.get_by_test_id("group-invite").is_visible()
    xiaomei_order = Order.objects.get(buyer__username="xiaomei")
    # and the merchant's console shows her paid order as awaiting the group, with no ship form
    m = new_page("zh-hans")
    log_in(m, deal.owner.username)
    m.goto(f"/orders/console/{deal.store.pk}/{xiaomei_order.pk}/")
    assert m.get_by_test_id("order-status").inner_text() == "拼团中"
    assert m.get_by_test_id("ship-held").is_visible()
    assert m.get_by_test_id("ship-submit").count() == 0

    # when 大刘 joins and pays too
    join_and_pay(new_page("en"), "daliu", link)

    # then the group is complete, its three orders may ship, and the page says so
    group.refresh_from_db()
    assert (group.status, group.paid_count) == (GroupStatus.COMPLETE, 3)
    assert not Order.objects.filter(ship_hold=True).exists()
    a.goto(link)
    assert a.get_by_test_id("group-page").get_attribute("data-status") == "complete"
    assert a.get_by_test_id("group-member").count() == 3
    # and 小美's order and the merchant's console flip: complete, and ready to ship
    xiaomei.goto(f"/orders/{xiaomei_order.pk}/")
    assert group_panel(xiaomei).startswith("拼团成功")
    m.reload()
    assert m.get_by_test_id("order-status").inner_text() == "待发货"
    assert m.get_by_test_id("ship-submit").is_visible()
    assert not new_page.csp_violations
