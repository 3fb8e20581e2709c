"""Flash-sale tasks: rebuild a slot's Redis counters from the database (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from quanzi.campaigns.flashsales import services

EVERY = timedelta(minutes=5)


@task()
def reconcile_flash_sale_task(slot_id: str) -> int:
    """Rebuild the slot's Redis counters (first at its start), then again every few minutes
    while it runs; answers the stock left."""
    state = services.reconcile_flash_sale(slot_id)
    if state["running_or_upcoming"]:
        reconcile_flash_sale_task.using(run_after=timezone.now() + EVERY).enqueue(slot_id)
    return int(state["stock"])
