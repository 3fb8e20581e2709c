"""Circles API: the coupons of a store circle and the coupon an announcement carries, mounted
with the coupons API at /api/v1/campaigns (the paths they always had; quanzi.api mounts this
router there). The coupons' shapes come from the coupons API, which sits below circles."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.circles.services import coupons as services
from quanzi.core.schemas import Schema
from quanzi.coupons.api import CouponOut, OfferOut, coupon_out, offer_out

router = Router()


# --- Schemas ---------------------------------------------------------------------------------


class CircleCouponsOut(Schema):
    circle_id: str
    store_id: str | None
    join_cashback: CouponOut | None = Field(description="given on joining, once per person")
    offers: list[OfferOut]
    announcements: dict[str, CouponOut] = Field(
        description="{announcement id: its coupon}; members only"
    )


class AnnouncementCouponIn(Schema):
    coupon_id: str | None = Field(default=None, max_length=16, description="null: none")


class AnnouncementCouponOut(Schema):
    announcement_id: str
    coupon: CouponOut | None


# --- Endpoints -------------------------------------------------------------------------------


@router.get("/circles/{circle_id}/coupons", response=CircleCouponsOut)
def circle_coupons(request: HttpRequest, circle_id: str) -> CircleCouponsOut:
    """A circle's coupons: the store's join cashback and claimable coupons, and (for members)
    the coupons its announcements carry. An interest circle has none."""
    user = optional_user(request)
    found = services.circle_coupons(user, circle_id)
    return CircleCouponsOut(
        circle_id=found.circle.pk,
        store_id=found.circle.store_id,
        join_cashback=CouponOut(**coupon_out(found.join_cashback)) if found.join_cashback else None,
        offers=[offer_out(offer) for offer in found.offers],
        announcements={
            announcement_id: CouponOut(**coupon_out(coupon))
            for announcement_id, coupon in found.announcements.items()
        },
    )


@router.put(
    "/circles/{circle_id}/announcements/{announcement_id}/coupon",
    auth=AUTH,
    response=AnnouncementCouponOut,
)
def announcement_coupon(
    request: HttpRequest, circle_id: str, announcement_id: str, data: AnnouncementCouponIn
) -> AnnouncementCouponOut:
    """Attach one of the store's claimable coupons to an announcement, or none (the circle's
    admins who work for the store)."""
    link = services.attach_to_announcement(
        current_user(request), circle_id, announcement_id, data.coupon_id
    )
    coupon = link.coupon if link else None
    return AnnouncementCouponOut(
        announcement_id=announcement_id,
        coupon=CouponOut(**coupon_out(coupon)) if coupon else None,
    )
