"""Reads of red packets for pages composed elsewhere (the home page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from quanzi.campaigns.redpackets.models import RedPacket, Share


def waiting_for(
    user_id: int, circle_ids: Iterable[str], *, limit: int = 3, now: datetime | None = None
) -> list[RedPacket]:
    """Red packets out in these circles, with shares left, that the person has not grabbed,
    newest first; each with its circle and sender loaded."""
    circles = set(circle_ids)
    if not circles:
        return []
    moment = now or timezone.now()
    left = Share.objects.filter(packet=OuterRef("pk"), claimed_by__isnull=True, refunded=False)
    mine = Share.objects.filter(packet=OuterRef("pk"), claimed_by_id=user_id)
    return list(
        RedPacket.objects.filter(
            circle_id__in=circles,
            published_at__isnull=False,
            visible_at__lte=moment,
            expires_at__gt=moment,
            refunded_at__isnull=True,
        )
        .filter(Exists(left))
        .exclude(Exists(mine))
        .select_related("circle", "sender")
        .order_by("-visible_at", "id")[:limit]
    )
