"""Circle membership in Debian's Chromium: a merchant creates a store circle from the console,
a customer joins by the join link, the merchant bans them, and the customer cannot rejoin."""

from __future__ import annotations

import pytest

from quanzi.circles.models import Circle, Membership
from tests.browser.people import log_in
from tests.factories import UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_join_by_link_ban_and_refused_rejoin(new_page):
    # given a merchant with a store and a customer
    merchant_user = UserFactory(username="ameimei")
    store = store_with_owner(merchant_user, name="阿梅小店")
    UserFactory(username="xiaozhang", nickname="小张")
    merchant = new_page("en")
    log_in(merchant, "ameimei")

    # when the merchant creates a store circle from the circles console
    merchant.goto(f"/circles/console/{store.pk}/")
    merchant.get_by_test_id("create-circle").first.click()
    merchant.get_by_test_id("circle-name-input").fill("阿梅咖啡圈 <script>alert(1)</script>")
    merchant.get_by_test_id("circle-store").select_option(store.pk)
    merchant.get_by_test_id("create-circle").click()
    merchant.wait_for_load_state()
    circle = Circle.objects.get()
    link = merchant.get_by_test_id("join-link").input_value()

    # then the circle shows its name as text, and its QR code loads
    assert "<script>" in merchant.get_by_test_id("circle-name").first.inner_text()
    assert merchant.evaluate("document.querySelector('[data-testid=join-qr]').naturalWidth") > 0

    # when the customer opens the join link and joins
    customer = new_page("en")
    log_in(customer, "xiaozhang")
    customer.goto(link)
    customer.get_by_test_id("join-circle").click()
    customer.wait_for_load_state()
    # then they are a member with a leave button
    assert customer.get_by_test_id("leave-circle").is_visible()
    assert Membership.objects.get(circle=circle, user__username="xiaozhang").state == "active"

    # when the merchant bans them from the members page in the console
    merchant.goto(f"/circles/{circle.pk}/members/")
    assert merchant.get_by_test_id("console-store").is_visible()
    row = merchant.get_by_test_id("member-row").filter(has_text="xiaozhang")
    row.locator("summary").click()
    row.get_by_test_id("member-ban").click()
    merchant.wait_for_load_state()

    # then the customer cannot rejoin by the link and is told why
    customer.goto(link)
    assert customer.get_by_test_id("banned").is_visible()
    assert Membership.objects.get(circle=circle, user__username="xiaozhang").state == "banned"
    circle.refresh_from_db()
    assert circle.member_count == 1
