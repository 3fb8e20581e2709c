"""Group buying as people do it, in Debian's Chromium: 阿丽 starts a group of three from the
campaign page and pays on the sandbox; she shares the group through its short share link;
小美 and 大刘 open it logged out, log in, join and pay; the group completes and the page says so."""

from __future__ import annotations

import pytest

from quanzi.campaigns.groupbuy.models import Group, GroupStatus
from quanzi.orders.models import Order
from tests.browser.people import log_in
from tests.campaigns.groupbuy.conftest import make_deal
from tests.factories import AddressFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pay_on_sandbox(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_url("**/pay/sandbox/**")
    page.get_by_test_id("sandbox-confirm").click()
    page.wait_for_url("**/orders/*/?result=succeeded")


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
    pay_on_sandbox(a)
    group = Group.objects.get()
    a.goto(f"/groupbuy/g/{group.pk}/")
    assert a.get_by_test_id("in-group").is_visible()
    assert a.get_by_test_id("group-countdown").inner_text().count(":") == 2
    # and she shares it: the Share button makes her short link (with its poster)
    a.get_by_test_id("share-group").click()
    a.wait_for_url("**/s/*/share/")
    assert a.get_by_test_id("share-poster").is_visible()
    link = a.get_by_test_id("share-url").input_value()

    # and two friends open her link logged out, log in, join and pay
    for name in ("xiaomei", "daliu"):
        page = new_page("en")
        page.goto(link)
        assert page.get_by_test_id("group-members").is_visible()
        log_in(page, name)
        page.goto(link)
        page.get_by_test_id("join").click()
        pay_on_sandbox(page)

    # then the group is complete, its three orders may ship, and the page says so
    group.refresh_from_db()
    assert (group.status, group.paid_count) == (GroupStatus.COMPLETE, 3)
    assert not Order.objects.filter(ship_hold=True).exists()
    a.goto(link)
    assert a.get_by_test_id("group-page").get_attribute("data-status") == "complete"
    assert a.get_by_test_id("group-member").count() == 3
