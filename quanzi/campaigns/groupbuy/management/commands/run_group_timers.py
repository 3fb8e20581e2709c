"""Close every group buy whose time ran out: for cron, or to recover after the task worker
was down (a failed group's members are refunded once, whoever runs first)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quanzi.campaigns.groupbuy.services import expire_due_groups


class Command(BaseCommand):
    help = "Complete or fail (and refund) the group buys whose time ran out."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = expire_due_groups()
        self.stdout.write(f"Closed {closed} group(s).")
