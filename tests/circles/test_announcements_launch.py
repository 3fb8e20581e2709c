"""Launch countdowns as timers: the task, the re-check on read and the sweep all launch once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from quanzi.catalog.models import Product
from quanzi.circles.models import Announcement, Notification
from quanzi.circles.services import announcements, notifications
from quanzi.circles.tasks import launch_announcement
from quanzi.stores.models import StoreStaff
from tests.circles.conftest_announcements import (  # noqa: F401
    countdown_fixture,
    foreign_product_fixture,
    new_product_fixture,
    tasks_fixture,
)

pytestmark = pytest.mark.django_db


def _launch_notices() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind="launch").select_related("user")
    return sorted((n.user.username, n.url) for n in rows)


def test_before_the_time_nothing_happens(api, circle_member, store_circle, countdown):
    # given a countdown three days ahead
    # when a member reads the announcements and the task runs early, two days in
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        r = api(circle_member).get(f"circles/{store_circle.pk}/announcements")
        assert launch_announcement.call(countdown.pk) is False
    # then the product stays off the shelf and nobody is told
    assert r.json()[0]["state"] == "countdown"
    assert Product.objects.get(pk=countdown.product_id).on_shelf is False
    assert _launch_notices() == []


def test_reading_after_the_time_launches_once_even_with_the_task_running_twice(
    api, store_owner, circle_admin, circle_member, store_circle, countdown
):
    # given the launch time has passed
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        # when a member reads the circle's announcements
        r = api(circle_member).get(f"circles/{store_circle.pk}/announcements")
        # and the task runs too, twice, and the list is read again
        results = [launch_announcement.call(countdown.pk) for _ in range(2)]
        again = api(store_owner).get(f"circles/{store_circle.pk}/announcements")
        launched_at = Announcement.objects.get(pk=countdown.pk).launched_at
    # then the first read launched it: product on the shelf, every member told once
    assert r.json()[0]["state"] == "launched"
    assert results == [False, False]
    assert again.json()[0]["state"] == "launched"
    assert launched_at is not None
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True
    url = f"/products/{countdown.product_id}/"
    expected = sorted((u.username, url) for u in (store_owner, circle_admin, circle_member))
    assert _launch_notices() == expected


def test_the_task_alone_launches_and_a_later_read_does_nothing(
    api, circle_member, store_circle, countdown
):
    # given the launch time has passed
    with time_machine.travel(countdown.launch_at + timedelta(minutes=5)):
        # when the task runs, then a member reads the list
        assert launch_announcement.call(countdown.pk) is True
        api(circle_member).get(f"circles/{store_circle.pk}/announcements")
    # then the launch happened once
    assert len(_launch_notices()) == 3
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True


def test_a_muted_member_is_not_told_of_the_launch(circle_member, store_circle, countdown):
    # given the member muted the circle
    notifications.set_circle_muted(circle_member, store_circle.pk, True)
    # when the launch happens
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        announcements.apply_due_launches(store_circle)
    # then everyone else is told, the muted member not
    assert circle_member.username not in [name for name, _url in _launch_notices()]
    assert len(_launch_notices()) == 2


def test_an_author_who_left_the_store_cannot_launch(
    store_owner, circle_admin, circle_member, store_circle, countdown, shop
):
    # given the author no longer works for the store
    StoreStaff.objects.filter(store=shop, user=store_owner).delete()
    # when the launch time comes
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        assert announcements.launch(countdown.pk) is True
        assert announcements.launch(countdown.pk) is False
    # then the product stays off, members are not told of a sale, the admins are told why
    assert Product.objects.get(pk=countdown.product_id).on_shelf is False
    told = Notification.objects.filter(kind="launch")
    assert sorted(n.user_id for n in told) == sorted([store_owner.pk, circle_admin.pk])
    assert all(n.url.endswith(f"#a-{countdown.pk}") for n in told)


def test_a_product_without_a_priced_sku_is_refused(
    store_owner, circle_admin, store_circle, countdown
):
    # given the product lost its SKUs
    Product.objects.get(pk=countdown.product_id).skus.all().delete()
    # when the launch time comes
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        announcements.apply_due_launches(store_circle)
    # then the product stays off and only the admins hear of it
    assert Product.objects.get(pk=countdown.product_id).on_shelf is False
    told = sorted(n.user_id for n in Notification.objects.filter(kind="launch"))
    assert told == sorted([store_owner.pk, circle_admin.pk])


def test_a_product_already_on_the_shelf_is_announced(store_circle, countdown):
    # given the product went on the shelf early
    Product.objects.filter(pk=countdown.product_id).update(on_shelf=True)
    # when the time comes
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        launched = announcements.apply_due_launches(store_circle)
    # then the members are told
    assert launched == 1
    assert len(_launch_notices()) == 3


def test_the_sweep_command_applies_due_launches(store_circle, countdown):
    # given the launch time has passed and no task ran
    with time_machine.travel(countdown.launch_at + timedelta(hours=1)):
        # when the operator's cron runs the sweep twice
        call_command("run_circle_timers", stdout=_Sink())
        call_command("run_circle_timers", stdout=_Sink())
    # then the launch happened once
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True
    assert len(_launch_notices()) == 3


def test_a_moved_launch_ignores_the_stale_task(
    store_owner, store_circle, countdown, tasks, django_capture_on_commit_callbacks
):
    # given the owner moves the launch a day later
    later = countdown.launch_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        announcements.update_announcement(
            store_owner,
            store_circle.pk,
            countdown.pk,
            title=countdown.title,
            product_id=countdown.product_id,
            launch_at=later,
        )
    # then a new task is queued for the new time
    assert tasks[-1].task.run_after == later
    # and when the old task fires at the old time, nothing happens
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        assert launch_announcement.call(countdown.pk) is False
    assert Product.objects.get(pk=countdown.product_id).on_shelf is False
    # and at the new time it launches
    with time_machine.travel(later + timedelta(seconds=1)):
        assert launch_announcement.call(countdown.pk) is True
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True


def test_a_deleted_countdown_never_launches(store_owner, store_circle, countdown):
    # given the owner deletes the countdown
    announcements.delete_announcement(store_owner, store_circle.pk, countdown.pk)
    # when its task fires
    with time_machine.travel(countdown.launch_at + timedelta(seconds=1)):
        assert launch_announcement.call(countdown.pk) is False
    # then the product stays off
    assert Product.objects.get(pk=countdown.product_id).on_shelf is False


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_launches_launch_once(store_circle, countdown):
    # given four workers that reach the due launch at the same moment
    barrier = threading.Barrier(4)

    def run(_: int) -> bool:
        try:
            barrier.wait(timeout=10)
            return announcements.launch(countdown.pk)
        finally:
            connection.close()

    # when they all launch it
    due = countdown.launch_at + timedelta(seconds=1)
    with time_machine.travel(due), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(4)))
    # then one did, and every member was told once
    assert sorted(results) == [False, False, False, True]
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True
    assert len(_launch_notices()) == 3


def test_editing_a_due_launch_applies_it_first(store_owner, store_circle, countdown):
    # given the launch time passed while nobody read the circle
    with time_machine.travel(countdown.launch_at + timedelta(minutes=1)):
        # when the owner tries to move the launch a day later
        a = announcements.update_announcement(
            store_owner,
            store_circle.pk,
            countdown.pk,
            title=countdown.title,
            product_id=countdown.product_id,
            launch_at=countdown.launch_at + timedelta(days=1),
        )
    # then the launch had already happened; its time stays
    assert a.launched_at is not None and a.launch_at == countdown.launch_at
    assert Product.objects.get(pk=countdown.product_id).on_shelf is True
