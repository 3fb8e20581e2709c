"""Rebuild the search tokens and index of every product (after an upgrade or a bulk edit)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from quanzi.catalog.models import Product
from quanzi.catalog.search import FTS_TABLE, reindex_products


class Command(BaseCommand):
    help = "Re-segment every product with jieba and rebuild the search index."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {FTS_TABLE}")
            products = Product.objects.select_related("store", "category").iterator(chunk_size=500)
            count = reindex_products(products)
        self.stdout.write(f"Re-indexed {count} products.")
