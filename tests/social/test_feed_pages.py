"""Feed pages: the home feed and "N friends bought this" on the product page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.orders.models import OrderItem
from quanzi.reviews.models import Review
from quanzi.social.models import Note
from quanzi.social.services import feed
from tests.social.conftest import befriend, follow, paid_order, share_purchases

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_visitor_discovers_popular_notes(alice: User, bob: User, write_note):
    # given two notes, the second one liked and collected more
    quiet = write_note(alice, "安静的一篇")
    loved = write_note(bob, "大家都爱的一篇")
    Note.objects.filter(pk=loved.pk).update(like_count=5, collect_count=3)
    Note.objects.filter(pk=quiet.pk).update(like_count=1)
    # when a visitor opens 发现
    response = Client().get(reverse("social:feed"), headers=EN)
    # then they see the popular notes, most engaging first, and a way to log in
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="popular-notes"' in html
    assert html.index("大家都爱的一篇") < html.index("安静的一篇")
    assert "/accounts/login/?next=/social/" in html


def test_a_member_with_an_empty_feed_lands_on_popular_notes(alice: User, bob: User, write_note):
    # given a member who follows nobody, and someone's note
    write_note(bob, "周末探店")
    # when they open 发现
    html = logged_in(alice).get(reverse("social:feed"), headers=EN).content.decode()
    # then they see popular notes instead of an empty page, and the Following tab is there
    assert "周末探店" in html and 'data-testid="feed-tab-following"' in html
    # and asking for Following explicitly shows the empty feed with what to do next
    following = logged_in(alice).get(reverse("social:feed"), {"tab": "following"}, headers=EN)
    assert 'data-testid="feed-empty"' in following.content.decode()


def test_the_feed_shows_notes_purchases_and_reviews(
    alice: User, bob: User, carol: User, coffee: Product, coffee_sku: Sku, write_note
):
    # given: carol is followed; bob is a friend who shares purchases and reviewed the coffee
    follow(alice, carol)
    befriend(alice, bob)
    share_purchases(bob)
    feed.fan_out_note(write_note(carol, "周末探店").pk)
    order = paid_order(bob, coffee_sku)
    feed.fan_out_purchase(order.pk)
    review = Review.objects.create(
        order_item=OrderItem.objects.get(order=order),
        product=coffee,
        store=coffee.store,
        author=bob,
        stars=5,
        text="<b>香</b>",
    )
    feed.fan_out_review(review.pk)
    # when
    html = logged_in(alice).get(reverse("social:feed"), headers=EN).content.decode()
    # then
    assert html.count('data-testid="feed-item"') == 3
    assert "周末探店" in html and "小美" in html and " bought" in html and " reviewed" in html
    assert "★ 5/5" in html and "&lt;b&gt;香&lt;/b&gt;" in html  # escaped user text
    assert reverse("catalog:detail", args=[coffee.pk]) in html
    assert 'data-testid="feed-buy"' in html


def test_the_feed_page_follows_its_cursor(alice: User, bob: User, write_note: Callable[..., Note]):
    # given
    follow(alice, bob)
    for n in range(25):
        feed.fan_out_note(write_note(bob, f"笔记{n}").pk)
    client = logged_in(alice)
    # when
    first = client.get(reverse("social:feed"))
    cursor = first.context["next_cursor"]
    second = client.get(reverse("social:feed"), {"cursor": cursor})
    # then
    assert len(first.context["items"]) == 20 and len(second.context["items"]) == 5
    assert 'data-testid="feed-more"' in first.content.decode()
    assert client.get(reverse("social:feed"), {"cursor": "junk"}).status_code == 400


def test_the_product_page_says_how_many_friends_bought_it(
    alice: User, bob: User, carol: User, coffee: Product, coffee_sku: Sku
):
    # given: two friends bought it; only bob shares his purchases
    befriend(alice, bob)
    befriend(alice, carol)
    share_purchases(bob)
    paid_order(bob, coffee_sku)
    paid_order(carol, coffee_sku)
    url = reverse("catalog:detail", args=[coffee.pk])
    # when
    html = logged_in(alice).get(url, headers=EN).content.decode()
    # then
    assert 'data-testid="friends-bought"' in html and "1 friend bought this" in html
    assert 'data-testid="friends-bought"' not in Client().get(url).content.decode()
