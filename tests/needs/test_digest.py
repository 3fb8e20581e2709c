"""The weekly digest of a known week: top wishes, rising topics, the sentiment change against
the week before, the questions left unanswered; stored once, notified to those who see the
insights."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from quanzi.circles.models import Message, Notification, NotificationKind
from quanzi.needs.models import Digest, TextItem
from quanzi.needs.services.digest import build_digest, last_closed_week, week_bounds, weekly
from tests.needs.conftest import Say, World, make_item


def at(week: datetime, days: int, hour: int) -> datetime:
    return week + timedelta(days=days, hours=hour)


def move(message: Message, when: datetime) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=when)
    TextItem.objects.filter(source_id=message.pk).update(written_at=when)


def known_week(world: World, say: Say, analyse: Any) -> tuple[Any, datetime]:
    week = last_closed_week()
    start, _end = week_bounds(week)
    before = start - timedelta(days=7)
    # wishes: 无糖款 three times by two people, 大杯 once; last week 大杯 twice
    for user, text in [
        (world.customer, "希望有无糖款"),
        (world.customer, "还是希望有无糖款"),
        (world.customer2, "想要无糖款"),
        (world.customer2, "想要大杯"),
    ]:
        make_item(world.store, user, text, at=at(start, 2, 9), circle=world.circle)
    for user in (world.customer, world.customer2):
        make_item(world.store, user, "想要大杯", at=at(before, 2, 9), circle=world.circle)
    # questions in chat: answered by the staff, answered by a member's reply, left alone
    q1 = say(world.customer, world.circle, "冷萃什么时候补货？")
    staff = say(world.owner, world.circle, "明天就到")
    q2 = say(world.customer, world.circle, "大杯是多少毫升？")  # a question, not an ask
    reply = say(world.customer2, world.circle, "有的，我买过", reply_to=q2)
    q3 = say(world.customer2, world.circle, "冷萃怎么保存？")
    move(q1, at(start, 1, 10))
    move(staff, at(start, 1, 11))
    move(q2, at(start, 3, 10))
    move(reply, at(start, 3, 12))
    move(q3, at(start, 5, 10))
    analyse()
    # the mood: this week +0.5 on average, last week -0.5
    TextItem.objects.filter(written_at__gte=start).update(sentiment="positive", sentiment_score=0.5)
    TextItem.objects.filter(written_at__lt=start).update(sentiment="negative", sentiment_score=-0.5)
    return week, start


def test_the_digest_of_a_known_week(world: World, say: Say, analyse: Any) -> None:
    week, _start = known_week(world, say, analyse)
    digest = build_digest(world.store, week)
    content = digest.content
    # top wishes, with last week's count beside
    assert [(w["label"], w["count"], w["askers"], w["previous"]) for w in content["wishes"]] == [
        ("无糖款", 3, 2, 0),
        ("大杯", 1, 1, 2),
    ]
    # sentiment change against the week before
    assert content["sentiment"]["now"]["average"] == 0.5
    assert content["sentiment"]["before"]["average"] == -0.5
    assert content["sentiment"]["change"] == 1.0
    # one question was left unanswered, linking to the chat message
    assert content["unanswered_count"] == 1
    (question,) = content["unanswered"]
    assert question["text"] == "冷萃怎么保存？"
    assert question["link"].startswith(f"/circles/{world.circle.pk}/chat/#m")
    assert content["texts"] == TextItem.objects.filter(written_at__gte=_start).count()
    # topics that rose are listed with their counts
    assert all(t["count"] > 0 and t["share"] > t["previous_share"] for t in content["topics"])


def test_the_digest_is_notified_to_those_who_see_the_insights(
    world: World, say: Say, analyse: Any
) -> None:
    week, _start = known_week(world, say, analyse)
    digest = build_digest(world.store, week)
    told = set(
        Notification.objects.filter(kind=NotificationKind.DIGEST).values_list("user_id", flat=True)
    )
    assert told == {world.owner.pk, world.insights_staff.pk, world.customers_staff.pk}
    url = Notification.objects.filter(kind=NotificationKind.DIGEST).first().url  # type: ignore[union-attr]
    assert url == f"/needs/console/{world.store.pk}/digests/{digest.pk}/"


def test_the_weekly_sweep_builds_each_digest_once(world: World, say: Say, analyse: Any) -> None:
    week, _start = known_week(world, say, analyse)
    assert weekly() == 1
    assert weekly() == 0  # the mark: the minute after does nothing
    assert Digest.objects.get(store=world.store).week_start == week
    assert not Digest.objects.filter(store=world.other_store).exists()
    assert build_digest(world.store, week).pk == Digest.objects.get(store=world.store).pk


def test_the_digest_page_shows_it(world: World, say: Say, analyse: Any, client: Any) -> None:
    week, _start = known_week(world, say, analyse)
    digest = build_digest(world.store, week)
    client.force_login(world.owner)
    body = client.get(f"/needs/console/{world.store.pk}/digests/{digest.pk}/").content.decode()
    assert body.count('data-testid="digest-wish"') == 2
    assert body.count('data-testid="digest-question"') == 1
    listing = client.get(f"/needs/console/{world.store.pk}/digests/").content.decode()
    assert listing.count('data-testid="digest-row"') == 1


def test_a_question_answered_after_the_window_stays_unanswered(
    world: World, say: Say, analyse: Any
) -> None:
    week = last_closed_week()
    start, _end = week_bounds(week)
    q = say(world.customer, world.circle, "冷萃怎么保存？")
    late = say(world.owner, world.circle, "放冰箱")
    move(q, at(start, 2, 10))
    move(late, at(start, 3, 11))  # 25 hours later
    analyse()
    assert build_digest(world.store, week, notify=False).content["unanswered_count"] == 1
