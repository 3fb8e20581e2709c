"""The needs tasks: the analysis of the pending community text, queued after the text's
transaction commits. A process queues at most one run per `NEEDS_QUEUE_SECONDS` (1 s), to
run that long after, so a busy chat costs one task per second, not one per message; the
sweep after the minute's event rollup catches whatever a lost task left."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from quanzi.needs.services.analysis import analyse_pending

log = logging.getLogger("quanzi.needs")

_last_queued = [-1e9]


def queue_every() -> float:
    return float(getattr(settings, "NEEDS_QUEUE_SECONDS", 1.0))


@task()
def analyse_pending_items() -> int:
    return analyse_pending()


def queue_analysis() -> None:
    """Queue the analysis once the current transaction commits; never raises."""
    every = queue_every()
    now = time.monotonic()
    if every > 0 and now - _last_queued[0] < every:
        return
    _last_queued[0] = now

    def enqueue() -> None:
        try:
            analyse_pending_items.using(
                run_after=timezone.now() + timedelta(seconds=every)
            ).enqueue()
        except Exception:
            log.exception("could not queue the needs analysis")

    transaction.on_commit(enqueue)
