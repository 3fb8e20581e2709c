"""Bargaining in Debian's Chromium: a customer starts a bargain, three friends open its link,
log in when asked and help; it reaches its floor exactly at the third, and every page shows
the ¥ amounts exactly as they are."""

from __future__ import annotations

import pytest

from quanzi.campaigns.bargains.models import Bargain, BargainHelp
from quanzi.core.money import format_fen
from tests.browser.people import log_in
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bargain_reaches_its_floor_after_three_helpers(new_page):
    # given a ¥59.00 → ¥9.90 campaign needing 3 helpers and a customer on its page
    campaign = a_campaign(helpers_needed=3)
    starter = UserFactory()
    AddressFactory(user=starter)
    page = new_page("en")
    log_in(page, starter.username)
    page.goto(f"/bargains/c/{campaign.pk}/")
    # when they start bargaining
    page.get_by_test_id("start-bargain").click()
    page.wait_for_load_state()
    bargain = Bargain.objects.get(campaign=campaign)
    assert page.get_by_test_id("current-price").inner_text() == "¥59.00"
    assert page.get_by_test_id("left-to-floor").inner_text() == "¥49.10"
    # and share it: the Share button makes their short link
    page.get_by_test_id("share-bargain").click()
    page.wait_for_url("**/s/*/share/")
    share_url = page.get_by_test_id("share-url").input_value()
    # and three friends open the shared link logged out, log in when asked and help
    for done, friend in enumerate(UserFactory.create_batch(3, nickname="好友"), start=1):
        helper = new_page("en")
        helper.goto(share_url)
        helper.get_by_test_id("help-cut").click()
        helper.wait_for_load_state()
        assert "/accounts/login/" in helper.url
        helper.fill("input[name=identifier]", friend.username)
        helper.fill("input[name=password]", PASSWORD)
        helper.click("button[type=submit]")
        helper.wait_for_load_state()
        helper.get_by_test_id("help-cut").click()
        helper.wait_for_load_state()
        # then each sees the true price and the exact amount left, to the fen
        bargain.refresh_from_db()
        cut = BargainHelp.objects.get(bargain=bargain, helper=friend).amount
        assert helper.get_by_test_id("helps-count").inner_text() == f"{done} / 3"
        assert helper.get_by_test_id("current-price").inner_text() == format_fen(
            bargain.current_price
        )
        assert helper.get_by_test_id("left-to-floor").inner_text() == format_fen(
            bargain.current_price - 990
        )
        assert format_fen(cut) in helper.get_by_test_id("helpers").inner_text()
    # then the floor is reached exactly at the third helper
    assert bargain.current_price == 990 and bargain.status == "floor_reached"
    page.goto(f"/bargains/{bargain.pk}/")
    assert page.get_by_test_id("current-price").inner_text() == "¥9.90"
    assert page.get_by_test_id("left-to-floor").inner_text() == "¥0.00"
    assert page.get_by_test_id("helps-count").inner_text() == "3 / 3"
    assert page.get_by_test_id("helper").count() == 3
    # and the starter buys at ¥9.90: the checkout sheet shows that price, confirming pays
    page.get_by_test_id("buy").click()
    sheet = page.get_by_test_id("buy-sheet")
    assert sheet.get_by_test_id("sheet-price").inner_text().startswith("¥9.90")
    sheet.get_by_test_id("sheet-confirm").click()
    page.wait_for_url("**/pay/**")
    bargain.refresh_from_db()
    assert bargain.status == "bought" and bargain.order is not None
