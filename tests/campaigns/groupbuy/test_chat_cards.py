"""Group buys inside the chat: a member shares a group with open seats, or the campaign, into a
circle as a card (price, 还差 N 人, the group's deadline, the members), and the card is redrawn
for everyone after each join, payment, completion and failure — with a version that only
grows, so a late redraw never undoes a newer one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy import cards, services
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign
from quanzi.circles.models import Circle, Message
from quanzi.circles.services import chat, membership
from quanzi.core.errors import Conflict, NotFound, PermissionDenied
from tests.campaigns.groupbuy.conftest import Deal, customer, make_deal

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@dataclass
class Room:
    deal: Deal
    circle: Circle
    alice: User  # a member of the store's circle
    bob: User  # another member


@pytest.fixture
def room(deal: Deal) -> Room:
    circle = membership.create_circle(
        deal.owner, membership.CircleInput(name="咖啡团购群", store_id=deal.store.pk)
    )
    alice, bob = customer("阿丽"), customer("小波")
    for person in (alice, bob, deal.staff):
        membership.join_by_code(person, circle.invite_code)
    return Room(deal, circle, alice, bob)


def share(user: User, circle: Circle, card_type: str, target_id: str, client_id: str = "c1"):  # type: ignore[no-untyped-def]
    return chat.send_message(
        user,
        circle.pk,
        kind="campaign",
        card_type=card_type,
        target_id=target_id,
        client_id=client_id,
    )


def test_a_member_shares_an_open_group_as_a_card(room: Room):
    # given a group opened by alice (one of three seats taken)
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    # when she shares it into the circle
    message = share(room.alice, room.circle, "group", seat.group.pk)
    # then the chat shows a campaign card of the group: price, seats still missing, deadline
    assert message.kind == "campaign" and message.card_ref == f"group:{seat.group.pk}"
    card = chat.message_json(message)["card"]
    assert card["type"] == "group" and card["group_id"] == seat.group.pk
    assert card["campaign_id"] == room.deal.campaign.pk
    assert (card["title"], card["price"], card["original_price"]) == ("云南小粒咖啡豆", 3900, 5900)
    assert (card["team_size"], card["seats_left"], card["status"]) == (3, 2, "open")
    assert card["expires_at"] == seat.group.expires_at.isoformat()
    assert [m["name"] for m in card["members"]] == ["阿丽"]
    assert card["url"] == f"/groupbuy/g/{seat.group.pk}/"
    # and it is a member's share: not commercial
    assert message.is_commercial is False


def test_the_card_follows_the_group_as_people_join_and_it_fails(
    room: Room, django_capture_on_commit_callbacks: Any, monkeypatch: Any
):
    # given alice's group shared in the chat, and the chat's publishing watched
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    message = share(room.alice, room.circle, "group", seat.group.pk)
    first = message.card["version"]
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(chat, "publish", lambda circle_id, event: sent.append(event))
    # when bob joins the group
    with django_capture_on_commit_callbacks(execute=True):
        services.join_group(room.bob, seat.group.pk, room.deal.sku.pk)
    # then the stored card and the card frame sent to the circle say one seat is missing
    message.refresh_from_db()
    assert message.card["seats_left"] == 1 and message.card["version"] > first
    assert [m["name"] for m in message.card["members"]] == ["阿丽", "小波"]
    assert sent == [{"type": "chat.card", "id": message.pk, "card": message.card}]
    # when the group's time runs out unfilled
    Group.objects.filter(pk=seat.group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    joined = message.card["version"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_group(seat.group.pk) is True
    # then the card says the group failed (no more 参团)
    message.refresh_from_db()
    assert message.card["status"] == "failed" and message.card["version"] > joined


def test_a_late_older_state_never_undoes_a_newer_card(
    room: Room, django_capture_on_commit_callbacks
):
    # given a shared group that bob joined afterwards (the card redrawn)
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    message = share(room.alice, room.circle, "group", seat.group.pk)
    stale = dict(message.card)
    with django_capture_on_commit_callbacks(execute=True):
        services.join_group(room.bob, seat.group.pk, room.deal.sku.pk)
    # when the card of before the join arrives late
    changed = chat.refresh_card(message.pk, stale, version="version")
    # then nothing changes
    message.refresh_from_db()
    assert changed is False and message.card["seats_left"] == 1
    # and a redraw of the same state changes nothing either
    assert cards.refresh_group(seat.group.pk) == 0


def test_the_group_completes_on_the_card(room: Room, paid: Any, django_capture_on_commit_callbacks):
    # given alice's paid group, shared
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    paid(seat)
    message = share(room.alice, room.circle, "group", seat.group.pk)
    # when two more join and pay
    for person in (room.bob, customer("阿三")):
        with django_capture_on_commit_callbacks(execute=True):
            joined = services.join_group(person, seat.group.pk, room.deal.sku.pk)
        paid(joined)
    # then the card says the group is complete, with its three paid members
    message.refresh_from_db()
    assert message.card["status"] == "complete" and message.card["seats_left"] == 0
    assert [m["paid"] for m in message.card["members"]] == [True, True, True]


def test_the_campaign_card_counts_the_groups_forming(
    room: Room, paid: Any, django_capture_on_commit_callbacks
):
    # given the group buy shared by the store's staff member (the budget has room)
    Circle.objects.filter(pk=room.circle.pk).update(commercial_share_percent=100)
    message = share(room.deal.staff, room.circle, "groupbuy", room.deal.campaign.pk)
    card = message.card
    assert (card["type"], card["groups_forming"], card["team_size"]) == ("groupbuy", 0, 3)
    assert card["url"] == f"/groupbuy/c/{room.deal.campaign.pk}/"
    # and, posted by the store's people, it is commercial
    assert message.is_commercial is True
    # when alice opens a group and pays (she leads it)
    with django_capture_on_commit_callbacks(execute=True):
        seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    paid(seat)
    # then the campaign's card shows one group forming
    message.refresh_from_db()
    assert message.card["groups_forming"] == 1 and message.card["version"] > card["version"]


def test_what_cannot_be_shared(room: Room):
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    # a forged or unknown id: 404
    for forged in ("nope", "A" * 16):
        with pytest.raises(NotFound):
            share(room.alice, room.circle, "group", forged)
        with pytest.raises(NotFound):
            share(room.alice, room.circle, "groupbuy", forged)
    # someone not in the circle: 403
    with pytest.raises(PermissionDenied):
        share(customer(), room.circle, "group", seat.group.pk)
    # a full group, or a closed one: 409
    for _ in range(2):
        services.join_group(customer(), seat.group.pk, room.deal.sku.pk)
    with pytest.raises(Conflict) as full:
        share(room.alice, room.circle, "group", seat.group.pk)
    assert full.value.code == "group_full"
    other = services.open_group(room.bob, room.deal.campaign.pk, room.deal.sku.pk)
    Group.objects.filter(pk=other.group.pk).update(status="failed")
    with pytest.raises(Conflict):
        share(room.bob, room.circle, "group", other.group.pk)
    # a campaign that ended: 409; one switched off: 404 to customers
    GroupCampaign.objects.filter(pk=room.deal.campaign.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1),
        starts_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(Conflict):
        share(room.alice, room.circle, "groupbuy", room.deal.campaign.pk)
    GroupCampaign.objects.filter(pk=room.deal.campaign.pk).update(is_active=False)
    with pytest.raises(NotFound):
        share(room.alice, room.circle, "groupbuy", room.deal.campaign.pk)
    assert not Message.objects.filter(kind="campaign").exists()


def test_another_stores_group_buy_only_in_an_interest_circle(room: Room):
    # given another store's group buy and a group of it
    other = make_deal()
    seat = services.open_group(room.alice, other.campaign.pk, other.sku.pk)
    # when alice shares it in this store's circle, then it is refused
    with pytest.raises(PermissionDenied) as refused:
        share(room.alice, room.circle, "group", seat.group.pk)
    assert refused.value.code == "card_not_here"
    # and in an interest circle (no store) it is sent
    runners = membership.create_circle(room.bob, membership.CircleInput(name="跑团"))
    membership.join_by_code(room.alice, runners.invite_code)
    assert share(room.alice, runners, "group", seat.group.pk).card["group_id"] == seat.group.pk


def test_the_composer_lists_the_store_group_buys_and_my_groups(room: Room, api: Any):
    # given alice's open group (paid or not, she is in it)
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    # when she opens the composer's picker
    r = api(room.alice).get(f"circles/{room.circle.pk}/chat-cards")
    # then it offers the campaign and her group
    assert r.status_code == 200
    offered = {(o["card_type"], o["target_id"]) for o in r.json()}
    assert ("groupbuy", room.deal.campaign.pk) in offered
    assert ("group", seat.group.pk) in offered
    # and a stranger cannot ask
    assert api(customer()).get(f"circles/{room.circle.pk}/chat-cards").status_code == 403


def test_share_over_the_api_and_the_share_page(room: Room, api: Any):
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    # when alice sends the card over the API
    body = {"client_id": "g1", "kind": "campaign", "card_type": "group", "target_id": seat.group.pk}
    r = api(room.alice).post(f"circles/{room.circle.pk}/messages", body, headers=EN)
    assert r.status_code == 201 and r.json()["card"]["type"] == "group"
    # and an unknown card type is refused
    body |= {"client_id": "g2", "card_type": "lottery"}
    bad = api(room.alice).post(f"circles/{room.circle.pk}/messages", body, headers=EN)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_card")
    # when bob shares the campaign from its page's "Share to a circle"
    client = Client(headers=EN)
    client.force_login(room.bob)
    url = f"/circles/share/?kind=groupbuy&id={room.deal.campaign.pk}"
    assert client.get(url).status_code == 200
    done = client.post(url, {"circle": room.circle.pk, "client_id": "p1"})
    # then he is back in the chat with the card sent
    assert done.status_code == 302 and done["Location"] == f"/circles/{room.circle.pk}/chat/"
    assert Message.objects.filter(sender=room.bob, card__type="groupbuy").count() == 1


def test_the_group_and_campaign_pages_link_to_sharing(room: Room):
    seat = services.open_group(room.alice, room.deal.campaign.pk, room.deal.sku.pk)
    client = Client(headers=EN)
    client.force_login(room.bob)
    group_page = client.get(f"/groupbuy/g/{seat.group.pk}/").content.decode()
    campaign_page = client.get(f"/groupbuy/c/{room.deal.campaign.pk}/").content.decode()
    assert f"/circles/share/?kind=group&amp;id={seat.group.pk}" in group_page
    assert f"/circles/share/?kind=groupbuy&amp;id={room.deal.campaign.pk}" in campaign_page
