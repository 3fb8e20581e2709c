"""The coupon pages as people use them: the merchant's console (create in yuan, edit, the
frozen terms, deactivate, the settings), claiming from a product page, a circle page and an
announcement, and my coupons."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from quanzi.circles.services import announcements, membership
from quanzi.circles.services import coupons as circle_coupons
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, StoreCampaignSettings, UserCoupon
from tests.coupons.conftest import MakeCoupon, claim, later
from tests.orders.conftest import Shop, place

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_merchant_creates_a_coupon_in_yuan_and_sees_it_listed(client, shop: Shop):
    client.force_login(shop.staff)
    start = (
        (timezone.now() + timedelta(days=2))
        .astimezone(SHANGHAI)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )
    form = {
        "name": "满99减15",
        "kind": "threshold",
        "amount_off": "15",
        "min_spend": "99.00",
        "validity": "window",
        "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "total": "500",
        "per_user_limit": "2",
        "claimable": "1",
    }
    r = client.post(f"/coupons/console/{shop.store.pk}/new/", form)
    assert r.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.amount_off, coupon.min_spend, coupon.total, coupon.claimable) == (
        1500,
        9900,
        500,
        True,
    )
    # the times were typed in Beijing time
    assert coupon.valid_from == start and coupon.valid_from.astimezone(UTC).hour == 16
    listing = client.get(f"/coupons/console/{shop.store.pk}/", headers=EN).content.decode()
    assert "满99减15" in listing and "0 of 500 handed out" in listing


def test_a_bad_form_shows_the_message_and_keeps_what_was_typed(client, shop: Shop):
    client.force_login(shop.owner)
    form = {"name": "太贵", "kind": "fixed", "amount_off": "1.234", "validity": "days"}
    r = client.post(f"/coupons/console/{shop.store.pk}/new/", {**form, "total": "9"}, headers=EN)
    assert r.status_code == 400
    html = r.content.decode()
    assert "Enter an amount in yuan" in html and 'value="太贵"' in html
    assert not Coupon.objects.exists()


def test_emptying_the_cap_on_the_edit_form_removes_it(client, shop: Shop, make_coupon: MakeCoupon):
    # given a 20 % coupon capped at ¥15 that nobody holds yet
    coupon = make_coupon(kind="percent", percent_off=20, max_off=1500, min_spend=0)
    client.force_login(shop.owner)
    url = f"/coupons/console/{shop.store.pk}/{coupon.pk}/"
    # when the merchant empties the cap ("empty or 0 = no cap") and saves
    form = {
        "name": coupon.name,
        "kind": "percent",
        "percent_off": "20",
        "max_off": "",
        "min_spend": "",
        "validity": "days",
        "valid_days": "7",
        "total": "100",
        "per_user_limit": "1",
        "claimable": "1",
    }
    assert client.post(url, form).status_code == 302
    # then the coupon has no cap any more
    coupon.refresh_from_db()
    assert coupon.max_off == 0


def test_editing_a_handed_out_coupon_keeps_its_terms(client, shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon()
    claim(shop.buyer, coupon)
    client.force_login(shop.owner)
    url = f"/coupons/console/{shop.store.pk}/{coupon.pk}/"
    page = client.get(url, headers=EN).content.decode()
    assert 'data-testid="terms-frozen"' in page and "<fieldset disabled>" in page
    # the browser does not send disabled fields: name, quantity and limit change
    r = client.post(url, {"name": "满50减10·返场", "total": "200", "per_user_limit": "1"})
    assert r.status_code == 302
    coupon.refresh_from_db()
    assert (coupon.name, coupon.total, coupon.amount_off, coupon.claimable) == (
        "满50减10·返场",
        200,
        1000,
        False,  # the box was not ticked
    )


def test_the_owner_sets_join_cashback_and_campaign_prices_staff_only_read(
    client, shop: Shop, make_coupon: MakeCoupon
):
    gift = make_coupon(name="入群礼", claimable=False)
    client.force_login(shop.staff)
    page = client.get(f"/coupons/console/{shop.store.pk}/", headers=EN).content.decode()
    assert "Only the store owner changes these settings." in page
    client.force_login(shop.owner)
    r = client.post(
        f"/coupons/console/{shop.store.pk}/settings/",
        {"join_cashback": gift.pk, "coupons_on_campaign_price": "1"},
    )
    assert r.status_code == 302
    found = StoreCampaignSettings.objects.get(store=shop.store)
    assert (found.join_cashback_id, found.coupons_on_campaign_price) == (gift.pk, True)
    assert coupons.coupon_allowed_on_campaign_price(shop.store)
    page = client.get(f"/coupons/console/{shop.store.pk}/", headers=EN).content.decode()
    assert 'id="coupons-on-campaign-price" checked' in page
    # deactivating it from the console ends the join cashback
    client.post(f"/coupons/console/{shop.store.pk}/{gift.pk}/deactivate/")
    found.refresh_from_db()
    assert found.join_cashback_id is None


def test_claiming_from_the_product_page(client, shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon()
    make_coupon(name="只送不领", claimable=False)
    url = f"/products/{shop.sku.product_id}/"
    # anonymous visitors see the coupon and a claim button that asks them to log in
    html = client.get(url, headers=EN).content.decode()
    assert "满50减10" in html and "只送不领" not in html
    assert "/accounts/login/?next=" in html
    # a customer claims it and comes back to the product page, where it shows claimed
    client.force_login(shop.buyer)
    r = client.post(f"/coupons/{coupon.pk}/claim/", {"next": url}, headers=EN)
    assert r.status_code == 302 and r["Location"] == url
    html = client.get(url, headers=EN).content.decode()
    assert "Coupon claimed" in html and 'data-testid="coupon-claimed"' in html
    # claiming again says why not, and an unknown coupon is a 404
    client.post(f"/coupons/{coupon.pk}/claim/", {"next": url})
    assert UserCoupon.objects.filter(user=shop.buyer).count() == 1
    assert client.post("/coupons/forged0000000000/claim/").status_code == 404
    # a next that leaves the site is not followed
    r = client.post(f"/coupons/{coupon.pk}/claim/", {"next": "https://evil.example/"})
    assert r["Location"] == "/coupons/"


def test_an_announcement_carries_a_coupon_members_claim_under_it(
    client, api, shop: Shop, make_coupon: MakeCoupon
):
    # given a store circle with the buyer as member, and an announcement
    circle = membership.create_circle(
        shop.owner, membership.CircleInput(name="山野老朋友", store_id=shop.store.pk)
    )
    membership.join_circle(shop.buyer, circle.pk)
    note = announcements.create_announcement(shop.owner, circle.pk, title="周五上新")
    coupon = make_coupon()
    page_url = f"/circles/{circle.pk}/announcements/"
    # when the owner chooses the coupon on the announcements page
    client.force_login(shop.owner)
    owner_page = client.get(page_url, headers=EN).content.decode()
    assert 'data-testid="announcement-coupon-form"' in owner_page
    r = client.post(f"/coupons/announcements/{circle.pk}/{note.pk}/", {"coupon": coupon.pk})
    assert r.status_code == 302 and r["Location"].endswith(f"#a-{note.pk}")
    # then the member sees it under the announcement, without the admin form, and claims it
    client.force_login(shop.buyer)
    member_page = client.get(page_url, headers=EN).content.decode()
    assert 'data-testid="announcement-coupon"' in member_page
    assert 'data-testid="announcement-coupon-form"' not in member_page
    client.post(f"/coupons/{coupon.pk}/claim/", {"next": page_url})
    assert UserCoupon.objects.filter(user=shop.buyer, coupon=coupon).exists()
    # and the API tells members which announcement carries it, but not outsiders
    body = api(shop.buyer).get(f"campaigns/circles/{circle.pk}/coupons").json()
    assert body["announcements"][note.pk]["id"] == coupon.pk
    assert (
        api(shop.other).get(f"campaigns/circles/{circle.pk}/coupons").json()["announcements"] == {}
    )
    # and choosing "no coupon" takes it off
    client.force_login(shop.owner)
    client.post(f"/coupons/announcements/{circle.pk}/{note.pk}/", {"coupon": ""})
    assert circle_coupons.announcement_coupons(circle) == {}


def test_my_coupons_tabs(client, shop: Shop, make_coupon: MakeCoupon):
    usable = claim(shop.buyer, make_coupon(name="能用的"))
    short = claim(shop.buyer, make_coupon(name="快过期", valid_days=1))
    used = claim(shop.buyer, make_coupon(name="用掉的", kind="fixed", amount_off=100, min_spend=0))
    from quanzi.orders.services.checkout import place_orders

    place_orders(
        shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, coupon_ids={shop.store.pk: used.pk}
    )
    client.force_login(shop.buyer)
    with later(days=1, seconds=1):
        tabs = {
            tab: client.get("/coupons/", {"status": tab}, headers=EN).content.decode()
            for tab in ("usable", "used", "expired")
        }
    assert "能用的" in tabs["usable"] and "快过期" not in tabs["usable"]
    used.refresh_from_db()
    assert "用掉的" in tabs["used"] and f"/orders/{used.order_id}/" in tabs["used"]
    assert "快过期" in tabs["expired"] and "能用的" not in tabs["expired"]
    assert usable.pk and short.pk
    # and an unknown tab shows the usable ones
    assert "能用的" in client.get("/coupons/", {"status": "nope"}).content.decode()


def test_a_coupon_that_starts_later_is_listed_but_not_offered_at_checkout(
    shop: Shop, make_coupon: MakeCoupon
):
    start = timezone.now() + timedelta(days=2)
    claim(
        shop.buyer,
        make_coupon(validity="window", valid_from=start, valid_until=start + timedelta(days=2)),
    )
    assert coupons.my_coupons(shop.buyer, "usable").count == 1
    from quanzi.coupons.checkout import coupon_options
    from quanzi.orders.services.checkout import checkout_goods

    goods = checkout_goods([(shop.sku.pk, 1)])
    assert coupon_options(shop.buyer, goods)[shop.store.pk].usable == []
    assert place(shop).discount == 0
