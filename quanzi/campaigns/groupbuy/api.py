"""Group buying API (拼团), mounted at /api/v1/groupbuy; money is integer fen.

Anyone reads a campaign, its open groups and a group (a group is shared by link). Customers
open a group (POST /campaigns/{id}/groups) or join one (POST /groups/{id}/join); both create an
unpaid order (pay it with POST /payments/start) and accept an `Idempotency-Key`. The store's
owner and staff create and change campaigns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign, GroupMember
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.referrals.services.links import attribute_orders

router = Router()


# --- Schemas ---------------------------------------------------------------------------------


class PriceOut(Schema):
    sku_id: str
    label: str
    normal_price: int
    group_price: int
    stock: int


class GroupBuyCampaignOut(Schema):
    id: str
    store_id: str
    product_id: str
    product_title: str
    team_size: int
    hours: int
    per_user_limit: int
    per_order_limit: int
    starts_at: datetime
    ends_at: datetime
    complete_at_percent: int | None = Field(
        description="null: a group completes only when full; N: a group with at least "
        "`complete_at_seats` paid members when time runs out completes with just them"
    )
    complete_at_seats: int
    leader_points: int
    is_active: bool
    prices: list[PriceOut]


class GroupBuyMemberOut(Schema):
    name: str
    avatar_url: str
    is_leader: bool
    paid: bool
    joined_at: datetime


class GroupOut(Schema):
    id: str
    campaign_id: str
    status: str = Field(description="open, complete or failed")
    team_size: int
    complete_at_percent: int | None
    seats_taken: int
    seats_left: int
    paid_count: int
    opened_at: datetime
    expires_at: datetime
    seconds_left: int
    members: list[GroupBuyMemberOut]


class SeatIn(Schema):
    sku_id: str = Field(max_length=16)
    quantity: int = 1
    address_id: str | None = Field(default=None, max_length=16)


class SeatOut(Schema):
    group: GroupOut
    order_id: str
    total: int


class GroupBuyCampaignIn(Schema):
    product_id: str = Field(max_length=16)
    prices: dict[str, int] = Field(description="{sku id: group price in fen}")
    team_size: int
    hours: int = 24
    per_user_limit: int = 1
    per_order_limit: int = 1
    starts_at: datetime
    ends_at: datetime
    complete_at_percent: int | None = None
    leader_points: int = 0
    is_active: bool = True


class GroupBuyCampaignPatch(Schema):
    prices: dict[str, int] | None = None
    team_size: int | None = None
    hours: int | None = None
    per_user_limit: int | None = None
    per_order_limit: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    complete_at_percent: int | None = None
    leader_points: int | None = None
    is_active: bool | None = None


# --- Builders --------------------------------------------------------------------------------


def campaign_out(campaign: GroupCampaign) -> GroupBuyCampaignOut:
    return GroupBuyCampaignOut(
        id=campaign.pk,
        store_id=campaign.store_id,
        product_id=campaign.product_id,
        product_title=campaign.product.title,
        team_size=campaign.team_size,
        hours=campaign.hours,
        per_user_limit=campaign.per_user_limit,
        per_order_limit=campaign.per_order_limit,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        complete_at_percent=campaign.complete_at_percent,
        complete_at_seats=services.needed_to_complete(
            campaign.team_size, campaign.complete_at_percent
        ),
        leader_points=campaign.leader_points,
        is_active=campaign.is_active,
        prices=[
            PriceOut(
                sku_id=row.sku_id,
                label=row.sku.label,
                normal_price=row.sku.price,
                group_price=row.price,
                stock=row.sku.stock,
            )
            for row in campaign.prices.all()
        ],
    )


def _member_out(group: Group, member: GroupMember) -> GroupBuyMemberOut:
    user: User = member.user
    return GroupBuyMemberOut(
        name=user.display_name,
        avatar_url=user.avatar.url if user.avatar else "",
        is_leader=member.user_id == group.leader_id,
        paid=member.state == "paid",
        joined_at=member.joined_at,
    )


def group_out(group: Group) -> GroupOut:
    """A group with its active seats (prefetched as `seats`)."""
    seats: list[GroupMember] = getattr(group, "seats", [])
    return GroupOut(
        id=group.pk,
        campaign_id=group.campaign_id,
        status=group.status,
        team_size=group.team_size,
        complete_at_percent=group.complete_at_percent,
        seats_taken=group.seats_taken,
        seats_left=group.team_size - group.seats_taken,
        paid_count=group.paid_count,
        opened_at=group.opened_at,
        expires_at=group.expires_at,
        seconds_left=services.seconds_left(group) if group.status == "open" else 0,
        members=[_member_out(group, m) for m in seats],
    )


def _seat_body(seat: services.Seat) -> Status[Any]:
    group = services.get_group(seat.group.pk)
    out = SeatOut(group=group_out(group), order_id=seat.order.pk, total=seat.order.total)
    return Status(201, out.model_dump(mode="json"))


# --- Customers -------------------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}", response=GroupBuyCampaignOut)
def get_campaign(request: HttpRequest, campaign_id: str) -> GroupBuyCampaignOut:
    """A group buy: its SKUs with normal and group price, team size, time limit and the
    disclosed completion rule."""
    return campaign_out(services.access_campaign(optional_user(request), campaign_id))


@router.get("/campaigns/{campaign_id}/groups", response=list[GroupOut])
def list_groups(request: HttpRequest, campaign_id: str) -> list[GroupOut]:
    """The campaign's open groups one can join, soonest to expire first."""
    campaign = services.access_campaign(optional_user(request), campaign_id)
    return [group_out(group) for group in services.open_groups(campaign)]


def _checkout(data: SeatIn) -> CampaignCheckout:
    return CampaignCheckout(address_id=data.address_id)


@router.post("/campaigns/{campaign_id}/groups", auth=AUTH, response={201: SeatOut})
@idempotent("groupbuy.open")
def open_group(request: HttpRequest, campaign_id: str, data: SeatIn) -> Status[Any]:
    """Open a group (开团): 201 with the group and the unpaid order. Idempotency-Key honoured."""
    user = current_user(request)
    seat = services.open_group(user, campaign_id, data.sku_id, data.quantity, _checkout(data))
    attribute_orders(request, [seat.order])  # referrals (issue 4): last-touch attribution
    return _seat_body(seat)


@router.get("/groups/{group_id}", response=GroupOut)
def get_group(request: HttpRequest, group_id: str) -> GroupOut:
    """A group (anyone with its link): members, seats left and time left."""
    return group_out(services.get_group(group_id))


@router.post("/groups/{group_id}/join", auth=AUTH, response={201: SeatOut})
@idempotent("groupbuy.join")
def join_group(request: HttpRequest, group_id: str, data: SeatIn) -> Status[Any]:
    """Join a group (参团): 201 with the unpaid order; 409 `group_full`, `group_closed`,
    `group_already_joined` or `group_user_limit`. Idempotency-Key honoured."""
    user = current_user(request)
    seat = services.join_group(user, group_id, data.sku_id, data.quantity, _checkout(data))
    attribute_orders(request, [seat.order])  # referrals (issue 4): last-touch attribution
    return _seat_body(seat)


# --- Merchant --------------------------------------------------------------------------------


@router.get("/stores/{store_id}/campaigns", auth=AUTH, response=list[GroupBuyCampaignOut])
def store_campaigns(request: HttpRequest, store_id: str) -> list[GroupBuyCampaignOut]:
    """Every group buy of the store, newest first (owner and staff)."""
    return [campaign_out(c) for c in services.store_campaigns(current_user(request), store_id)]


@router.post("/stores/{store_id}/campaigns", auth=AUTH, response={201: GroupBuyCampaignOut})
def create_campaign(request: HttpRequest, store_id: str, data: GroupBuyCampaignIn) -> Status[Any]:
    """A new group buy of one of the store's products (owner and staff)."""
    campaign = services.create_campaign(
        current_user(request), store_id, services.GroupBuyFields(**data.dict())
    )
    return Status(201, campaign_out(campaign))


@router.patch("/campaigns/{campaign_id}", auth=AUTH, response=GroupBuyCampaignOut)
def update_campaign(
    request: HttpRequest, campaign_id: str, data: GroupBuyCampaignPatch
) -> GroupBuyCampaignOut:
    """Change a group buy (owner and staff); open groups keep their terms."""
    change = services.GroupBuyFields(**data.dict(exclude_unset=True))  # unset: unchanged
    return campaign_out(services.update_campaign(current_user(request), campaign_id, change))
