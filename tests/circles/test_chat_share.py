"""Sharing an order or a review as a card into one of my circles, from its page."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.accounts.services import AddressInput, save_address
from quanzi.circles.models import Circle, Message, MessageKind
from quanzi.orders.services.checkout import buy_now
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_order(circle_member, product):  # type: ignore[no-untyped-def]
    save_address(
        circle_member,
        AddressInput(
            recipient="李小美",
            phone="13912345678",
            province="云南省",
            city="昆明市",
            detail="翠湖路 1 号",
        ),
    )
    return buy_now(circle_member, product.skus.first().pk, 1)


def test_a_member_shares_their_order_into_a_circle(
    store_circle: Circle, circle_member, buyer_order
):  # type: ignore[no-untyped-def]
    # given a member with an order, on the share page
    client = Client()
    client.force_login(circle_member)
    url = f"/circles/share/?kind=order&id={buyer_order.pk}"
    page = client.get(url)
    assert page.status_code == 200 and store_circle.name in page.content.decode()
    # when they pick the circle and share
    r = client.post(url, {"circle": store_circle.pk, "text": "刚下单！", "client_id": "c1"})
    # then an order card is in the circle's chat, and a double submit adds nothing
    assert r.status_code == 302 and r["Location"] == f"/circles/{store_circle.pk}/chat/"
    client.post(url, {"circle": store_circle.pk, "text": "刚下单！", "client_id": "c1"})
    card = Message.objects.get(circle=store_circle)
    assert card.kind == MessageKind.ORDER and card.card["order_id"] == buyer_order.pk


def test_someone_elses_order_or_a_circle_i_am_not_in_is_refused(
    store_circle: Circle, circle_member, buyer_order, interest_circle: Circle
):  # type: ignore[no-untyped-def]
    # given a stranger and the member
    stranger = Client()
    stranger.force_login(UserFactory())
    member = Client()
    member.force_login(circle_member)
    url = f"/circles/share/?kind=order&id={buyer_order.pk}"
    # when the stranger shares the member's order, or the member posts to a circle they are not in
    r1 = stranger.post(url, {"circle": store_circle.pk, "client_id": "x1"})
    r2 = member.post(url, {"circle": interest_circle.pk, "client_id": "x2"})
    # then both are refused with a message, and nothing is posted
    assert r1.status_code in (403, 404) and r2.status_code == 403
    assert not Message.objects.exists()


def test_unknown_kind_is_not_found_and_anonymous_goes_to_login():
    anonymous = Client()
    r = anonymous.get("/circles/share/?kind=order&id=abc")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    member = Client()
    member.force_login(UserFactory())
    assert member.get("/circles/share/?kind=bogus&id=abc").status_code == 404
