from __future__ import annotations

import pytest

from quanzi.stores.models import StaffRole, Store, StoreStaff
from quanzi.stores.services import MAX_STORES_PER_USER, StoreInput, open_store
from tests.factories import UserFactory
from tests.stores.roles import ROLES, image_file

pytestmark = pytest.mark.django_db


def test_anyone_can_open_a_store_and_becomes_its_owner(api):
    # given a registered customer
    me = UserFactory()
    client = api(me)
    # when they open a store with a shipping rule
    r = client.post(
        "stores",
        {
            "name": "  山野小铺 ",
            "description": "云南山货",
            "shipping_fee": 800,
            "free_shipping_threshold": 9900,
        },
    )
    # then they own it, and it is listed among their stores
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["role"], body["shipping_fee"]) == ("山野小铺", "owner", 800)
    assert StoreStaff.objects.get(store_id=body["id"]).role == StaffRole.OWNER
    mine = client.get("stores/mine").json()
    assert [(s["id"], s["role"]) for s in mine] == [(body["id"], "owner")]
    # and anyone can read its public profile
    public = api().get(f"stores/{body['id']}").json()
    assert public["name"] == "山野小铺" and public["role"] is None


def test_opening_needs_a_login_and_valid_fields(api):
    assert api().post("stores", {"name": "x"}).status_code == 401
    client = api(UserFactory())
    for body in (
        {"name": ""},
        {"name": "   "},
        {"name": "x", "shipping_fee": -1},
        {"name": "x", "payment_window_minutes": 0},
        {"name": "x", "auto_receive_days": 365},
        {"name": "x" * 61},
    ):
        r = client.post("stores", body)
        assert 400 <= r.status_code < 500, body
    assert not Store.objects.exists()


def test_a_person_owns_at_most_five_stores(api):
    me = UserFactory()
    for i in range(MAX_STORES_PER_USER):
        open_store(me, StoreInput(name=f"店{i}"))
    r = api(me).post("stores", {"name": "又一家"})
    assert r.status_code == 409
    assert Store.objects.count() == MAX_STORES_PER_USER


def test_owner_updates_settings_and_logo(api, cast):
    client = api(cast.owner)
    r = client.patch(
        f"stores/{cast.store.pk}", {"shipping_fee": 1000, "payment_window_minutes": 15}
    )
    assert r.status_code == 200
    cast.store.refresh_from_db()
    assert (cast.store.shipping_fee, cast.store.payment_window_minutes, cast.store.name) == (
        1000,
        15,
        "山野小铺",
    )
    r = client.post(
        f"stores/{cast.store.pk}/logo", {"file": image_file("logo.png")}, multipart=True
    )
    assert r.status_code == 200 and r.json()["logo"].endswith(f"{cast.store.pk}.png")
    r = client.post(
        f"stores/{cast.store.pk}/logo",
        {"file": image_file("x.png", (4, 4))},
        multipart=True,
    )
    assert (r.status_code, r.json()["code"]) == (400, "image_too_small")


# Each action against each role: only what the role may do succeeds.
MATRIX = {
    #                 owner staff customer other anonymous
    "read": (200, 200, 200, 200, 200),
    "update": (200, 403, 403, 403, 401),
    "logo": (200, 403, 403, 403, 401),
    "staff_list": (200, 403, 403, 403, 401),
    "staff_add": (201, 403, 403, 403, 401),
    "staff_remove": (204, 403, 403, 403, 401),
    "mine": (200, 200, 200, 200, 401),
}


def _do(action, client, cast):
    store = cast.store.pk
    if action == "read":
        return client.get(f"stores/{store}")
    if action == "update":
        return client.patch(f"stores/{store}", {"name": "改名"})
    if action == "logo":
        return client.post(f"stores/{store}/logo", {"file": image_file()}, multipart=True)
    if action == "staff_list":
        return client.get(f"stores/{store}/staff")
    if action == "staff_add":
        return client.post(f"stores/{store}/staff", {"identifier": cast.other_customer.username})
    if action == "staff_remove":
        return client.delete(f"stores/{store}/staff/{cast.staff.public_id}")
    if action == "mine":
        return client.get("stores/mine")
    raise AssertionError(action)


@pytest.mark.parametrize("action", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_store_permission_matrix(api, cast, role, action):
    expected = MATRIX[action][ROLES.index(role)]
    staff_before = StoreStaff.objects.count()
    r = _do(action, api(cast.user(role)), cast)
    assert r.status_code == expected, (role, action, r.content)
    if expected >= 400:
        cast.store.refresh_from_db()
        assert cast.store.name == "山野小铺" and not cast.store.logo
        assert StoreStaff.objects.count() == staff_before


def test_staff_management(api, cast):
    client = api(cast.owner)
    # the owner adds a person by phone number
    newbie = UserFactory(phone="13911112222")
    r = client.post(f"stores/{cast.store.pk}/staff", {"identifier": "13911112222"})
    assert r.status_code == 201 and r.json()["user_id"] == newbie.public_id
    # twice is a conflict, an unknown person is not found
    assert (
        client.post(f"stores/{cast.store.pk}/staff", {"identifier": "13911112222"}).status_code
        == 409
    )
    assert client.post(f"stores/{cast.store.pk}/staff", {"identifier": "nobody"}).status_code == 404
    listed = client.get(f"stores/{cast.store.pk}/staff").json()
    assert [s["role"] for s in listed] == ["owner", "staff", "staff"]
    # the owner cannot be removed; staff can
    assert client.delete(f"stores/{cast.store.pk}/staff/{cast.owner.public_id}").status_code == 409
    assert client.delete(f"stores/{cast.store.pk}/staff/{newbie.public_id}").status_code == 204
    assert client.delete(f"stores/{cast.store.pk}/staff/{newbie.public_id}").status_code == 404
    # and the new staff member, once added, can manage products but not settings
    assert api(cast.staff).get(f"catalog/stores/{cast.store.pk}/products").status_code == 200


def test_closed_and_unknown_stores(api, cast):
    cast.store.is_active = False
    cast.store.save()
    assert api().get(f"stores/{cast.store.pk}").status_code == 404
    assert api(cast.customer).get(f"stores/{cast.store.pk}").status_code == 404
    assert api(cast.staff).get(f"stores/{cast.store.pk}").status_code == 200
    assert api(cast.owner).patch("stores/nope", {"name": "x"}).status_code == 404
