"""Apply every due circle timer: for cron, or to recover after the task worker was down."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quanzi.circles.services.announcements import apply_all_due_launches


class Command(BaseCommand):
    help = "Apply the launch countdowns whose time has come (product on shelf, members told)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = apply_all_due_launches()
        self.stdout.write(f"Applied {count} due launch(es).")
