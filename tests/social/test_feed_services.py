"""The home feed: fan-out, privacy, order with the friends' boost, cursor pages, query counts,
removal on unfollow and block, and "N friends bought this". Given / when / then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.core.errors import InvalidInput
from quanzi.orders.models import OrderItem
from quanzi.orders.signals import order_paid
from quanzi.reviews.models import Review
from quanzi.reviews.signals import review_written
from quanzi.social.models import FeedEntry, Note
from quanzi.social.services import feed, graph
from quanzi.stores.models import Store
from tests.factories import ProductFactory, SkuFactory
from tests.social.conftest import befriend, follow, paid_order, share_purchases

pytestmark = pytest.mark.django_db


def review_of(author: User, sku: Sku, stars: int = 5, text: str = "香气很足") -> Review:
    order = paid_order(author, sku)
    item = OrderItem.objects.get(order=order)
    return Review.objects.create(
        order_item=item,
        product=sku.product,
        store=sku.product.store,
        author=author,
        stars=stars,
        text=text,
    )


def kinds(user: User, limit: int = 50) -> list[tuple[str, str]]:
    """(kind, title of the note or product) of the first page."""
    page = feed.home_feed(user, None, limit)
    return [
        (i.kind, i.note.title if i.note else i.product.title if i.product else "")
        for i in page.items
    ]


def test_a_persons_note_reaches_their_followers_only(
    alice: User, bob: User, carol: User, write_note: Callable[..., Note]
):
    # given: alice follows bob; carol does not
    follow(alice, bob)
    note = write_note(bob, "手冲入门")
    # when
    written = feed.fan_out_note(note.pk)
    again = feed.fan_out_note(note.pk)
    # then: once per follower, never twice
    assert (written, again) == (1, 0)
    assert kinds(alice) == [("note", "手冲入门")]
    assert kinds(carol) == []


def test_note_published_fans_out_after_commit(
    alice: User, bob: User, write_note: Callable[..., Note], django_capture_on_commit_callbacks
):
    # given
    follow(alice, bob)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        feed.note_published(write_note(bob, "拿铁"))
    # then
    assert kinds(alice) == [("note", "拿铁")]


def test_following_brings_the_latest_notes(alice: User, bob: User, write_note: Callable[..., Note]):
    # given
    write_note(bob, "旧笔记")
    # when
    graph.follow_person(alice, bob.public_id)
    # then
    assert kinds(alice) == [("note", "旧笔记")]


def test_store_notes_are_read_at_feed_time(
    alice: User, coffee_store: Store, write_note: Callable[..., Note], make_person
):
    # given: alice follows the store; its note is written after the follow, no fan-out
    graph.follow_store(alice, coffee_store.pk)
    write_note(make_person(), "新品上市", store=coffee_store)
    # then
    assert kinds(alice) == [("note", "新品上市")]
    assert not FeedEntry.objects.exists()
    # when: unfollowing the store
    graph.unfollow_store(alice, coffee_store.pk)
    # then
    assert kinds(alice) == []


def test_hidden_notes_leave_the_feed(
    alice: User, bob: User, coffee_store: Store, write_note: Callable[..., Note]
):
    # given
    follow(alice, bob)
    graph.follow_store(alice, coffee_store.pk)
    person_note = write_note(bob, "人")
    feed.fan_out_note(person_note.pk)
    store_note = write_note(bob, "店", store=coffee_store)
    # when
    Note.objects.filter(pk__in=[person_note.pk, store_note.pk]).update(is_hidden=True)
    # then
    assert kinds(alice) == []


def test_a_friends_purchase_is_hidden_by_default(alice: User, bob: User, coffee_sku: Sku):
    # given: friends, bob never changed his privacy settings
    befriend(alice, bob)
    order = paid_order(bob, coffee_sku)
    # when
    written = feed.fan_out_purchase(order.pk)
    # then
    assert written == 0
    assert kinds(alice) == []


def test_a_friends_purchase_shows_when_shared(alice: User, bob: User, carol: User, coffee_sku: Sku):
    # given: alice is bob's friend; carol only follows bob
    befriend(alice, bob)
    follow(carol, bob)
    share_purchases(bob)
    order = paid_order(bob, coffee_sku)
    # when
    feed.fan_out_purchase(order.pk)
    # then
    page = feed.home_feed(alice)
    assert [(i.kind, i.actor, i.product) for i in page.items] == [
        ("purchase", bob, coffee_sku.product)
    ]
    assert page.items[0].boosted
    assert kinds(carol) == []


def test_privacy_changes_apply_to_new_activity(alice: User, bob: User, coffee_sku: Sku):
    # given: a shared purchase already in alice's feed
    befriend(alice, bob)
    share_purchases(bob)
    feed.fan_out_purchase(paid_order(bob, coffee_sku).pk)
    # when: bob stops sharing and buys again
    graph.update_privacy(bob, share_purchases=False)
    feed.fan_out_purchase(paid_order(bob, coffee_sku).pk)
    # then: the earlier entry stays, the new purchase is not shown
    assert kinds(alice) == [("purchase", coffee_sku.product.title)]


def test_reviews_are_shared_by_default_but_never_anonymous_ones(
    alice: User, bob: User, coffee_sku: Sku
):
    # given
    befriend(alice, bob)
    shown = review_of(bob, coffee_sku, 4, "很香")
    anonymous = review_of(bob, coffee_sku)
    Review.objects.filter(pk=anonymous.pk).update(is_anonymous=True)
    # when
    feed.fan_out_review(shown.pk)
    feed.fan_out_review(anonymous.pk)
    feed.fan_out_review(shown.pk)  # a repeat changes nothing
    # then
    items = feed.home_feed(alice).items
    assert [(i.kind, i.review) for i in items] == [("review", shown)]
    assert items[0].review is not None and items[0].review.stars == 4


def test_a_review_hidden_later_leaves_the_feed(alice: User, bob: User, coffee_sku: Sku):
    # given
    befriend(alice, bob)
    review = review_of(bob, coffee_sku)
    feed.fan_out_review(review.pk)
    # when
    Review.objects.filter(pk=review.pk).update(is_hidden=True, moderation="hidden")
    # then
    assert kinds(alice) == []


def test_reviews_not_shared_when_the_author_says_so(alice: User, bob: User, coffee_sku: Sku):
    # given
    befriend(alice, bob)
    graph.update_privacy(bob, share_reviews=False)
    # when
    feed.fan_out_review(review_of(bob, coffee_sku).pk)
    # then
    assert kinds(alice) == []


def test_the_signals_fan_out_purchases_and_reviews(
    alice: User, bob: User, coffee_sku: Sku, django_capture_on_commit_callbacks
):
    # given
    befriend(alice, bob)
    share_purchases(bob)
    order = paid_order(bob, coffee_sku)
    review = review_of(bob, coffee_sku)
    # when: the producers' signals
    order_paid.send(sender=None, order_id=order.pk, buyer_id=bob.pk)
    review_written.send(sender=None, review_id=review.pk, author_id=bob.pk)
    # then
    assert sorted(k for k, _ in kinds(alice)) == ["purchase", "review"]


def test_friends_activity_is_boosted_by_six_hours(
    alice: User, bob: User, carol: User, coffee_sku: Sku, write_note: Callable[..., Note]
):
    # given: bob (a friend) bought 5 hours ago; carol (followed) wrote a note 1 hour ago and
    # another note just now
    befriend(alice, bob)
    follow(alice, carol)
    share_purchases(bob)
    now = timezone.now()
    feed.fan_out_purchase(paid_order(bob, coffee_sku, paid_at=now - timedelta(hours=5)).pk)
    with time_machine.travel(now - timedelta(hours=1), tick=False):
        older = write_note(carol, "一小时前")
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        newer = write_note(carol, "两小时后")
    feed.fan_out_note(older.pk)
    feed.fan_out_note(newer.pk)
    # then: the purchase ranks as 1 hour in the future: above the 1-hour-old note, below the
    # note 2 hours newer than now
    assert kinds(alice) == [
        ("note", "两小时后"),
        ("purchase", coffee_sku.product.title),
        ("note", "一小时前"),
    ]


def _build_mixed_feed(
    viewer: User,
    make_person: Callable[..., User],
    write_note: Callable[..., Note],
    store: Store,
    sku: Sku,
) -> set[str]:
    """40 person notes, 20 store notes (some sharing a timestamp), 5 purchases and 5
    reviews of a friend; the keys of everything that must appear."""
    writer = make_person()
    friend = make_person()
    follow(viewer, writer)
    befriend(viewer, friend)
    share_purchases(friend)
    graph.follow_store(viewer, store.pk)
    start = timezone.now() - timedelta(days=3)
    for n in range(40):
        # pairs of notes share one instant, to test the tie-break
        with time_machine.travel(start + timedelta(minutes=(n // 2) * 7), tick=False):
            feed.fan_out_note(write_note(writer, f"人{n}").pk)
            if n < 20:
                write_note(writer, f"店{n}", store=store)
    for n in range(5):
        when = start + timedelta(minutes=n * 31)
        feed.fan_out_purchase(paid_order(friend, sku, paid_at=when).pk)
        with time_machine.travel(when, tick=False):
            feed.fan_out_review(review_of(friend, sku).pk)
    entries = {
        f"e{pk}" for pk in FeedEntry.objects.filter(owner=viewer).values_list("pk", flat=True)
    }
    notes = {f"n{pk}" for pk in Note.objects.filter(store=store).values_list("pk", flat=True)}
    return entries | notes


def _key(item: feed.FeedItem) -> str:
    return f"{'e' if item.source == feed.SRC_ENTRY else 'n'}{item.key}"


@pytest.mark.parametrize("page_size", [1, 7, 30])
def test_cursor_pages_have_no_duplicates_and_no_gaps(
    alice: User,
    make_person: Callable[..., User],
    write_note: Callable[..., Note],
    coffee_store: Store,
    coffee_sku: Sku,
    page_size: int,
):
    # given
    expected = _build_mixed_feed(alice, make_person, write_note, coffee_store, coffee_sku)
    # when: walking every page
    seen: list[feed.FeedItem] = []
    cursor = None
    for _ in range(200):
        page = feed.home_feed(alice, cursor, page_size)
        assert len(page.items) <= page_size
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    # then: every item exactly once, in (rank, source) order, newest first
    keys = [_key(i) for i in seen]
    assert len(keys) == len(set(keys)) == len(expected) == 70
    assert set(keys) == expected
    ranks = [(i.rank, i.source) for i in seen]
    assert ranks == sorted(ranks, reverse=True)


def test_items_written_between_pages_do_not_shift_the_next_page(
    alice: User, bob: User, write_note: Callable[..., Note]
):
    # given
    follow(alice, bob)
    for n in range(6):
        feed.fan_out_note(write_note(bob, f"旧{n}").pk)
    first = feed.home_feed(alice, None, 3)
    # when: a new note arrives before the next page is read
    feed.fan_out_note(write_note(bob, "新").pk)
    second = feed.home_feed(alice, first.next_cursor, 3)
    # then
    titles = [i.note.title for i in first.items + second.items if i.note]
    assert titles == ["旧5", "旧4", "旧3", "旧2", "旧1", "旧0"]
    assert second.next_cursor is None


@pytest.mark.parametrize("cursor", ["garbage!", "WzEsMiwz", "eyJhIjoxfQ", "W251bGwsMSwiYSJd"])
def test_a_bad_cursor_is_a_clear_400(alice: User, cursor: str):
    with pytest.raises(InvalidInput) as error:
        feed.home_feed(alice, cursor)
    assert error.value.code == "bad_cursor"


@pytest.mark.parametrize("page_size", [5, 30])
def test_the_feed_takes_constant_queries_per_page(
    alice: User,
    make_person: Callable[..., User],
    write_note: Callable[..., Note],
    coffee_store: Store,
    coffee_sku: Sku,
    django_assert_max_num_queries,
    page_size: int,
):
    # given: a feed with notes (with images), store notes, purchases and reviews
    _build_mixed_feed(alice, make_person, write_note, coffee_store, coffee_sku)
    # when / then: 2 reads + note images + product images + reviews
    with django_assert_max_num_queries(5):
        first = feed.home_feed(alice, None, page_size)
    with django_assert_max_num_queries(5):
        second = feed.home_feed(alice, first.next_cursor, page_size)
    assert len(first.items) == page_size and len(second.items) == page_size


def test_unfollowing_removes_their_entries_and_our_friends_only_activity(
    alice: User, bob: User, coffee_sku: Sku, write_note: Callable[..., Note]
):
    # given: friends; each has the other's note and alice has bob's purchase
    befriend(alice, bob)
    share_purchases(alice)
    share_purchases(bob)
    feed.fan_out_note(write_note(bob, "bob 的笔记").pk)
    feed.fan_out_note(write_note(alice, "alice 的笔记").pk)
    feed.fan_out_purchase(paid_order(bob, coffee_sku).pk)
    feed.fan_out_purchase(paid_order(alice, coffee_sku).pk)
    # when: alice unfollows bob
    assert graph.unfollow_person(alice, bob.public_id) is True
    # then: nothing of bob in alice's feed; bob (still following alice) keeps her notes but
    # not her purchase, as they are no longer friends
    assert kinds(alice) == []
    assert kinds(bob) == [("note", "alice 的笔记")]


def test_blocking_hides_each_others_content_both_ways(
    alice: User, bob: User, write_note: Callable[..., Note]
):
    # given
    befriend(alice, bob)
    feed.fan_out_note(write_note(bob, "b").pk)
    feed.fan_out_note(write_note(alice, "a").pk)
    # when
    graph.block(bob, alice.public_id)
    # then
    assert kinds(alice) == [] and kinds(bob) == []
    # and new notes do not reach each other any more
    feed.fan_out_note(write_note(bob, "b2").pk)
    assert kinds(alice) == []


def test_friends_who_bought_counts_sharing_friends_once(
    alice: User,
    make_person: Callable[..., User],
    coffee: Product,
    coffee_sku: Sku,
    django_assert_num_queries,
):
    # given: two sharing friends bought it (one twice), one friend does not share, a sharing
    # stranger bought it, a sharing friend bought something else, an unpaid order
    sharing = [make_person(), make_person()]
    private, stranger, other_buyer, unpaid_buyer = (make_person() for _ in range(4))
    for friend in [*sharing, private, other_buyer, unpaid_buyer]:
        befriend(alice, friend)
    for person in [*sharing, stranger, other_buyer, unpaid_buyer]:
        share_purchases(person)
    follow(alice, stranger)
    for person in [*sharing, sharing[0], private, stranger]:
        paid_order(person, coffee_sku)
    paid_order(other_buyer, SkuFactory(product=ProductFactory()))
    unpaid = paid_order(unpaid_buyer, coffee_sku)
    unpaid.paid_at = None
    unpaid.status = "pending_payment"
    unpaid.save()
    # when / then
    with django_assert_num_queries(1):
        assert feed.friends_who_bought(alice, coffee.pk) == 2
    with django_assert_num_queries(0):
        assert feed.friends_who_bought(None, coffee.pk) == 0
        assert feed.friends_who_bought(alice, "bad id") == 0
