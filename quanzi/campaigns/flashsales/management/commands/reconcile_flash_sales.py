"""`manage.py reconcile_flash_sales [--slot ID]`: rebuild flash sales' Redis counters from the
database (every running or upcoming slot, or one); run it periodically and after a crash."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quanzi.campaigns.flashsales import services


class Command(BaseCommand):
    help = "Rebuild flash sales' Redis counters from the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slot", default="", help="one slot's id")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["slot"]:
            state = services.reconcile_flash_sale(options["slot"])
            self.stdout.write(f"{state['slot_id']}: {state['stock']} left")
        else:
            self.stdout.write(f"{services.reconcile_running()} flash sales reconciled")
