"""The in-app notification centre: mentions, replies, announcements, launches, join requests and
group-buy outcomes (the kinds are listed in `NotificationKind`).

Callers pass the recipient only (never the actor of their own action). A member who muted a
circle's notifications gets none from that circle; notifications without a circle always go out.
The pages poll the unread badge (HTMX), so nothing is pushed over sockets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.models import (
    Circle,
    Membership,
    MemberState,
    Message,
    Notification,
    NotificationKind,
)
from quanzi.circles.services.access import access_circle
from quanzi.core.errors import InvalidInput
from quanzi.core.ids import is_public_id

TEXT_LIMIT = 300
MAX_MARK_IDS = 200


def _clip(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_kind(kind: str) -> str:
    if kind not in NotificationKind.values:
        raise InvalidInput(_("Unknown notification kind."), field="kind")
    return kind


def notify(
    user: User,
    kind: str,
    text: str,
    *,
    circle: Circle | None = None,
    message: Message | None = None,
    url: str = "",
) -> Notification | None:
    """Tell `user` about something; None when the user muted this circle's notifications."""
    _check_kind(kind)
    if (
        circle is not None
        and Membership.objects.filter(circle=circle, user=user, notifications_muted=True).exists()
    ):
        return None
    return Notification.objects.create(
        user=user,
        kind=kind,
        circle=circle,
        message=message,
        text=_clip(text, TEXT_LIMIT),
        url=_clip(url, 300),
    )


def notify_members(
    circle: Circle,
    kind: str,
    text: str,
    *,
    url: str = "",
    exclude: Iterable[User | int] | None = None,
) -> int:
    """Notify every active member who has not muted the circle: one query to find them, one
    insert. `exclude` takes users (or their pks), typically the actor. Returns the count."""
    _check_kind(kind)
    excluded = [u.pk if isinstance(u, User) else u for u in (exclude or ())]
    user_ids = (
        Membership.objects.filter(
            circle=circle, state=MemberState.ACTIVE, notifications_muted=False
        )
        .exclude(user_id__in=excluded)
        .values_list("user_id", flat=True)
    )
    return _insert(list(user_ids), kind, text, circle=circle, url=url)


def _insert(
    user_ids: Iterable[int], kind: str, text: str, *, circle: Circle | None, url: str
) -> int:
    """One notification each, in bulk inserts; answers how many."""
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            circle=circle,
            text=_clip(text, TEXT_LIMIT),
            url=_clip(url, 300),
        )
        for user_id in user_ids
    ]
    Notification.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def notify_users(
    user_ids: Iterable[int],
    kind: str,
    text: str,
    *,
    circle: Circle | None = None,
    url: str = "",
) -> set[int]:
    """Notify many people at once (an upper domain's outreach): one query for who muted the
    circle (when there is one), bulk inserts. Returns the pks notified."""
    _check_kind(kind)
    wanted = set(user_ids)
    if circle is not None and wanted:
        muted = set(
            Membership.objects.filter(
                circle=circle, user_id__in=wanted, notifications_muted=True
            ).values_list("user_id", flat=True)
        )
        wanted -= muted
    _insert(sorted(wanted), kind, text, circle=circle, url=url)
    return wanted


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their circle loaded."""
    return Notification.objects.filter(user=user).select_related("circle").order_by("-created_at")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, notification_ids: Iterable[str] | Literal["all"]) -> int:
    """Mark the user's notifications read (some by id, or "all"); others' ids are ignored.
    Returns how many changed."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids != "all":
        ids = [i for i in notification_ids if isinstance(i, str) and is_public_id(i)]
        if len(ids) > MAX_MARK_IDS:
            raise InvalidInput(_("Too many notifications at once."), field="ids")
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def set_circle_muted(user: User, circle_id: str, muted: bool) -> Membership:
    """Turn the member's notifications from one circle off or on."""
    _, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    Membership.objects.filter(pk=membership.pk).update(notifications_muted=muted)
    membership.notifications_muted = muted
    return membership
