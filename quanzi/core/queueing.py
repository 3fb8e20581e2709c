"""Queue a task after the current transaction commits, at most once per so many seconds in a
process (a burst of writes becomes one run), and never raise into the writer: the domains' own
sweeps re-run what a lost queueing left undone."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

log = logging.getLogger("quanzi.tasks")


class Debounced:
    """`queue()` enqueues `task` to run `every()` seconds after the first change of a burst."""

    def __init__(self, task: Any, every: Callable[[], float], name: str) -> None:
        self.task = task
        self.every = every
        self.name = name
        self.last_queued = [-1e9]  # monotonic time of the last queueing (tests reset it)

    def queue(self) -> None:
        every = self.every()
        now = time.monotonic()
        if every > 0 and now - self.last_queued[0] < every:
            return
        self.last_queued[0] = now

        def enqueue() -> None:
            try:
                self.task.using(run_after=timezone.now() + timedelta(seconds=every)).enqueue()
            except Exception:
                log.exception("could not queue %s", self.name)

        transaction.on_commit(enqueue)
