"""The database task worker (django-tasks-db's `db_worker`), kept alive through database outages.

`db_worker` exits on the first database error it does not expect, so a short PostgreSQL outage
used to stop every timer until someone restarted it. This worker waits for the database with
backoff instead and carries on where it was. A task cut off by the outage (its result could not
be saved, so it stays "running" for ever) is queued again once the database is back: tasks are
idempotent (docs/contributing.md), so running one again is safe.
"""

from __future__ import annotations

import logging
import os
import random
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from quanzi.core.outage import DATABASE_ERRORS

logger = logging.getLogger("quanzi.core.task_worker")

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 30.0


class OutageTolerantWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._current_task: str | None = None

    def run(self) -> None:
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks: done
            except DATABASE_ERRORS as exc:
                logger.warning("task worker: the database is unavailable (%s); waiting", exc)
            self._wait_for_database()
            self._requeue_interrupted_task()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self._current_task = str(db_task_result.pk)
        super().run_task(db_task_result)  # raises only if the result could not be saved
        self._current_task = None

    def _wait_for_database(self) -> None:
        """Back off (1 s, 2 s, 4 s … 30 s, with jitter) until a connection works again."""
        delay = FIRST_WAIT_SECONDS
        while self.running:
            time.sleep(delay * random.uniform(0.8, 1.2))
            try:
                connections.close_all()
                connection.ensure_connection()
            except DATABASE_ERRORS:
                delay = min(delay * 2, MAX_WAIT_SECONDS)
                continue
            logger.warning("task worker: the database is back")
            return

    def _requeue_interrupted_task(self) -> None:
        if self._current_task is None:
            return
        requeued = DBTaskResult.objects.filter(
            pk=self._current_task, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY)
        if requeued:
            logger.warning("task worker: task %s was cut off; queued again", self._current_task)
        self._current_task = None


class Command(DbWorkerCommand):
    help = "Run the database task worker; it waits out database outages instead of exiting."

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = OutageTolerantWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
