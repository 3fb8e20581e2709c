"""What the catalog does on news from the stores below it (connected in CatalogConfig.ready)."""

from __future__ import annotations

from typing import Any

from quanzi.catalog.models import Product
from quanzi.catalog.search import reindex_products
from quanzi.stores.models import Store
from quanzi.stores.signals import store_renamed


def reindex_renamed_store(sender: Any, store: Store, **kwargs: Any) -> None:
    """Products are found by their store's name too: re-index them after a rename."""
    reindex_products(Product.objects.filter(store=store).select_related("store", "category"))


def connect() -> None:
    store_renamed.connect(reindex_renamed_store, dispatch_uid="catalog.reindex_renamed_store")
