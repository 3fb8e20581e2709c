"""Reads of flash sales for pages composed elsewhere (the home page)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from quanzi.campaigns.flashsales.models import FlashSale

SOON = timedelta(hours=24)


def starting_soon(*, limit: int = 4, now: datetime | None = None) -> list[FlashSale]:
    """Flash sales on now with stock left, then those starting within a day, soonest first;
    each with its SKU, product and store loaded and `is_live` set."""
    moment = now or timezone.now()
    live = Q(starts_at__lte=moment, ends_at__gt=moment, stock__gt=0)
    coming = Q(starts_at__gt=moment, starts_at__lte=moment + SOON)
    sales = list(
        FlashSale.objects.filter(live | coming, is_active=True, store__is_active=True)
        .filter(sku__product__on_shelf=True)
        .select_related("sku__product__store")
        .order_by("starts_at", "id")[:limit]
    )
    for sale in sales:
        sale.is_live = sale.starts_at <= moment  # type: ignore[attr-defined]
    return sales
