"""Bargaining API (砍价), mounted at /api/v1/bargains; money is integer fen.

Merchants (owner and staff) create, list and end a store's bargain campaigns. Anyone sees an
active campaign and a bargain (its link is made to be shared); a logged-in customer starts a
bargain, friends help it (POST …/help) and the starter buys it (POST …/buy). The POSTs that
start, help and buy accept an `Idempotency-Key`. `left_to_floor` is the true amount still to
cut, in fen: never rounded, never a percentage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainHelp
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.referrals.services.links import attribute_orders

router = Router()


class BargainCampaignIn(Schema):
    sku_id: str = Field(max_length=16)
    title: str = Field(max_length=60)
    start_price: int = Field(description="fen")
    floor_price: int = Field(description="fen, ≥ 1 and below the start price")
    helpers_needed: int = Field(description="N ≥ 1; start − floor must be ≥ N fen")
    hours: int = Field(description="a bargain's time limit from its start")
    allow_above_floor: bool = False
    max_helps_per_user: int = Field(default=1, description="K: helps one person gives per campaign")
    spread_percent: int = Field(default=50, description="0–100: cut spread around the even share")
    starts_at: datetime
    ends_at: datetime


class BargainCampaignOut(Schema):
    id: str
    store_id: str
    sku_id: str
    product_id: str
    product_title: str
    title: str
    start_price: int
    floor_price: int
    helpers_needed: int
    hours: int
    allow_above_floor: bool
    max_helps_per_user: int
    spread_percent: int
    starts_at: datetime
    ends_at: datetime
    is_active: bool
    running: bool


class HelpOut(Schema):
    helper_name: str
    amount: int = Field(description="fen cut by this helper")
    price_after: int
    created_at: datetime


class BargainOut(Schema):
    id: str
    campaign: BargainCampaignOut
    starter_name: str
    start_price: int
    floor_price: int
    current_price: int
    left_to_floor: int = Field(description="fen still to cut (true amount)")
    helpers_needed: int
    helps_count: int
    status: str = Field(description="open, floor_reached, bought or expired")
    expires_at: datetime
    can_buy: bool = Field(description="whether the starter may buy now")
    order_id: str | None
    helps: list[HelpOut]


class BargainBrief(Schema):
    id: str
    campaign_title: str
    current_price: int
    left_to_floor: int
    helpers_needed: int
    helps_count: int
    status: str
    expires_at: datetime


class HelpResultOut(Schema):
    amount: int = Field(description="fen you cut")
    bargain: BargainOut


class BargainBuyIn(Schema):
    address_id: str | None = Field(default=None, max_length=16)


class BargainBuyOut(Schema):
    order_id: str
    unit_price: int


def campaign_out(campaign: BargainCampaign) -> dict[str, Any]:
    product = campaign.sku.product
    return {
        **{
            name: getattr(campaign, name)
            for name in (
                "id",
                "store_id",
                "sku_id",
                "title",
                "start_price",
                "floor_price",
                "helpers_needed",
                "hours",
                "allow_above_floor",
                "max_helps_per_user",
                "spread_percent",
                "starts_at",
                "ends_at",
                "is_active",
            )
        },
        "product_id": product.pk,
        "product_title": product.title,
        "running": services.is_running(campaign),
    }


def _help_out(found: BargainHelp) -> HelpOut:
    return HelpOut(
        helper_name=found.helper.display_name,
        amount=found.amount,
        price_after=found.price_after,
        created_at=found.created_at,
    )


def bargain_out(bargain: Bargain, helps: list[BargainHelp]) -> BargainOut:
    return BargainOut(
        id=bargain.pk,
        campaign=BargainCampaignOut(**campaign_out(bargain.campaign)),
        starter_name=bargain.starter.display_name,
        start_price=bargain.start_price,
        floor_price=bargain.floor_price,
        current_price=bargain.current_price,
        left_to_floor=bargain.left_to_floor,
        helpers_needed=bargain.helpers_needed,
        helps_count=bargain.helps_count,
        status=bargain.status,
        expires_at=bargain.expires_at,
        can_buy=services.can_buy(bargain),
        order_id=bargain.order_id,
        helps=[_help_out(h) for h in helps],
    )


# --- Merchant ---------------------------------------------------------------------------------


@router.get("/stores/{store_id}/campaigns", auth=AUTH, response=list[BargainCampaignOut])
def store_campaigns(request: HttpRequest, store_id: str) -> list[dict[str, Any]]:
    """Every bargain campaign of the store, newest first (owner and staff)."""
    _store, rows = services.store_campaigns(current_user(request), store_id)
    return [campaign_out(c) for c in rows]


@router.post("/stores/{store_id}/campaigns", auth=AUTH, response={201: BargainCampaignOut})
def create_campaign(request: HttpRequest, store_id: str, data: BargainCampaignIn) -> Status[Any]:
    """A new bargain campaign on one of the store's SKUs (owner and staff)."""
    campaign = services.create_campaign(
        current_user(request), store_id, services.BargainInput(**data.dict())
    )
    return Status(201, campaign_out(campaign))


@router.post("/campaigns/{campaign_id}/end", auth=AUTH, response=BargainCampaignOut)
def end_campaign(request: HttpRequest, campaign_id: str) -> dict[str, Any]:
    """No new bargains on this campaign (owner and staff); started ones go on."""
    return campaign_out(services.end_campaign(current_user(request), campaign_id))


# --- Customers ----------------------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}", response=BargainCampaignOut)
def campaign_detail(request: HttpRequest, campaign_id: str) -> dict[str, Any]:
    """An active campaign (anyone; the store's people also see ended ones)."""
    return campaign_out(services.access_campaign(optional_user(request), campaign_id))


@router.post("/campaigns/{campaign_id}/start", auth=AUTH, response={201: BargainOut})
@idempotent("bargains.start")
def start(request: HttpRequest, campaign_id: str) -> Status[Any]:
    """Start a bargain (or get the one you have going). Idempotency-Key honoured."""
    user = current_user(request)
    bargain = services.start_bargain(user, campaign_id)
    bargain = services.access_bargain(user, bargain.pk)
    return Status(201, bargain_out(bargain, services.helps_of(bargain)).model_dump(mode="json"))


@router.get("/mine", auth=AUTH, response=list[BargainBrief])
def mine(request: HttpRequest) -> list[BargainBrief]:
    """My bargains, newest first (at most 50)."""
    return [
        BargainBrief(
            id=b.pk,
            campaign_title=b.campaign.title,
            current_price=b.current_price,
            left_to_floor=b.left_to_floor,
            helpers_needed=b.helpers_needed,
            helps_count=b.helps_count,
            status=b.status,
            expires_at=b.expires_at,
        )
        for b in services.my_bargains(current_user(request))
    ]


@router.get("/{bargain_id}", response=BargainOut)
def bargain_detail(request: HttpRequest, bargain_id: str) -> BargainOut:
    """A bargain with its true current price, the fen left to the floor and its helpers."""
    bargain = services.access_bargain(optional_user(request), bargain_id)
    return bargain_out(bargain, services.helps_of(bargain))


@router.post("/{bargain_id}/help", auth=AUTH, response={201: HelpResultOut})
@idempotent("bargains.help")
def help_cut(request: HttpRequest, bargain_id: str) -> Status[Any]:
    """Help cut (砍一刀): 409 `bargain_self_help`, `bargain_helped`, `bargain_help_limit`,
    `bargain_floor_reached`, `bargain_bought` or `bargain_expired`. Idempotency-Key honoured."""
    result = services.help_bargain(current_user(request), bargain_id)
    out = HelpResultOut(
        amount=result.help.amount,
        bargain=bargain_out(result.bargain, services.helps_of(result.bargain)),
    )
    return Status(201, out.model_dump(mode="json"))


@router.post("/{bargain_id}/buy", auth=AUTH, response={201: BargainBuyOut})
@idempotent("bargains.buy")
def buy(request: HttpRequest, bargain_id: str, data: BargainBuyIn) -> Status[Any]:
    """The starter buys at the current price, once (an unpaid order to pay through
    /payments). 409 `bargain_bought`, `bargain_expired`, `bargain_floor_not_reached`.
    Idempotency-Key honoured."""
    order = services.buy_bargain(
        current_user(request), bargain_id, checkout=CampaignCheckout(address_id=data.address_id)
    )
    attribute_orders(request, [order])  # referrals (issue 4): last-touch attribution
    return Status(201, {"order_id": order.pk, "unit_price": order.items.get().unit_price})
