"""The one rule for text no database can store (quanzi.core.text), used by the HTTP guard and
the chat socket."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from quanzi.accounts.models import ApiToken
from quanzi.core.errors import InvalidInput
from quanzi.core.text import check_text
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("a\x00b", "nul_character"),
        ("\ud800", "invalid_unicode"),
        ("half a pair \udfff", "invalid_unicode"),
        ({"key\x00": 1}, "nul_character"),
        ({"ok": ["fine", {"deeper": ("x", "\udc00")}]}, "invalid_unicode"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_anywhere_in_the_data(value: object, code: str):
    # when the data holds a NUL or a lone surrogate, in a value or a key, at any depth
    with pytest.raises(InvalidInput) as refused:
        check_text(value)
    # then the error names which
    assert refused.value.code == code
    assert refused.value.status == 400


def test_text_any_database_stores_passes():
    # given emoji (decoded surrogate pairs), Chinese, a literal backslash-u text and non-text
    check_text({"nickname": "😀 🍵 小爱", "note": "\\u0000 \\ud800", "n": [1, 2.5, None, True]})


def test_nesting_deeper_than_the_recursion_limit_is_walked_without_recursion():
    # given data nested 100,000 deep (deeper than any recursive walk can go)
    deep: list[object] = ["a\x00"]
    for _ in range(100_000):
        deep = [deep]
    # when it is checked, then the NUL at the bottom is found
    with pytest.raises(InvalidInput):
        check_text(deep)


@pytest.mark.django_db
def test_the_http_guard_reads_escapes_as_json_does():
    # given a user
    user = UserFactory()
    _, raw = ApiToken.issue(user)
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    client = Client()
    # when their nickname is the text "\u0000" (an escaped backslash, then letters), and then a
    # real NUL written as a JSON escape
    literal = client.patch(
        "/api/v1/accounts/me",
        data=json.dumps({"nickname": "\\u0000"}),
        content_type="application/json",
        headers=headers,
    )
    nul = client.patch(
        "/api/v1/accounts/me",
        data=json.dumps({"nickname": "a\x00b"}),
        content_type="application/json",
        headers=headers,
    )
    # then the text is accepted as written and the NUL refused
    assert literal.status_code == 200, literal.content
    assert literal.json()["nickname"] == "\\u0000"
    assert (nul.status_code, nul.json()["code"]) == (400, "nul_character")
