"""At phone size in Chromium: the merchant drafts a coupon outreach to a segment with a 10 %
holdout, previews the groups, sends it, and reads its report with the chart drawn; no
Content-Security-Policy violation on the way (new_page fails the test on any)."""

from __future__ import annotations

import pytest

from quanzi.coupons.models import UserCoupon
from quanzi.outreach.models import Outreach
from tests.browser.people import log_in
from tests.outreach.conftest import Reach

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_merchant_sends_a_coupon_with_a_holdout_and_reads_the_report(new_page, reach: Reach):
    # given the owner signed in on a phone
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, reach.owner.username)
    # when they open outreach and draft a coupon to the circle's segment, 10 % held out
    page.goto(f"/outreach/console/{reach.store_id}/")
    page.get_by_test_id("outreach-new").click()
    page.wait_for_load_state()
    page.get_by_test_id("outreach-name").fill("新豆回访")
    page.get_by_test_id("outreach-segment").select_option(reach.segment.pk)
    page.get_by_test_id("channel-coupon").check()
    page.get_by_test_id("outreach-coupon").select_option(reach.coupon.pk)
    page.get_by_test_id("outreach-holdout").fill("10")
    page.get_by_test_id("outreach-save").click()
    page.wait_for_load_state()
    # then the draft previews 20 members: 18 reached, 2 held out
    assert page.get_by_test_id("preview-size").inner_text() == "20"
    assert page.get_by_test_id("preview-reached").inner_text() == "18"
    assert page.get_by_test_id("preview-holdout").inner_text() == "2"
    # when they send it
    page.get_by_test_id("outreach-send").click()
    page.wait_for_load_state()
    # then the report shows both groups side by side and the chart has drawn
    assert page.get_by_test_id("reached-members").inner_text() == "18"
    assert page.get_by_test_id("holdout-members").inner_text() == "2"
    page.wait_for_selector("[data-outreach-chart][data-drawn]")
    assert page.get_by_test_id("not-significant").is_visible()
    assert page.get_by_test_id("itt-note").is_visible()
    # and the 18 reached members hold the coupon, once
    outreach = Outreach.objects.get(name="新豆回访")
    assert UserCoupon.objects.filter(coupon=reach.coupon).count() == 18
    assert outreach.state == "sent"
    # and the list shows its lift
    page.goto(f"/outreach/console/{reach.store_id}/")
    assert page.get_by_test_id("outreach-lift").count() == 1
    assert errors == []
