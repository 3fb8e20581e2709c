from __future__ import annotations

import pytest

from quanzi.orders.services.postings import record_capture, settle_order
from quanzi.stores.models import StaffRole, StoreStaff
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db


def _store_with_history(n_orders: int):
    """A store with `n_orders` captured orders, the first of them settled."""
    owner = UserFactory()
    store = store_with_owner(owner)
    buyer = UserFactory()
    orders = [make_order(buyer, store, total=1000 + i) for i in range(n_orders)]
    for order in orders:
        record_capture(
            provider="sandbox",
            payment_id=f"pay-{order.pk}",
            parts=[(store.pk, order.pk, order.total)],
        )
    settle_order(orders[0])
    return owner, store, orders


def test_console_shows_balance_and_history_newest_first(client):
    # given a store with three paid orders, one of them completed and settled
    owner, store, orders = _store_with_history(3)
    client.force_login(owner)
    # when the owner opens the balance tab
    r = client.get(f"/ledger/console/{store.pk}/", headers={"Accept-Language": "en"})
    # then it shows what is pending settlement and what is available
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="balance-escrow">¥20.03<' in body  # 1001 + 1002 fen
    assert 'data-testid="balance-available">¥10.00<' in body
    # and the history, newest first: the settlement's two entries, then the captures
    rows = r.context["page"].object_list
    assert [e.transaction.kind for e in rows] == ["settlement"] * 2 + ["capture"] * 3
    assert rows[0].order_id == orders[0].pk
    assert orders[0].pk in body


def test_console_is_for_the_stores_staff_only(client):
    _owner, store, _ = _store_with_history(1)
    staff = UserFactory()
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    url = f"/ledger/console/{store.pk}/"
    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get("/ledger/console/unknown/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_console_query_count_does_not_grow_with_entries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a store with a short history, then one with a full page of entries
    counts = []
    for n_orders in (2, 25):
        owner, store, _ = _store_with_history(n_orders)
        client.force_login(owner)
        # when the owner opens the balance tab
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/ledger/console/{store.pk}/").status_code == 200
        counts.append(len(queries))
    # then the page costs the same number of queries
    assert counts[0] == counts[1]


def test_api_balance_and_entries_for_staff(api):
    owner, store, orders = _store_with_history(3)
    client = api(owner)
    # the balance in fen
    r = client.get(f"ledger/stores/{store.pk}/balance")
    assert r.status_code == 200
    assert r.json() == {
        "store_id": store.pk,
        "escrow": 1001 + 1002,
        "available": 1000,
        "currency": "CNY",
    }
    # the entries, newest first, seen from the store, paginated
    r = client.get(f"ledger/stores/{store.pk}/entries", {"page_size": 2})
    data = r.json()
    assert data["count"] == 5
    assert [(e["kind"], e["account"], e["amount"]) for e in data["items"]] == [
        ("settlement", "available", 1000),
        ("settlement", "escrow", -1000),
    ]
    assert data["items"][0]["order_id"] == orders[0].pk
    r = client.get(f"ledger/stores/{store.pk}/entries", {"page": 3, "page_size": 2})
    assert [e["kind"] for e in r.json()["items"]] == ["capture"]


def test_api_ledger_roles(api):
    owner, store, _ = _store_with_history(1)
    for path in (f"ledger/stores/{store.pk}/balance", f"ledger/stores/{store.pk}/entries"):
        assert api(owner).get(path).status_code == 200
        assert api(UserFactory()).get(path).status_code == 403
        assert api().get(path).status_code == 401
    assert api(owner).get("ledger/stores/unknown/balance").status_code == 404


@pytest.mark.parametrize("page_size", [2, 20])
def test_api_entries_query_count_is_constant(api, page_size, django_assert_num_queries):
    owner, store, _ = _store_with_history(12)
    client = api(owner)
    # token, store, role, count, page (the token's last-used time was just written)
    client.get(f"ledger/stores/{store.pk}/balance")
    with django_assert_num_queries(5):
        r = client.get(f"ledger/stores/{store.pk}/entries", {"page_size": page_size})
    assert len(r.json()["items"]) == min(page_size, 14)  # 12 captures + 1 settlement (2)


@pytest.mark.parametrize("page", [10_001, 2**63, 10**30])
def test_api_entries_page_out_of_range_is_a_422_not_a_500(api, page):
    # given a store with a short history
    owner, store, _ = _store_with_history(1)
    # when its staff asks for a page far past the end (an OFFSET the database cannot hold)
    r = api(owner).get(f"ledger/stores/{store.pk}/entries", {"page": page})
    # then the page number is refused by the schema
    assert r.status_code == 422
    assert r.json()["code"] == "validation"
    # and the last allowed page is merely empty
    r = api(owner).get(f"ledger/stores/{store.pk}/entries", {"page": 10_000})
    assert r.status_code == 200 and r.json()["items"] == []
