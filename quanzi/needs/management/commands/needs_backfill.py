"""Collect a store's existing community text and analyse it (again):

manage.py needs_backfill <store id> [--reanalyse]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quanzi.core.ids import is_public_id
from quanzi.needs.services import collect
from quanzi.needs.services.analysis import analyse_pending, reanalyse_store
from quanzi.stores.models import Store


class Command(BaseCommand):
    help = "Collect and analyse a store's chat, notes, comments, reviews and after-sales text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("store_id")
        parser.add_argument(
            "--reanalyse", action="store_true", help="analyse every item of the store again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store_id = options["store_id"]
        if not is_public_id(store_id) or not Store.objects.filter(pk=store_id).exists():
            raise CommandError("No such store.")
        collected = collect.backfill(store_id)
        analysed = reanalyse_store(store_id) if options["reanalyse"] else analyse_pending()
        self.stdout.write(f"collected {collected} texts, analysed {analysed}")
