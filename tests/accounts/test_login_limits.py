"""Login limits: counted per account, per account × address, per device, per address across
accounts and per account from everywhere, so that an attacker can neither get around them nor
turn them against the owner (issue 9, point 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"


def token(client: Client, identifier: str, password: str, address: str = ATTACKER) -> Any:
    return client.post(
        "/api/v1/accounts/token",
        {"identifier": identifier, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def fail(client: Client, identifier: str, times: int, address: str = ATTACKER) -> list[int]:
    return [token(client, identifier, "wrong-guess-1", address).status_code for _ in range(times)]


def test_the_phone_number_does_not_give_ten_more_tries_after_the_username_is_locked():
    # given an account with a username and a phone number
    UserFactory(username="alice", phone="13800000001")
    attacker = Client()
    # when someone fails 10 times with the username from one address
    assert fail(attacker, "alice", 10) == [401] * 10
    # then the same account is refused under its phone number, another case and whitespace
    for other_spelling in ("13800000001", "ALICE", "  Alice "):
        r = token(attacker, other_spelling, "wrong-guess-2")
        assert r.status_code == 429, (other_spelling, r.content)


def test_failures_from_another_address_do_not_lock_the_owner_out():
    # given an account under attack from one address until it is refused there
    UserFactory(username="alice")
    codes = fail(Client(), "alice", 12, address=ATTACKER)
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    # when the owner logs in from their own address
    r = token(Client(), "alice", PASSWORD, address=OWNER)
    # then they get in
    assert r.status_code == 200, r.content


def test_a_device_that_logged_in_before_keeps_the_owner_in():
    # given the owner logged in once on their phone (which keeps its cookies)
    UserFactory(username="alice")
    phone = Client()
    assert token(phone, "alice", PASSWORD, address=OWNER).status_code == 200
    # ... and an attacker behind the same address (a shared NAT) fails until refused
    assert fail(Client(), "alice", 12, address=OWNER)[-1] == 429
    # when the owner logs in again on that phone, from that address
    r = token(phone, "alice", PASSWORD, address=OWNER)
    # then they get in
    assert r.status_code == 200, r.content
    # but a new device at that address stays refused
    assert token(Client(), "alice", PASSWORD, address=OWNER).status_code == 429


def test_a_trusted_device_keeps_its_own_small_budget():
    # given the owner's phone logged in once
    UserFactory(username="alice")
    phone = Client()
    assert token(phone, "alice", PASSWORD, address=OWNER).status_code == 200
    # when wrong passwords are tried on that phone (a thief holding it)
    codes = fail(phone, "alice", 12, address=OWNER)
    # then it is refused after its own 10 failures
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_a_distributed_attack_is_slowed_without_locking_a_trusted_device_out():
    # given the owner's phone logged in once
    UserFactory(username="alice")
    phone = Client()
    assert token(phone, "alice", PASSWORD, address=OWNER).status_code == 200
    # when a botnet guesses from many addresses, each staying below the per-address limit
    codes = []
    for i in range(25):
        codes += fail(Client(), "alice", 5, address=f"192.0.2.{i}")
    # then the account refuses new devices after the generous global limit
    assert codes[0] == 401 and codes[-1] == 429
    assert token(Client(), "alice", PASSWORD, address="192.0.2.200").status_code == 429
    # and the owner's phone still gets in
    assert token(phone, "alice", PASSWORD, address=OWNER).status_code == 200


def test_password_spraying_from_one_address_is_limited_across_accounts():
    # given many accounts
    names = [UserFactory().username for _ in range(60)]
    attacker = Client()
    # when one address tries one password on each of them
    codes = [token(attacker, name, "Password123!").status_code for name in names]
    # then it is refused after 50 failures, though no account saw more than one
    assert codes[:50] == [401] * 50 and set(codes[50:]) == {429}
    # and other addresses are not affected
    assert token(Client(), names[-1], PASSWORD, address=OWNER).status_code == 200


def test_unknown_and_wrong_password_get_the_same_answer_and_the_same_work(settings):
    # given one account
    UserFactory(username="alice")
    client = Client()
    calls: list[str] = []
    real_encode = MD5PasswordHasher.encode

    def counting_encode(self: MD5PasswordHasher, password: str, salt: str) -> str:
        calls.append(password)
        return real_encode(self, password, salt)

    # when a wrong password is tried for it and for a name that has no account
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MD5PasswordHasher, "encode", counting_encode)
        wrong = token(client, "alice", "wrong-guess-1")
        after_wrong = len(calls)
        unknown = token(client, "nobody-here", "wrong-guess-1")
    # then both are the same 401 with the same message
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert wrong.json() == unknown.json()
    # and the hasher ran once for each
    assert after_wrong == 1 and len(calls) == 2


def test_unknown_names_are_limited_like_accounts():
    # given no account called "ghost"
    client = Client()
    # when someone fails 10 times with it, then with another spelling of it
    assert fail(client, "ghost", 10) == [401] * 10
    r = token(client, " GHOST ", "wrong-guess-2")
    # then it is refused as an account would be (no enumeration by the limits)
    assert r.status_code == 429


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "登录失败次数过多"), ("en", "Too many failed")]
)
def test_the_refusal_says_when_to_retry_in_the_users_language(language, expected):
    # given an account locked at one address
    UserFactory(username="alice")
    client = Client(headers={"Accept-Language": language})
    fail(client, "alice", 10)
    # when one more attempt comes
    r = token(client, "alice", PASSWORD)
    # then it is a 429 with Retry-After and a translated message
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 15 * 60
    assert expected in r.json()["detail"]
    assert r.json()["code"] == "rate_limited"


def test_the_login_page_is_limited_the_same_way_and_remembers_the_device():
    # given an account
    UserFactory(username="alice", phone="13800000001")
    owner = Client()
    # when the owner logs in on the page, then logs out
    r = owner.post(
        "/accounts/login/", {"identifier": "alice", "password": PASSWORD}, REMOTE_ADDR=OWNER
    )
    assert r.status_code == 302
    owner.post("/accounts/logout/")
    # ... and an attacker at the same address fails on the page with the phone number
    attacker = Client()
    codes = [
        attacker.post(
            "/accounts/login/",
            {"identifier": "13800000001", "password": "wrong-guess-1"},
            REMOTE_ADDR=OWNER,
        ).status_code
        for _ in range(11)
    ]
    # then the attacker is refused with Retry-After
    assert codes[:10] == [401] * 10 and codes[10] == 429
    refused = attacker.post(
        "/accounts/login/", {"identifier": "alice", "password": PASSWORD}, REMOTE_ADDR=OWNER
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # and the owner's browser still logs in
    r = owner.post(
        "/accounts/login/", {"identifier": "alice", "password": PASSWORD}, REMOTE_ADDR=OWNER
    )
    assert r.status_code == 302


def test_the_admin_login_is_limited_too():
    # given a staff account
    UserFactory(username="boss", is_staff=True)
    client = Client()
    # when its password is guessed on the admin login page
    codes = [
        client.post(
            "/admin/login/", {"username": "boss", "password": "wrong-guess-1"}, REMOTE_ADDR=ATTACKER
        ).status_code
        for _ in range(11)
    ]
    # then the eleventh attempt is refused, saying when to retry
    assert codes[:10] == [200] * 10 and codes[10] == 429
    r = client.post("/admin/login/", {"username": "boss", "password": "x"}, REMOTE_ADDR=ATTACKER)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def test_ipv6_clients_count_by_their_64_network():
    # given an account
    UserFactory(username="alice")
    # when an attacker fails from ten addresses of one /64 network
    codes = [
        token(Client(), "alice", "wrong-guess-1", address=f"2001:db8:0:1::{i:x}").status_code
        for i in range(1, 11)
    ]
    assert codes == [401] * 10
    # then an eleventh address of that network is refused, and another network is not
    assert token(Client(), "alice", PASSWORD, address="2001:db8:0:1::ffff").status_code == 429
    assert token(Client(), "alice", PASSWORD, address="2001:db8:0:2::1").status_code == 200
