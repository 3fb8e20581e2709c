"""The needs tasks: the analysis of the pending community text, queued after the text's
transaction commits. A process queues at most one run per `NEEDS_QUEUE_SECONDS` (1 s), to
run that long after, so a busy chat costs one task per second, not one per message; the
sweep after the minute's event rollup catches whatever a lost task left."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from quanzi.core.queueing import Debounced
from quanzi.needs.services.analysis import analyse_pending

log = logging.getLogger("quanzi.needs")


def queue_every() -> float:
    return float(getattr(settings, "NEEDS_QUEUE_SECONDS", 1.0))


@task()
def analyse_pending_items() -> int:
    return analyse_pending()


_debounced = Debounced(analyse_pending_items, queue_every, "the needs analysis")
_last_queued = _debounced.last_queued


def queue_analysis() -> None:
    """Queue the analysis once the current transaction commits; never raises."""
    _debounced.queue()
