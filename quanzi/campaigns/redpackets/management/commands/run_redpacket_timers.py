"""Apply every due red packet timer: for cron, or to recover after the task worker was down."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quanzi.campaigns.redpackets.services import apply_all_due


class Command(BaseCommand):
    help = "Post the scheduled red packets whose time has come and refund the expired ones."

    def handle(self, *args: Any, **options: Any) -> None:
        published, expired = apply_all_due()
        self.stdout.write(f"Published {published}, refunded {expired} red packet(s).")
