"""Access prints: the network prefix and device of sign-ins and checkouts, counted after commit,
never in the request's way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.trust import prints
from quanzi.trust.models import AccessPrint
from tests.factories import PASSWORD, AddressFactory, UserFactory
from tests.trust.conftest import Shop

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"


def test_the_network_is_the_24_or_the_48_of_the_address() -> None:
    assert prints.ip_prefix("58.246.12.7") == "58.246.12.0/24"
    assert prints.ip_prefix(" 58.246.12.255 ") == "58.246.12.0/24"
    assert prints.ip_prefix("2408:8207:1234:5678::1") == "2408:8207:1234::/48"
    assert prints.ip_prefix("::ffff:58.246.12.7") == "58.246.12.0/24"  # IPv4 mapped
    assert prints.ip_prefix("10.1.2.3") == "10.1.2.0/24"
    # and what is no client's address is nothing
    for nothing in ("", "localhost", "999.1.1.1", "127.0.0.1", "::1", "169.254.1.1", "0.0.0.0"):
        assert prints.ip_prefix(nothing) == ""


def test_the_device_is_a_short_hash_of_the_browser_and_its_language() -> None:
    one = prints.device_of(PHONE, "zh-CN,zh;q=0.9")
    assert len(one) == 16 and one == prints.device_of(PHONE, "zh-CN,zh;q=0.9")
    assert one != prints.device_of(PHONE, "en-US")
    assert one != prints.device_of("Mozilla/5.0 (Linux; Android 14)", "zh-CN,zh;q=0.9")
    assert prints.device_of("", "") == ""


@pytest.mark.django_db
def test_a_print_is_written_after_commit_and_counted(
    rf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    request = rf.get("/", REMOTE_ADDR="58.246.12.7", HTTP_USER_AGENT=PHONE)
    # when the print is recorded, then nothing is written before the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        prints.record_print(request, user.pk)
    assert not AccessPrint.objects.exists()
    # when the transaction commits, then the print is there once
    for callback in callbacks:
        callback()
    row = AccessPrint.objects.get()
    assert (row.user, row.ip_prefix, row.times) == (user, "58.246.12.0/24", 1)
    assert row.device == prints.device_of(PHONE, "")
    # when the same person comes back from the same network and phone, then it is counted
    again = rf.get("/", REMOTE_ADDR="58.246.12.99", HTTP_USER_AGENT=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        prints.record_print(again, user.pk)
    row.refresh_from_db()
    assert row.times == 2 and row.last_seen >= row.first_seen
    assert AccessPrint.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_print_never_reaches_the_request(
    rf: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(prints, "upsert", broken)
    request = rf.get("/", REMOTE_ADDR="58.246.12.7", HTTP_USER_AGENT=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        prints.record_print(request, UserFactory().pk)  # no exception
        prints.record_print(request, "not a user id")
        prints.record_print(None, 1)
    assert not AccessPrint.objects.exists()


@pytest.mark.django_db
def test_a_request_from_nowhere_leaves_no_print(
    rf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        prints.record_print(rf.get("/", REMOTE_ADDR="127.0.0.1"), UserFactory().pk)
    assert not AccessPrint.objects.exists()


def _print_of(user: User) -> AccessPrint:
    return AccessPrint.objects.get(user=user)


@pytest.mark.django_db
def test_signing_in_on_the_page_records_a_print(django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory(username="alice")
    client = Client(REMOTE_ADDR="58.246.12.7", HTTP_USER_AGENT=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/login/", {"identifier": "alice", "password": PASSWORD})
    assert r.status_code == 302
    assert _print_of(user).ip_prefix == "58.246.12.0/24"


@pytest.mark.django_db
def test_signing_up_on_the_page_records_a_print(django_capture_on_commit_callbacks: Any) -> None:
    client = Client(REMOTE_ADDR="2408:8207:1234:5678::1", HTTP_USER_AGENT=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/signup/", {"username": "bobby", "password": PASSWORD})
    assert r.status_code == 302
    assert _print_of(User.objects.get(username="bobby")).ip_prefix == "2408:8207:1234::/48"


@pytest.mark.django_db
def test_the_apis_sign_up_and_token_sign_in_record_prints(
    api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "accounts/signup",
            {"username": "carol", "password": PASSWORD},
            REMOTE_ADDR="58.246.12.7",
            HTTP_USER_AGENT=PHONE,
        )
    assert r.status_code == 201
    carol = User.objects.get(username="carol")
    assert _print_of(carol).ip_prefix == "58.246.12.0/24"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "accounts/token",
            {"identifier": "carol", "password": PASSWORD},
            REMOTE_ADDR="101.88.3.4",
            HTTP_USER_AGENT=PHONE,
        )
    assert r.status_code == 200
    assert set(AccessPrint.objects.filter(user=carol).values_list("ip_prefix", flat=True)) == {
        "58.246.12.0/24",
        "101.88.3.0/24",
    }


@pytest.mark.django_db
def test_a_checkout_over_the_api_records_a_print(
    shop: Shop, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    buyer = UserFactory()
    AddressFactory(user=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(buyer).post(
            "orders/buy-now",
            {"sku_id": shop.skus[0].pk, "quantity": 1},
            REMOTE_ADDR="101.88.3.4",
            HTTP_USER_AGENT=PHONE,
            HTTP_ACCEPT_LANGUAGE="zh-CN",
        )
    assert r.status_code == 201
    row = _print_of(buyer)
    assert (row.ip_prefix, row.device) == ("101.88.3.0/24", prints.device_of(PHONE, "zh-CN"))


@pytest.mark.django_db
def test_prints_not_seen_for_long_are_pruned() -> None:
    old, recent = UserFactory(), UserFactory()
    prints.upsert(old.pk, "58.246.12.0/24", "a")
    prints.upsert(recent.pk, "58.246.12.0/24", "a")
    long_ago = timezone.now() - timedelta(days=prints.PRINT_DAYS + 1)
    AccessPrint.objects.filter(user=old).update(last_seen=long_ago)
    assert prints.prune() == 1
    assert list(AccessPrint.objects.values_list("user_id", flat=True)) == [recent.pk]
