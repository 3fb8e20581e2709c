"""API tokens have a life cycle: a sliding expiry, revocation, a list, and a password change that
revokes the others (issue 9, point 8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-horse-77"


def log_in(client: Client, identifier: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/v1/accounts/token",
        {"identifier": identifier, "password": password},
        content_type="application/json",
    )


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def me(raw: str, language: str = "zh-hans") -> Any:
    return Client().get("/api/v1/accounts/me", headers={**bearer(raw), "Accept-Language": language})


def new_token(username: str = "alice") -> str:
    r = log_in(Client(), username)
    assert r.status_code == 200, r.content
    raw: str = r.json()["token"]
    return raw


def test_a_token_unused_for_its_lifetime_expires():
    # given a token (30 days by default)
    UserFactory(username="alice")
    raw = new_token()
    # when it is used 31 days later
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        zh, en = me(raw), me(raw, "en")
    # then it is refused as expired, in the user's language
    assert (zh.status_code, en.status_code) == (401, 401)
    assert zh.json()["code"] == "token_expired"
    assert "过期" in zh.json()["detail"] and "expired" in en.json()["detail"]


def test_each_use_pushes_the_expiry_without_a_write_per_request(settings):
    # given a token living 10 days
    settings.QUANZI_TOKEN_TTL_DAYS = 10
    UserFactory(username="alice")
    raw = new_token()
    start = timezone.now()
    # when it is used every 8 days
    for day in (8, 16, 24):
        with time_machine.travel(start + timedelta(days=day)):
            assert me(raw).status_code == 200
    # then it still works, 24 days after it was made
    token = ApiToken.objects.get()
    assert token.expires_at > start + timedelta(days=33)
    # and requests close together write the row once
    with time_machine.travel(start + timedelta(days=30)), CaptureQueriesContext(connection) as q:
        for _ in range(5):
            assert me(raw).status_code == 200
    writes = [x["sql"] for x in q.captured_queries if x["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    # and 10 days without use end it
    with time_machine.travel(start + timedelta(days=41)):
        assert me(raw).status_code == 401


def test_the_lifetime_is_configurable(settings):
    # given tokens that live one day
    settings.QUANZI_TOKEN_TTL_DAYS = 1
    UserFactory(username="alice")
    raw = new_token()
    # when one is used two days later
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        r = me(raw)
    # then it has expired
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_revoking_the_token_used_ends_it():
    # given two tokens of mine
    UserFactory(username="alice")
    first, second = new_token(), new_token()
    # when I revoke the one I call with (no body fields)
    r = Client().post(
        "/api/v1/accounts/token/revoke", {}, content_type="application/json", headers=bearer(first)
    )
    # then it answers 401 "revoked" from now on, and the other one still works
    assert r.status_code == 204, r.content
    gone = me(first, "en")
    assert gone.status_code == 401 and gone.json()["code"] == "token_revoked"
    assert "revoked" in gone.json()["detail"]
    assert me(second).status_code == 200


def test_revoking_one_of_mine_by_id_and_never_someone_elses():
    # given two tokens of mine and one of someone else
    UserFactory(username="alice")
    UserFactory(username="bob")
    mine, other = new_token(), new_token()
    bobs = new_token("bob")
    listed = Client().get("/api/v1/accounts/tokens", headers=bearer(mine)).json()
    other_id = next(t["id"] for t in listed if not t["current"])
    bobs_id = Client().get("/api/v1/accounts/tokens", headers=bearer(bobs)).json()[0]["id"]
    # when I revoke my other token by id, then try Bob's id
    revoke = "/api/v1/accounts/token/revoke"
    ok = Client().post(
        revoke, {"id": other_id}, content_type="application/json", headers=bearer(mine)
    )
    again = Client().post(
        revoke, {"id": other_id}, content_type="application/json", headers=bearer(mine)
    )
    theirs = Client().post(
        revoke, {"id": bobs_id}, content_type="application/json", headers=bearer(mine)
    )
    # then mine is revoked (twice is harmless), Bob's is "not found" and still works
    assert (ok.status_code, again.status_code, theirs.status_code) == (204, 204, 404)
    assert me(other).status_code == 401
    assert me(mine).status_code == 200 and me(bobs).status_code == 200


def test_revoking_from_a_browser_session_needs_an_id():
    # given a logged-in browser
    user = UserFactory(username="alice")
    browser = Client()
    browser.force_login(user)
    # when it asks to revoke "the token used"
    r = browser.post("/api/v1/accounts/token/revoke", {}, content_type="application/json")
    # then it is told to name one
    assert r.status_code == 400 and r.json()["field"] == "id"


def test_my_tokens_are_listed_without_their_secret(django_assert_max_num_queries):
    # given three tokens of mine, one revoked and one expired, and one of someone else
    user = UserFactory(username="alice")
    UserFactory(username="bob")
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        new_token()
    revoked = new_token()
    ApiToken.objects.filter(key_hash=ApiToken.find(revoked).key_hash).update(  # type: ignore[union-attr]
        revoked_at=timezone.now()
    )
    for _ in range(3):
        new_token()
    new_token("bob")
    mine = new_token()
    # when I list my tokens
    with django_assert_max_num_queries(4):
        r = Client().get("/api/v1/accounts/tokens", headers=bearer(mine))
    # then I see the four that work, newest first, with their dates and never a secret
    assert r.status_code == 200
    listed = r.json()
    assert len(listed) == 4
    assert [t["current"] for t in listed] == [True, False, False, False]
    first = listed[0]
    assert set(first) == {"id", "name", "created_at", "last_used_at", "expires_at", "current"}
    assert not first["id"].isdigit() and len(first["id"]) == 16
    assert mine not in r.content.decode()
    assert ApiToken.objects.filter(user=user).count() == 6


def password_change(raw: str, old: str, new: str = NEW_PASSWORD) -> Any:
    return Client().post(
        "/api/v1/accounts/password",
        {"old_password": old, "new_password": new},
        content_type="application/json",
        headers=bearer(raw),
    )


def test_changing_the_password_revokes_my_other_tokens():
    # given three tokens of mine
    UserFactory(username="alice")
    current, other1, other2 = new_token(), new_token(), new_token()
    # when I change my password with one of them
    r = password_change(current, PASSWORD)
    # then the others are revoked, and the one I used still works
    assert r.status_code == 200, r.content
    assert r.json() == {"revoked_tokens": 2}
    assert (me(other1).status_code, me(other2).status_code) == (401, 401)
    assert me(current).status_code == 200
    # and only the new password logs in
    assert log_in(Client(), "alice").status_code == 401
    assert log_in(Client(), "alice", NEW_PASSWORD).status_code == 200


def test_the_password_change_checks_the_old_one_and_validates_the_new_one():
    # given a token of mine
    UserFactory(username="alice")
    raw = new_token()
    # when the old password is wrong, or the new one is too weak
    wrong = password_change(raw, "not-my-password")
    weak = password_change(raw, PASSWORD, "12345678")
    # then nothing changes and each says why
    assert wrong.status_code == 400 and wrong.json()["field"] == "old_password"
    assert weak.status_code == 400 and weak.json()["field"] == "new_password"
    assert log_in(Client(), "alice").status_code == 200


def test_the_old_password_check_is_limited_like_a_login():
    # given a token of mine (stolen, say)
    UserFactory(username="alice")
    raw = new_token()
    # when someone guesses the current password with it
    codes = [password_change(raw, f"guess-{i}").status_code for i in range(11)]
    # then they are refused after 10 failures, with Retry-After
    assert codes[:10] == [400] * 10 and codes[10] == 429
    r = password_change(raw, PASSWORD)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def test_the_password_page_keeps_this_session_and_logs_out_the_others():
    # given me logged in on two browsers, with an API token
    user = UserFactory(username="alice")
    here, there = Client(), Client()
    for browser in (here, there):
        assert (
            browser.post(
                "/accounts/login/", {"identifier": "alice", "password": PASSWORD}
            ).status_code
            == 302
        )
    raw = new_token()
    # ... and the profile page links to the password page
    assert "/accounts/password/" in here.get("/accounts/profile/").content.decode()
    # when I change my password on one browser
    r = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    # then this browser stays logged in, the other is logged out and the token revoked
    assert r.status_code == 302
    assert here.get("/accounts/profile/").status_code == 200
    assert there.get("/accounts/profile/").status_code == 302
    assert me(raw).status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_password_page_says_what_is_wrong():
    # given me logged in
    user = UserFactory(username="alice")
    browser = Client(headers={"Accept-Language": "en"})
    browser.force_login(user)
    # when the two new passwords differ, or the current one is wrong
    differ = browser.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": "other-77x"},
    )
    wrong = browser.post(
        "/accounts/password/",
        {"old_password": "nope-nope", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    # then the page says so and the password stays
    assert differ.status_code == 400 and "differ" in differ.content.decode()
    assert wrong.status_code == 400 and "not correct" in wrong.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
