"""Bodies no view can use are refused at the door with a clear 4xx, never a 500: JSON text with a
lone UTF-16 surrogate escape, and a multipart form sent where a JSON body is expected."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.accounts.models import ApiToken, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _headers(user: User) -> dict[str, str]:
    _, raw = ApiToken.issue(user)
    return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "a\\ud800b", "password": "correct-horse-42"}',
        b'{"username": "ab", "password": "x\\uDFFF"}',
        b'{"username": "ab", "password": "\\ud83d"}',  # a high half whose low half is missing
        b'{"a\\udc00": 1, "username": "ab", "password": "correct-horse-42"}',  # in a key
    ],
)
def test_a_lone_surrogate_escape_in_json_is_a_clear_400(body: bytes):
    # given a JSON body whose text decodes to a lone surrogate (no UTF-8 encoding exists)
    client = Client()
    # when it is posted to the API and to a page
    r_api = client.post(
        "/api/v1/accounts/signup",
        data=body,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    r_page = client.post("/accounts/signup/", data=body, content_type="application/json")
    # then both are refused before any view stores it
    assert r_api.status_code == 400
    assert r_api.json()["code"] == "invalid_unicode"
    assert r_page.status_code == 400
    assert not User.objects.filter(username__startswith="a").exists()


def test_paired_surrogates_and_escaped_backslashes_pass_the_guard():
    # given a user
    user = UserFactory()
    client = Client()
    # when their nickname is an emoji written as a surrogate pair
    emoji = client.patch(
        "/api/v1/accounts/me",
        data=b'{"nickname": "\\ud83d\\ude00 \\uD83C\\uDF75"}',
        content_type="application/json",
        headers=_headers(user),
    )
    # ... or the plain text "\ud800" (an escaped backslash, then letters)
    literal = client.patch(
        "/api/v1/accounts/me",
        data=b'{"nickname": "\\\\ud800"}',
        content_type="application/json",
        headers=_headers(user),
    )
    # then both are accepted as the text they stand for
    assert emoji.status_code == 200, emoji.content
    assert emoji.json()["nickname"] == "😀 🍵"
    assert literal.status_code == 200, literal.content
    assert literal.json()["nickname"] == "\\ud800"


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts/addresses", "/api/v1/orders/cart/items", "/api/v1/stores"]
)
def test_a_multipart_form_sent_to_a_json_endpoint_is_a_415(path: str):
    # given a client that posts a form where the endpoint reads a JSON body
    user = UserFactory()
    # when it posts it as multipart/form-data (the guard parses it to look for NUL characters)
    r = Client().post(path, data={"name": "小店", "sku_id": "abc"}, headers=_headers(user))
    # then the answer says which body the endpoint takes
    assert r.status_code == 415
    assert r.json() == {
        "detail": "This endpoint takes a JSON body (Content-Type: application/json).",
        "code": "unsupported_media_type",
    }
