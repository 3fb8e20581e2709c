"""Roll up the raw tracking events into the daily counts and prune the old ones (for cron, or
to catch up after the task worker was down)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quanzi.tracking import services


class Command(BaseCommand):
    help = "Count the new tracking events into the daily rollups and prune old raw events."

    def handle(self, *args: Any, **options: Any) -> None:
        read = services.roll_up_all()
        services.after_rollup()
        pruned = services.prune()
        self.stdout.write(f"rolled up {read} events, pruned {pruned}")
