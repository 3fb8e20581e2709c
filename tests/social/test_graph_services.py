"""Follow graph rules: follows, friends, blocks, privacy defaults. Given / when / then."""

from __future__ import annotations

import pytest
from django.utils import translation

from quanzi.accounts.models import User
from quanzi.core.errors import InvalidInput, NotFound, PermissionDenied
from quanzi.social.models import Block, Follow, PrivacySettings
from quanzi.social.services import graph
from quanzi.stores.models import Store
from tests.social.conftest import befriend, follow

pytestmark = pytest.mark.django_db


def test_following_oneself_is_refused(alice: User):
    # when / then
    with pytest.raises(InvalidInput) as error:
        graph.follow_person(alice, alice.public_id)
    assert error.value.code == "self_follow"
    assert not Follow.objects.exists()


def test_following_twice_is_idempotent(alice: User, bob: User):
    # given
    _, first = graph.follow_person(alice, bob.public_id)
    # when
    _, second = graph.follow_person(alice, bob.public_id)
    # then
    assert (first, second) == (True, False)
    assert Follow.objects.filter(follower=alice, followee=bob).count() == 1


def test_an_unknown_or_inactive_person_is_not_found(alice: User, bob: User):
    # given
    bob.is_active = False
    bob.save()
    # when / then
    for public_id in ("nosuchperson", bob.public_id, "bad id!"):
        with pytest.raises(NotFound):
            graph.follow_person(alice, public_id)


@pytest.mark.parametrize("blocker_is_target", [True, False])
def test_a_block_either_way_refuses_the_follow_without_saying_who(
    alice: User, bob: User, blocker_is_target: bool
):
    # given
    if blocker_is_target:
        Block.objects.create(blocker=bob, blocked=alice)
    else:
        Block.objects.create(blocker=alice, blocked=bob)
    # when / then
    with pytest.raises(PermissionDenied) as error:
        graph.follow_person(alice, bob.public_id)
    assert error.value.code == "blocked"
    # the same words whoever blocked whom (shown in English here)
    with translation.override("en"):
        assert "not possible" in str(error.value.message)
    assert not Follow.objects.exists()


def test_mutual_follows_are_friends(alice: User, bob: User, carol: User):
    # given
    befriend(alice, bob)
    follow(alice, carol)  # one way only
    # then
    assert graph.is_friend(alice, bob) and graph.is_friend(bob, alice)
    assert not graph.is_friend(alice, carol)
    assert graph.friend_ids(alice) == {bob.pk}
    assert graph.friend_ids(carol) == set()


def test_friend_ids_take_one_query(alice: User, make_person, django_assert_num_queries):
    # given
    for _ in range(5):
        befriend(alice, make_person())
    # when / then
    with django_assert_num_queries(1):
        assert len(graph.friend_ids(alice)) == 5


def test_blocking_removes_follows_both_ways(alice: User, bob: User):
    # given
    befriend(alice, bob)
    # when
    graph.block(alice, bob.public_id)
    # then
    assert not Follow.objects.exists()
    assert not graph.is_friend(alice, bob)
    assert graph.blocked_ids(alice) == {bob.pk} and graph.blocked_ids(bob) == {alice.pk}


def test_the_blocked_person_no_longer_sees_the_blocker(alice: User, bob: User):
    # given
    graph.block(alice, bob.public_id)
    # then: bob cannot see alice; alice still sees bob (to unblock)
    with pytest.raises(NotFound):
        graph.visible_person(bob, alice.public_id)
    assert graph.visible_person(alice, bob.public_id) == bob


def test_unblocking_allows_following_again(alice: User, bob: User):
    # given
    graph.block(alice, bob.public_id)
    # when
    assert graph.unblock(alice, bob.public_id) is True
    # then
    assert graph.follow_person(bob, alice.public_id)[1] is True


def test_blocking_oneself_is_refused(alice: User):
    with pytest.raises(InvalidInput):
        graph.block(alice, alice.public_id)


def test_following_a_store(alice: User, coffee_store: Store):
    # when
    _, created = graph.follow_store(alice, coffee_store.pk)
    again = graph.follow_store(alice, coffee_store.pk)[1]
    # then
    assert (created, again) == (True, False)
    assert graph.follows_store(alice, coffee_store)
    # when
    assert graph.unfollow_store(alice, coffee_store.pk) is True
    # then
    assert not graph.follows_store(alice, coffee_store)


def test_a_closed_store_cannot_be_followed(alice: User, coffee_store: Store):
    # given
    coffee_store.is_active = False
    coffee_store.save()
    # when / then
    with pytest.raises(NotFound):
        graph.follow_store(alice, coffee_store.pk)


def test_privacy_defaults_hide_purchases_and_share_reviews(alice: User):
    # when
    settings = graph.privacy(alice)
    # then: defaults, and nothing written by reading
    assert (settings.share_purchases, settings.share_reviews) == (False, True)
    assert not PrivacySettings.objects.exists()


def test_privacy_update_changes_only_what_is_given(alice: User):
    # when
    graph.update_privacy(alice, share_purchases=True)
    graph.update_privacy(alice, share_reviews=False)
    # then
    settings = graph.privacy(alice)
    assert (settings.share_purchases, settings.share_reviews) == (True, False)


def test_followers_list_says_whether_the_viewer_follows_each(
    alice: User, bob: User, carol: User, make_person
):
    # given: bob and carol follow alice; the viewer (a stranger) follows carol
    viewer = make_person()
    follow(bob, alice)
    follow(carol, alice)
    follow(viewer, carol)
    # when
    page = graph.followers_page(viewer, alice)
    # then: newest first
    assert [(r.public_id, r.viewer_follows) for r in page.items] == [
        (carol.public_id, True),
        (bob.public_id, False),
    ]
    assert page.count == 2 and page.pages == 1


@pytest.mark.parametrize("page_size", [5, 30])
def test_people_lists_take_constant_queries(
    alice: User, make_person, django_assert_max_num_queries, page_size: int
):
    # given
    for _ in range(35):
        person = make_person()
        follow(person, alice)
        follow(alice, person)
    # when / then
    with django_assert_max_num_queries(2):
        page = graph.followers_page(alice, alice, 1, page_size)
        assert len(page.items) == page_size
    with django_assert_max_num_queries(2):
        assert len(graph.following_page(alice, alice, 2, page_size).items) == min(
            page_size, 35 - page_size
        )


def test_people_lists_leave_out_those_who_blocked_the_viewer(alice: User, bob: User, carol: User):
    # given: bob and carol follow alice; bob blocked carol
    follow(bob, alice)
    follow(carol, alice)
    graph.block(bob, carol.public_id)
    # when
    seen_by_carol = graph.followers_page(carol, alice)
    seen_by_alice = graph.followers_page(alice, alice)
    # then
    assert [r.public_id for r in seen_by_carol.items] == [carol.public_id]
    assert seen_by_carol.count == 1 and seen_by_alice.count == 2
