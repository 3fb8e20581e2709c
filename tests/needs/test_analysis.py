"""Analysis runs in the worker after commit: the request only collects and queues; the task
analyses in batches and merges the wishes with their counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django_tasks import default_task_backend

from quanzi.needs.models import TextItem, Wish, WishMention
from quanzi.needs.services.wishes import regroup
from quanzi.needs.text.base import get_model
from tests.needs.conftest import Say, World

PARAPHRASES = "tests.needs.paraphrase_model.ParaphraseModel"


def queued() -> list[Any]:
    return [r for r in default_task_backend.results if r.task.name == "analyse_pending_items"]


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    default_task_backend.results.clear()  # type: ignore[attr-defined]


def test_sending_only_collects_and_queues_the_analysis(world: World, say: Say) -> None:
    # when: a customer asks
    say(world.customer, world.circle, "希望有无糖款")
    # then: the item waits for the worker, which was queued once
    item = TextItem.objects.get(store=world.store)
    assert item.analysed_at is None and item.sentiment == ""
    assert not WishMention.objects.exists()
    assert len(queued()) == 1


def test_a_burst_of_messages_queues_one_run(world: World, say: Say) -> None:
    for text in ("希望有无糖款", "想要大杯", "求冰美式"):
        say(world.customer, world.circle, text)
    assert len(queued()) == 1
    assert TextItem.objects.filter(store=world.store, analysed_at=None).count() == 3


def test_the_worker_analyses_what_is_pending(world: World, say: Say, analyse: Any) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "这个咖啡很好喝，我很喜欢")
    # when: the queued task runs
    assert analyse() == 2
    # then: every item has its analysis, the wish its span
    assert not TextItem.objects.filter(analysed_at=None).exists()
    mention = WishMention.objects.get()
    assert mention.text == "无糖款" and mention.user == world.customer
    assert mention.item.text[mention.start : mention.end] == "无糖款"
    liked = TextItem.objects.get(author=world.customer2)
    assert liked.sentiment == "positive" and liked.sentiment_score > 0
    assert analyse() == 0  # nothing left


def test_the_same_wish_is_one_wish_with_its_counts(world: World, say: Say, analyse: Any) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer, world.circle, "真的希望有无糖款")
    say(world.customer2, world.circle, "想要无糖款")
    say(world.customer2, world.circle, "想要大杯")
    analyse()
    sugar = Wish.objects.get(store=world.store, label="无糖款")
    assert (sugar.mention_count, sugar.asker_count) == (3, 2)
    assert Wish.objects.get(store=world.store, label="大杯").mention_count == 1
    assert sugar.first_at is not None and sugar.last_at >= sugar.first_at


def test_wishes_are_per_store(world: World, say: Say, analyse: Any) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer, world.other_circle, "希望有无糖款")
    analyse()
    assert Wish.objects.filter(store=world.store).get().mention_count == 1
    assert Wish.objects.filter(store=world.other_store).get().mention_count == 1


@override_settings(NEEDS_TEXT_MODEL=PARAPHRASES)
def test_paraphrases_merge_into_one_wish_that_keeps_its_id(
    world: World, say: Say, analyse: Any
) -> None:
    get_model.cache_clear()
    # given: a wish asked for twice
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "希望有无糖款")
    analyse()
    wish = Wish.objects.get(store=world.store)
    # when: a paraphrase arrives in a later batch
    say(world.customer, world.circle, "能不能出不加糖的版本")
    analyse()
    # then: the same wish (same id, its commonest phrase as label) counts it
    merged = Wish.objects.get(store=world.store)
    assert merged.pk == wish.pk and merged.label == "无糖款"
    assert (merged.mention_count, merged.asker_count) == (3, 2)
    assert set(merged.mentions.values_list("text", flat=True)) == {"无糖款", "不加糖的版本"}


@override_settings(NEEDS_TEXT_MODEL=PARAPHRASES)
def test_regrouping_again_changes_nothing(world: World, say: Say, analyse: Any) -> None:
    get_model.cache_clear()
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "求零糖的")
    analyse()
    before = list(Wish.objects.values_list("pk", "label", "mention_count"))
    assert regroup(world.store.pk) == set()
    assert list(Wish.objects.values_list("pk", "label", "mention_count")) == before


def test_a_rolled_back_message_leaves_no_item(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from quanzi.circles.services import chat

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        chat.send_message(
            world.customer, world.circle.pk, kind="text", text="希望有无糖款", client_id="rb1"
        )
        raise RuntimeError("the sender's transaction fails")
    assert not TextItem.objects.exists()
    assert queued() == []
