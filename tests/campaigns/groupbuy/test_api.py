"""Group buying API: roles on every endpoint, bad input, idempotency, constant list queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign
from quanzi.orders.models import Order
from tests.campaigns.groupbuy.conftest import Deal, customer
from tests.factories import AddressFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def roles(deal: Deal) -> dict[str, Any]:
    """owner, staff, member (holds a seat in a group), stranger, anonymous."""
    member = customer()
    services.open_group(member, deal.campaign.pk, deal.sku.pk)
    return {
        "owner": deal.owner,
        "staff": deal.staff,
        "member": member,
        "stranger": customer(),
        "anonymous": None,
    }


def campaign_body(deal: Deal, **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "product_id": deal.sku.product_id,
        "prices": {deal.sku.pk: 4500},
        "team_size": 2,
        "hours": 12,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
        "complete_at_percent": None,
    } | changes


def test_merchant_endpoints_by_role(deal: Deal, api: Any):
    people = roles(deal)
    expected = {"owner": 201, "staff": 201, "member": 403, "stranger": 403, "anonymous": 401}
    for role, user in people.items():
        client = api(user)
        # when each role lists, creates and changes campaigns
        listed = client.get(f"groupbuy/stores/{deal.store.pk}/campaigns")
        created = client.post(f"groupbuy/stores/{deal.store.pk}/campaigns", campaign_body(deal))
        changed = client.patch(f"groupbuy/campaigns/{deal.campaign.pk}", {"hours": 6})
        # then only the store's people may
        assert created.status_code == expected[role], role
        ok = 200 if expected[role] == 201 else expected[role]
        assert (listed.status_code, changed.status_code) == (ok, ok), role
    assert GroupCampaign.objects.count() == 3
    assert GroupCampaign.objects.get(pk=deal.campaign.pk).hours == 6


def test_customer_endpoints_by_role(deal: Deal, api: Any):
    people = roles(deal)
    group = Group.objects.get()
    for role, user in people.items():
        client = api(user)
        # when each role reads the campaign, its groups and a group
        reads = [
            client.get(f"groupbuy/campaigns/{deal.campaign.pk}"),
            client.get(f"groupbuy/campaigns/{deal.campaign.pk}/groups"),
            client.get(f"groupbuy/groups/{group.pk}"),
        ]
        # then anyone may, the link works logged out
        assert [r.status_code for r in reads] == [200, 200, 200], role
    for role, user in people.items():
        if role in ("owner", "staff"):
            AddressFactory(user=user)
        opened = api(user).post(
            f"groupbuy/campaigns/{deal.campaign.pk}/groups", {"sku_id": deal.sku.pk}
        )
        # and anyone logged in may open a group (the member already holds her one seat)
        expected = {"anonymous": 401, "member": 409}.get(role, 201)
        assert opened.status_code == expected, (role, opened.json())


def test_join_by_role_and_refusals(deal: Deal, api: Any):
    people = roles(deal)
    group = Group.objects.get()
    url = f"groupbuy/groups/{group.pk}/join"
    assert api(None).post(url, {"sku_id": deal.sku.pk}).status_code == 401
    assert api(people["member"]).post(url, {"sku_id": deal.sku.pk}).status_code == 409
    stranger = people["stranger"]
    joined = api(stranger).post(url, {"sku_id": deal.sku.pk}, headers={"Idempotency-Key": "j1"})
    assert joined.status_code == 201
    body = joined.json()
    assert (body["group"]["seats_taken"], body["group"]["seats_left"]) == (2, 1)
    # a replay returns the same order
    again = api(stranger).post(url, {"sku_id": deal.sku.pk}, headers={"Idempotency-Key": "j1"})
    assert again.json()["order_id"] == body["order_id"]
    assert Order.objects.filter(buyer=stranger).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"sku_id": "nope"},
        {"sku_id": "SKU", "quantity": 0},
        {"sku_id": "SKU", "quantity": 5},
        {"sku_id": "SKU", "quantity": "many"},
        {"sku_id": "x" * 40},
    ],
)
def test_bad_seat_input_is_a_4xx_with_nothing_written(deal: Deal, api: Any, body: dict[str, Any]):
    alice = customer()
    body = {k: (deal.sku.pk if v == "SKU" else v) for k, v in body.items()}
    response = api(alice).post(f"groupbuy/campaigns/{deal.campaign.pk}/groups", body, **EN)
    assert 400 <= response.status_code < 500
    assert not Group.objects.exists() and not Order.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"team_size": 1},
        {"team_size": "three"},
        {"complete_at_percent": 0},
        {"prices": {"nope": 100}},
        {"prices": {}},
        {"hours": 0},
        {"product_id": "nope"},
    ],
)
def test_bad_campaign_input_is_a_4xx(deal: Deal, api: Any, change: dict[str, Any]):
    response = api(deal.owner).post(
        f"groupbuy/stores/{deal.store.pk}/campaigns", campaign_body(deal, **change), **EN
    )
    assert 400 <= response.status_code < 500
    assert GroupCampaign.objects.count() == 1


def test_unknown_ids_are_404(api: Any, db: None):
    client = api(customer())
    assert client.get("groupbuy/campaigns/nope").status_code == 404
    assert client.get("groupbuy/groups/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.post("groupbuy/groups/nope/join", {"sku_id": "x"}).status_code == 404


def test_listing_open_groups_takes_constant_queries(deal: Deal, api: Any, paid: Any):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api().get(f"groupbuy/campaigns/{deal.campaign.pk}/groups")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    paid(services.open_group(customer(), deal.campaign.pk, deal.sku.pk))
    one = count()
    for _ in range(3):
        seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
        paid(seat)
        services.join_group(customer(), seat.group.pk, deal.sku.pk)
    listed = api().get(f"groupbuy/campaigns/{deal.campaign.pk}/groups").json()
    assert len(listed) == 4 and all(g["members"] for g in listed)
    assert count() == one
