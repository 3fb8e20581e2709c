"""Collecting: only the store's own community text becomes its items; text that is recalled,
removed, deleted or hidden stops counting."""

from __future__ import annotations

import io
from typing import Any

import pytest

from quanzi.circles.services import chat
from quanzi.needs.models import Source, TextItem, Wish
from quanzi.needs.sweeps import forget_hidden, recollect_restored
from quanzi.orders.models import OrderStatus
from quanzi.orders.services import aftersales, thread
from quanzi.reviews import services as reviews
from quanzi.social.services import notes
from tests.needs.conftest import Say, World
from tests.reviews.conftest import first_item, make_order


def items_of(world: World, **kw: Any) -> list[TextItem]:
    return list(TextItem.objects.filter(store=world.store, **kw))


def test_a_message_in_the_stores_own_circle_becomes_its_item(world: World, say: Say) -> None:
    # given / when: a customer asks in the store's circle
    message = say(world.customer, world.circle, "希望有无糖款")
    # then: one item of the store, by the customer, in that circle, not yet analysed
    (item,) = items_of(world)
    assert (item.source, item.source_id) == (Source.CHAT, message.pk)
    assert item.author == world.customer
    assert item.circle_id == world.circle.pk
    assert item.analysed_at is None


def test_an_interest_circle_is_never_read(world: World, say: Say) -> None:
    say(world.customer, world.interest, "希望有无糖款")
    assert TextItem.objects.count() == 0


def test_another_stores_circle_counts_for_that_store_only(world: World, say: Say) -> None:
    say(world.customer, world.other_circle, "希望有无糖款")
    assert items_of(world) == []
    assert TextItem.objects.filter(store=world.other_store).count() == 1


def test_the_stores_own_people_are_not_its_customers(world: World, say: Say) -> None:
    say(world.owner, world.circle, "大家想要什么新口味？")
    assert items_of(world) == []


def test_a_recalled_message_stops_counting(
    world: World, say: Say, commit: Any, analyse: Any
) -> None:
    # given: an analysed wish
    message = say(world.customer, world.circle, "希望有无糖款")
    analyse()
    assert Wish.objects.get(store=world.store).mention_count == 1
    # when: the sender recalls it
    commit(chat.recall_message, world.customer, world.circle.pk, message.pk)
    # then: its item and the wish it alone made are gone
    assert items_of(world) == []
    assert not Wish.objects.filter(store=world.store).exists()


def test_a_removed_message_stops_counting_and_the_wish_is_counted_again(
    world: World, say: Say, commit: Any, analyse: Any
) -> None:
    first = say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "希望有无糖款")
    analyse()
    commit(chat.remove_message, world.owner, world.circle.pk, first.pk)
    wish = Wish.objects.get(store=world.store)
    assert (wish.mention_count, wish.asker_count) == (1, 1)
    assert len(items_of(world)) == 1


def test_a_note_about_products_of_two_stores_is_one_item_per_store(
    world: World, commit: Any
) -> None:
    # when: a member's note tags a product of each store
    note = commit(
        notes.create_note,
        world.customer,
        title="两家店的好物",
        body="希望有无糖款",
        product_ids=[world.product.pk, world.other_product.pk],
    )
    # then: one item in each store, each with its own product
    mine = TextItem.objects.get(store=world.store, source=Source.NOTE)
    theirs = TextItem.objects.get(store=world.other_store, source=Source.NOTE)
    assert mine.source_id == theirs.source_id == note.pk
    assert (mine.product_id, theirs.product_id) == (world.product.pk, world.other_product.pk)


def test_a_note_about_no_store_is_not_read(world: World, commit: Any) -> None:
    commit(notes.create_note, world.customer, title="周末手冲", body="希望有无糖款")
    assert TextItem.objects.count() == 0


def test_comments_on_a_note_about_the_store_count_until_deleted(world: World, commit: Any) -> None:
    note = commit(
        notes.create_note, world.customer, title="冷萃", body="好喝", product_ids=[world.product.pk]
    )
    comment = commit(notes.add_comment, world.customer2, note.pk, "能不能出大瓶装？")
    assert items_of(world, source=Source.COMMENT)[0].source_id == comment.pk
    # when: the comment is deleted, then the note
    commit(notes.delete_comment, world.customer2, note.pk, comment.pk)
    assert items_of(world, source=Source.COMMENT) == []
    commit(notes.delete_note, world.customer, note.pk)
    assert items_of(world) == []


def _received_order(world: World) -> Any:
    return make_order(world.customer, world.product.skus.first(), OrderStatus.RECEIVED)


def test_a_review_counts_until_it_is_hidden(world: World, commit: Any) -> None:
    order = _received_order(world)
    review = commit(
        reviews.write_review, world.customer, order.pk, first_item(order).pk, 5, "好喝，想要无糖款"
    )
    (item,) = items_of(world, source=Source.REVIEW)
    assert (item.source_id, item.product_id) == (review.pk, world.product.pk)
    # when: moderation hides it, and the minute's sweep runs
    reviews.set_hidden(review.pk, True)
    forget_hidden()
    assert items_of(world, source=Source.REVIEW) == []


def test_a_held_review_stops_counting_and_counts_again_when_restored(
    world: World, commit: Any
) -> None:
    # given: a review collected as community text
    order = _received_order(world)
    review = commit(
        reviews.write_review, world.customer, order.pk, first_item(order).pk, 5, "好喝，想要无糖款"
    )
    # when: a trust case holds it, and the sweep runs
    reviews.set_held(review.pk, True)
    forget_hidden()
    # then: its text is out; when the hold is lifted and the sweep runs again, it is back
    assert items_of(world, source=Source.REVIEW) == []
    reviews.set_held(review.pk, False)
    recollect_restored()
    assert [i.source_id for i in items_of(world, source=Source.REVIEW)] == [review.pk]


def test_the_buyers_after_sales_words_count_and_the_stores_answers_do_not(
    world: World, commit: Any
) -> None:
    order = _received_order(world)
    request = commit(
        aftersales.request_after_sale,
        world.customer,
        order.pk,
        kind="refund_only",
        amount=100,
        reason="包装坏了，希望有更结实的包装",
    )
    commit(
        thread.post_message,
        world.owner,
        order.pk,
        request.pk,
        thread.MessageInput(text="抱歉，马上处理"),
        need="store",
    )
    (item,) = items_of(world, source=Source.AFTER_SALE)
    assert item.author == world.customer
    assert "包装坏了" in item.text
    assert item.product_id == world.product.pk


def test_the_backfill_command_collects_and_analyses_a_store(
    world: World, say: Say, commit: Any
) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    # given: text whose items were lost (say, collected before needs was installed)
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer, world.interest, "希望有无糖款")
    commit(
        notes.create_note,
        world.customer,
        title="冷萃",
        body="想要大杯",
        product_ids=[world.product.pk],
    )
    TextItem.objects.all().delete()
    # when: the command runs for the store
    call_command("needs_backfill", world.store.pk, stdout=io.StringIO())
    # then: the store's own text is back and analysed; the interest circle is still not read
    assert {i.source for i in items_of(world)} == {Source.CHAT, Source.NOTE}
    assert TextItem.objects.filter(analysed_at=None).count() == 0
    assert set(Wish.objects.filter(store=world.store).values_list("label", flat=True)) == {
        "无糖款",
        "大杯",
    }
    assert TextItem.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("needs_backfill", "nope")
