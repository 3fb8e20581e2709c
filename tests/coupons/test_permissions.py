"""Who may do what, endpoint by endpoint: the store's owner and staff, a customer, another
customer and anonymous callers, on the API and on the pages. A refused call writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.circles.services import announcements, membership
from quanzi.coupons import coupons
from quanzi.coupons.models import AnnouncementCoupon, Coupon
from tests.coupons.conftest import MakeCoupon, claim, written
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db

ROLES = ("owner", "staff", "customer", "other", "anonymous")
COUPON_BODY = {
    "name": "满50减10",
    "kind": "threshold",
    "amount_off": 1000,
    "min_spend": 5000,
    "validity": "days",
    "valid_days": 7,
    "total": 10,
}

# Each endpoint against each role (customer holds a copy of the claimable coupon).
MATRIX: dict[str, tuple[int, ...]] = {
    #                     owner staff customer other anonymous
    "store_offers": (200, 200, 200, 200, 200),
    "console_list": (200, 200, 403, 403, 401),
    "create": (201, 201, 403, 403, 401),
    "update": (200, 200, 403, 403, 401),
    "deactivate": (200, 200, 403, 403, 401),
    "read_claimable": (200, 200, 200, 200, 200),
    "read_system_only": (200, 200, 404, 404, 404),
    "claim": (201, 201, 201, 201, 401),
    "claim_system_only": (404, 404, 404, 404, 401),
    "settings_read": (200, 200, 403, 403, 401),
    "settings_write": (200, 403, 403, 403, 401),
    "my_coupons": (200, 200, 200, 200, 401),
    "my_options": (200, 200, 200, 200, 401),
    "circle_coupons": (200, 200, 200, 200, 200),
}


def who(shop: Shop, role: str) -> Any:
    return {
        "owner": shop.owner,
        "staff": shop.staff,
        "customer": shop.buyer,
        "other": shop.other,
        "anonymous": None,
    }[role]


def _do(action: str, client: Any, shop: Shop, open_coupon: Coupon, hidden: Coupon) -> Any:
    store = shop.store.pk
    if action == "circle_coupons":
        circle = membership.create_circle(
            shop.owner, membership.CircleInput(name="山野", store_id=store)
        )
        return client.get(f"campaigns/circles/{circle.pk}/coupons")
    calls = {
        "store_offers": lambda: client.get(f"campaigns/stores/{store}/coupons"),
        "console_list": lambda: client.get(f"campaigns/stores/{store}/coupons/all"),
        "create": lambda: client.post(f"campaigns/stores/{store}/coupons", COUPON_BODY),
        "update": lambda: client.patch(f"campaigns/coupons/{open_coupon.pk}", {"name": "改名"}),
        "deactivate": lambda: client.post(f"campaigns/coupons/{open_coupon.pk}/deactivate"),
        "read_claimable": lambda: client.get(f"campaigns/coupons/{open_coupon.pk}"),
        "read_system_only": lambda: client.get(f"campaigns/coupons/{hidden.pk}"),
        "claim": lambda: client.post(f"campaigns/coupons/{open_coupon.pk}/claim"),
        "claim_system_only": lambda: client.post(f"campaigns/coupons/{hidden.pk}/claim"),
        "settings_read": lambda: client.get(f"campaigns/stores/{store}/settings"),
        "settings_write": lambda: client.put(
            f"campaigns/stores/{store}/settings",
            {"coupons_on_campaign_price": True, "join_cashback_id": hidden.pk},
        ),
        "my_coupons": lambda: client.get("campaigns/my-coupons"),
        "my_options": lambda: client.get("campaigns/my-coupons/options"),
    }
    return calls[action]()


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_api_permission_matrix(api, shop: Shop, make_coupon: MakeCoupon, role: str, action: str):
    open_coupon = make_coupon(per_user_limit=2)
    hidden = make_coupon(name="入群礼", claimable=False)
    claim(shop.buyer, open_coupon)
    before = written()
    coupon_rows = list(Coupon.objects.order_by("pk").values())
    expected = MATRIX[action][ROLES.index(role)]
    r = _do(action, api(who(shop, role)), shop, open_coupon, hidden)
    assert r.status_code == expected, (role, action, r.content)
    if expected >= 400:
        assert written() == before
        assert list(Coupon.objects.order_by("pk").values()) == coupon_rows


CIRCLE_ROLES = ("store_owner_admin", "admin_not_staff", "member", "stranger", "anonymous")


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(CIRCLE_ROLES, (200, 403, 403, 403, 401), strict=True))
)
def test_attaching_a_coupon_to_an_announcement(
    api, shop: Shop, make_coupon: MakeCoupon, role: str, expected: int
):
    # given a store circle with an announcement, an admin who does not work for the store,
    # a member and a stranger
    circle = membership.create_circle(
        shop.owner, membership.CircleInput(name="山野老朋友", store_id=shop.store.pk)
    )
    note = announcements.create_announcement(shop.owner, circle.pk, title="周五上新")
    admin, member = UserFactory(), UserFactory()
    for person in (admin, member):
        membership.join_circle(person, circle.pk)
    membership.set_admin(shop.owner, circle.pk, admin.public_id, admin=True)
    people = {
        "store_owner_admin": shop.owner,
        "admin_not_staff": admin,
        "member": member,
        "stranger": UserFactory(),
        "anonymous": None,
    }
    coupon = make_coupon()
    # when they attach the store's coupon to the announcement
    r = api(people[role]).put(
        f"campaigns/circles/{circle.pk}/announcements/{note.pk}/coupon", {"coupon_id": coupon.pk}
    )
    # then only the admin who works for the store may
    assert r.status_code == expected, r.content
    assert AnnouncementCoupon.objects.count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, (200, 200, 403, 403, 302), strict=True))
)
def test_console_pages_are_the_stores(
    client, shop: Shop, make_coupon: MakeCoupon, role: str, expected: int
):
    coupon = make_coupon()
    if who(shop, role):
        client.force_login(who(shop, role))
    store = shop.store.pk
    for url in (
        f"/coupons/console/{store}/",
        f"/coupons/console/{store}/new/",
        f"/coupons/console/{store}/{coupon.pk}/",
    ):
        r = client.get(url)
        assert r.status_code == expected, (url, role)
    r = client.post(f"/coupons/console/{store}/{coupon.pk}/deactivate/")
    assert r.status_code == (302 if expected in (200, 302) else expected)
    coupon.refresh_from_db()
    assert coupon.is_active is (role not in ("owner", "staff"))


def test_a_coupon_of_another_store_is_not_found_in_this_console(
    client, shop: Shop, make_coupon: MakeCoupon
):
    from tests.factories import store_with_owner

    mine = store_with_owner(shop.owner, name="第二家店")
    coupon = make_coupon()
    client.force_login(shop.owner)
    assert client.get(f"/coupons/console/{mine.pk}/{coupon.pk}/").status_code == 404


def test_my_coupons_page_needs_a_login(client, shop: Shop, make_coupon: MakeCoupon):
    assert client.get("/coupons/").status_code == 302
    claim(shop.buyer, make_coupon())
    client.force_login(shop.other)
    r = client.get("/coupons/")
    assert r.status_code == 200 and "满50减10" not in r.content.decode()
    assert coupons.my_coupons(shop.buyer).count == 1
