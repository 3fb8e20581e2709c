"""Campaign results (quanzi/insights/campaigns.py): group-buy fill rate and median time to
fill, bargain completion, flash-sale sell-through and time to sell out, red-packet grab rate
and the grabbers' orders within 24 hours, coupon redemption; the page, its export and the
API, and who may see them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from quanzi.accounts.models import User
from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainStatus
from quanzi.campaigns.flashsales.models import FlashClaim, FlashSale
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign, GroupStatus
from quanzi.campaigns.redpackets.models import PacketKind, RedPacket, Share
from quanzi.catalog.models import Sku
from quanzi.coupons.models import (
    Coupon,
    CouponKind,
    CouponSource,
    UserCoupon,
    UserCouponStatus,
    Validity,
)
from quanzi.insights.campaigns import campaign_results
from quanzi.insights.periods import Period
from quanzi.stores.models import Store
from tests.factories import ProductFactory, SkuFactory, UserFactory
from tests.insights.conftest_health import a_circle, a_staff, a_store, an_order, at

pytestmark = pytest.mark.django_db


@dataclass
class Shop:
    owner: User
    store: Store
    sku: Sku
    period: Period
    end: datetime  # noon of the period's last day


@pytest.fixture
def shop() -> Shop:
    """A store with a product, and the 7 days that ended yesterday."""
    owner, store = a_store()
    sku = SkuFactory(product=ProductFactory(store=store, title="云南小粒咖啡豆"), stock=50)
    last = timezone.localdate() - timedelta(days=1)
    period = Period("custom", last - timedelta(days=6), last)
    return Shop(owner, store, sku, period, at(last))


def days_before(shop: Shop, days: float) -> datetime:
    return shop.end - timedelta(days=days)


# --- Group buys ---------------------------------------------------------------------------------


def a_group(campaign: GroupCampaign, status: str, opened: datetime, hours: float | None) -> Group:
    closed = opened + timedelta(hours=hours) if hours is not None else None
    return Group.objects.create(
        campaign=campaign,
        status=status,
        team_size=3,
        opened_at=opened,
        expires_at=opened + timedelta(hours=24),
        closed_at=closed,
    )


def test_group_buy_fill_rate_and_median_time_to_fill(shop: Shop) -> None:
    # given a group-buy campaign whose groups ended in the period: two filled (in 2 h and in
    # 6 h) and one failed; and groups that do not count: one filled before the period, one open
    campaign = GroupCampaign.objects.create(
        store=shop.store,
        product=shop.sku.product,
        team_size=3,
        starts_at=days_before(shop, 30),
        ends_at=days_before(shop, -30),
    )
    a_group(campaign, GroupStatus.COMPLETE, days_before(shop, 3), 2)
    a_group(campaign, GroupStatus.COMPLETE, days_before(shop, 2), 6)
    a_group(campaign, GroupStatus.FAILED, days_before(shop, 4), 24)
    a_group(campaign, GroupStatus.COMPLETE, days_before(shop, 20), 1)
    a_group(campaign, GroupStatus.OPEN, days_before(shop, 1), None)
    # when the store's results are read
    (result,) = campaign_results(shop.store, shop.period).group_buys
    # then 2 of the 3 groups that ended filled, in a median of 4 hours
    assert (result.name, result.ended, result.filled) == ("云南小粒咖啡豆", 3, 2)
    assert result.fill_rate == pytest.approx(2 / 3)
    assert result.median_hours_to_fill == 4.0


# --- Bargains -----------------------------------------------------------------------------------


def test_bargain_completion_rate(shop: Shop) -> None:
    # given a bargain campaign: in the period one bargain bought, one expired, one whose time ran
    # out while its status still says open (the timer is late); and bargains that do not count:
    # one still running, one bought before the period
    campaign = BargainCampaign.objects.create(
        store=shop.store,
        sku=shop.sku,
        title="砍到9.9元",
        start_price=5900,
        floor_price=990,
        helpers_needed=3,
        hours=24,
        max_helps_per_user=1,
        starts_at=days_before(shop, 30),
        ends_at=days_before(shop, -30),
    )
    cases = [
        (BargainStatus.BOUGHT, days_before(shop, 1), days_before(shop, 2)),
        (BargainStatus.EXPIRED, days_before(shop, 3), None),
        (BargainStatus.OPEN, days_before(shop, 4), None),
        (BargainStatus.OPEN, timezone.now() + timedelta(hours=5), None),
        (BargainStatus.BOUGHT, days_before(shop, 15), days_before(shop, 16)),
    ]
    for status, expires_at, bought_at in cases:
        Bargain.objects.create(
            campaign=campaign,
            starter=UserFactory(),
            start_price=5900,
            floor_price=990,
            helpers_needed=3,
            current_price=990,
            status=status,
            expires_at=expires_at,
            bought_at=bought_at,
        )
    # when the store's results are read
    (result,) = campaign_results(shop.store, shop.period).bargains
    # then 1 of the 3 bargains that ended was bought
    assert (result.name, result.ended, result.bought) == ("砍到9.9元", 3, 1)
    assert result.completion_rate == pytest.approx(1 / 3)


# --- Flash sales --------------------------------------------------------------------------------


def a_claim(sale: FlashSale, quantity: int, when: datetime, *, returned: bool = False) -> None:
    buyer = UserFactory()
    order = an_order(buyer, sale.store, 990 * quantity, paid_at=when, campaign="flash")
    claim = FlashClaim.objects.create(
        sale=sale, user=buyer, quantity=quantity, order=order, returned=returned
    )
    FlashClaim.objects.filter(pk=claim.pk).update(created_at=when)


def test_flash_sale_sell_through_and_time_to_sell_out(shop: Shop) -> None:
    # given a slot of 10 units that sold 6 units an hour after its start and the last 4 three
    # hours after it (a claim given back at five hours does not count), and a slot that sold
    # 5 of its 20 units; a slot of the next month does not count
    start = days_before(shop, 3)
    sold_out = FlashSale.objects.create(
        store=shop.store,
        sku=shop.sku,
        title="整点秒杀",
        flash_price=990,
        total_stock=10,
        stock=0,
        starts_at=start,
        ends_at=start + timedelta(hours=12),
    )
    a_claim(sold_out, 6, start + timedelta(hours=1))
    a_claim(sold_out, 4, start + timedelta(hours=3))
    a_claim(sold_out, 1, start + timedelta(hours=5), returned=True)
    slow = FlashSale.objects.create(
        store=shop.store,
        sku=shop.sku,
        flash_price=990,
        total_stock=20,
        stock=15,
        starts_at=days_before(shop, 2),
        ends_at=days_before(shop, 1),
    )
    FlashSale.objects.create(
        store=shop.store,
        sku=shop.sku,
        flash_price=990,
        total_stock=20,
        stock=20,
        starts_at=timezone.now() + timedelta(days=30),
        ends_at=timezone.now() + timedelta(days=31),
    )
    # when the store's results are read
    first, second = campaign_results(shop.store, shop.period).flash_sales
    # then the first sold all of its stock in 3 hours, the second a quarter and never sold out
    assert (first.sale_id, first.offered, first.sold, first.sell_through) == (
        sold_out.pk,
        10,
        10,
        1.0,
    )
    assert first.hours_to_sell_out == pytest.approx(3.0)
    assert (second.sale_id, second.name, second.sell_through) == (slow.pk, "云南小粒咖啡豆", 0.25)
    assert second.hours_to_sell_out is None


# --- Red packets --------------------------------------------------------------------------------


def test_red_packet_grab_rate_and_orders_within_a_day(shop: Shop) -> None:
    # given the store's packet of ¥10 in 4 shares (¥1, ¥2, ¥3, ¥4) sent in the period; A grabbed
    # ¥2 and B ¥3; A then paid a ¥50 order two hours later (¥10 refunded) and another 30 hours
    # later; B placed an unpaid order and one at another store; C, who grabbed nothing, paid one
    circle = a_circle(shop.owner, shop.store, "阿梅咖啡圈", born=days_before(shop, 100))
    sent = days_before(shop, 3)
    packet = RedPacket.objects.create(
        circle=circle,
        sender=shop.owner,
        store=shop.store,
        kind=PacketKind.RANDOM,
        total=1000,
        count=4,
        greeting="新年快乐",
        visible_at=sent,
        expires_at=sent + timedelta(hours=24),
        published_at=sent,
    )
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    grabs = {0: (a, 200), 1: (b, 300), 2: (None, 100), 3: (None, 400)}
    for index, (who, amount) in grabs.items():
        Share.objects.create(
            packet=packet,
            index=index,
            amount=amount,
            claimed_by=who,
            claimed_at=sent + timedelta(minutes=5) if who else None,
        )
    grabbed = sent + timedelta(minutes=5)
    two_hours = grabbed + timedelta(hours=2)
    an_order(a, shop.store, 5000, paid_at=two_hours, refunded=1000, created_at=two_hours)
    late = grabbed + timedelta(hours=30)
    an_order(a, shop.store, 3000, paid_at=late, created_at=late)
    an_order(b, shop.store, 3000, paid_at=None, created_at=two_hours)
    _, elsewhere = a_store("别家")
    an_order(b, elsewhere, 3000, paid_at=two_hours, created_at=two_hours)
    an_order(c, shop.store, 3000, paid_at=two_hours, created_at=two_hours)
    # and a member's own packet in the circle (not the store's) does not count
    RedPacket.objects.create(
        circle=circle,
        sender=a,
        kind=PacketKind.EQUAL,
        total=100,
        count=1,
        visible_at=sent,
        expires_at=sent + timedelta(hours=24),
        published_at=sent,
    )
    # when the store's results are read
    (result,) = campaign_results(shop.store, shop.period).red_packets
    # then half of the shares and of the amount were grabbed, and A's first order followed it
    assert (result.name, result.shares, result.grabbed, result.grab_rate) == (
        "新年快乐",
        4,
        2,
        0.5,
    )
    assert (result.total, result.grabbed_amount, result.amount_rate) == (1000, 500, 0.5)
    assert (result.orders, result.gmv) == (1, 4000)


# --- Coupons ------------------------------------------------------------------------------------


def test_coupon_redemption(shop: Shop) -> None:
    # given a coupon handed out 4 times in the period (one used, one given back from a cancelled
    # order, two unused) and once before it (used)
    coupon = Coupon.objects.create(
        store=shop.store,
        name="满100减10",
        kind=CouponKind.FIXED,
        amount_off=1000,
        validity=Validity.DAYS,
        valid_days=30,
        total=10,
        issued=5,
    )
    cases = [
        (days_before(shop, 1), UserCouponStatus.USED),
        (days_before(shop, 2), UserCouponStatus.RETURNED),
        (days_before(shop, 3), UserCouponStatus.UNUSED),
        (days_before(shop, 4), UserCouponStatus.UNUSED),
        (days_before(shop, 20), UserCouponStatus.USED),
    ]
    for handed, status in cases:
        holder = UserFactory()
        used = status == UserCouponStatus.USED
        copy = UserCoupon.objects.create(
            coupon=coupon,
            store=shop.store,
            user=holder,
            source=CouponSource.CLAIMED,
            status=status,
            valid_from=handed,
            expires_at=handed + timedelta(days=30),
            order=an_order(holder, shop.store, 9000, paid_at=handed) if used else None,
            used_at=handed if used else None,
        )
        UserCoupon.objects.filter(pk=copy.pk).update(created_at=handed)
    # when the store's results are read
    (result,) = campaign_results(shop.store, shop.period).coupons
    # then 1 of the 4 copies handed out in the period was used
    assert (result.name, result.handed_out, result.used, result.redemption) == (
        "满100减10",
        4,
        1,
        0.25,
    )


def test_another_stores_campaigns_do_not_count(shop: Shop) -> None:
    # given another store's coupon handed out in the period
    _, other = a_store("别家")
    coupon = Coupon.objects.create(
        store=other,
        name="别家券",
        kind=CouponKind.FIXED,
        amount_off=500,
        validity=Validity.DAYS,
        valid_days=30,
        total=10,
        issued=1,
    )
    UserCoupon.objects.create(
        coupon=coupon,
        store=other,
        user=UserFactory(),
        source=CouponSource.CLAIMED,
        valid_from=shop.end,
        expires_at=shop.end + timedelta(days=30),
    )
    # when this store's results are read
    results = campaign_results(shop.store, shop.period)
    # then there is nothing
    assert results.coupons == results.group_buys == results.red_packets == []


# --- The page, its export and the API ---------------------------------------------------------


def a_coupon_result(shop: Shop) -> None:
    coupon = Coupon.objects.create(
        store=shop.store,
        name="满100减10",
        kind=CouponKind.FIXED,
        amount_off=1000,
        validity=Validity.DAYS,
        valid_days=30,
        total=10,
        issued=2,
    )
    for _ in range(2):
        UserCoupon.objects.create(
            coupon=coupon,
            store=shop.store,
            user=UserFactory(),
            source=CouponSource.CLAIMED,
            valid_from=timezone.now(),
            expires_at=timezone.now() + timedelta(days=30),
        )


def page(user: User | None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def url(store: Store) -> str:
    return f"/insights/console/{store.pk}/campaigns/"


def test_the_page_shows_the_results_to_the_owner(shop: Shop) -> None:
    # given a coupon handed out twice today
    a_coupon_result(shop)
    # when the owner opens the campaign-results page
    response = page(shop.owner).get(url(shop.store))
    # then every mechanic has its block, the coupon its row, and the score's help is there
    assert response.status_code == 200
    body = response.content.decode()
    for table in ("group-buys", "bargains", "flash-sales", "red-packets"):
        assert f'data-testid="empty-{table}"' in body
    assert 'data-testid="table-coupons"' in body and "满100减10" in body
    assert "Social dividend = information" in body
    assert 'data-testid="insights-tab-campaigns"' in body


def test_the_coupons_table_exports_to_excel(shop: Shop) -> None:
    # given a coupon handed out twice today
    a_coupon_result(shop)
    # when the owner exports the coupons table
    response = page(shop.owner).get(url(shop.store), {"export": "coupons", "format": "xlsx"})
    # then the sheet holds it
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Coupon", "Handed out", "Used", "Redemption")
    assert rows[1] == ("满100减10", 2, 0, 0)


@pytest.mark.parametrize("who", ["other_owner", "staff", "customer"])
def test_the_page_is_refused_to_others(shop: Shop, who: str) -> None:
    # given another store's owner, a plain staff member and a customer
    other_owner, _ = a_store("别家")
    people = {"other_owner": other_owner, "staff": a_staff(shop.store), "customer": UserFactory()}
    # when they open the page
    response = page(people[who]).get(url(shop.store))
    # then they get nothing
    assert response.status_code in (403, 404)


def test_the_page_sends_anonymous_visitors_to_sign_in(shop: Shop) -> None:
    # given an anonymous visitor
    # when they open the page
    response = page(None).get(url(shop.store))
    # then they are sent to sign in
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_api_gives_the_owner_and_allowed_staff_the_results(shop: Shop, api: type) -> None:
    # given a coupon handed out twice today, and a staff member let see the insights
    a_coupon_result(shop)
    staff = a_staff(shop.store, sees_insights=True)
    for who in (shop.owner, staff):
        # when they ask the API for today
        response = api(who).get(f"insights/{shop.store.pk}/campaigns", {"period": "today"})
        # then the results come
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["period"]["key"] == "today"
        assert data["coupons"] == [
            {
                "coupon_id": data["coupons"][0]["coupon_id"],
                "name": "满100减10",
                "handed_out": 2,
                "used": 0,
                "redemption": 0.0,
            }
        ]
        assert data["group_buys"] == data["bargains"] == data["flash_sales"] == []


def test_the_api_refuses_a_bad_period(shop: Shop, api: type) -> None:
    # given the owner
    # when they ask for custom dates that end before they start
    response = api(shop.owner).get(
        f"insights/{shop.store.pk}/campaigns",
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
    )
    # then it is a 400
    assert response.status_code == 400
    assert response.json()["code"]


@pytest.mark.parametrize("who", ["anonymous", "other_owner", "staff", "customer"])
def test_the_api_refuses_others(shop: Shop, api: type, who: str) -> None:
    # given an anonymous caller, another store's owner, a plain staff member, a customer
    other_owner, _ = a_store("别家")
    people = {
        "anonymous": None,
        "other_owner": other_owner,
        "staff": a_staff(shop.store),
        "customer": UserFactory(),
    }
    # when they ask the API
    response = api(people[who]).get(f"insights/{shop.store.pk}/campaigns")
    # then they get an error answer and no result
    assert response.status_code in (401, 403, 404)
    assert "coupons" not in response.json()


def test_the_queries_do_not_grow_with_the_campaigns(shop: Shop) -> None:
    # given a group-buy campaign with one ended group, read once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign = GroupCampaign.objects.create(
        store=shop.store,
        product=shop.sku.product,
        team_size=3,
        starts_at=days_before(shop, 30),
        ends_at=days_before(shop, -30),
    )
    a_group(campaign, GroupStatus.COMPLETE, days_before(shop, 3), 2)
    with CaptureQueriesContext(connection) as one:
        campaign_results(shop.store, shop.period)
    # when twenty more groups ended
    for i in range(20):
        a_group(campaign, GroupStatus.FAILED, days_before(shop, 2), i % 5 + 1)
    with CaptureQueriesContext(connection) as many:
        results = campaign_results(shop.store, shop.period)
    # then the same queries read them
    assert results.group_buys[0].ended == 21
    assert len(many.captured_queries) == len(one.captured_queries)
