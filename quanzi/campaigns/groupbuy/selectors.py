"""Reads of group buys for pages composed elsewhere (the home page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from quanzi.campaigns.groupbuy.models import Group, GroupMember, GroupStatus


def open_groups_led_by(
    leader_ids: Iterable[int], *, viewer_id: int | None, limit: int = 4, now: datetime | None = None
) -> list[Group]:
    """Groups still filling, led by these people, that the viewer is not in, soonest to close
    first; each with its campaign, product, store and leader loaded and `seats_left` set."""
    leaders = set(leader_ids)
    if not leaders:
        return []
    moment = now or timezone.now()
    groups = (
        Group.objects.filter(
            leader_id__in=leaders,
            status=GroupStatus.OPEN,
            expires_at__gt=moment,
            seats_taken__lt=F("team_size"),
            campaign__is_active=True,
            campaign__product__on_shelf=True,
            campaign__store__is_active=True,
        )
        .select_related("campaign__product__store", "leader")
        .order_by("expires_at", "id")
    )
    if viewer_id is not None:
        groups = groups.exclude(
            pk__in=GroupMember.objects.filter(user_id=viewer_id).values("group")
        )
    found = list(groups[:limit])
    for group in found:
        group.seats_left = group.team_size - group.seats_taken  # type: ignore[attr-defined]
    return found
