"""The rollup, every minute: counts the new events, prunes the old ones, and queues its next
run. A second chain (a restart queued another) ends itself: a run that finds the mark moved
less than half an interval ago does not queue a successor."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from quanzi.tracking import services
from quanzi.tracking.models import RollupMark

log = logging.getLogger("quanzi.tracking")


def interval() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "TRACKING_ROLLUP_SECONDS", 60)))


def start_rollups() -> None:
    """Queue the first run (when the server starts); never raises."""
    try:
        roll_up_events.using(run_after=timezone.now() + timedelta(seconds=5)).enqueue()
    except Exception:
        log.exception("could not queue the event rollup")


@task()
def roll_up_events() -> int:
    last = RollupMark.objects.filter(name=services.MARK).values_list("rolled_at", flat=True)
    ran_at = last.first()
    duplicate = ran_at is not None and timezone.now() - ran_at < interval() / 2
    read = services.roll_up_all()
    services.after_rollup()
    services.prune()
    if not duplicate:
        roll_up_events.using(run_after=timezone.now() + interval()).enqueue()
    return read
