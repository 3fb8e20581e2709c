"""What the buyer's order pages show of a group-buy order (an `orders.panels` provider).

A paid seat of a forming group: "group forming · N more needed", the countdown to the group's
expiry, the members and a link to the group page to invite friends (it has the Share button).
A closed group: how it ended for this order — complete, or failed and refunded (or the refund
still on its way). Unpaid and cancelled seats show nothing: the order page's own buttons say
what to do. Two queries whatever the number of orders (seats with their groups, then the
groups' members); a group whose time ran out is settled on the way (rule 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import (
    ACTIVE_SEATS,
    CAMPAIGN_KIND,
    Group,
    GroupMember,
    GroupStatus,
    SeatState,
)
from quanzi.orders.models import Order
from quanzi.orders.panels import register_order_panel

TEMPLATE = "groupbuy/_order_panel.html"


def _state(group: Group, seat: GroupMember, order: Order) -> str:
    """Which panel the order gets: forming, complete, refunded, refunding, closed, or ""."""
    if group.status == GroupStatus.OPEN:
        return "forming" if seat.state == SeatState.PAID else ""
    if group.status == GroupStatus.COMPLETE:
        return "complete" if seat.state in ACTIVE_SEATS else ""
    if seat.state == SeatState.RESERVED:
        return "closed"
    if seat.state in (SeatState.PAID, SeatState.REFUNDED):
        return "refunded" if order.refunded_amount >= order.total else "refunding"
    return ""


def _seats(orders: Sequence[Order]) -> list[GroupMember]:
    """The seats of the group-buy orders among `orders`, their groups settled if due."""
    ids = [order.pk for order in orders if order.campaign == CAMPAIGN_KIND]
    if not ids:
        return []
    seats = list(GroupMember.objects.filter(order_id__in=ids).select_related("group"))
    now = timezone.now()
    due = {
        s.group_id
        for s in seats
        if s.group.status == GroupStatus.OPEN and s.group.expires_at <= now
    }
    if due:
        for group_id in sorted(due):
            services.expire_group(group_id)
        seats = list(GroupMember.objects.filter(order_id__in=ids).select_related("group"))
    return seats


def _members(group_ids: set[str]) -> dict[str, list[GroupMember]]:
    members: dict[str, list[GroupMember]] = {group_id: [] for group_id in group_ids}
    for member in (
        GroupMember.objects.filter(group_id__in=group_ids, state__in=ACTIVE_SEATS)
        .select_related("user")
        .order_by("joined_at", "pk")
    ):
        members[member.group_id].append(member)
    return members


def order_panels(orders: Sequence[Order]) -> Mapping[str, str]:
    """{order id: panel HTML} for the group-buy orders among `orders` that have one."""
    by_id = {order.pk: order for order in orders}
    shown = [
        (seat, state)
        for seat in _seats(orders)
        if (state := _state(seat.group, seat, by_id[seat.order_id]))
    ]
    if not shown:
        return {}
    forming = {seat.group_id for seat, state in shown if state == "forming"}
    members = _members(forming) if forming else {}
    now = timezone.now()
    panels: dict[str, str] = {}
    for seat, state in shown:
        group = seat.group
        context: dict[str, Any] = {"group": group, "state": state}
        if state == "forming":
            context |= {
                "missing": group.team_size - group.paid_count,
                "left": services.seconds_left(group, now),
                "seats": members[group.pk],
                "empty_seats": range(group.team_size - group.seats_taken),
            }
        panels[seat.order_id] = render_to_string(TEMPLATE, context)
    return panels


def connect() -> None:
    register_order_panel(
        "groupbuy", order_panels, css=("groupbuy/groupbuy.css",), js=("groupbuy/groupbuy.js",)
    )
