"""Reads of bargains for pages composed elsewhere (the home page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from quanzi.campaigns.bargains.models import Bargain, BargainHelp, BargainStatus


def asking_for_help(
    starter_ids: Iterable[int], *, helper_id: int, limit: int = 4, now: datetime | None = None
) -> list[Bargain]:
    """Open bargains of these people that the helper has not cut yet, soonest to expire first;
    each with its campaign, SKU, product, store and starter loaded."""
    starters = set(starter_ids) - {helper_id}
    if not starters:
        return []
    moment = now or timezone.now()
    helped = BargainHelp.objects.filter(helper_id=helper_id).values("bargain")
    return list(
        Bargain.objects.filter(
            starter_id__in=starters,
            status=BargainStatus.OPEN,
            expires_at__gt=moment,
            campaign__is_active=True,
            campaign__store__is_active=True,
        )
        .exclude(pk__in=helped)
        .select_related("campaign__sku__product__store", "starter")
        .order_by("expires_at", "id")[:limit]
    )
