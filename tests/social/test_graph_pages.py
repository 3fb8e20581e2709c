"""Graph pages: the person page, follow buttons, lists, privacy settings, store follow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from quanzi.accounts.models import User
from quanzi.social.models import Block, Follow, Note, PrivacySettings
from quanzi.stores.models import Store
from tests.social.conftest import follow

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_person_page_shows_counts_notes_and_a_follow_button(
    alice: User, bob: User, write_note: Callable[..., Note]
):
    # given
    write_note(bob, "我的手冲笔记")
    # when
    response = logged_in(alice).get(reverse("social:person", args=[bob.public_id]), headers=EN)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "小美" in html and "我的手冲笔记" in html
    assert 'data-testid="follow-button"' in html and "unfollow-button" not in html
    assert bob.username not in html


def test_pressing_follow_and_unfollow(alice: User, bob: User):
    # given
    client = logged_in(alice)
    page = reverse("social:person", args=[bob.public_id])
    # when
    response = client.post(reverse("social:follow", args=[bob.public_id]), {"next": page})
    # then
    assert response.status_code == 302 and response.url == page
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    assert 'data-testid="unfollow-button"' in client.get(page).content.decode()
    # when
    client.post(reverse("social:unfollow", args=[bob.public_id]), {"next": "https://evil.test/"})
    # then
    assert not Follow.objects.exists()


def test_following_a_blocker_shows_a_message(alice: User, bob: User):
    # given
    Block.objects.create(blocker=alice, blocked=bob)
    # when
    response = logged_in(alice).post(
        reverse("social:follow", args=[bob.public_id]), follow=True, headers=EN
    )
    # then
    assert "not possible" in response.content.decode()
    assert not Follow.objects.exists()


def test_a_blocked_person_cannot_see_the_blockers_page(alice: User, bob: User):
    # given
    logged_in(alice).post(reverse("social:block", args=[bob.public_id]))
    # when
    response = logged_in(bob).get(reverse("social:person", args=[alice.public_id]))
    # then
    assert response.status_code == 404
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()


def test_follower_and_following_pages(alice: User, bob: User, carol: User):
    # given
    follow(bob, alice)
    follow(alice, carol)
    client = logged_in(alice)
    # when
    followers = client.get(reverse("social:followers", args=[alice.public_id])).content.decode()
    following = client.get(reverse("social:following", args=[alice.public_id])).content.decode()
    # then
    assert "小美" in followers and 'data-testid="follow-button"' in followers
    assert "卡罗" in following and 'data-testid="unfollow-button"' in following


def test_the_follow_actions_need_a_login_and_a_post(bob: User, alice: User):
    url = reverse("social:follow", args=[bob.public_id])
    assert Client().post(url).status_code == 302  # to the login page
    assert logged_in(alice).get(url).status_code == 405
    assert not Follow.objects.exists()


def test_the_privacy_page_defaults_and_saves(alice: User):
    # given
    client = logged_in(alice)
    url = reverse("social:privacy")
    # when
    html = client.get(url).content.decode()
    # then: purchases unchecked, reviews checked
    assert 'data-testid="privacy-share-purchases">' in html
    assert 'data-testid="privacy-share-reviews" checked>' in html
    # when
    client.post(url, {"share_purchases": "on"})
    # then
    saved = PrivacySettings.objects.get(user=alice)
    assert (saved.share_purchases, saved.share_reviews) == (True, False)


def test_the_store_page_has_a_follow_button(alice: User, coffee_store: Store):
    # given
    client = logged_in(alice)
    page = reverse("stores:public", args=[coffee_store.pk])
    # when
    assert 'data-testid="follow-button"' in client.get(page).content.decode()
    client.post(reverse("social:follow_store", args=[coffee_store.pk]), {"next": page})
    # then
    assert 'data-testid="unfollow-button"' in client.get(page).content.decode()
    client.post(reverse("social:unfollow_store", args=[coffee_store.pk]))
    assert not Follow.objects.exists()
    # and anonymous visitors get a link to log in
    assert 'data-testid="follow-button"' in Client().get(page).content.decode()
