from __future__ import annotations

import pytest

from quanzi.accounts.models import Address
from tests.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_then_token_then_me(api):
    # given a new person
    client = api()
    # when they sign up with a phone number
    r = client.post(
        "accounts/signup", {"username": "xiaomei", "password": PASSWORD, "phone": "13800000002"}
    )
    # then they get a token that identifies them
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    me = client.get("accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "xiaomei"
    # and they can log in with their phone number
    r = client.post("accounts/token", {"identifier": "13800000002", "password": PASSWORD})
    assert r.status_code == 200


def test_login_is_rate_limited(api):
    # given an account
    UserFactory(username="target")
    client = api()
    # when someone guesses passwords many times
    codes = [
        client.post(
            "accounts/token", {"identifier": "target", "password": "wrong-pass-1"}
        ).status_code
        for _ in range(12)
    ]
    # then the first failures are 401 and later ones are refused with 429
    assert codes[0] == 401
    assert codes[-1] == 429
    # and even the right password is refused while limited
    r = client.post("accounts/token", {"identifier": "target", "password": PASSWORD})
    assert r.status_code == 429


def test_someone_elses_address_is_not_found(api):
    # given two customers, one with an address
    other_address = AddressFactory()
    me = UserFactory()
    # when I try to edit or delete the other's address
    client = api(me)
    body = {
        "recipient": "李四",
        "phone": "13911112222",
        "province": "广东省",
        "city": "深圳市",
        "detail": "科技园",
    }
    r1 = client.put(f"accounts/addresses/{other_address.id}", body)
    r2 = client.delete(f"accounts/addresses/{other_address.id}")
    # then both are 404 and nothing changed
    assert (r1.status_code, r2.status_code) == (404, 404)
    other_address.refresh_from_db()
    assert other_address.recipient == "张三"


def test_first_address_becomes_default_and_only_one_default(api):
    me = UserFactory()
    client = api(me)
    body = {
        "recipient": "李四",
        "phone": "13911112222",
        "province": "广东省",
        "city": "深圳市",
        "detail": "科技园",
    }
    a = client.post("accounts/addresses", body).json()
    b = client.post("accounts/addresses", {**body, "is_default": True}).json()
    assert a["is_default"] is True and b["is_default"] is True
    assert Address.objects.filter(user=me, is_default=True).count() == 1


def test_bad_phone_is_a_clear_400(api):
    client = api(UserFactory())
    r = client.post(
        "accounts/addresses",
        {"recipient": "李四", "phone": "12", "province": "广东", "city": "深圳", "detail": "x"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert Address.objects.count() == 0


def test_api_docs_are_served_without_a_cdn(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert b"cdn.jsdelivr" not in r.content
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Quanzi API"


def test_operator_admin_lists_users(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="someone", phone="13900000001")
    client.force_login(operator)
    r = client.get("/admin/accounts/user/?q=1390000")
    assert r.status_code == 200
    assert b"someone" in r.content
