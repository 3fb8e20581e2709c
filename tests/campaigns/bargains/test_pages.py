"""Bargain pages: the shareable bargain page (logged out too) with the true amounts, the help
and buy buttons, the campaign page and the console form."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainStatus
from quanzi.orders.models import Order
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def beijing(moment) -> str:
    """As a datetime-local input sends it, in Beijing time."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bargain_page_shows_the_true_amounts_to_anyone():
    # given a ¥59.00 → ¥9.90 bargain helped once
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    cut = services.help_bargain(UserFactory(nickname="小王"), bargain.pk).help.amount
    price = 5900 - cut
    # when a logged-out visitor opens its link
    page = Client().get(f"/bargains/{bargain.pk}/", **EN).content.decode()
    # then the exact current price, the exact amount left and the helper's cut show, in yuan
    assert f"¥{price // 100}.{price % 100:02d}" in page
    left = price - 990
    assert f'data-testid="left-to-floor">¥{left // 100}.{left % 100:02d}<' in page
    assert "1 / 3" in page and "小王" in page
    assert f"¥{cut // 100}.{cut % 100:02d}" in page
    assert 'data-testid="help-cut"' in page and 'data-testid="countdown"' in page


def test_a_logged_out_helper_is_sent_to_log_in_and_back():
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    response = Client().post(f"/bargains/{bargain.pk}/help/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] and bargain.pk in response["Location"]


def test_helping_from_the_page_and_refusals_as_messages():
    # given a bargain and a friend
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    friend = signed_in(UserFactory())
    # when the friend helps twice
    friend.post(f"/bargains/{bargain.pk}/help/")
    page = friend.post(f"/bargains/{bargain.pk}/help/", follow=True, **EN).content.decode()
    # then one help counts and the second is explained
    assert Bargain.objects.get(pk=bargain.pk).helps_count == 1
    assert "You have helped this bargain already." in page


def test_the_starter_buys_from_the_page_at_the_floor():
    # given a bargain at its floor
    starter = UserFactory()
    AddressFactory(user=starter)
    bargain = services.start_bargain(starter, a_campaign().pk)
    for _ in range(3):
        services.help_bargain(UserFactory(), bargain.pk)
    client = signed_in(starter)
    page = client.get(f"/bargains/{bargain.pk}/", **EN).content.decode()
    assert 'data-testid="buy"' in page and "¥0.00" in page
    # when the starter buys
    response = client.post(f"/bargains/{bargain.pk}/buy/")
    # then they land on the order, at the floor price
    order = Order.objects.get(campaign="bargain")
    assert response["Location"] == f"/orders/{order.pk}/"
    assert Bargain.objects.get(pk=bargain.pk).status == BargainStatus.BOUGHT
    # and nobody else sees a buy button
    assert (
        'data-testid="buy"'
        not in signed_in(UserFactory()).get(f"/bargains/{bargain.pk}/").content.decode()
    )


def test_the_campaign_page_starts_a_bargain():
    # given a campaign and a customer
    campaign = a_campaign()
    client = signed_in(UserFactory())
    page = client.get(f"/bargains/c/{campaign.pk}/", **EN).content.decode()
    assert "Start bargaining" in page and "¥59.00" in page and "¥9.90" in page
    # when they start
    response = client.post(f"/bargains/c/{campaign.pk}/start/")
    # then they land on their bargain
    bargain = Bargain.objects.get(campaign=campaign)
    assert response["Location"] == f"/bargains/{bargain.pk}/"
    assert Client().post(f"/bargains/c/{campaign.pk}/start/").status_code == 302


def test_the_console_creates_a_campaign_from_yuan_and_beijing_times():
    # given a store owner with a campaign already
    owner = UserFactory()
    campaign = a_campaign(owner)
    client = signed_in(owner)
    form = {
        "title": "砍到1元",
        "sku_id": campaign.sku_id,
        "start_price": "20",
        "floor_price": "1.00",
        "helpers_needed": "2",
        "hours": "12",
        "max_helps_per_user": "1",
        "spread_percent": "30",
        "starts_at": beijing(timezone.now() - timedelta(hours=1)),
        "ends_at": beijing(timezone.now() + timedelta(days=30)),
    }
    # when they post the form
    response = client.post(f"/bargains/console/{campaign.store_id}/", form)
    # then the campaign is stored in fen
    created = BargainCampaign.objects.get(title="砍到1元")
    assert response.status_code == 302
    assert (created.start_price, created.floor_price) == (2000, 100)
    # and a bad one is explained, writing nothing
    bad = client.post(f"/bargains/console/{campaign.store_id}/", form | {"floor_price": "20"}, **EN)
    assert bad.status_code == 400 and "below the start price" in bad.content.decode()
    assert BargainCampaign.objects.count() == 2


@pytest.mark.parametrize(("who", "status"), [("stranger", 403), ("anonymous", 302)])
def test_the_console_is_for_the_store_only(who, status):
    campaign = a_campaign()
    client = signed_in(UserFactory()) if who == "stranger" else Client()
    assert client.get(f"/bargains/console/{campaign.store_id}/").status_code == status
