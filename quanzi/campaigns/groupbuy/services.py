"""Group buying (拼团) actions: the only writers of campaigns, groups and seats.

A group opens with its opener's order and lasts `hours` from then. Every seat change happens
under the group's row lock: a seat is reserved with its order (so at most `team_size` reserved
and paid seats exist), paid by `order_paid`, freed by `order_cancelled` (unpaid) or a refund
before completion (`order_refunded`). The leader is the first payer; when the leader's seat is
refunded, the next payer leads. The group completes when `team_size` seats are paid, and its
orders may then ship. When time runs out it completes if the campaign's disclosed
"complete at N %" threshold is met (with only its real members), and otherwise fails: every
paid seat is refunded through the payment provider, exactly once (a seat moves paid → refunded
in a conditional update in the refund's own transaction). Expiry is a scheduled task and is
re-checked whenever a group is read (rule 5), so a lost, doubled or late task changes nothing.
Whoever closes a group tells its members how it ended, after commit (`notices`), and every
seat change redraws the group's chat cards after commit (`cards`, `_redraw`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Min, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.locks import lock_users
from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy import notices
from quanzi.campaigns.groupbuy.errors import GroupBuyCode
from quanzi.campaigns.groupbuy.locks import lock_expired_open_group, lock_group
from quanzi.campaigns.groupbuy.models import (
    ACTIVE_SEATS,
    CAMPAIGN_KIND,
    Group,
    GroupCampaign,
    GroupMember,
    GroupPrice,
    GroupStatus,
    SeatState,
)
from quanzi.catalog.models import Product, Sku
from quanzi.circles.models import NotificationKind
from quanzi.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.events import enqueue_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.validation import exact_whole_number
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import ONE_CLICK, CampaignCheckout
from quanzi.stores.services import access_store

logger = logging.getLogger("quanzi.groupbuy")

MAX_TEAM_SIZE = 100
MAX_HOURS = 24 * 7
MAX_LIMIT = 99
MAX_LEADER_POINTS = 100_000
CAMPAIGN_FIELDS = (
    "team_size",
    "hours",
    "per_user_limit",
    "per_order_limit",
    "starts_at",
    "ends_at",
    "complete_at_percent",
    "leader_points",
    "is_active",
)


# --- Reads and permissions -----------------------------------------------------------------


def _campaign_query() -> QuerySet[GroupCampaign]:
    return GroupCampaign.objects.select_related("store", "product").prefetch_related(
        Prefetch("prices", queryset=GroupPrice.objects.select_related("sku").order_by("price"))
    )


def access_campaign(user: User | None, campaign_id: str, *, need: str = "read") -> GroupCampaign:
    """The campaign if `user` may see it ('read': anyone, while it is active and its store is
    open; the store's people always) or manage it ('staff': owner and staff). Unknown → 404."""
    campaign = None
    if is_public_id(campaign_id):
        campaign = _campaign_query().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Group buy not found."), code=GroupBuyCode.GROUP_CAMPAIGN_NOT_FOUND)
    if need == "staff":
        access_store(user, campaign.store_id, need="staff")
    elif not (campaign.is_active and campaign.store.is_active):
        try:
            access_store(user, campaign.store_id, need="staff")
        except DomainError as exc:
            raise NotFound(
                _("Group buy not found."), code=GroupBuyCode.GROUP_CAMPAIGN_NOT_FOUND
            ) from exc
    return campaign


def get_group(group_id: str) -> Group:
    """A group anyone may see (it is shared by link), with its expiry applied if due."""
    group = None
    if is_public_id(group_id):
        group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("Group not found."), code=GroupBuyCode.GROUP_NOT_FOUND)
    settle_if_due(group)
    release_if_complete(group)
    return (
        Group.objects.select_related("campaign__store", "campaign__product", "leader")
        .prefetch_related(_active_members())
        .get(pk=group.pk)
    )


def _active_members() -> Prefetch[Any]:
    return Prefetch(
        "members",
        queryset=GroupMember.objects.filter(state__in=ACTIVE_SEATS).select_related("user"),
        to_attr="seats",
    )


def open_groups(campaign: GroupCampaign) -> list[Group]:
    """The campaign's groups one can join: open, not expired, with a paid leader; expired ones
    are settled on the way (rule 5)."""
    now = timezone.now()
    for group_id in Group.objects.filter(
        campaign=campaign, status=GroupStatus.OPEN, expires_at__lte=now
    ).values_list("pk", flat=True):
        expire_group(group_id)
    return list(
        Group.objects.filter(
            campaign=campaign, status=GroupStatus.OPEN, expires_at__gt=now, paid_count__gte=1
        )
        .select_related("leader")
        .prefetch_related(_active_members())
        .order_by("expires_at")
    )


def store_campaigns(user: User, store_id: str) -> list[GroupCampaign]:
    """Every group buy of the store, newest first (owner and staff)."""
    store = access_store(user, store_id, need="staff")
    return list(_campaign_query().filter(store=store))


def lowest_group_price(campaign: GroupCampaign) -> int | None:
    """The campaign's lowest group price in fen (what shared links and posters show)."""
    low: int | None = GroupPrice.objects.filter(campaign=campaign).aggregate(low=Min("price"))[
        "low"
    ]
    return low


def needed_to_complete(team_size: int, percent: int | None) -> int:
    """Paid seats that complete a group when its time runs out: the whole team, or the
    disclosed percent of it (rounded up, at least 2: a group is never one person)."""
    if percent is None:
        return team_size
    return min(team_size, max(2, math.ceil(team_size * percent / 100)))


def seconds_left(group: Group, now: datetime | None = None) -> int:
    return max(0, int((group.expires_at - (now or timezone.now())).total_seconds()))


# --- Merchant: campaigns -------------------------------------------------------------------


class Unset:
    """The value of a field not given (where None means something: no early completion)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()
NULLABLE = ("complete_at_percent",)  # None here clears the setting; elsewhere None = not given


@dataclass(frozen=True, kw_only=True)
class GroupBuyFields:
    """A group buy as typed in, for `create_campaign` (which needs the product, its prices,
    the team size and the window) and `update_campaign` (only what is given changes). Prices
    are {sku id: group price in fen}; numbers may come as form text (the service checks)."""

    product_id: str | None = None
    prices: object = None
    team_size: int | str | None = None
    hours: int | str | None = None
    per_user_limit: int | str | None = None
    per_order_limit: int | str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    complete_at_percent: int | str | Unset | None = UNSET
    leader_points: int | str | None = None
    is_active: bool | None = None

    def given(self) -> dict[str, Any]:
        """The terms given, by name (not the product and prices)."""
        found = {name: getattr(self, name) for name in CAMPAIGN_FIELDS}
        return {
            name: value
            for name, value in found.items()
            if not isinstance(value, Unset) and (value is not None or name in NULLABLE)
        }


def _clean_terms(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    bounds = {
        "team_size": (2, MAX_TEAM_SIZE),
        "hours": (1, MAX_HOURS),
        "per_user_limit": (1, MAX_LIMIT),
        "per_order_limit": (1, MAX_LIMIT),
        "leader_points": (0, MAX_LEADER_POINTS),
    }
    for name, (low, high) in bounds.items():
        if name in fields:
            clean[name] = exact_whole_number(fields[name], low, high, field=name)
    if "complete_at_percent" in fields:
        percent = fields["complete_at_percent"]
        if percent is not None:
            percent = exact_whole_number(percent, 1, 99, field="complete_at_percent")
        clean["complete_at_percent"] = percent
    for name in ("starts_at", "ends_at"):
        if name in fields:
            when = fields[name]
            if not isinstance(when, datetime) or timezone.is_naive(when):
                raise InvalidInput(_("Give a date and time with its time zone."), field=name)
            clean[name] = when
    if "is_active" in fields:
        if not isinstance(fields["is_active"], bool):
            raise InvalidInput(_("is_active is true or false."), field="is_active")
        clean["is_active"] = fields["is_active"]
    return clean


def _clean_prices(product: Product, prices: object) -> dict[str, int]:
    """{sku id: group price in fen} for SKUs of `product`, each below nothing but above 0."""
    if not isinstance(prices, dict) or not prices:
        raise InvalidInput(_("Give a group price for at least one SKU."), field="prices")
    skus = {sku.pk: sku for sku in Sku.objects.filter(product=product, pk__in=list(prices))}
    clean: dict[str, int] = {}
    for sku_id, price in prices.items():
        if sku_id not in skus:
            raise InvalidInput(_("A SKU is not of this product."), field="prices", sku_id=sku_id)
        if isinstance(price, bool) or not isinstance(price, int) or price < 1:
            raise InvalidInput(
                _("A group price is a whole number of fen above zero."), field="prices"
            )
        if price >= skus[sku_id].price:
            raise InvalidInput(
                _("A group price must be lower than the SKU's normal price."),
                field="prices",
                sku_id=sku_id,
            )
        clean[sku_id] = price
    return clean


def _check_window(campaign: GroupCampaign) -> None:
    if campaign.ends_at <= campaign.starts_at:
        raise InvalidInput(_("A group buy must end after it starts."), field="ends_at")


def create_campaign(user: User, store_id: str, data: GroupBuyFields) -> GroupCampaign:
    """A new group buy of one of the store's products (owner and staff)."""
    store = access_store(user, store_id, need="staff")
    product = None
    if is_public_id(data.product_id):
        product = Product.objects.filter(pk=data.product_id, store=store).first()
    if product is None:
        raise InvalidInput(_("Choose one of this store's products."), field="product_id")
    terms = _clean_terms(data.given())
    for name in ("team_size", "starts_at", "ends_at"):
        if name not in terms:
            raise InvalidInput(_("This field is required."), field=name)
    clean_prices = _clean_prices(product, data.prices)
    campaign = GroupCampaign(store=store, product=product, **terms)
    _check_window(campaign)
    with transaction.atomic():
        campaign.save()
        GroupPrice.objects.bulk_create(
            GroupPrice(campaign=campaign, sku_id=sku_id, price=price)
            for sku_id, price in sorted(clean_prices.items())
        )
    return access_campaign(user, campaign.pk, need="staff")


def update_campaign(user: User, campaign_id: str, change: GroupBuyFields) -> GroupCampaign:
    """Change a group buy (owner and staff). Groups already open keep the team size, time limit
    and percent they opened with; new prices apply to new orders. The product stays."""
    campaign = access_campaign(user, campaign_id, need="staff")
    terms = _clean_terms(change.given())
    prices = change.prices
    clean_prices = _clean_prices(campaign.product, prices) if prices is not None else None
    for name, value in terms.items():
        setattr(campaign, name, value)
    _check_window(campaign)
    with transaction.atomic():
        campaign.save()
        if clean_prices is not None:
            GroupPrice.objects.filter(campaign=campaign).delete()
            GroupPrice.objects.bulk_create(
                GroupPrice(campaign=campaign, sku_id=sku_id, price=price)
                for sku_id, price in sorted(clean_prices.items())
            )
    return access_campaign(user, campaign.pk, need="staff")


# --- Customers: open and join --------------------------------------------------------------


@dataclass
class Seat:
    group: Group
    member: GroupMember
    order: Order


def _require_user(user: User | None) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def check_live(campaign: GroupCampaign, now: datetime) -> None:
    if not (campaign.is_active and campaign.store.is_active):
        raise Conflict(_("This group buy has ended."), code=GroupBuyCode.GROUP_CAMPAIGN_ENDED)
    if now < campaign.starts_at:
        raise Conflict(
            _("This group buy has not started yet."), code=GroupBuyCode.GROUP_CAMPAIGN_NOT_STARTED
        )
    if now >= campaign.ends_at:
        raise Conflict(_("This group buy has ended."), code=GroupBuyCode.GROUP_CAMPAIGN_ENDED)


def _group_price(campaign: GroupCampaign, sku_id: object) -> int:
    for row in campaign.prices.all():
        if row.sku_id == sku_id:
            return row.price
    raise InvalidInput(_("Choose one of the group buy's SKUs."), field="sku_id")


def _clean_quantity(campaign: GroupCampaign, quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(_("The quantity must be at least 1."), field="quantity")
    if quantity > campaign.per_order_limit:
        raise InvalidInput(
            _("At most %(n)s per order in this group buy.") % {"n": campaign.per_order_limit},
            field="quantity",
            code=GroupBuyCode.GROUP_ORDER_LIMIT,
        )
    return quantity


def _lock_user_seats(user: User, campaign: GroupCampaign) -> None:
    """Lock the buyer's row (one seat-taking at a time per person) and check the per-person
    limit: seats waiting for payment or paid in this campaign."""
    lock_users([user.pk])
    held = GroupMember.objects.filter(
        user=user, group__campaign=campaign, state__in=ACTIVE_SEATS
    ).count()
    if held >= campaign.per_user_limit:
        raise Conflict(
            _("You already hold the most seats one person may take in this group buy."),
            code=GroupBuyCode.GROUP_USER_LIMIT,
        )


def _take_seat(
    user: User, group: Group, sku_id: str, quantity: int, price: int, checkout: CampaignCheckout
) -> Seat:
    """Reserve a seat of a locked group with its order (everything or nothing)."""
    from quanzi.orders.services.checkout import place_campaign_order

    order = place_campaign_order(
        user,
        sku_id,
        quantity,
        price,
        campaign=CAMPAIGN_KIND,
        campaign_ref=group.pk,
        ship_hold=True,
        checkout=checkout,
    )
    member = GroupMember.objects.create(group=group, user=user, order=order)
    Group.objects.filter(pk=group.pk).update(seats_taken=F("seats_taken") + 1)
    group.seats_taken += 1
    _redraw(group.pk)
    return Seat(group, member, order)


def _redraw(group_id: str) -> None:
    """Redraw the group's chat cards (and its campaign's) once this transaction commits; a
    failure is logged and never undoes what committed."""

    def run() -> None:
        from quanzi.campaigns.groupbuy import cards

        cards.refresh_group(group_id)

    transaction.on_commit(run, robust=True)


def open_group(
    user: User | None,
    campaign_id: str,
    sku_id: object,
    quantity: object = 1,
    checkout: CampaignCheckout = ONE_CLICK,
) -> Seat:
    """Open (开团) a new group with the opener's order; it lasts the campaign's hours from now.
    The opener becomes its leader on paying."""
    buyer = _require_user(user)
    campaign = access_campaign(buyer, campaign_id)
    now = timezone.now()
    check_live(campaign, now)
    price = _group_price(campaign, sku_id)
    count = _clean_quantity(campaign, quantity)
    with transaction.atomic():
        _lock_user_seats(buyer, campaign)
        group = Group.objects.create(
            campaign=campaign,
            team_size=campaign.team_size,
            complete_at_percent=campaign.complete_at_percent,
            opened_at=now,
            expires_at=now + timedelta(hours=campaign.hours),
        )
        seat = _take_seat(buyer, group, str(sku_id), count, price, checkout)
        _schedule_expiry(group)
    return seat


def join_group(
    user: User | None,
    group_id: str,
    sku_id: object,
    quantity: object = 1,
    checkout: CampaignCheckout = ONE_CLICK,
) -> Seat:
    """Join (参团) a group through its link: a seat is reserved with the order, under the group's
    lock, only while the group is open, unexpired and not full."""
    buyer = _require_user(user)
    group = get_group(group_id)
    campaign = group.campaign
    check_live(campaign, timezone.now())
    price = _group_price(campaign, sku_id)
    count = _clean_quantity(campaign, quantity)
    with transaction.atomic():
        _lock_user_seats(buyer, campaign)
        locked = lock_group(group.pk)
        if locked.status != GroupStatus.OPEN or locked.expires_at <= timezone.now():
            raise Conflict(_("This group is closed."), code=GroupBuyCode.GROUP_CLOSED)
        if locked.seats_taken >= locked.team_size:
            raise Conflict(_("This group is full."), code=GroupBuyCode.GROUP_FULL)
        if GroupMember.objects.filter(group=locked, user=buyer, state__in=ACTIVE_SEATS).exists():
            raise Conflict(
                _("You are already in this group."), code=GroupBuyCode.GROUP_ALREADY_JOINED
            )
        locked.campaign = campaign
        return _take_seat(buyer, locked, str(sku_id), count, price, checkout)


# --- Order hooks (receivers of the orders signals) -----------------------------------------


def _seat_of(order_id: str) -> GroupMember | None:
    return (
        GroupMember.objects.filter(order_id=order_id)
        .select_related("order")
        .only("pk", "group_id", "user_id", "state", "order__total", "order__refunded_amount")
        .first()
    )


def on_order_paid(order_id: str) -> None:
    """A seat's order was paid: the seat is paid, the first payer leads, and a full group
    completes. A payment arriving after the group failed is refunded at once."""
    seat = _seat_of(order_id)
    if seat is None:
        return
    settle_if_due(Group.objects.get(pk=seat.group_id))
    with transaction.atomic():
        group = lock_group(seat.group_id)
        now = timezone.now()
        if group.status == GroupStatus.FAILED:
            if _move_seat(seat, SeatState.RESERVED, SeatState.REFUNDED):
                _refund_seat(seat, reason="group failed before this payment arrived")
                notices.tell_on_commit(NotificationKind.GROUP_FAILED, [seat.pk])
                _redraw(group.pk)
            return
        if not _move_seat(seat, SeatState.RESERVED, SeatState.PAID, paid_at=now):
            return
        _redraw(group.pk)
        group.paid_count += 1
        changes: dict[str, Any] = {"paid_count": group.paid_count}
        if group.leader_id is None:
            group.leader_id = seat.user_id
            changes["leader_id"] = seat.user_id
        Group.objects.filter(pk=group.pk).update(**changes)
        if group.status == GroupStatus.COMPLETE:
            _release(group)
            notices.tell_on_commit(NotificationKind.GROUP_COMPLETE, [seat.pk])
        elif group.paid_count >= group.team_size:
            _complete(group, now)


def _move_seat(seat: GroupMember, from_state: str, to_state: str, **fields: Any) -> bool:
    """Move a seat in one conditional update; False when it was not in `from_state`."""
    moved = GroupMember.objects.filter(pk=seat.pk, state=from_state).update(
        state=to_state, **fields
    )
    return moved == 1


def on_order_cancelled(order_id: str) -> None:
    """An unpaid seat's order was cancelled: the seat frees for someone else."""
    seat = _seat_of(order_id)
    if seat is None:
        return
    with transaction.atomic():
        group = lock_group(seat.group_id)
        if _move_seat(seat, SeatState.RESERVED, SeatState.RELEASED):
            Group.objects.filter(pk=group.pk).update(seats_taken=F("seats_taken") - 1)
            _redraw(group.pk)


def on_order_refunded(order_id: str) -> None:
    """A paid seat's order was refunded in full (after-sales) before the group completed: the
    seat reopens, and if it was the leader's, the next payer leads. Runs inside the refund's
    transaction."""
    seat = _seat_of(order_id)
    if seat is None or seat.order.refunded_amount < seat.order.total:
        return
    group = lock_group(seat.group_id)
    if group.status != GroupStatus.OPEN:
        return
    if not _move_seat(seat, SeatState.PAID, SeatState.REFUNDED):
        return
    _redraw(group.pk)
    changes: dict[str, Any] = {
        "paid_count": F("paid_count") - 1,
        "seats_taken": F("seats_taken") - 1,
    }
    if group.leader_id == seat.user_id:
        changes["leader_id"] = (
            GroupMember.objects.filter(group=group, state=SeatState.PAID)
            .order_by("paid_at", "joined_at")
            .values_list("user_id", flat=True)
            .first()
        )
    Group.objects.filter(pk=group.pk).update(**changes)


# --- Completion, expiry and refunds --------------------------------------------------------


def _paid_orders(group: Group) -> list[str]:
    return list(
        GroupMember.objects.filter(group=group, state=SeatState.PAID).values_list(
            "order_id", flat=True
        )
    )


def _release(group: Group) -> None:
    """Let the group's paid orders ship, once the group's transaction commits: the group's
    lock is never held while order rows are written (a refund locks the order, then the group).
    A release lost on the way is redone when the group is read (`release_if_complete`)."""
    from quanzi.orders.services.checkout import release_ship_hold

    order_ids = _paid_orders(group)
    transaction.on_commit(lambda: release_ship_hold(order_ids))


def release_if_complete(group: Group) -> None:
    """A complete group's paid orders may ship (rule 5: re-applied on read; an UPDATE that
    matches nothing once done)."""
    if group.status == GroupStatus.COMPLETE:
        from quanzi.orders.services.checkout import release_ship_hold

        release_ship_hold(_paid_orders(group))


def _complete(group: Group, now: datetime) -> None:
    """Complete a locked group: its paid orders may ship, its paid members are told (after
    commit) and the leader gets the reward."""
    Group.objects.filter(pk=group.pk).update(status=GroupStatus.COMPLETE, closed_at=now)
    group.status = GroupStatus.COMPLETE
    _redraw(group.pk)
    _release(group)
    notices.tell_on_commit(
        NotificationKind.GROUP_COMPLETE,
        GroupMember.objects.filter(group=group, state=SeatState.PAID).values_list("pk", flat=True),
    )
    points = group.campaign.leader_points
    if points and group.leader_id:
        from quanzi.referrals.models import PointsReason
        from quanzi.referrals.services.points import grant_points

        grant_points(
            group.campaign.store,
            User.objects.get(pk=group.leader_id),
            points,
            reason=PointsReason.SHARE_REWARD,
            reference=f"group:{group.pk}",
        )


def _refund_seat(seat: GroupMember, *, reason: str) -> None:
    """Refund what is left of a seat's order; the caller moved the seat to refunded first, in
    this transaction, so this runs once per seat whoever calls it."""
    from quanzi.orders.services.paying import refund_order

    order = Order.objects.get(pk=seat.order_id)
    left = order.total - order.refunded_amount
    if left <= 0:
        return
    try:
        with transaction.atomic():
            refund_order(order, left, reason=reason)
    except Conflict:  # an after-sales refund of the same money is under way
        logger.warning("group refund of order %s refused; left to its after-sales", order.pk)


def expire_due_groups() -> int:
    """Close every open group whose time ran out (manage.py run_group_timers: for cron, or to
    recover after the task worker was down); answers how many this run closed."""
    due = Group.objects.filter(status=GroupStatus.OPEN, expires_at__lte=timezone.now())
    return sum(expire_group(group_id) for group_id in due.values_list("pk", flat=True))


def expire_group(group_id: str) -> bool:
    """Close an open group whose time ran out: complete it if the disclosed threshold of paid
    seats is met, otherwise fail it and refund every paid seat. Idempotent: True only for the
    run that closed it."""
    now = timezone.now()
    with transaction.atomic():
        group = lock_expired_open_group(group_id, now)
        if group is None:
            return False
        _count_missed_payments(group)
        if group.paid_count >= needed_to_complete(group.team_size, group.complete_at_percent):
            _complete(group, now)
            return True
        Group.objects.filter(pk=group.pk).update(status=GroupStatus.FAILED, closed_at=now)
        group.status = GroupStatus.FAILED
        _redraw(group.pk)
        refunded = []
        for seat in GroupMember.objects.filter(group=group, state=SeatState.PAID).order_by("pk"):
            if _move_seat(seat, SeatState.PAID, SeatState.REFUNDED):
                _refund_seat(seat, reason="group buy not filled in time")
                refunded.append(seat.pk)
        notices.tell_on_commit(NotificationKind.GROUP_FAILED, refunded)
    return True


def _count_missed_payments(group: Group) -> None:
    """Seats still reserved whose order was paid (an `order_paid` receiver that failed) count
    as paid before the locked group is judged, so nobody paid is left unrefunded."""
    missed = list(
        GroupMember.objects.filter(
            group=group,
            state=SeatState.RESERVED,
            order__paid_at__isnull=False,
            order__refunded_amount=0,
        ).order_by("joined_at")
    )
    for seat in missed:
        if _move_seat(seat, SeatState.RESERVED, SeatState.PAID, paid_at=timezone.now()):
            group.paid_count += 1
            group.leader_id = group.leader_id or seat.user_id
    if missed:
        Group.objects.filter(pk=group.pk).update(
            paid_count=group.paid_count, leader_id=group.leader_id
        )


def settle_if_due(group: Group) -> Group:
    """Apply the group's expiry if it is due (rule 5); no query when it is not."""
    if group.status == GroupStatus.OPEN and group.expires_at <= timezone.now():
        expire_group(group.pk)
        group.refresh_from_db()
    return group


def _schedule_expiry(group: Group) -> None:
    """Enqueue the expiry task for when the group's time runs out, after commit (reads settle
    the group anyway)."""
    from quanzi.campaigns.groupbuy import tasks

    enqueue_on_commit(tasks.expire_group, group.expires_at, group.pk)
