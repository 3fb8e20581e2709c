"""Reads of circles for pages composed elsewhere (the home page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from quanzi.circles.models import Announcement, Circle


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


def circles_of_store(store_id: str, limit: int = 4) -> list[Circle]:
    """The store's listed circles, largest first (the store page invites to them)."""
    return list(
        Circle.objects.filter(store_id=store_id, is_listed=True).order_by(
            "-member_count", "created_at", "id"
        )[:limit]
    )
