"""The rollup: a known event history gives known daily counts, the store's staff left out,
each visitor once a day, nothing counted twice, fresh rows waited for, old rows pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from quanzi.tracking import services, tasks
from quanzi.tracking.models import DailyCount, DailyVisitor, Event, EventKind, RollupMark
from tests.factories import UserFactory, store_with_owner

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _event(kind: str, store: str, at: datetime, **fields: Any) -> Event:
    return Event.objects.create(kind=kind, store_id=store, at=at, **fields)


def _count(store: str, kind: str, **key: Any) -> tuple[int, int]:
    rows = DailyCount.objects.filter(store_id=store, kind=kind, **key)
    return sum(r.count for r in rows), sum(r.amount for r in rows)


def test_a_known_history_rolls_up_to_known_counts():
    # given a store, its owner, and a day of events in Beijing time
    owner = UserFactory()
    store = store_with_owner(owner).pk
    buyer, friend = UserFactory(), UserFactory()
    noon = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
    for _ in range(3):
        _event(
            EventKind.PRODUCT_VIEW,
            store,
            noon,
            user_id=buyer.pk,
            visitor=buyer.pk,
            source="share",
            ref="p1",
        )
    _event(EventKind.PRODUCT_VIEW, store, noon, visitor="a" * 24, source="chat", ref="p1")
    _event(
        EventKind.PRODUCT_VIEW,
        store,
        noon,
        user_id=friend.pk,
        visitor=friend.pk,
        source="share",
        ref="p1",
    )
    # the owner looking at their own product is not a visit
    _event(EventKind.PRODUCT_VIEW, store, noon, user_id=owner.pk, visitor=owner.pk, ref="p1")
    _event(EventKind.PAID, store, noon, user_id=buyer.pk, amount=5900, ref="o1")
    _event(EventKind.PAID, store, noon, user_id=friend.pk, amount=3900, ref="o2")
    # and one just after midnight Beijing time (16:30 UTC the day before)
    late = datetime(2026, 11, 20, 16, 30, tzinfo=ZoneInfo("UTC"))
    _event(EventKind.PRODUCT_VIEW, store, late, user_id=buyer.pk, visitor=buyer.pk, ref="p1")
    # when the rollup runs
    rolled = services.roll_up()
    # then every event is read, the owner's left out, and the counts are the known ones
    assert (rolled.events, rolled.counted) == (9, 8)
    day = noon.date()
    assert _count(store, EventKind.PRODUCT_VIEW, day=day) == (5, 0)
    assert _count(store, EventKind.PRODUCT_VIEW, day=day, source="share") == (4, 0)
    assert _count(store, EventKind.PAID, day=day) == (2, 9800)
    assert _count(store, EventKind.PRODUCT_VIEW, day=day + timedelta(days=1)) == (1, 0)
    # and each visitor counts once a day (buyer, friend, the anonymous phone), not the owner
    assert DailyVisitor.objects.filter(store_id=store, day=day).count() == 3
    assert not DailyVisitor.objects.filter(visitor=owner.pk).exists()
    # and running it again counts nothing twice
    assert services.roll_up().events == 0
    assert _count(store, EventKind.PRODUCT_VIEW, day=day) == (5, 0)


def test_later_events_add_to_the_same_days_rows():
    # given a rolled-up view, then two more the same day
    now = timezone.now()
    _event(EventKind.STORE_VIEW, "s1", now, visitor="v1")
    services.roll_up()
    _event(EventKind.STORE_VIEW, "s1", now, visitor="v1")
    _event(EventKind.STORE_VIEW, "s1", now, visitor="v2")
    # when the rollup runs again
    services.roll_up()
    # then the day's row holds all three, in one row, and two visitors
    assert DailyCount.objects.filter(store_id="s1").count() == 1
    assert _count("s1", EventKind.STORE_VIEW) == (3, 0)
    assert DailyVisitor.objects.filter(store_id="s1").count() == 2


def test_rows_written_just_now_wait_for_the_next_run(settings: Any):
    # given the rollup waits 60 s after a row is written
    settings.TRACKING_ROLLUP_LAG_SECONDS = 60
    _event(EventKind.LIKE, "s1", timezone.now())
    # when it runs, the fresh row is left for later
    assert services.roll_up().events == 0
    assert RollupMark.objects.get(name=services.MARK).last_event_id == 0


def test_batches_are_read_in_id_order_up_to_the_limit():
    now = timezone.now()
    for _ in range(5):
        _event(EventKind.MESSAGE, "s1", now)
    assert services.roll_up(limit=2).events == 2
    assert services.roll_up_all(limit=2) == 3
    assert _count("s1", EventKind.MESSAGE) == (5, 0)


def test_old_raw_events_are_pruned_once_rolled_up(settings: Any):
    # given events 100 and 10 days old, and a retention of 30 days
    settings.TRACKING_RETENTION_DAYS = 30
    now = timezone.now()
    old = _event(EventKind.LIKE, "s1", now - timedelta(days=100))
    recent = _event(EventKind.LIKE, "s1", now - timedelta(days=10))
    # when pruning before the rollup, nothing goes (it has not been counted)
    assert services.prune() == 0
    # and after the rollup the old one goes, the recent one stays, the counts stay
    services.roll_up()
    assert services.prune() == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
    assert _count("s1", EventKind.LIKE) == (2, 0)
    assert old.pk not in Event.objects.values_list("pk", flat=True)


def test_the_task_queues_its_next_run_unless_another_chain_just_ran(settings: Any):
    settings.TRACKING_ROLLUP_SECONDS = 60
    default_task_backend.clear()  # type: ignore[attr-defined]
    # given no run yet: the task runs and queues its successor
    tasks.roll_up_events.call()
    assert len(default_task_backend.results) == 1  # type: ignore[attr-defined]
    # when a second chain runs right after, it counts but does not queue another
    tasks.roll_up_events.call()
    assert len(default_task_backend.results) == 1  # type: ignore[attr-defined]
