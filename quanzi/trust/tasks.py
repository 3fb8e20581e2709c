"""The trust tasks: the analysis (`services.analysis.run_analysis`), queued after the commit of
what changes its records, and run periodically after the event rollup.

A process queues at most one run per `TRUST_QUEUE_SECONDS` (30 s), to run that long after, so a
burst of reviews costs one run, not one per review (as the needs analysis does). The step after
each rollup (`register_after_rollup("trust.analysis")`, every minute) runs the analysis when the
last run is older than `TRUST_ANALYSIS_EVERY_SECONDS` (an hour: scores move with time, a burst
ages), or sooner when a review of the window has no score yet (a lost or skipped task), and
prunes the old access prints."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from quanzi.core.queueing import Debounced
from quanzi.reviews.models import Review
from quanzi.trust import prints
from quanzi.trust.collect import WINDOW_DAYS
from quanzi.trust.services.analysis import AnalysisRun, run_analysis

log = logging.getLogger("quanzi.trust")

LAST_RUN = "trust:analysis:last-run"
PENDING_AFTER = 5 * 60.0  # a review without a score waits at most this long for a run


def queue_every() -> float:
    return float(getattr(settings, "TRUST_QUEUE_SECONDS", 30.0))


def run_every() -> float:
    return float(getattr(settings, "TRUST_ANALYSIS_EVERY_SECONDS", 3600.0))


def summary(run: AnalysisRun) -> dict[str, Any]:
    """What a task answers (JSON)."""
    return {
        "reviews": run.reviews,
        "accounts": run.accounts,
        "review_scores": run.review_scores,
        "account_scores": run.account_scores,
        "rings": run.rings,
        "flagged": run.flagged,
        "opened": run.opened,
        "updated": run.updated,
        "reopened": run.reopened,
        "held": run.held,
    }


def analyse_now() -> AnalysisRun:
    """Run the analysis and remember when (the periodic step reads it)."""
    run = run_analysis()
    cache.set(LAST_RUN, time.time(), timeout=None)
    return run


@task()
def analyse_trust() -> dict[str, Any]:
    return summary(analyse_now())


_debounced = Debounced(analyse_trust, queue_every, "the trust analysis")
_last_queued = _debounced.last_queued


def queue_analysis() -> None:
    """Queue the analysis once the current transaction commits; never raises."""
    _debounced.queue()


def _waiting() -> bool:
    """Whether a review of the window has no score yet."""
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    return Review.objects.filter(created_at__gte=since, trust_score__isnull=True).exists()


def periodic() -> None:
    """The step after each rollup: the analysis when it is due, then the prints' pruning."""
    last = cache.get(LAST_RUN)
    age = time.time() - float(last) if isinstance(last, int | float) else float("inf")
    if age >= run_every() or (age >= PENDING_AFTER and _waiting()):
        analyse_now()
    prints.prune()
