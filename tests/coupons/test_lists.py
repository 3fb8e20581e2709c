"""List endpoints and pages cost the same number of queries for 2 rows as for 12."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.circles.services import announcements, membership
from quanzi.circles.services import coupons as circle_coupons
from quanzi.coupons import coupons
from quanzi.orders.models import CartItem
from tests.coupons.conftest import MakeCoupon, claim
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def queries(call: Callable[[], Any]) -> int:
    """Queries of a request, measured on a second call (the first records the token's use)."""
    call()
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def coupons_held(shop: Shop, make_coupon: MakeCoupon, n: int) -> None:
    """n more coupons, each claimed by the buyer."""
    for i in range(n):
        claim(shop.buyer, make_coupon(name=f"券{i}", amount_off=100 + i))


@pytest.mark.parametrize(
    "path",
    [
        "campaigns/my-coupons",
        "campaigns/my-coupons/options",
        "campaigns/stores/{store}/coupons",
        "campaigns/stores/{store}/coupons/all",
        "campaigns/circles/{circle}/coupons",
    ],
)
def test_api_lists_have_constant_query_counts(api, shop: Shop, make_coupon: MakeCoupon, path):
    # given a store circle the buyer belongs to, the buyer's cart, and 2 coupons held
    circle = membership.create_circle(
        shop.owner, membership.CircleInput(name="山野", store_id=shop.store.pk)
    )
    membership.join_circle(shop.buyer, circle.pk)
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=2)
    coupons_held(shop, make_coupon, 2)
    user = shop.owner if path.endswith("/all") else shop.buyer
    client = api(user)
    url = path.format(store=shop.store.pk, circle=circle.pk)
    small = queries(lambda: client.get(url))
    # when there are 10 more, and the announcements carry some of them
    coupons_held(shop, make_coupon, 10)
    for coupon in list(coupons.offers(shop.store.pk, None))[:3]:
        note = announcements.create_announcement(shop.owner, circle.pk, title=coupon.coupon.name)
        circle_coupons.attach_to_announcement(shop.owner, circle.pk, note.pk, coupon.coupon.pk)
    big = queries(lambda: client.get(url))
    # then the list costs the same
    assert big == small
    body = client.get(url).json()
    if path == "campaigns/my-coupons":
        assert body["count"] == 12
    if path.startswith("campaigns/circles"):
        assert len(body["offers"]) == 12 and len(body["announcements"]) == 3


@pytest.mark.parametrize("page", ["/coupons/", "product", "circle", "announcements", "console"])
def test_pages_have_constant_query_counts(client, shop: Shop, make_coupon: MakeCoupon, page):
    circle = membership.create_circle(
        shop.owner, membership.CircleInput(name="山野", store_id=shop.store.pk)
    )
    coupons_held(shop, make_coupon, 2)
    urls = {
        "product": f"/products/{shop.sku.product_id}/",
        "circle": f"/circles/{circle.pk}/",
        "announcements": f"/circles/{circle.pk}/announcements/",
        "console": f"/coupons/console/{shop.store.pk}/",
    }
    url = urls.get(page, page)
    client.force_login(shop.owner if page in ("announcements", "console") else shop.buyer)
    note = announcements.create_announcement(shop.owner, circle.pk, title="上新")
    circle_coupons.attach_to_announcement(
        shop.owner, circle.pk, note.pk, coupons.offers(shop.store.pk, None)[0].coupon.pk
    )
    small = queries(lambda: client.get(url))
    coupons_held(shop, make_coupon, 10)
    for coupon in coupons.offers(shop.store.pk, None)[:4]:
        note = announcements.create_announcement(shop.owner, circle.pk, title=coupon.coupon.name)
        circle_coupons.attach_to_announcement(shop.owner, circle.pk, note.pk, coupon.coupon.pk)
    assert queries(lambda: client.get(url)) == small
