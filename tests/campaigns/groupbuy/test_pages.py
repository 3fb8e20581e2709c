"""Group buying pages: campaign and group pages (logged out too), start/join to payment, the
console by role, and bad form input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign
from quanzi.orders.models import Order
from tests.campaigns.groupbuy.conftest import Deal, customer, make_deal
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def test_campaign_page_shows_prices_rule_and_open_groups_logged_out(paid: Any):
    # given a campaign disclosing "complete at 60 %" and an open group led by 阿丽
    deal = make_deal(team_size=5, complete_at_percent=60)
    seat = services.open_group(customer("阿丽"), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    # when someone logged out opens the campaign page
    page = Client().get(f"/groupbuy/c/{deal.campaign.pk}/", **EN)
    # then it shows group and normal prices, the 60 % rule in plain words, and the group
    html = page.content.decode()
    assert page.status_code == 200
    assert "¥39.00" in html and "¥59.00" in html
    assert "Complete at 60% filled" in html and "at least 3 paid members" in html
    assert "阿丽" in html and 'data-seconds-left="' in html
    assert f"/groupbuy/g/{seat.group.pk}/" in html


def test_group_page_works_logged_out_and_join_leads_to_payment(deal: Deal, paid: Any):
    seat = services.open_group(customer("阿丽"), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    url = f"/groupbuy/g/{seat.group.pk}/"
    # when a stranger opens the shared link logged out
    page = Client().get(url, **EN)
    assert page.status_code == 200
    assert "2 seats left" in page.content.decode()
    # and joining while logged out asks to log in first
    anonymous = Client().post(f"{url}join/", {"sku_id": deal.sku.pk})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    # when a logged-in customer joins
    bob = customer()
    joined = client_for(bob).post(f"{url}join/", {"sku_id": deal.sku.pk, "quantity": "1"})
    # then the seat is reserved and the sandbox pay page is next
    assert joined.status_code == 302 and "/pay/sandbox/" in joined["Location"]
    assert Group.objects.get(pk=seat.group.pk).seats_taken == 2
    assert Order.objects.filter(buyer=bob, campaign_ref=seat.group.pk).exists()


def test_bad_join_input_shows_a_message_and_writes_nothing(deal: Deal):
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    bob = customer()
    for data in (
        {"sku_id": "nope"},
        {"sku_id": deal.sku.pk, "quantity": "9"},
        {"sku_id": deal.sku.pk, "quantity": "²"},  # a digit int() refuses
        {},
    ):
        response = client_for(bob).post(f"/groupbuy/g/{seat.group.pk}/join/", data, **EN)
        assert response.status_code == 302
        assert response["Location"] == f"/groupbuy/g/{seat.group.pk}/"
    assert not Order.objects.filter(buyer=bob).exists()
    assert Client().get("/groupbuy/g/nope/").status_code == 404


def test_start_a_group_from_the_campaign_page(deal: Deal):
    alice = customer()
    response = client_for(alice).post(
        f"/groupbuy/c/{deal.campaign.pk}/start/", {"sku_id": deal.other_sku.pk}
    )
    assert response.status_code == 302 and "/pay/sandbox/" in response["Location"]
    assert Order.objects.get(buyer=alice).items.get().unit_price == 6900


def test_console_pages_by_role(deal: Deal):
    member = customer()
    services.open_group(member, deal.campaign.pk, deal.sku.pk)
    people = {
        "owner": deal.owner,
        "staff": deal.staff,
        "member": member,
        "stranger": customer(),
        "anonymous": None,
    }
    base = f"/groupbuy/console/{deal.store.pk}/"
    for role, user in people.items():
        client = client_for(user)
        codes = [
            client.get(base).status_code,
            client.get(f"{base}new/").status_code,
            client.get(f"{base}{deal.campaign.pk}/").status_code,
        ]
        expected = {"owner": 200, "staff": 200, "anonymous": 302}.get(role, 403)
        assert codes == [expected] * 3, role


def test_console_creates_and_edits_a_campaign(deal: Deal):
    client = client_for(deal.owner)
    base = f"/groupbuy/console/{deal.store.pk}/"
    form = {
        "product_id": deal.sku.product_id,
        f"price_{deal.sku.pk}": "45.5",
        "team_size": "2",
        "hours": "12",
        "per_user_limit": "1",
        "per_order_limit": "2",
        "starts_at": "2026-01-01T10:00",
        "ends_at": "2036-01-01T10:00",
        "complete_at_percent": "",
        "leader_points": "0",
        "is_active": "1",
    }
    created = client.post(f"{base}new/", form)
    assert created.status_code == 302
    campaign = GroupCampaign.objects.exclude(pk=deal.campaign.pk).get()
    assert (campaign.team_size, campaign.prices.get().price) == (2, 4550)
    # when the form is sent with a bad team size, then it is a 4xx and nothing changes
    bad = client.post(f"{base}{campaign.pk}/", form | {"team_size": "1"}, **EN)
    assert bad.status_code == 400
    assert GroupCampaign.objects.get(pk=campaign.pk).team_size == 2
    edited = client.post(f"{base}{campaign.pk}/", form | {"complete_at_percent": "50"})
    assert edited.status_code == 302
    assert GroupCampaign.objects.get(pk=campaign.pk).complete_at_percent == 50
