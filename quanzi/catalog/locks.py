"""Row locks of the catalogue: the only place that takes them.

A merchant's edits of one product (its fields, SKU matrix, shelf state, images) are serialised
by a lock of the product's row, of that row only. Editing locks FOR NO KEY UPDATE: it changes no
key, so buyers' order items and reviews (rows pointing at the product) can still be inserted
meanwhile. Deleting takes the full FOR UPDATE lock.

Lock order: the product → its SKUs and images (conditional updates, inserts). Buyers never lock
a product: stock is taken from the SKU row by a conditional update inside orders' transaction
(after the order rows), sales counts and ratings likewise. Catalog locks no other domain's rows.
"""

from __future__ import annotations

from quanzi.catalog.models import Product


def lock_product(product_id: str) -> None:
    """Lock the product's row for an edit (a no-op on SQLite, whose writers queue anyway)."""
    locked = Product.objects.select_for_update(of=("self",), no_key=True).filter(pk=product_id)
    locked.values_list("pk").first()


def lock_product_for_delete(product_id: str) -> None:
    """Lock the product's row before it is deleted."""
    # full lock: the row is deleted, which takes FOR UPDATE anyway (taken up front, not upgraded
    # later); it also makes inserts pointing at the product wait until the deletion is decided.
    locked = Product.objects.select_for_update(of=("self",)).filter(pk=product_id)
    locked.values_list("pk").first()
