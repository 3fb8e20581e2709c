"""Feed API: the home feed with its cursor, and the friends-bought count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.social.models import Note
from quanzi.social.services import feed
from tests.social.conftest import befriend, follow, paid_order, share_purchases

pytestmark = pytest.mark.django_db


def test_the_feed_pages_with_its_cursor(
    api, alice: User, bob: User, write_note: Callable[..., Note]
):
    # given
    follow(alice, bob)
    for n in range(5):
        feed.fan_out_note(write_note(bob, f"笔记{n}").pk)
    client = api(alice)
    # when
    first = client.get("social/feed", {"limit": 3}).json()
    second = client.get("social/feed", {"limit": 3, "cursor": first["next_cursor"]}).json()
    # then
    titles = [i["note"]["title"] for i in first["items"] + second["items"]]
    assert titles == ["笔记4", "笔记3", "笔记2", "笔记1", "笔记0"]
    assert second["next_cursor"] is None
    assert first["items"][0]["note"]["author"]["id"] == bob.public_id


def test_a_friends_purchase_item_has_the_product_card(
    api, alice: User, bob: User, coffee: Product, coffee_sku: Sku
):
    # given
    befriend(alice, bob)
    share_purchases(bob)
    feed.fan_out_purchase(paid_order(bob, coffee_sku).pk)
    # when
    item = api(alice).get("social/feed").json()["items"][0]
    # then
    assert item["kind"] == "purchase" and item["boosted"] is True
    assert item["actor"]["display_name"] == "小美"
    assert item["product"]["id"] == coffee.pk and item["product"]["buyable"] is True
    assert item["product"]["url"] == reverse("catalog:detail", args=[coffee.pk])


def test_the_feed_needs_a_login_and_a_valid_cursor(api, alice: User):
    assert api().get("social/feed").status_code == 401
    response = api(alice).get("social/feed", {"cursor": "nonsense"})
    assert response.status_code == 400 and response.json()["code"] == "bad_cursor"
    assert api(alice).get("social/feed", {"limit": 500}).status_code in (400, 422)


@pytest.mark.parametrize("limit", [5, 30])
def test_the_feed_endpoint_takes_constant_queries(
    api,
    alice: User,
    make_person: Callable[..., User],
    write_note: Callable[..., Note],
    coffee_sku: Sku,
    django_assert_max_num_queries,
    limit: int,
):
    # given
    writer, friend = make_person(), make_person()
    follow(alice, writer)
    befriend(alice, friend)
    share_purchases(friend)
    for n in range(35):
        feed.fan_out_note(write_note(writer, f"n{n}").pk)
        feed.fan_out_purchase(paid_order(friend, coffee_sku).pk)
    client = api(alice)
    # when / then: token (+ its last-used update) + 5 feed queries
    with django_assert_max_num_queries(7):
        body = client.get("social/feed", {"limit": limit}).json()
    assert len(body["items"]) == limit


def test_friends_bought_count(api, alice: User, bob: User, coffee: Product, coffee_sku: Sku):
    # given
    befriend(alice, bob)
    paid_order(bob, coffee_sku)
    # when / then: not shared → 0; shared → 1; anonymous → 0
    assert api(alice).get(f"social/products/{coffee.pk}/friends-bought").json()["friends"] == 0
    share_purchases(bob)
    assert api(alice).get(f"social/products/{coffee.pk}/friends-bought").json() == {
        "product_id": coffee.pk,
        "friends": 1,
    }
    assert api().get(f"social/products/{coffee.pk}/friends-bought").json()["friends"] == 0
