"""Load the demo data set (keeps existing data; safe to run again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load Quanzi's demo data: a merchant with a store, customers, orders and reviews."

    def handle(self, *args: Any, **options: Any) -> None:
        from quanzi.demo.data import load_demo

        created = load_demo()
        self.stdout.write("Demo data loaded." if created else "Demo data already present.")
