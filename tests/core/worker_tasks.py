"""Tasks for the task worker's tests: they note each run in RUNS."""

from __future__ import annotations

from django.db import OperationalError
from django_tasks import task

RUNS: list[str] = []


@task()
def note(word: str) -> str:
    RUNS.append(word)
    return word


@task()
def cut_off_once(word: str) -> str:
    """The first run loses the database half-way, as a task running during an outage does."""
    RUNS.append(word)
    if RUNS.count(word) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return word
