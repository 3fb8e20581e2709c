"""Domain events sent after the sender's transaction commits (Zulip's "send events on
commit"): a rolled-back payment, review or join never reaches a receiver, and one receiver's
failure is logged, never fails the request that committed nor stops the other receivers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger("quanzi.events")


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send `signal` to all its receivers once the current transaction commits (at once when
    there is none). Receivers are idempotent, so what a failure left undone can be re-run."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender, **kwargs):
            if isinstance(result, Exception):
                log.error(
                    "receiver %s failed on %s",
                    getattr(receiver, "__qualname__", receiver),
                    kwargs,
                    exc_info=result,
                )

    transaction.on_commit(send)


def enqueue_on_commit(task: Any, when: datetime, *args: Any) -> None:
    """Enqueue the timer `task(*args)` to run at `when`, once the current transaction commits.
    A failure to enqueue is logged, never raised (the money and rows are committed by then):
    timers are also applied when their objects are read and by the sweep commands."""

    def enqueue() -> None:
        try:
            task.using(run_after=when).enqueue(*args)
        except Exception:
            log.exception("could not enqueue %s%r", getattr(task, "name", task), args)

    transaction.on_commit(enqueue)
