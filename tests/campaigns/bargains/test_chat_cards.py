"""A bargain inside the chat: its starter asks a circle to help cut, as a card with the true
current price, the floor, the real progress and the time left; each help (given in place from
the chat through the bargain's own endpoint), the purchase and the expiry redraw the card."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.bargains import cards, services
from quanzi.campaigns.bargains.models import Bargain
from quanzi.circles.models import Circle, Message
from quanzi.circles.services import chat, membership
from quanzi.core.errors import Conflict, NotFound, PermissionDenied
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def room() -> Any:
    """A running campaign, its store's circle with alice (who starts a bargain) and bob."""
    owner = UserFactory(nickname="店主")
    campaign = a_campaign(owner)
    circle = membership.create_circle(
        owner, membership.CircleInput(name="山野砍价群", store_id=campaign.store_id)
    )
    alice, bob = UserFactory(nickname="阿丽"), UserFactory(nickname="小波")
    AddressFactory(user=alice)
    for person in (alice, bob):
        membership.join_by_code(person, circle.invite_code)
    bargain = services.start_bargain(alice, campaign.pk)
    return campaign, circle, alice, bob, bargain


def share(user: Any, circle: Circle, bargain_id: str, client_id: str = "b1") -> Message:
    return chat.send_message(
        user,
        circle.pk,
        kind="campaign",
        card_type="bargain",
        target_id=bargain_id,
        client_id=client_id,
    )


def test_the_starter_shares_the_bargain_as_a_card(room: Any):
    _campaign, circle, alice, _bob, bargain = room
    # when alice asks the circle to help
    message = share(alice, circle, bargain.pk)
    # then the card has the true prices, the helpers and the time left
    card = chat.message_json(message)["card"]
    assert card["type"] == "bargain" and card["bargain_id"] == bargain.pk
    assert (card["start_price"], card["current_price"], card["floor_price"]) == (5900, 5900, 990)
    assert (card["helps_count"], card["helpers_needed"], card["status"]) == (0, 3, "open")
    assert card["expires_at"] == bargain.expires_at.isoformat()
    assert card["starter"]["id"] == alice.public_id and card["title"] == "砍到9.9元"
    assert card["help_url"] == f"/api/v1/bargains/{bargain.pk}/help"
    assert message.card_ref == f"bargain:{bargain.pk}" and message.is_commercial is False


def test_only_the_starter_shares_a_bargain_that_can_still_be_helped(room: Any):
    _campaign, circle, alice, bob, bargain = room
    # someone else's bargain: 403
    with pytest.raises(PermissionDenied) as refused:
        share(bob, circle, bargain.pk)
    assert refused.value.code == "bargain_not_starter"
    # a forged id: 404
    with pytest.raises(NotFound):
        share(alice, circle, "ZZZZZZZZZZZZZZZZ")
    with pytest.raises(NotFound):
        share(alice, circle, "../etc")
    # an expired bargain: 409
    Bargain.objects.filter(pk=bargain.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as expired:
        share(alice, circle, bargain.pk)
    assert expired.value.code == "bargain_expired"
    assert not Message.objects.filter(kind="campaign").exists()


def test_a_help_from_the_chat_redraws_the_card(
    room: Any, api: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
):
    _campaign, circle, alice, bob, bargain = room
    message = share(alice, circle, bargain.pk)
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(chat, "publish", lambda circle_id, event: sent.append(event))
    # when bob taps 帮砍一刀 on the card (the bargain's own endpoint, from the chat page)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(bob).post(message.card["help_url"], {}, headers=EN)
    assert r.status_code == 201, r.content
    cut = r.json()["amount"]
    # then the stored card and the frame sent to the circle have the new true price
    message.refresh_from_db()
    assert message.card["current_price"] == 5900 - cut and message.card["helps_count"] == 1
    assert message.card["version"] == 1
    assert sent == [{"type": "chat.card", "id": message.pk, "card": message.card}]
    # and a second help by bob is refused, changing nothing
    again = api(bob).post(message.card["help_url"], {}, headers=EN)
    assert (again.status_code, again.json()["code"]) == (409, "bargain_helped")


def test_the_floor_the_purchase_and_the_expiry_show_on_the_card(
    room: Any, django_capture_on_commit_callbacks: Any
):
    _campaign, circle, alice, _bob, bargain = room
    message = share(alice, circle, bargain.pk)
    # when three helpers bring it to the floor
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.help_bargain(UserFactory(), bargain.pk, rng=random.Random(1))
    message.refresh_from_db()
    assert (message.card["status"], message.card["current_price"]) == ("floor_reached", 990)
    at_floor = message.card["version"]
    # when alice buys it, then the card says bought
    with django_capture_on_commit_callbacks(execute=True):
        services.buy_bargain(alice, bargain.pk)
    message.refresh_from_db()
    assert message.card["status"] == "bought" and message.card["version"] > at_floor
    # and a stale redraw of before the purchase changes nothing
    assert cards.refresh_bargain(bargain.pk) == 0


def test_the_expiry_shows_on_the_card(room: Any, django_capture_on_commit_callbacks: Any):
    _campaign, circle, alice, _bob, bargain = room
    message = share(alice, circle, bargain.pk)
    # when its time runs out and the timer runs
    Bargain.objects.filter(pk=bargain.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_bargain(bargain.pk) is True
    # then the card says expired
    message.refresh_from_db()
    assert message.card["status"] == "expired" and message.card["version"] == 1


def test_the_bargain_page_asks_the_circle_and_the_picker_lists_my_bargains(room: Any, api: Any):
    _campaign, circle, alice, bob, bargain = room
    # the starter's bargain page links to sharing it; a helper's page does not
    client = Client(headers=EN)
    client.force_login(alice)
    link = f"/circles/share/?kind=bargain&amp;id={bargain.pk}"
    assert link in client.get(f"/bargains/{bargain.pk}/").content.decode()
    helper = Client(headers=EN)
    helper.force_login(bob)
    assert link not in helper.get(f"/bargains/{bargain.pk}/").content.decode()
    # and the chat's picker offers alice her bargain, not bob
    mine = api(alice).get(f"circles/{circle.pk}/chat-cards").json()
    assert ("bargain", bargain.pk) in {(o["card_type"], o["target_id"]) for o in mine}
    theirs = api(bob).get(f"circles/{circle.pk}/chat-cards").json()
    assert all(o["card_type"] != "bargain" for o in theirs)
