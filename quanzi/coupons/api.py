"""Coupons API (优惠券). Mounted at /api/v1/campaigns (the path it had as the campaigns app);
money is integer fen.

Merchants (owner and staff) create, edit and deactivate a store's coupons; the owner sets the
store's campaign settings (join cashback coupon, coupons on campaign prices). Customers claim
coupons (POST …/claim accepts an `Idempotency-Key`) and list theirs. Coupons are used by the
orders API: `coupons` in POST /orders/checkout, `coupon_id` in POST /orders/buy-now.

Two upper domains mount their coupon endpoints at the same prefix with the builders here:
orders (`GET my-coupons/options`, which reads the cart: quanzi.orders.coupons_api) and circles
(`GET circles/{id}/coupons`, `PUT circles/{id}/announcements/{id}/coupon`:
quanzi.circles.api.coupons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.coupons import checkout, coupons, labels
from quanzi.coupons.models import Coupon, UserCoupon

router = Router()


# --- Schemas ---------------------------------------------------------------------------------


class CouponIn(Schema):
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20, description="fixed, percent or threshold (满减)")
    amount_off: int = Field(default=0, description="fen off (fixed, threshold)")
    percent_off: int = Field(default=0, description="1..99 percent off (percent)")
    max_off: int = Field(default=0, description="fen, the most a percent coupon takes; 0 = no cap")
    min_spend: int = Field(default=0, description="fen of goods needed (threshold: required)")
    validity: str = Field(max_length=20, description="window (valid_from..valid_until) or days")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int = Field(default=0, description="days after a copy is received (days)")
    total: int = Field(description="how many copies can be handed out")
    per_user_limit: int = Field(default=1, description="copies one person can hold")
    claimable: bool = Field(default=True, description="false: only the system hands it out")


class CouponPatch(Schema):
    name: str | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=20)
    amount_off: int | None = None
    percent_off: int | None = None
    max_off: int | None = None
    min_spend: int | None = None
    validity: str | None = Field(default=None, max_length=20)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    total: int | None = None
    per_user_limit: int | None = None
    claimable: bool | None = None


class CouponOut(Schema):
    id: str
    store_id: str
    store_name: str
    name: str
    kind: str
    amount_off: int
    percent_off: int
    max_off: int
    min_spend: int
    validity: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int
    total: int
    issued: int
    left: int
    per_user_limit: int
    claimable: bool
    is_active: bool
    value_label: str
    condition_label: str
    validity_label: str


class ConsoleCouponOut(CouponOut):
    used: int = Field(description="copies used on an order")


class OfferOut(Schema):
    coupon: CouponOut
    held: int = Field(description="copies you hold (0 when anonymous)")
    can_claim: bool
    sold_out: bool


class UserCouponOut(Schema):
    id: str
    coupon: CouponOut
    source: str
    status: str = Field(description="unused, used, returned or expired")
    valid_from: datetime
    expires_at: datetime
    order_id: str | None
    used_at: datetime | None
    created_at: datetime


class UserCouponPage(Schema):
    items: list[UserCouponOut]
    count: int
    page: int
    page_size: int
    pages: int


class OptionOut(Schema):
    user_coupon: UserCouponOut
    discount: int = Field(description="fen it takes off these goods (0: not usable)")
    missing: int = Field(description="fen more to spend to reach its minimum")


class StoreOptionsOut(Schema):
    store_id: str
    usable: list[OptionOut]
    unusable: list[OptionOut]
    best_id: str | None = Field(description="the usable coupon taking the most off")


class SettingsIn(Schema):
    coupons_on_campaign_price: bool
    join_cashback_id: str | None = Field(default=None, max_length=16)


class SettingsOut(Schema):
    store_id: str
    coupons_on_campaign_price: bool
    join_cashback: CouponOut | None


# --- Builders --------------------------------------------------------------------------------


COUPON_FIELDS = (
    "id",
    "store_id",
    "name",
    *coupons.TERMS,
    "total",
    "issued",
    "left",
    "per_user_limit",
    "claimable",
    "is_active",
)


def coupon_out(coupon: Coupon) -> dict[str, Any]:
    """A coupon as JSON-ready fields (the store must be loaded)."""
    fields = {name: getattr(coupon, name) for name in COUPON_FIELDS}
    fields |= {
        "store_name": coupon.store.name,
        "value_label": labels.value_label(coupon),
        "condition_label": labels.condition_label(coupon),
        "validity_label": labels.validity_label(coupon),
    }
    return fields


def offer_out(offer: coupons.Offer) -> OfferOut:
    return OfferOut(
        coupon=CouponOut(**coupon_out(offer.coupon)),
        held=offer.held,
        can_claim=offer.can_claim,
        sold_out=offer.sold_out,
    )


def _copy_out(copy: UserCoupon, now: datetime) -> UserCouponOut:
    copy.coupon.store = copy.store  # loaded with the copy
    return UserCouponOut(
        id=copy.pk,
        coupon=CouponOut(**coupon_out(copy.coupon)),
        source=copy.source,
        status=coupons.state_of(copy, now),
        valid_from=copy.valid_from,
        expires_at=copy.expires_at,
        order_id=copy.order_id,
        used_at=copy.used_at,
        created_at=copy.created_at,
    )


def options_out(store_id: str, found: checkout.StoreOptions) -> StoreOptionsOut:
    now = timezone.now()

    def option(o: checkout.Option) -> OptionOut:
        return OptionOut(user_coupon=_copy_out(o.copy, now), discount=o.discount, missing=o.missing)

    return StoreOptionsOut(
        store_id=store_id,
        usable=[option(o) for o in found.usable],
        unusable=[option(o) for o in found.unusable],
        best_id=found.best.copy.pk if found.best else None,
    )


def _settings_out(store_id: str, found: Any) -> SettingsOut:
    cashback = found.join_cashback
    return SettingsOut(
        store_id=store_id,
        coupons_on_campaign_price=found.coupons_on_campaign_price,
        join_cashback=CouponOut(**coupon_out(cashback)) if cashback else None,
    )


# --- Merchant --------------------------------------------------------------------------------


@router.get("/stores/{store_id}/coupons/all", auth=AUTH, response=list[ConsoleCouponOut])
def console_coupons(request: HttpRequest, store_id: str) -> list[ConsoleCouponOut]:
    """Every coupon of the store, active first, with copies used (owner and staff)."""
    store, rows = coupons.store_coupons(current_user(request), store_id)
    for coupon in rows:
        coupon.store = store
    return [ConsoleCouponOut(**coupon_out(c), used=c.used) for c in rows]  # type: ignore[attr-defined]


@router.post("/stores/{store_id}/coupons", auth=AUTH, response={201: CouponOut})
def create_coupon(request: HttpRequest, store_id: str, data: CouponIn) -> Status[Any]:
    """A new coupon of the store (owner and staff)."""
    coupon = coupons.create_coupon(
        current_user(request), store_id, coupons.CouponFields(**data.dict())
    )
    return Status(201, coupon_out(coupon))


@router.patch("/coupons/{coupon_id}", auth=AUTH, response=CouponOut)
def update_coupon(request: HttpRequest, coupon_id: str, data: CouponPatch) -> dict[str, Any]:
    """Change a coupon (owner and staff); its discount and validity only while no copy is out."""
    fields = data.dict(exclude_unset=True)
    return coupon_out(
        coupons.update_coupon(current_user(request), coupon_id, coupons.CouponFields(**fields))
    )


@router.post("/coupons/{coupon_id}/deactivate", auth=AUTH, response=CouponOut)
def deactivate_coupon(request: HttpRequest, coupon_id: str) -> dict[str, Any]:
    """Stop a coupon for good (owner and staff); copies already held stay usable."""
    return coupon_out(coupons.deactivate_coupon(current_user(request), coupon_id))


@router.get("/stores/{store_id}/settings", auth=AUTH, response=SettingsOut)
def get_settings(request: HttpRequest, store_id: str) -> SettingsOut:
    store = coupons.store_for_staff(current_user(request), store_id)
    found = coupons.campaign_settings(store)
    if found.join_cashback:
        found.join_cashback.store = store
    return _settings_out(store.pk, found)


@router.put("/stores/{store_id}/settings", auth=AUTH, response=SettingsOut)
def put_settings(request: HttpRequest, store_id: str, data: SettingsIn) -> SettingsOut:
    """The store's campaign settings (owner): the join cashback coupon (null: none) and whether
    coupons also discount items at a campaign price."""
    found = coupons.update_campaign_settings(
        current_user(request),
        store_id,
        coupons_on_campaign_price=data.coupons_on_campaign_price,
        join_cashback_id=data.join_cashback_id,
    )
    return _settings_out(found.store_id, found)


# --- Customers -------------------------------------------------------------------------------


@router.get("/stores/{store_id}/coupons", response=list[OfferOut])
def store_offers(request: HttpRequest, store_id: str) -> list[OfferOut]:
    """The store's coupons anyone can claim, with what the caller holds of each."""
    user = optional_user(request)
    store = coupons.access_store_read(user, store_id)
    return [offer_out(offer) for offer in coupons.offers(store.pk, user)]


@router.get("/coupons/{coupon_id}", response=OfferOut)
def coupon_detail(request: HttpRequest, coupon_id: str) -> OfferOut:
    """A claimable coupon (the store's people also see their other coupons)."""
    user = optional_user(request)
    coupon = coupons.access_coupon(user, coupon_id, need="read")
    held = coupons.held_counts([coupon], user).get(coupon.pk, 0)
    return offer_out(coupons.Offer(coupon, held))


@router.post("/coupons/{coupon_id}/claim", auth=AUTH, response={201: UserCouponOut})
@idempotent("campaigns.claim")
def claim(request: HttpRequest, coupon_id: str) -> Status[Any]:
    """Claim (领取) a coupon: 409 `coupon_sold_out`, `coupon_limit_reached` or
    `coupon_ended`. Idempotency-Key honoured."""
    copy = coupons.claim_coupon(current_user(request), coupon_id)
    copy.store = copy.coupon.store
    return Status(201, _copy_out(copy, timezone.now()).model_dump(mode="json"))


@router.get("/my-coupons", auth=AUTH, response=UserCouponPage)
def my_coupons(
    request: HttpRequest, status: str = "usable", page: int = 1, page_size: int = 20
) -> UserCouponPage:
    """My coupons of one tab: usable (soonest to expire first), used or expired."""
    found = coupons.my_coupons(current_user(request), status, page, page_size)
    now = timezone.now()
    return UserCouponPage(
        items=[_copy_out(copy, now) for copy in found.items],
        count=found.count,
        page=found.number,
        page_size=found.size,
        pages=found.pages,
    )
