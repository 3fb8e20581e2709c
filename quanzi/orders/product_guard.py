"""An ordered product stays: the catalog asks before deleting one (catalog.signals)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from quanzi.catalog.models import Product
from quanzi.catalog.signals import deleting_product
from quanzi.core.errors import Conflict
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import OrderItem


def refuse_ordered_product(sender: Any, product: Product, **kwargs: Any) -> None:
    """Order items keep their product (PROTECT): refuse with a message the merchant can act on."""
    if OrderItem.objects.filter(product=product).exists():
        raise Conflict(
            _("This product has orders: take it off the shelf instead of deleting it."),
            code=OrderCode.HAS_ORDERS,
        )


def connect() -> None:
    deleting_product.connect(refuse_ordered_product, dispatch_uid="orders.refuse_ordered_product")
