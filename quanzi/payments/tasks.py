"""Background tasks of payments: the sandbox gateway's webhook delivery (idempotent)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff after failed attempt number `attempt`: 30 s, 1 min, 2 min … 1 h."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS))


@task()
def deliver_sandbox_event(event_id: str, attempt: int = 1) -> bool:
    """POST one sandbox event to the platform; on failure try again later, up to MAX_ATTEMPTS.

    Sending an event twice is harmless: the platform deduplicates by event id.
    """
    from quanzi.payments.providers.sandbox import deliver_over_http

    if deliver_over_http(event_id):
        return True
    if attempt >= MAX_ATTEMPTS:
        logger.error("sandbox event %s not delivered after %d attempts", event_id, attempt)
        return False
    run_after = timezone.now() + retry_delay(attempt)
    deliver_sandbox_event.using(run_after=run_after).enqueue(event_id, attempt + 1)
    return False
