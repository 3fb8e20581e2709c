"""While the database is unreachable every request gets a 503 with Retry-After (JSON on the API,
a page elsewhere), never a 500, and the first request after the outage is served normally.

The outage is simulated by making the connection's cursor() fail the way a refused or lost
connection does (Django raises OperationalError or InterfaceError; the pool's PoolTimeout comes
wrapped in an OperationalError, or bare from code that uses the pool directly)."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, override_settings
from psycopg_pool import PoolTimeout

from tests.core.conftest import refusing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OUTAGE_ERRORS = [
    OperationalError("connection to server failed: Connection refused"),
    InterfaceError("connection already closed"),
    PoolTimeout("couldn't get a connection after 10.00 sec"),
]
MESSAGE_EN = "The service is briefly unavailable. Please try again in a few seconds."
MESSAGE_ZH = "服务暂时不可用，请几秒钟后再试。"


def server() -> Client:
    """A client that sees what a real server sends (the test client re-raises by default)."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("database_down", OUTAGE_ERRORS, indirect=True)
def test_the_api_answers_503_json_with_retry_after(token_headers, database_down):
    # given a signed-in API client and a database that refuses connections
    # when it asks for its orders (the token itself is checked in the database)
    r = server().get("/api/v1/orders", headers=token_headers)
    # then the answer is the documented 503, in the client's language
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert r["Cache-Control"] == "no-store"
    assert r.json() == {"detail": MESSAGE_EN, "code": "unavailable"}


@pytest.mark.parametrize("database_down", OUTAGE_ERRORS, indirect=True)
def test_a_page_answers_a_friendly_503_in_the_users_language(database_down):
    # given a database that refuses connections
    # when the home page (products from the database) is asked for, in Chinese and in English
    zh = server().get("/")
    en = server().get("/", headers={"Accept-Language": "en"})
    # then both get the 503 page in their language, which reloads itself after Retry-After
    for r, message in ((zh, MESSAGE_ZH), (en, MESSAGE_EN)):
        assert r.status_code == 503
        assert r["Retry-After"] == "5"
        page = r.content.decode()
        assert message in page
        assert 'http-equiv="refresh" content="5"' in page
        assert 'data-testid="unavailable"' in page


@pytest.fixture
def signed_in() -> Client:
    browser = server()
    browser.force_login(UserFactory())
    return browser


def test_a_form_post_gets_the_page_without_the_automatic_reload(signed_in, database_down):
    # given a signed-in buyer (their session is in the database) and the database down
    # when they post the add-to-cart form
    r = signed_in.post("/orders/cart/add/", {"sku_id": "x", "quantity": "1"})
    # then the 503 page does not reload by itself (that would turn the POST into a GET)
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert "http-equiv" not in r.content.decode()


@override_settings(ROOT_URLCONF="tests.core.outage_urls")
@pytest.mark.parametrize("debug", [False, True])
def test_an_outage_met_by_a_middleware_after_the_view_is_a_503_too(database_down, debug):
    # given a view that only writes the session (SessionMiddleware saves it after the view)
    # when it is asked for while the database is down, with DEBUG off and on
    with override_settings(DEBUG=debug):
        r = server().get("/outage-test/remember", headers={"Accept-Language": "en"})
    # then the 500 Django made of the session's failure is replaced by the 503 page
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert MESSAGE_EN in r.content.decode()


@override_settings(ROOT_URLCONF="tests.core.outage_urls")
def test_other_server_errors_stay_500():
    # given a view with a bug (the database is fine)
    # when it is asked for
    r = server().get("/outage-test/broken")
    # then that is still a 500 for the error pages to handle, not a misleading 503
    assert r.status_code == 500
    assert not r.has_header("Retry-After")


def test_requests_are_served_again_as_soon_as_the_database_is_back(token_headers):
    # given a database that refused one request
    with refusing(OperationalError("server closed the connection unexpectedly")):
        assert server().get("/api/v1/orders", headers=token_headers).status_code == 503
    # when it answers again
    # then the next request is served, with nothing restarted
    r = server().get("/api/v1/orders", headers=token_headers)
    assert r.status_code == 200
    assert r.json()["items"] == []
