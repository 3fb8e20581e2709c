"""Campaign cards inside the chat, on a phone, against the real ASGI server (uvicorn, as in
test_chat_browser.py): a group buy's group, a bargain and a coupon shared in the circle show
their live state; 帮砍一刀 and 领取 act in place without leaving the chat; every card changes
for everyone as people join, help and claim; and a member over the share limit sees why and
until when, in the chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.circles.conftest_chat import LiveSite, make_live_site, open_chat

pytestmark = pytest.mark.browser

CARDS_SEED = """
import json, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services as bargains
from quanzi.campaigns.groupbuy import services as groupbuy
from quanzi.circles.models import Circle
from quanzi.circles.services import chat
from quanzi.coupons import coupons
from tests.circles.conftest_chat import seed_live
from tests.factories import AddressFactory

seed = seed_live()
circle = Circle.objects.get(pk=seed["circle"])
Circle.objects.filter(pk=circle.pk).update(commercial_share_percent=100, member_share_daily_limit=3)
names = ("alice", "bob", "owner", "admin1")
alice, bob, owner, admin = (User.objects.get(username=n) for n in names)
for person in (alice, admin):
    AddressFactory(user=person)
product = circle.store.products.get()
sku = product.skus.get()
now = timezone.now()
campaign = groupbuy.create_campaign(owner, circle.store_id, groupbuy.GroupBuyFields(
    product_id=product.pk, prices={sku.pk: 3900}, team_size=3, hours=24,
    starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7)))
seat = groupbuy.open_group(alice, campaign.pk, sku.pk)
deal = bargains.create_campaign(owner, circle.store_id, bargains.BargainInput(
    sku_id=sku.pk, title="砍到9.9元", start_price=5900, floor_price=990, helpers_needed=3,
    hours=24, max_helps_per_user=1, spread_percent=50,
    starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=7)))
bargain = bargains.start_bargain(alice, deal.pk)
coupon = coupons.create_coupon(owner, circle.store_id, coupons.CouponFields(
    name="满50减10", kind="threshold", amount_off=1000, min_spend=5000, validity="days",
    valid_days=7, total=2, per_user_limit=1))
for card_type, target, who in (("group", seat.group.pk, alice), ("bargain", bargain.pk, alice),
                               ("coupon", coupon.pk, owner)):
    chat.send_message(who, circle.pk, kind="campaign", card_type=card_type, target_id=target,
                      client_id=f"card-{card_type}")
seed.update(group=seat.group.pk, campaign=campaign.pk, sku=sku.pk)
print("SEED" + json.dumps(seed))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSite, str]]:
    live = make_live_site(Path(tmp_path_factory.mktemp("chat-cards")), seed=CARDS_SEED)
    base = live.start()
    yield live, base
    live.stop()


def test_cards_act_in_place_and_change_for_everyone(browser, site):
    live, base = site
    alice_ctx, alice = open_chat(browser, site, "alice", lang="zh-hans")
    bob_ctx, bob = open_chat(browser, site, "bob", lang="zh-hans")
    for page in (alice, bob):  # gone if the page ever unloads
        page.evaluate("window.__sameDocument = true")
    try:
        # given the group's card: 还差 2 人, a ticking countdown, 参团 naming the group
        group = bob.get_by_test_id("chat-group")
        assert "还差 2 人" in group.get_by_test_id("chat-group-state").inner_text()
        clock = group.get_by_test_id("chat-group-countdown")
        assert re.search(r"\d\d:\d\d:\d\d", clock.inner_text())
        join = group.get_by_test_id("chat-group-join")
        assert join.get_attribute("href") == f"/groupbuy/g/{live.seed['group']}/"
        assert join.get_attribute("data-group-id") == live.seed["group"]
        assert join.get_attribute("data-campaign-id") == live.seed["campaign"]
        # when someone joins the group, then both chats show 还差 1 人 without a reload
        live.post(
            base,
            "admin",
            f"groupbuy/groups/{live.seed['group']}/join",
            {"sku_id": live.seed["sku"]},
        )
        for page in (alice, bob):
            page.get_by_test_id("chat-group-state").filter(has_text="还差 1 人").wait_for()
            assert page.get_by_test_id("chat-group-members").locator("span").count() == 3
        # and bob's 参团 opens the checkout sheet at the group price over the chat
        bob.get_by_test_id("chat-group-join").click()
        sheet = bob.get_by_test_id("buy-sheet")
        sheet.wait_for()
        assert "还差 1 人成团" in sheet.get_by_test_id("sheet-offer-note").inner_text()
        assert bob.evaluate("window.__sameDocument") is True
        bob.evaluate("document.getElementById('sheet-root').innerHTML = ''")

        # when bob taps 帮砍一刀 on alice's bargain, then it says what he cut, in place
        bob.get_by_test_id("chat-bargain-help").click()
        result = bob.get_by_test_id("chat-bargain").get_by_test_id("chat-card-result")
        result.wait_for()
        assert "砍掉了" in result.inner_text()
        # and alice's card shows the new true price and progress, live
        alice.wait_for_function(
            "() => document.querySelector('[data-testid=chat-bargain-progress]').value > 0"
        )
        assert "¥59.00" not in alice.get_by_test_id("chat-bargain-price").inner_text()
        # and alice, the starter, has no help button on her own bargain
        assert alice.get_by_test_id("chat-bargain-help").count() == 0
        assert alice.get_by_test_id("chat-bargain-view").is_visible()

        # when bob taps 领取 on the coupon, then it is claimed in place
        coupon = bob.get_by_test_id("chat-coupon")
        assert "剩 2 张" in coupon.get_by_test_id("chat-coupon-state").inner_text()
        assert "立减 ¥10.00" in coupon.get_by_test_id("chat-coupon-value").inner_text()
        coupon.get_by_test_id("chat-coupon-claim").click()
        claimed = coupon.get_by_test_id("chat-card-result")
        claimed.wait_for()
        assert "领取成功" in claimed.inner_text()
        # and alice's coupon card says one is left
        alice.get_by_test_id("chat-coupon-state").filter(has_text="剩 1 张").wait_for()
        # and a second claim by bob is refused with the reason, in place
        bob.get_by_test_id("chat-coupon").get_by_test_id("chat-coupon-claim").click()
        refused = bob.get_by_test_id("chat-coupon").get_by_test_id("chat-card-result")
        refused.locator("xpath=self::*[contains(@class, 'refused')]").wait_for()
        assert alice.evaluate("window.__sameDocument") and bob.evaluate("window.__sameDocument")
        assert bob.get_by_test_id("chat-status").get_attribute("data-state") == "online"
    finally:
        alice_ctx.close()
        bob_ctx.close()


def test_a_member_over_the_share_limit_sees_why_and_until_when(browser, site):
    # given alice, who shared two cards today in a circle that lets members share three
    alice_ctx, alice = open_chat(browser, site, "alice", lang="zh-hans")
    try:
        # when she shares the group buy from the composer's picker, then it is sent
        alice.get_by_test_id("chat-cards").click()
        option = alice.locator("[data-testid=chat-card-option][data-card-type=groupbuy]")
        option.get_by_test_id("chat-share-card").click()
        alice.get_by_test_id("chat-groupbuy").wait_for()
        # when she shares one more (the coupon), then the chat says why not and until when
        alice.get_by_test_id("chat-cards").click()
        option = alice.locator("[data-testid=chat-card-option][data-card-type=coupon]")
        option.get_by_test_id("chat-share-card").click()
        error = alice.get_by_test_id("chat-error")
        error.wait_for()
        text = error.inner_text()
        assert "未发送" in text and "24 小时" in text
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", text)
        assert error.is_visible()
        # and nothing was added to the chat
        assert alice.get_by_test_id("chat-coupon").count() == 1
    finally:
        alice_ctx.close()
