"""Issue 13 end to end at phone size in Debian's Chromium, on the demo data: the merchant reads
the wish 无糖款 that three members asked for in the circles' chat, builds a segment from it,
sends that segment a coupon with a 10 % holdout, and reads the outreach's report. No console
error and no Content-Security-Policy violation on the way (new_page fails on any)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quanzi.coupons.models import Coupon, UserCoupon
from quanzi.customers.models import Segment
from quanzi.needs.models import Wish
from quanzi.outreach.models import Outreach, OutreachMember
from quanzi.stores.models import Store
from tests.browser.people import demo_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_merchant_turns_a_wish_heard_in_chat_into_an_outreach(new_page):
    # given the demo data (loaded off the browser's thread) and the merchant signed in
    page, errors = demo_merchant(new_page)
    store = Store.objects.get(name="山野小铺")
    wish = Wish.objects.get(store=store, label="无糖款")
    coupon = Coupon.objects.filter(store=store, is_active=True).order_by("created_at").first()
    assert coupon is not None

    # when they open what the community wishes for
    page.goto(f"/stores/console/{store.pk}/")
    page.get_by_test_id("needs-tab").click()
    page.wait_for_load_state()
    # then 无糖款 is among the wishes, asked three times
    row = page.get_by_test_id("wish-row").filter(has_text="无糖款")
    expect(row).to_have_count(1)
    row.get_by_test_id("wish-link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("wish-label").inner_text() == "无糖款"
    assert page.get_by_test_id("wish-count").inner_text() == "3"

    # when they build a segment of the people who asked for it
    page.get_by_test_id("customers-tab").click()
    page.wait_for_load_state()
    page.goto(f"/customers/console/{store.pk}/segments/new/")
    page.get_by_test_id("add-condition").click()
    page.get_by_test_id("condition-kind").last.select_option("wish")
    page.get_by_test_id("condition-value").last.select_option(wish.pk)
    # then the live size is the three who asked
    expect(page.get_by_test_id("segment-live")).to_contain_text("3")
    page.get_by_test_id("segment-name").fill("想要无糖款")
    page.get_by_test_id("segment-save").click()
    page.wait_for_load_state()
    segment = Segment.objects.get(store=store, name="想要无糖款")

    # when they send that segment a coupon, holding 10 % out
    page.goto(f"/outreach/console/{store.pk}/")
    page.get_by_test_id("outreach-new").click()
    page.wait_for_load_state()
    page.get_by_test_id("outreach-name").fill("无糖款上新券")
    page.get_by_test_id("outreach-segment").select_option(segment.pk)
    page.get_by_test_id("channel-coupon").check()
    page.get_by_test_id("outreach-coupon").select_option(coupon.pk)
    page.get_by_test_id("outreach-holdout").fill("10")
    page.get_by_test_id("outreach-save").click()
    page.wait_for_load_state()
    # then the preview splits the three: two reached, one held out (at least one always is)
    assert page.get_by_test_id("preview-size").inner_text() == "3"
    assert page.get_by_test_id("preview-reached").inner_text() == "2"
    assert page.get_by_test_id("preview-holdout").inner_text() == "1"
    before = copies_of(coupon)
    page.get_by_test_id("outreach-send").click()
    page.wait_for_load_state()

    # then the report sets the two groups side by side, its chart drawn, and says honestly that
    # three people cannot show a lift yet
    assert page.get_by_test_id("reached-members").inner_text() == "2"
    assert page.get_by_test_id("holdout-members").inner_text() == "1"
    page.wait_for_selector("[data-outreach-chart][data-drawn]")
    assert page.get_by_test_id("not-significant").is_visible()
    # and only the reached members hold a copy from it
    outreach = Outreach.objects.get(name="无糖款上新券")
    reached = set(
        OutreachMember.objects.filter(outreach=outreach, group="reached").values_list(
            "user_id", flat=True
        )
    )
    held = OutreachMember.objects.get(outreach=outreach, group="holdout").user_id
    after = copies_of(coupon)
    given = {user for user in after if after[user] > before.get(user, 0)}
    assert len(reached) == 2 and held not in given
    assert given <= reached
    assert errors == []


def copies_of(coupon: Coupon) -> dict[int, int]:
    copies: dict[int, int] = {}
    for user_id in UserCoupon.objects.filter(coupon=coupon).values_list("user_id", flat=True):
        copies[user_id] = copies.get(user_id, 0) + 1
    return copies
