"""The task worker that `serve` runs waits out a database outage instead of exiting (which
django-tasks-db's own db_worker does on the first OperationalError), and runs again a task the
outage cut off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from quanzi.core.management.commands import task_worker
from tests.core import worker_tasks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tasks go to the database queue (the suite's default backend queues nothing), and the
    worker's backoff is shortened to keep the test quick."""
    monkeypatch.setattr(task_worker, "FIRST_WAIT_SECONDS", 0.01)
    worker_tasks.RUNS.clear()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def run_worker() -> None:
    """The worker as serve starts it, in batch mode: it stops when the queue is empty."""
    call_command("task_worker", "--queue-name", "*", "--batch", "--no-startup-delay", verbosity=0)


def failing_first(monkeypatch: pytest.MonkeyPatch, cls: type, name: str, times: int) -> None:
    """`cls.name` raises the outage's OperationalError the first `times` calls."""
    real = getattr(cls, name)
    left = [times]

    def flaky(*args: object, **kwargs: object) -> object:
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError("connection to server failed: Connection refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(cls, name, flaky)


def test_the_worker_waits_for_the_database_and_then_runs_the_queue(monkeypatch):
    # given a queued task and a database that refuses the worker's first three polls
    result = worker_tasks.note.enqueue("hello")
    failing_first(monkeypatch, DBTaskResultQuerySet, "get_locked", 3)
    # when the worker runs
    run_worker()
    # then it did not exit on the outage: the task ran once, after the database came back
    assert worker_tasks.RUNS == ["hello"]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


def test_a_task_cut_off_by_the_outage_runs_again(monkeypatch):
    # given a task that loses the database half-way, and whose failure cannot be saved either
    result = worker_tasks.cut_off_once.enqueue("timer")
    failing_first(monkeypatch, DBTaskResult, "set_failed", 1)
    # when the worker runs
    run_worker()
    # then the task was queued again once the database was back, and finished
    assert worker_tasks.RUNS == ["timer", "timer"]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
