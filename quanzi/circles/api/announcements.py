"""Circles API: announcements and launch countdowns, and the notification centre (thin: schema in
→ service call → schema out).

The notification endpoints live under /me/notifications: a bare /notifications would be taken
for a circle id by the membership router's /{circle_id}."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.circles.models import Announcement, Notification
from quanzi.circles.services import announcements as services
from quanzi.circles.services import notifications
from quanzi.core.schemas import Schema

router = Router(auth=AUTH)
MAX_PAGE_SIZE = 100


# --- Schemas ---------------------------------------------------------------------------------


class AnnouncementIn(Schema):
    title: str
    body: str = ""
    product_id: str | None = Field(default=None, description="a product of the circle's store")
    launch_at: datetime | None = Field(
        default=None,
        description="launch countdown end (needs product_id): 1 minute to 90 days ahead; "
        "a time without offset is Asia/Shanghai",
    )
    pinned: bool = True


class AnnouncementUpdate(Schema):
    title: str
    body: str = ""
    product_id: str | None = None
    launch_at: datetime | None = None


class ProductRef(Schema):
    id: str
    title: str
    on_shelf: bool
    url: str


class AuthorRef(Schema):
    id: str
    name: str


class AnnouncementOut(Schema):
    id: str
    title: str
    body: str
    is_pinned: bool
    product: ProductRef | None = None
    launch_at: datetime | None = None
    launched_at: datetime | None = None
    state: str = Field(description="'countdown' (launch pending), 'launched' or 'notice'")
    author: AuthorRef
    created_at: datetime


class NotificationOut(Schema):
    id: str
    kind: str
    text: str
    url: str
    circle_id: str | None = None
    circle_name: str | None = None
    read: bool
    created_at: datetime


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread: int
    page: int
    page_size: int
    pages: int


class NotificationQuery(Schema):
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    unread: bool = False


class MarkReadIn(Schema):
    ids: list[str] = Field(default_factory=list, max_length=200)
    all: bool = False


class CircleMuteIn(Schema):
    muted: bool


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
    unread: int


class MuteOut(Schema):
    circle_id: str
    notifications_muted: bool


# --- Converters ------------------------------------------------------------------------------


def announcement_state(a: Announcement) -> str:
    if a.launched_at is not None:
        return "launched"
    return "countdown" if a.launch_at is not None and a.product_id else "notice"


def announcement_out(a: Announcement) -> AnnouncementOut:
    product = a.product
    return AnnouncementOut(
        id=a.pk,
        title=a.title,
        body=a.body,
        is_pinned=a.is_pinned,
        product=ProductRef(
            id=product.pk,
            title=product.title,
            on_shelf=product.on_shelf,
            url=f"/products/{product.pk}/",
        )
        if product is not None
        else None,
        launch_at=a.launch_at,
        launched_at=a.launched_at,
        state=announcement_state(a),
        author=AuthorRef(id=a.author.public_id, name=a.author.display_name),
        created_at=a.created_at,
    )


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        text=n.text,
        url=n.url,
        circle_id=n.circle_id,
        circle_name=n.circle.name if n.circle is not None else None,
        read=n.read_at is not None,
        created_at=n.created_at,
    )


# --- Announcements ---------------------------------------------------------------------------


@router.get("/{circle_id}/announcements", response=list[AnnouncementOut])
def list_announcements(request: HttpRequest, circle_id: str) -> list[AnnouncementOut]:
    """The circle's announcements, pinned first (members). Due launches are applied first."""
    _c, _m, rows = services.list_announcements(current_user(request), circle_id)
    return [announcement_out(a) for a in rows]


@router.post("/{circle_id}/announcements", response={201: AnnouncementOut})
def create_announcement(
    request: HttpRequest, circle_id: str, data: AnnouncementIn
) -> Status[AnnouncementOut]:
    """Post an announcement (admins); members are notified. With `product_id` and `launch_at`
    it is a launch countdown: at that time the product goes on shelf and members are told."""
    a = services.create_announcement(current_user(request), circle_id, **data.dict())
    return Status(201, announcement_out(a))


@router.put("/{circle_id}/announcements/{announcement_id}", response=AnnouncementOut)
def update_announcement(
    request: HttpRequest, circle_id: str, announcement_id: str, data: AnnouncementUpdate
) -> AnnouncementOut:
    """Rewrite an announcement (admins); a launch already done keeps its product and time."""
    a = services.update_announcement(
        current_user(request), circle_id, announcement_id, **data.dict()
    )
    return announcement_out(a)


@router.delete("/{circle_id}/announcements/{announcement_id}", response={204: None})
def delete_announcement(request: HttpRequest, circle_id: str, announcement_id: str) -> Status[None]:
    services.delete_announcement(current_user(request), circle_id, announcement_id)
    return Status(204, None)


@router.post("/{circle_id}/announcements/{announcement_id}/pin", response=AnnouncementOut)
def pin(request: HttpRequest, circle_id: str, announcement_id: str) -> AnnouncementOut:
    a = services.set_pinned(current_user(request), circle_id, announcement_id, True)
    return announcement_out(a)


@router.post("/{circle_id}/announcements/{announcement_id}/unpin", response=AnnouncementOut)
def unpin(request: HttpRequest, circle_id: str, announcement_id: str) -> AnnouncementOut:
    a = services.set_pinned(current_user(request), circle_id, announcement_id, False)
    return announcement_out(a)


# --- Notifications ---------------------------------------------------------------------------


@router.get("/me/notifications", response=NotificationPage)
def list_notifications(request: HttpRequest, filters: Query[NotificationQuery]) -> NotificationPage:
    """Your notifications, newest first (`unread=true`: only the unread ones)."""
    user = current_user(request)
    rows = notifications.notifications_of(user)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    count = rows.count()
    pages = max(1, -(-count // filters.page_size))
    page = min(filters.page, pages)
    start = (page - 1) * filters.page_size
    items = list(rows[start : start + filters.page_size]) if count else []
    return NotificationPage(
        items=[notification_out(n) for n in items],
        count=count,
        unread=notifications.unread_count(user),
        page=page,
        page_size=filters.page_size,
        pages=pages,
    )


@router.get("/me/notifications/unread", response=UnreadOut)
def unread(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=notifications.unread_count(current_user(request)))


@router.post("/me/notifications/read", response=MarkedOut)
def mark_read(request: HttpRequest, data: MarkReadIn) -> MarkedOut:
    """Mark notifications read: the given `ids`, or every one with `all: true`."""
    user = current_user(request)
    marked = notifications.mark_read(user, "all" if data.all else data.ids)
    return MarkedOut(marked=marked, unread=notifications.unread_count(user))


@router.post("/{circle_id}/notifications/mute", response=MuteOut)
def mute_circle(request: HttpRequest, circle_id: str, data: CircleMuteIn) -> MuteOut:
    """Turn this circle's notifications off (`muted: true`) or on again (members)."""
    m = notifications.set_circle_muted(current_user(request), circle_id, data.muted)
    return MuteOut(circle_id=m.circle_id, notifications_muted=m.notifications_muted)
