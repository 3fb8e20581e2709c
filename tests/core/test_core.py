from __future__ import annotations

import pytest
from django.test import Client

from quanzi.core.errors import Conflict, InvalidInput, Unprocessable
from quanzi.core.idempotency import run_idempotent
from quanzi.core.models import IdempotencyRecord
from quanzi.core.money import bp_to_percent_str, fen_to_yuan_str, format_fen, yuan_to_fen
from tests.factories import UserFactory


def test_money_formats_and_parses_fen():
    assert fen_to_yuan_str(12345) == "123.45"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-250) == "-¥2.50"
    assert yuan_to_fen("12.5") == 1250
    assert [bp_to_percent_str(bp) for bp in (0, 5, 255, 1000, 1050, 10000)] == [
        "0",
        "0.05",
        "2.55",
        "10",
        "10.5",
        "100",
    ]
    assert yuan_to_fen("¥1,000.01") == 100001
    for bad in ("abc", "1.234", "nan", "inf", "", "1e30", "9" * 40):
        with pytest.raises(InvalidInput):
            yuan_to_fen(bad)


@pytest.mark.django_db
def test_idempotent_action_runs_once_and_replays():
    # given a user and an action that counts its runs
    user = UserFactory()
    runs = []

    def action():
        runs.append(1)
        return 201, {"n": len(runs)}

    # when the same key and body are sent twice
    first = run_idempotent(user, "test", "key-1", {"a": 1}, action)
    second = run_idempotent(user, "test", "key-1", {"a": 1}, action)
    # then the action ran once and the replay is the first response
    assert first == second == (201, {"n": 1})
    assert len(runs) == 1
    # and the same key with another body is refused
    with pytest.raises(Unprocessable):
        run_idempotent(user, "test", "key-1", {"a": 2}, action)


@pytest.mark.django_db
def test_a_refused_action_releases_its_key():
    user = UserFactory()

    def refuse():
        raise Conflict("no stock")

    with pytest.raises(Conflict):
        run_idempotent(user, "test", "key-2", {}, refuse)
    assert not IdempotencyRecord.objects.exists()
    assert run_idempotent(user, "test", "key-2", {}, lambda: (200, {"ok": True})) == (
        200,
        {"ok": True},
    )


@pytest.mark.django_db
def test_a_50_mb_body_is_refused_before_it_is_read():
    # given a client posting a 50 MB body to the API and to a page
    client = Client()
    big = b"x" * (50 * 1024 * 1024)
    # when it is posted
    r_api = client.post(
        "/api/v1/accounts/signup",
        data=big,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    r_page = client.post("/accounts/signup/", data=big, content_type="application/octet-stream")
    # then both are a clear 413
    assert r_api.status_code == 413
    assert r_api.json()["code"] == "too_large"
    assert r_page.status_code == 413


@pytest.mark.django_db
def test_health_is_trivial_json():
    r = Client().get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/api/v1/catalog/products/abc%00def", None, None),
        ("/api/v1/catalog/products?q=%00", None, None),
        (
            "/api/v1/accounts/signup",
            b'{"username": "a\\u0000b", "password": "x"}',
            "application/json",
        ),
        ("/accounts/signup/", b"username=a%00b&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_nul_characters_are_a_clear_400(path, body, content_type):
    # given a request carrying a NUL character, which PostgreSQL cannot store
    client = Client()
    # when it is sent
    if body is None:
        r = client.get(path, headers={"Accept-Language": "en"})
    else:
        r = client.post(
            path, data=body, content_type=content_type, headers={"Accept-Language": "en"}
        )
    # then it is refused with a 400 that says why, and nothing is written
    assert r.status_code == 400
    if path.startswith("/api/"):
        assert r.json()["code"] == "nul_character"
    from quanzi.accounts.models import User

    assert not User.objects.exists()


@pytest.mark.parametrize("raw", ["²", "٣", "9" * 5000, "-1", "", "abc", "3"])
def test_page_number_never_fails_on_what_a_url_may_carry(raw):
    # given any ?page= text, including digits int() refuses ("²") and huge numbers
    from django.test import RequestFactory

    from quanzi.core.pagination import page_number

    request = RequestFactory().get("/", {"page": raw})
    # then it is a page number from 1, never an error
    expected = {"٣": 3, "3": 3}.get(raw, 1)
    assert page_number(request) == expected
