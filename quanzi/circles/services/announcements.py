"""Announcements (公告) and launch countdowns.

Admins post, edit, pin and delete announcements; posting notifies the members. An announcement
with a product of the circle's store and a `launch_at` is a launch countdown: when the time
comes, `launch` puts the product on the shelf (if it was off) and notifies every member.

The launch is a timer (ARCHITECTURE rule 5): a `launch_announcement` task runs at `launch_at`,
every read of a circle's announcements applies the due launches (`apply_due_launches`), and
`manage.py run_circle_timers` sweeps them all. `launch` is idempotent: it claims the launch with
a conditional update on `launched_at IS NULL`, so any number of runs launch once.

A launch acts as the announcement's author (`catalog.services.set_shelf(author, …)`). If the
author no longer works for the store, or the product cannot go on the shelf (no priced SKU),
the launch is refused: the product stays as it is, the members are not told of a sale that is
not there, and the circle's admins get a notification saying why. The launch is still marked
done, so the refusal is reported once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import (
    Announcement,
    Circle,
    Membership,
    MemberState,
    NotificationKind,
)
from quanzi.circles.services.access import ADMIN_ROLES, access_circle
from quanzi.circles.services.notifications import notify, notify_members
from quanzi.core.errors import CoreCode, DomainError, InvalidInput, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_text
from quanzi.stores.services import role_in

MAX_TITLE = 80
MAX_BODY = 4000
MIN_LEAD = timedelta(minutes=1)
MAX_LEAD = timedelta(days=90)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_clean_text = partial(clean_text, too_long_code=CoreCode.TOO_LONG)


# --- Reads -----------------------------------------------------------------------------------


def announcements_qs(circle: Circle) -> QuerySet[Announcement]:
    """A circle's announcements, pinned first, with what the lists show loaded."""
    return Announcement.objects.filter(circle=circle).select_related("author", "product")


def list_announcements(
    user: User | None, circle_id: str
) -> tuple[Circle, Membership, list[Announcement]]:
    """The announcements of a circle the user is a member of, due launches applied first."""
    circle, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    apply_due_launches(circle)
    return circle, membership, list(announcements_qs(circle))


def banner_announcement(circle: Circle) -> Announcement | None:
    """What the circle's pages show on top: the pinned launch countdown that comes soonest,
    else the newest pinned announcement. Applies due launches first (a read re-checks timers)."""
    apply_due_launches(circle)
    pinned = announcements_qs(circle).filter(is_pinned=True)
    countdown = (
        pinned.filter(launched_at__isnull=True, launch_at__isnull=False)
        .order_by("launch_at")
        .first()
    )
    return countdown or pinned.first()


def store_products(user: User, circle: Circle) -> list[Product]:
    """The products an admin may link: the circle's store's, off-shelf ones only for people
    who work for the store (a launch puts them on the shelf as them)."""
    if circle.store_id is None:
        return []
    rows = Product.objects.filter(store_id=circle.store_id).order_by("-created_at")
    if role_in(user, circle.store) is None:  # type: ignore[arg-type]
        rows = rows.filter(on_shelf=True)
    return list(rows.only("id", "title", "on_shelf")[:200])


# --- Validation ------------------------------------------------------------------------------


def _clean_product(
    user: User, circle: Circle, product_id: str | None, current: Product | None = None
) -> Product | None:
    """A product of the circle's store; another store's (or an unknown id) is refused. The
    announcement's `current` product is kept as it is (an edit that does not change it)."""
    if not product_id:
        return None
    if current is not None and current.pk == product_id:
        return current
    product = (
        Product.objects.filter(pk=product_id, store_id=circle.store_id).first()
        if circle.store_id is not None and is_public_id(product_id)
        else None
    )
    if product is None:
        raise InvalidInput(
            _("Choose a product of this circle's store."),
            field="product",
            code=CircleCode.BAD_PRODUCT,
        )
    if not product.on_shelf and role_in(user, circle.store) is None:  # type: ignore[arg-type]
        raise PermissionDenied(
            _("Only the store's staff can launch a product that is not on the shelf."),
            code=CircleCode.NOT_STORE_STAFF,
        )
    return product


def clean_launch_at(value: datetime | None, product: Product | None) -> datetime | None:
    """At least a minute and at most 90 days ahead; a naive time is Shanghai time."""
    if value is None:
        return None
    if product is None:
        raise InvalidInput(
            _("A launch countdown needs a product."),
            field="launch_at",
            code=CircleCode.LAUNCH_NO_PRODUCT,
        )
    value = _aware(value)
    now = timezone.now()
    if value < now + MIN_LEAD:
        raise InvalidInput(
            _("The launch time must be at least a minute from now."),
            field="launch_at",
            code=CircleCode.LAUNCH_TOO_SOON,
        )
    if value > now + MAX_LEAD:
        raise InvalidInput(
            _("The launch time must be within 90 days."),
            field="launch_at",
            code=CircleCode.LAUNCH_TOO_FAR,
        )
    return value.astimezone(UTC).replace(microsecond=0)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=SHANGHAI) if timezone.is_naive(value) else value


def _same_minute(a: datetime | None, b: datetime | None) -> bool:
    """The form shows minutes: a time re-sent unchanged is the same time."""
    return a is not None and b is not None and abs(_aware(a) - b) < timedelta(minutes=1)


def _schedule(announcement: Announcement) -> None:
    """Enqueue the launch task after commit (a stale task from an earlier time does nothing)."""
    if announcement.launch_at is None:
        return
    from quanzi.circles.tasks import launch_announcement

    launch_at, pk = announcement.launch_at, announcement.pk
    transaction.on_commit(
        lambda: launch_announcement.using(run_after=launch_at).enqueue(pk)  # type: ignore[arg-type]
    )


# --- Writes ----------------------------------------------------------------------------------


def create_announcement(
    user: User,
    circle_id: str,
    *,
    title: str,
    body: str = "",
    product_id: str | None = None,
    launch_at: datetime | None = None,
    pinned: bool = True,
    notify: bool = True,
) -> Announcement:
    """Post an announcement (admins); the other members are notified (unless `notify` is
    False: an outreach notifies only the members it reaches, so its holdout hears nothing)."""
    circle, _m = access_circle(user, circle_id, need="admin")
    clean_title = _clean_text(title, field="title", max_length=MAX_TITLE, required=True)
    clean_body = _clean_text(body, field="body", max_length=MAX_BODY)
    product = _clean_product(user, circle, product_id)
    when = clean_launch_at(launch_at, product)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            circle=circle,
            author=user,
            title=clean_title,
            body=clean_body,
            product=product,
            launch_at=when,
            is_pinned=pinned,
        )
        if notify:
            text = gettext("New announcement in %(circle)s: %(title)s") % {
                "circle": circle.name,
                "title": clean_title,
            }
            notify_members(
                circle,
                NotificationKind.ANNOUNCEMENT,
                text,
                url=f"/circles/{circle.pk}/announcements/#a-{announcement.pk}",
                exclude=[user],
            )
        _schedule(announcement)
    return announcement


def _editable(user: User, circle_id: str, announcement_id: str) -> Announcement:
    """The announcement an admin acts on, its launch applied first if it is due."""
    circle, _m = access_circle(user, circle_id, need="admin")
    apply_due_launches(circle)
    found = (
        announcements_qs(circle).filter(pk=announcement_id).first()
        if is_public_id(announcement_id)
        else None
    )
    if found is None:
        raise NotFound(_("Announcement not found."))
    return found


def update_announcement(
    user: User,
    circle_id: str,
    announcement_id: str,
    *,
    title: str,
    body: str = "",
    product_id: str | None = None,
    launch_at: datetime | None = None,
) -> Announcement:
    """Rewrite an announcement (admins). A launch that already happened keeps its product and
    time; a changed launch time is scheduled anew."""
    announcement = _editable(user, circle_id, announcement_id)
    announcement.title = _clean_text(title, field="title", max_length=MAX_TITLE, required=True)
    announcement.body = _clean_text(body, field="body", max_length=MAX_BODY)
    if announcement.launched_at is None:
        product = _clean_product(user, announcement.circle, product_id, announcement.product)
        if _same_minute(launch_at, announcement.launch_at) and product is not None:
            new_time = announcement.launch_at
        else:
            new_time = clean_launch_at(launch_at, product)
        reschedule = new_time is not None and new_time != announcement.launch_at
        announcement.product, announcement.launch_at = product, new_time
    else:
        reschedule = False
    with transaction.atomic():
        announcement.save(update_fields=["title", "body", "product", "launch_at", "updated_at"])
        if reschedule:
            _schedule(announcement)
    return announcement


def set_pinned(user: User, circle_id: str, announcement_id: str, pinned: bool) -> Announcement:
    announcement = _editable(user, circle_id, announcement_id)
    Announcement.objects.filter(pk=announcement.pk).update(is_pinned=pinned)
    announcement.is_pinned = pinned
    return announcement


def delete_announcement(user: User, circle_id: str, announcement_id: str) -> None:
    """Delete an announcement (admins); a pending launch is cancelled with it."""
    _editable(user, circle_id, announcement_id).delete()


# --- The launch timer ------------------------------------------------------------------------


def _due() -> QuerySet[Announcement]:
    return Announcement.objects.filter(
        launched_at__isnull=True, launch_at__lte=timezone.now(), product__isnull=False
    )


def apply_due_launches(circle: Circle) -> int:
    """Launch the circle's announcements whose time has come; one query when none is due."""
    due = list(_due().filter(circle=circle).values_list("pk", flat=True))
    return sum(1 for pk in due if launch(pk))


def apply_all_due_launches() -> int:
    """Every due launch of every circle (the `run_circle_timers` sweep)."""
    due = _due().values_list("pk", flat=True)
    return sum(1 for pk in due.iterator(chunk_size=500) if launch(pk))


def launch(announcement_id: str) -> bool:
    """Apply a due launch once: True if this call launched it (or reported its refusal)."""
    now = timezone.now()
    announcement = (
        _due().select_related("circle", "author", "product").filter(pk=announcement_id).first()
    )
    if announcement is None or announcement.product is None:
        return False
    with transaction.atomic():
        claimed = Announcement.objects.filter(pk=announcement.pk, launched_at__isnull=True).update(
            launched_at=now
        )
        if not claimed:
            return False
        refusal = _put_on_shelf(announcement.author, announcement.product)
        if refusal is None:
            _tell_members(announcement)
        else:
            _tell_admins(announcement, refusal)
    return True


def _put_on_shelf(author: User, product: Product) -> str | None:
    """Put the product on the shelf as the author; the reason it could not, or None."""
    if product.on_shelf:
        return None
    from quanzi.catalog.services import set_shelf

    try:
        set_shelf(author, product.pk, True)
    except DomainError as exc:
        if isinstance(exc, PermissionDenied | NotFound):
            return gettext("its author no longer works for the store")
        return str(exc.message)
    return None


def _tell_members(announcement: Announcement) -> None:
    assert announcement.product is not None
    text = gettext("On sale now in %(circle)s: %(product)s") % {
        "circle": announcement.circle.name,
        "product": announcement.product.title,
    }
    notify_members(
        announcement.circle,
        NotificationKind.LAUNCH,
        text,
        url=f"/products/{announcement.product.pk}/",
    )


def _tell_admins(announcement: Announcement, reason: str) -> None:
    assert announcement.product is not None
    text = gettext("The launch of %(product)s did not put it on the shelf: %(reason)s") % {
        "product": announcement.product.title,
        "reason": reason,
    }
    admins = Membership.objects.filter(
        Q(role__in=ADMIN_ROLES), circle=announcement.circle, state=MemberState.ACTIVE
    ).select_related("user")
    for membership in admins:
        notify(
            membership.user,
            NotificationKind.LAUNCH,
            text,
            circle=announcement.circle,
            url=f"/circles/{announcement.circle.pk}/announcements/#a-{announcement.pk}",
        )
