"""The alerts in the merchant console and the API: the store's owner and the staff who see the
customers read and resolve them; the store's other staff are refused (403), anyone outside the
store is answered 404 (a merchant sees its own store's alerts only), an anonymous caller is sent
to sign in (pages) or answered 401 (API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.circles.models import Message
from quanzi.trust.models import AlertStatus, ReputationAlert
from tests.trust.alert_helpers import COMPLAINTS, KETTLE_COMPLAINTS, Shop, build_shop

ROLES = ("owner", "staff", "plain_staff", "other_owner", "member", "anonymous")
EXPECTED_PAGE = {
    "owner": 200,
    "staff": 200,
    "plain_staff": 403,
    "other_owner": 404,
    "member": 404,
    "anonymous": 302,
}
EXPECTED_API = {**EXPECTED_PAGE, "anonymous": 401}


@pytest.fixture
def shop(db: None, django_capture_on_commit_callbacks: Any) -> Shop:
    return build_shop(django_capture_on_commit_callbacks)


@pytest.fixture
def alert(shop: Shop) -> ReputationAlert:
    shop.complain(KETTLE_COMPLAINTS[:5])
    (made,) = shop.alerts()
    return made


def person(shop: Shop, role: str) -> Any:
    return {
        "owner": shop.owner,
        "staff": shop.staff,
        "plain_staff": shop.plain_staff,
        "other_owner": shop.other_owner,
        "member": shop.customers[0],
        "anonymous": None,
    }[role]


def page_client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_answers_the_stores_people_only(shop: Shop, alert: ReputationAlert) -> None:
    base = f"/trust/console/{shop.store.pk}/alerts/"
    for role in ROLES:
        client = page_client(person(shop, role))
        for path in (base, f"{base}{alert.pk}/"):
            answer = client.get(path)
            assert answer.status_code == EXPECTED_PAGE[role], (role, path)
            if role == "anonymous":
                assert "login" in answer["Location"]
        if role in ("owner", "staff"):
            continue  # resolving is tried in its own test
        answer = client.post(f"{base}{alert.pk}/resolve/", {"note": "处理了"})
        assert answer.status_code == EXPECTED_PAGE[role], (role, "resolve")
        # the console's badge says nothing to those who may not read the alerts
        badge = client.get(f"{base}badge/")
        assert badge.status_code == 204 and badge.content == b""
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_every_endpoint_answers_the_stores_people_only(
    shop: Shop, alert: ReputationAlert, api: Any
) -> None:
    base = f"trust/stores/{shop.store.pk}/alerts"
    for role in ROLES:
        client = api(person(shop, role))
        for path in (base, f"{base}/{alert.pk}"):
            answer = client.get(path)
            assert answer.status_code == EXPECTED_API[role], (role, path)
            if answer.status_code != 200:
                assert "code" in answer.json()
        if role not in ("owner", "staff"):
            answer = client.post(f"{base}/{alert.pk}/resolve", {"note": "处理了"})
            assert answer.status_code == EXPECTED_API[role], (role, "resolve")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_another_stores_alert_is_not_found_under_ones_own_store(
    shop: Shop, alert: ReputationAlert, api: Any
) -> None:
    # given: the other store has an alert of its own
    shop.complain(COMPLAINTS[:5], shop.other_circle)
    (theirs,) = ReputationAlert.objects.filter(store=shop.other_store)
    mine = f"/trust/console/{shop.store.pk}/alerts/{theirs.pk}/"
    assert page_client(shop.owner).get(mine).status_code == 404
    answer = api(shop.owner).get(f"trust/stores/{shop.store.pk}/alerts/{theirs.pk}")
    assert answer.status_code == 404
    # and unknown or malformed ids are not found either
    for bad in ("x" * 16, "not-an-id", "%E4%B8%AD"):
        assert (
            page_client(shop.owner).get(f"/trust/console/{shop.store.pk}/alerts/{bad}/").status_code
            == 404
        )
        assert api(shop.owner).get(f"trust/stores/{shop.store.pk}/alerts/{bad}").status_code == 404
    assert api(shop.owner).get("trust/stores/nope/alerts").status_code == 404


def test_the_list_shows_open_alerts_first_with_the_figures(
    shop: Shop, alert: ReputationAlert
) -> None:
    from quanzi.trust.services.alert_responses import resolve_alert

    resolve_alert(shop.owner, shop.store.pk, alert.pk, "已换新")
    shop.complain(COMPLAINTS[:5])
    newer = shop.alerts(status=AlertStatus.OPEN)
    assert len(newer) == 1
    page = page_client(shop.owner).get(f"/trust/console/{shop.store.pk}/alerts/")
    html = page.content.decode()
    assert html.index(newer[0].pk) < html.index(alert.pk)
    assert 'data-testid="figure-open">1<' in html
    assert 'data-testid="figure-resolution">' in html
    # and the status filter keeps one kind
    only = page_client(shop.owner).get(f"/trust/console/{shop.store.pk}/alerts/?status=resolved")
    assert alert.pk in only.content.decode() and newer[0].pk not in only.content.decode()


def test_an_alert_shows_the_messages_to_answer_and_the_suggested_responses(
    shop: Shop, alert: ReputationAlert
) -> None:
    page = page_client(shop.staff).get(f"/trust/console/{shop.store.pk}/alerts/{alert.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in KETTLE_COMPLAINTS[:5]:
        assert text in html
    first = Message.objects.filter(circle=shop.circle, text=KETTLE_COMPLAINTS[0]).get()
    assert f"/circles/{shop.circle.pk}/chat/#m{first.seq}" in html
    assert f"/coupons/console/{shop.store.pk}/new/" in html
    assert 'data-kind="reply"' in html and 'data-kind="after_sale"' in html
    assert "手冲壶" in html  # the headline


def test_resolving_on_the_page(shop: Shop, alert: ReputationAlert) -> None:
    client = page_client(shop.owner)
    url = f"/trust/console/{shop.store.pk}/alerts/{alert.pk}/"
    empty = client.post(f"{url}resolve/", {"note": " "})
    assert empty.status_code == 400 and 'data-testid="resolve-error"' in empty.content.decode()
    done = client.post(f"{url}resolve/", {"note": "已逐一联系并换新"})
    assert done.status_code == 302 and done["Location"] == url
    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == (AlertStatus.RESOLVED, "已逐一联系并换新")
    again = client.post(f"{url}resolve/", {"note": "再次"})
    assert again.status_code == 409
    assert client.get(f"{url}resolve/").status_code == 405


def test_the_console_links_to_the_alerts_with_the_open_count(
    shop: Shop, alert: ReputationAlert
) -> None:
    client = page_client(shop.owner)
    console = client.get(f"/needs/console/{shop.store.pk}/").content.decode()
    assert f'href="/trust/console/{shop.store.pk}/alerts/"' in console
    assert f'hx-get="/trust/console/{shop.store.pk}/alerts/badge/"' in console
    badge = client.get(f"/trust/console/{shop.store.pk}/alerts/badge/").content.decode()
    assert 'data-testid="alerts-badge"' in badge and ">1</span>" in badge


def test_the_api_reads_and_resolves_an_alert(shop: Shop, alert: ReputationAlert, api: Any) -> None:
    client = api(shop.staff)
    base = f"trust/stores/{shop.store.pk}/alerts"
    listed = client.get(base).json()
    assert listed["figures"]["open"] == 1
    (row,) = listed["alerts"]
    assert (row["id"], row["kind"], row["product_id"], row["items"]) == (
        alert.pk,
        "product",
        shop.kettle.pk,
        5,
    )
    assert "手冲壶" in row["headline"]
    detail = client.get(f"{base}/{alert.pk}").json()
    assert {m["text"] for m in detail["messages"]} == set(KETTLE_COMPLAINTS[:5])
    assert all(
        m["link"].startswith(f"/circles/{shop.circle.pk}/chat/#m") for m in detail["messages"]
    )
    assert {s["kind"] for s in detail["suggestions"]} >= {"reply", "after_sale", "coupon"}
    # resolving: a note is required, a number is no note, and it happens once
    empty = client.post(f"{base}/{alert.pk}/resolve", {"note": ""})
    assert (empty.status_code, empty.json()["code"]) == (400, "empty_note")
    assert client.post(f"{base}/{alert.pk}/resolve", {"note": 5}).status_code == 422
    done = client.post(f"{base}/{alert.pk}/resolve", {"note": "已换新"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = client.post(f"{base}/{alert.pk}/resolve", {"note": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "alert_resolved")
