"""Drafting and sending an outreach: the audience frozen from the segment, the holdout drawn,
delivery to the reached group only.

Sending runs once: the outreach's row is locked and its state checked (`draft`), so a double
click, a retried request or two staff at once send it once and the others get 409
`outreach_already_sent`. In the same transaction the audience is frozen (one `OutreachMember`
per member, bulk inserted) and, for an announcement, the circle's commercial budget is checked
and the announcement published. Delivery follows after commit: in the request for a small
audience, in a `deliver_outreach` task for a big one. `deliver` works through the pending rows
in batches, each batch under the outreach's lock, so any number of runs (the task, a retry, the
re-check when the report is read) deliver each member once.

**The commercial budget.** A circle announcement is commercial: it counts as one commercial
message against the circle's budget (`commercial_share_percent` of the last 7 days' messages,
`commercial_daily_cap` a day), with the outreach announcements of the same windows added to
the chat's own commercial messages. When the budget is used the send is **refused** (409
`outreach_over_budget`), not queued: the outreach stays a draft to send later. Queuing would
start the reached group's attribution window at an unknown later time while the holdout's
started now, and the merchant would not know when the members were told.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, Membership, MemberState, NotificationKind
from quanzi.circles.services.access import ADMIN_ROLES
from quanzi.circles.services.announcements import create_announcement
from quanzi.circles.services.chat import DAILY_WINDOW, SHARE_WINDOW, commercial_usage
from quanzi.circles.services.notifications import notify_users
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_text, whole_number
from quanzi.coupons.coupons import grant_coupon
from quanzi.coupons.models import Coupon, CouponSource
from quanzi.customers.models import Segment
from quanzi.outreach import stats
from quanzi.outreach.errors import OutreachCode
from quanzi.outreach.locks import lock_outreach
from quanzi.outreach.models import (
    DEFAULT_HOLDOUT,
    DEFAULT_WINDOW_DAYS,
    MAX_HOLDOUT,
    MAX_WINDOW_DAYS,
    MIN_HOLDOUT,
    Channel,
    Delivery,
    Group,
    Outreach,
    OutreachMember,
    OutreachState,
    SkipReason,
)
from quanzi.outreach.services.audience import segment_members
from quanzi.outreach.services.optout import opted_out
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

INLINE_LIMIT = 200  # reached members delivered in the request; more go to a task
BATCH = 500
RESUME_AFTER = timedelta(minutes=5)  # a sent outreach still pending after this is re-queued


@dataclass(frozen=True)
class OutreachInput:
    """A draft outreach. Numbers may come as text (forms); the service checks every value."""

    name: str
    segment_id: str
    channel: str
    holdout_percent: int | str = DEFAULT_HOLDOUT
    window_days: int | str = DEFAULT_WINDOW_DAYS
    coupon_id: str = ""
    circle_id: str = ""
    title: str = ""
    body: str = ""
    product_id: str = ""
    text: str = ""
    link: str = ""


# --- Reads -----------------------------------------------------------------------------------


def outreaches_of(store: Store) -> list[Outreach]:
    return list(
        Outreach.objects.filter(store=store).select_related("coupon", "circle", "segment")[:50]
    )


def find_outreach(store: Store, outreach_id: str) -> Outreach:
    found = (
        Outreach.objects.filter(store=store, pk=outreach_id)
        .select_related("coupon", "circle", "segment", "product", "announcement")
        .first()
        if is_public_id(outreach_id)
        else None
    )
    if found is None:
        raise NotFound(_("Outreach not found."), code=OutreachCode.NOT_FOUND)
    return found


def find_segment(store: Store, segment_id: str) -> Segment:
    found = (
        Segment.objects.filter(store=store, pk=segment_id).first()
        if isinstance(segment_id, str) and is_public_id(segment_id)
        else None
    )
    if found is None:
        raise NotFound(_("Segment not found."), code=OutreachCode.SEGMENT_NOT_FOUND)
    return found


@dataclass(frozen=True)
class AudiencePreview:
    size: int
    reached: int
    holdout: int

    @property
    def too_small(self) -> bool:
        return self.reached < 1 or self.holdout < 1


def preview_counts(size: int, holdout_percent: int) -> AudiencePreview:
    held = stats.holdout_size(size, holdout_percent)
    return AudiencePreview(size=size, reached=size - held, holdout=held)


def preview(user: User, store_id: str, segment_id: str, holdout_percent: Any) -> AudiencePreview:
    """How many the segment holds now and how the holdout would split them."""
    store = access_store(user, store_id, need="customers")
    segment = find_segment(store, segment_id)
    percent = _holdout(holdout_percent)
    return preview_counts(len(segment_members(segment)), percent)


# --- Drafts ----------------------------------------------------------------------------------


def _holdout(value: Any) -> int:
    try:
        return whole_number(value, MIN_HOLDOUT, MAX_HOLDOUT, field="holdout_percent")
    except InvalidInput as exc:
        raise InvalidInput(
            _("The holdout is a whole percentage from %(low)d to %(high)d.")
            % {"low": MIN_HOLDOUT, "high": MAX_HOLDOUT},
            code=OutreachCode.BAD_HOLDOUT,
            field="holdout_percent",
        ) from exc


def _window(value: Any) -> int:
    try:
        return whole_number(value, 1, MAX_WINDOW_DAYS, field="window_days")
    except InvalidInput as exc:
        raise InvalidInput(
            _("The attribution window is 1 to %(n)d days.") % {"n": MAX_WINDOW_DAYS},
            code=OutreachCode.BAD_WINDOW,
            field="window_days",
        ) from exc


def _circle(user: User, store: Store, circle_id: str) -> Circle:
    circle = (
        Circle.objects.filter(store=store, pk=circle_id).first()
        if is_public_id(circle_id)
        else None
    )
    if circle is None:
        raise NotFound(_("Circle not found."), code=OutreachCode.CIRCLE_NOT_FOUND)
    if not Membership.objects.filter(
        circle=circle, user=user, state=MemberState.ACTIVE, role__in=ADMIN_ROLES
    ).exists():
        raise PermissionDenied(
            _("Only an admin of the circle can post its announcement."),
            code=OutreachCode.NOT_CIRCLE_ADMIN,
        )
    return circle


def create_outreach(user: User, store_id: str, data: OutreachInput) -> Outreach:
    """A draft outreach of the store to one of its segments (owner, staff with the right)."""
    store = access_store(user, store_id, need="customers")
    name = clean_text(data.name, field="name", max_length=60, required=True)
    segment = find_segment(store, data.segment_id)
    if data.channel not in Channel.values:
        raise InvalidInput(
            _("Choose a coupon, a circle announcement or a private notification."),
            code=OutreachCode.BAD_CHANNEL,
            field="channel",
        )
    outreach = Outreach(
        store=store,
        name=name,
        segment=segment,
        segment_name=segment.name,
        channel=data.channel,
        holdout_percent=_holdout(data.holdout_percent),
        window_days=_window(data.window_days),
        created_by=user,
    )
    if data.channel == Channel.COUPON:
        coupon = (
            Coupon.objects.filter(store=store, pk=data.coupon_id, is_active=True).first()
            if is_public_id(data.coupon_id)
            else None
        )
        if coupon is None:
            raise NotFound(_("Coupon not found."), code=OutreachCode.COUPON_NOT_FOUND)
        outreach.coupon = coupon
    elif data.channel == Channel.ANNOUNCEMENT:
        outreach.circle = _circle(user, store, data.circle_id)
        outreach.title = clean_text(data.title, field="title", max_length=80, required=True)
        outreach.body = clean_text(data.body, field="body", max_length=4000, multiline=True)
        if data.product_id:
            product = (
                Product.objects.filter(store=store, pk=data.product_id).first()
                if is_public_id(data.product_id)
                else None
            )
            if product is None:
                raise NotFound(_("Product not found."), code=OutreachCode.PRODUCT_NOT_FOUND)
            outreach.product = product
    else:
        outreach.text = clean_text(data.text, field="text", max_length=200, required=True)
        outreach.link = _link(data.link)
    outreach.save()
    return outreach


def _link(value: str) -> str:
    """A link inside the site: a path such as /products/…/ (no other site, no scheme)."""
    link = clean_text(value, field="link", max_length=200)
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise InvalidInput(
            _("The link must be a page of this site, starting with /."),
            code=OutreachCode.BAD_LINK,
            field="link",
        )
    return link


# --- Sending ---------------------------------------------------------------------------------


def send_outreach(user: User, store_id: str, outreach_id: str) -> Outreach:
    """Send a draft to its segment as it is now (members who opted out of profiling are not
    in it); 409 when it was sent already or the segment is too small for two groups."""
    store = access_store(user, store_id, need="customers")
    outreach = find_outreach(store, outreach_id)
    if outreach.state != OutreachState.DRAFT:
        raise _already_sent()
    if outreach.segment is None:
        raise NotFound(_("Segment not found."), code=OutreachCode.SEGMENT_NOT_FOUND)
    return send_to_audience(user, outreach, segment_members(outreach.segment))


def create_and_send(user: User, store_id: str, data: OutreachInput) -> Outreach:
    """A draft and its sending in one transaction: a refusal leaves no draft behind."""
    with transaction.atomic():
        outreach = create_outreach(user, store_id, data)
        return send_outreach(user, store_id, outreach.pk)


def not_sent() -> Conflict:
    return Conflict(_("This outreach has not been sent yet."), code=OutreachCode.NOT_SENT)


def _already_sent() -> Conflict:
    return Conflict(_("This outreach was sent already."), code=OutreachCode.ALREADY_SENT)


def send_to_audience(
    user: User, outreach: Outreach, user_ids: Sequence[int], *, seed: int | None = None
) -> Outreach:
    """Freeze `user_ids` as the audience, draw the holdout and deliver to the reached: the core
    of `send_outreach`, which passes the segment's members (tests pass a population)."""
    drawn = secrets.randbits(62) if seed is None else seed
    with transaction.atomic():
        locked = lock_outreach(outreach.pk)
        if locked is None:
            raise NotFound(_("Outreach not found."), code=OutreachCode.NOT_FOUND)
        if locked.state != OutreachState.DRAFT:
            raise _already_sent()
        reached, held = stats.assign_holdout(user_ids, locked.holdout_percent, drawn)
        if not reached or not held:
            raise Conflict(
                _(
                    "The segment has %(n)d members: an outreach needs at least one member to "
                    "reach and one to hold out. Widen the segment or lower the holdout."
                )
                % {"n": len(reached) + len(held)},
                code=OutreachCode.AUDIENCE_TOO_SMALL,
            )
        now = timezone.now()
        if locked.channel == Channel.ANNOUNCEMENT:
            locked.announcement = _publish(user, locked)
        rows = [
            OutreachMember(
                outreach=locked, user_id=pk, group=Group.REACHED, delivery=Delivery.PENDING
            )
            for pk in reached
        ] + [
            OutreachMember(outreach=locked, user_id=pk, group=Group.HOLDOUT, delivery=Delivery.HELD)
            for pk in held
        ]
        OutreachMember.objects.bulk_create(rows, batch_size=BATCH)
        locked.state = OutreachState.SENT
        locked.sent_at = now
        locked.seed = drawn
        locked.reached_count = len(reached)
        locked.holdout_count = len(held)
        locked.save(
            update_fields=[
                "state",
                "sent_at",
                "seed",
                "reached_count",
                "holdout_count",
                "announcement",
                "updated_at",
            ]
        )
        pk = locked.pk
        if len(reached) > INLINE_LIMIT:
            transaction.on_commit(lambda: _enqueue(pk))
    if len(reached) <= INLINE_LIMIT:
        deliver(pk)
    locked.refresh_from_db()
    return locked


def _enqueue(outreach_id: str) -> None:
    from quanzi.outreach.tasks import deliver_outreach

    deliver_outreach.enqueue(outreach_id)


def resume_if_stalled(outreach: Outreach) -> bool:
    """The timer's re-check on read: a sent outreach still delivering long after it was sent
    (a lost task) is queued again; True if it was."""
    if (
        outreach.state != OutreachState.SENT
        or outreach.delivered_at is not None
        or outreach.sent_at is None
        or timezone.now() - outreach.sent_at < RESUME_AFTER
    ):
        return False
    _enqueue(outreach.pk)
    return True


# --- The commercial budget -------------------------------------------------------------------


def check_budget(circle: Circle) -> None:
    """Refuse one more commercial post when the circle has used its budget: the chat's
    commercial messages plus the outreach announcements of the same windows."""
    usage = commercial_usage(circle)
    ours = Outreach.objects.filter(
        circle=circle,
        channel=Channel.ANNOUNCEMENT,
        state=OutreachState.SENT,
        sent_at__gt=usage.now - SHARE_WINDOW,
    )
    weekly = ours.count()
    daily = ours.filter(sent_at__gt=usage.now - DAILY_WINDOW).count() if weekly else 0
    if usage.daily + daily >= circle.commercial_daily_cap:
        reason = gettext("it allows at most %(n)d commercial posts a day") % {
            "n": circle.commercial_daily_cap
        }
    elif (usage.commercial + weekly + 1) * 100 > circle.commercial_share_percent * (
        usage.total + weekly + 1
    ):
        reason = gettext("commercial posts may be at most %(p)d%% of its posts over 7 days") % {
            "p": circle.commercial_share_percent
        }
    else:
        return
    raise Conflict(
        _(
            "The circle %(circle)s has used its commercial budget (%(reason)s). Nothing was "
            "sent; the outreach stays a draft to send when the budget frees up."
        )
        % {"circle": circle.name, "reason": reason},
        code=OutreachCode.OVER_BUDGET,
    )


def _publish(user: User, outreach: Outreach) -> Any:
    circle = outreach.circle
    if circle is None:
        raise NotFound(_("Circle not found."), code=OutreachCode.CIRCLE_NOT_FOUND)
    check_budget(circle)
    return create_announcement(
        user,
        circle.pk,
        title=outreach.title,
        body=outreach.body,
        product_id=outreach.product_id,
        pinned=False,
        notify=False,
    )


# --- Delivery --------------------------------------------------------------------------------


def member_url(outreach: Outreach) -> str:
    return f"/outreach/m/{outreach.pk}/"


def deliver(outreach_id: str) -> int:
    """Deliver to the pending reached members, a batch per transaction under the outreach's
    lock; returns how many were handled. Safe to run any number of times."""
    handled = 0
    while True:
        with transaction.atomic():
            outreach = lock_outreach(outreach_id)
            if outreach is None or outreach.state != OutreachState.SENT:
                return handled
            ids = list(
                OutreachMember.objects.filter(outreach=outreach, delivery=Delivery.PENDING)
                .order_by("user_id")
                .values_list("user_id", flat=True)[:BATCH]
            )
            if not ids:
                if outreach.delivered_at is None:
                    Outreach.objects.filter(pk=outreach.pk).update(delivered_at=timezone.now())
                return handled
            done = _deliver_batch(outreach, ids)
            handled += done
            if not done:  # nothing could be settled (should not happen): never spin
                return handled


def _deliver_batch(outreach: Outreach, ids: list[int]) -> int:
    """Deliver to one batch and record each member's outcome; returns how many were settled
    (a member muted between two queries stays pending for the next batch)."""
    skipped: dict[str, set[int]] = {}
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    skipped[SkipReason.INACTIVE] = set(ids) - active
    off = opted_out(outreach.store, active)
    skipped[SkipReason.OPTED_OUT] = off
    left = sorted(active - off)
    if outreach.channel == Channel.COUPON:
        delivered = _grant(outreach, left, skipped)
    elif outreach.channel == Channel.ANNOUNCEMENT:
        delivered = _announce(outreach, left, skipped)
    else:
        delivered = notify_users(
            left, NotificationKind.OUTREACH, outreach.text, url=member_url(outreach)
        )
    members = OutreachMember.objects.filter(outreach=outreach)
    if delivered:
        members.filter(user_id__in=delivered).update(delivery=Delivery.DELIVERED)
    for reason, pks in skipped.items():
        if pks:
            members.filter(user_id__in=pks).update(delivery=Delivery.SKIPPED, skip_reason=reason)
    return len(set(delivered).union(*skipped.values()))


def _grant(outreach: Outreach, ids: list[int], skipped: dict[str, set[int]]) -> set[int]:
    coupon = outreach.coupon
    assert coupon is not None
    given: set[int] = set()
    sold_out: set[int] = set()
    refused: set[int] = set()
    for person in User.objects.filter(pk__in=ids).order_by("pk"):
        if grant_coupon(coupon, person, source=CouponSource.GRANTED) is not None:
            given.add(person.pk)
            continue
        coupon.refresh_from_db(fields=["issued", "total", "is_active"])
        (sold_out if coupon.issued >= coupon.total else refused).add(person.pk)
    skipped[SkipReason.OUT_OF_STOCK] = sold_out
    skipped[SkipReason.COUPON_REFUSED] = refused
    text = gettext("%(store)s gave you a coupon: %(coupon)s") % {
        "store": outreach.store.name,
        "coupon": coupon.name,
    }
    notify_users(given, NotificationKind.OUTREACH, text, url=member_url(outreach))
    return given


def _announce(outreach: Outreach, ids: list[int], skipped: dict[str, set[int]]) -> set[int]:
    circle = outreach.circle
    if circle is None:  # the circle was deleted since
        skipped[SkipReason.NOT_IN_CIRCLE] = set(ids)
        return set()
    muted: dict[int, bool] = dict(
        Membership.objects.filter(
            circle=circle, user_id__in=ids, state=MemberState.ACTIVE
        ).values_list("user_id", "notifications_muted")
    )
    skipped[SkipReason.NOT_IN_CIRCLE] = {pk for pk in ids if pk not in muted}
    skipped[SkipReason.MUTED] = {pk for pk, m in muted.items() if m}
    wanted = [pk for pk, m in muted.items() if not m]
    text = gettext("New announcement in %(circle)s: %(title)s") % {
        "circle": circle.name,
        "title": outreach.title,
    }
    return notify_users(
        wanted, NotificationKind.OUTREACH, text, circle=circle, url=member_url(outreach)
    )
