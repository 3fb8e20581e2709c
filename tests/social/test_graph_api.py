"""Graph API: follow / unfollow people and stores, blocks, lists, profile, privacy."""

from __future__ import annotations

import pytest

from quanzi.accounts.models import User
from quanzi.social.models import Block, Follow
from quanzi.stores.models import Store
from tests.social.conftest import befriend, follow

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def test_follow_and_unfollow_a_person(api, alice: User, bob: User):
    # when
    first = api(alice).post(f"social/users/{bob.public_id}/follow")
    second = api(alice).post(f"social/users/{bob.public_id}/follow")
    # then: idempotent
    assert first.status_code == second.status_code == 200
    assert (first.json()["created"], second.json()["created"]) == (True, False)
    # when
    gone = api(alice).delete(f"social/users/{bob.public_id}/follow")
    # then
    assert gone.json() == {"following": False, "removed": True}
    assert not Follow.objects.exists()


def test_following_oneself_is_a_400(api, alice: User):
    response = api(alice).post(f"social/users/{alice.public_id}/follow")
    assert response.status_code == 400 and response.json()["code"] == "self_follow"


def test_following_someone_who_blocked_you_is_a_403_that_names_nobody(api, alice: User, bob: User):
    # given
    Block.objects.create(blocker=bob, blocked=alice)
    # when
    response = api(alice).post(f"social/users/{bob.public_id}/follow", headers=EN)
    # then
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Following this person is not possible.",
        "code": "blocked",
    }


def test_anonymous_cannot_follow(api, bob: User):
    assert api().post(f"social/users/{bob.public_id}/follow").status_code == 401


def test_unknown_person_is_a_404(api, alice: User):
    assert api(alice).post("social/users/nosuchperson/follow").status_code == 404


def test_follow_a_store(api, alice: User, coffee_store: Store):
    # when
    response = api(alice).post(f"social/stores/{coffee_store.pk}/follow")
    # then
    assert response.status_code == 200 and response.json()["created"] is True
    assert Follow.objects.filter(follower=alice, store=coffee_store).exists()
    # when
    assert api(alice).delete(f"social/stores/{coffee_store.pk}/follow").json()["removed"]
    assert api(alice).post("social/stores/nosuchstore/follow").status_code == 404


def test_block_and_unblock(api, alice: User, bob: User):
    # given
    befriend(alice, bob)
    # when
    blocked = api(alice).post(f"social/users/{bob.public_id}/block")
    # then: follows gone; bob no longer sees alice's profile
    assert blocked.json() == {"blocked": True}
    assert not Follow.objects.exists()
    assert api(bob).get(f"social/users/{alice.public_id}").status_code == 404
    assert api(bob).post(f"social/users/{alice.public_id}/follow").status_code == 403
    # when
    assert api(alice).delete(f"social/users/{bob.public_id}/block").json() == {"blocked": False}
    # then
    assert api(bob).post(f"social/users/{alice.public_id}/follow").status_code == 200


def test_profile_counts_and_relation(api, alice: User, bob: User, carol: User):
    # given
    befriend(alice, bob)
    follow(carol, bob)
    # when
    body = api(alice).get(f"social/users/{bob.public_id}").json()
    anonymous = api().get(f"social/users/{bob.public_id}").json()
    # then
    assert body["followers"] == 2 and body["following"] == 1 and body["notes"] == 0
    assert body["is_friend"] and body["you_follow"] and body["follows_you"]
    assert anonymous["you_follow"] is False and anonymous["is_friend"] is False
    assert "username" not in body and body["id"] == bob.public_id


@pytest.mark.parametrize("page_size", [5, 30])
def test_follower_lists_take_constant_queries(
    api, alice: User, make_person, django_assert_max_num_queries, page_size: int
):
    # given
    for _ in range(31):
        follow(make_person(), alice)
    client = api(alice)
    # when / then: token + person + block check + count + page (+ token last-used update)
    with django_assert_max_num_queries(7):
        response = client.get(f"social/users/{alice.public_id}/followers", {"page_size": page_size})
    body = response.json()
    assert len(body["items"]) == page_size and body["count"] == 31
    assert all(row["you_follow"] is False for row in body["items"])
    with django_assert_max_num_queries(7):
        following = client.get(f"social/users/{alice.public_id}/following").json()
    assert following["count"] == 0


def test_privacy_get_and_put(api, alice: User):
    # when
    before = api(alice).get("social/privacy").json()
    after = api(alice).put("social/privacy", {"share_purchases": True}).json()
    # then
    assert before == {"share_purchases": False, "share_reviews": True}
    assert after == {"share_purchases": True, "share_reviews": True}
    assert api().get("social/privacy").status_code == 401
    assert api(alice).put("social/privacy", {"share_purchases": "maybe"}).status_code in (
        400,
        422,
    )
