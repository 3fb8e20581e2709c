"""Outreach delivery as a background task (big audiences), idempotent: `deliver` handles only
the pending members, under the outreach's lock, so a task that runs twice or late does nothing
more; the report's read re-queues a delivery that stalled."""

from __future__ import annotations

from django_tasks import task

from quanzi.outreach.services import sending


@task()
def deliver_outreach(outreach_id: str) -> int:
    return sending.deliver(outreach_id)
