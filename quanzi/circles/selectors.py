"""Reads of circles for pages composed elsewhere (the home page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from quanzi.circles.models import Announcement


def launches_coming(
    circle_ids: Iterable[str], *, limit: int = 3, now: datetime | None = None
) -> list[Announcement]:
    """Announcements of these circles counting down to a launch, soonest first; each with its
    circle and product loaded."""
    circles = set(circle_ids)
    if not circles:
        return []
    moment = now or timezone.now()
    return list(
        Announcement.objects.filter(
            circle_id__in=circles, launch_at__gt=moment, launched_at__isnull=True
        )
        .select_related("circle", "product")
        .order_by("launch_at", "id")[:limit]
    )
