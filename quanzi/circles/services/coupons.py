"""What circles do with their store's coupons (issue 5; circles sit above coupons and call
their public functions): a store circle shows the store's join cashback and claimable coupons,
and a circle admin who works for the store picks one of those coupons for an announcement to
carry, claimable right under it (what a Youzan merchant does when posting "新品上市，领券立减").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Announcement, Circle
from quanzi.circles.services.access import access_circle
from quanzi.circles.services.cards import CardOption, CardShare, register_card
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.events import enqueue_on_commit
from quanzi.core.ids import is_public_id
from quanzi.coupons import coupons, labels
from quanzi.coupons.errors import CouponCode
from quanzi.coupons.models import AnnouncementCoupon, Coupon, UserCoupon, Validity
from quanzi.stores.services import role_in

CARD_TYPE = "coupon"


@dataclass(frozen=True)
class CircleCoupons:
    """What a circle shows of its store's coupons."""

    circle: Circle
    join_cashback: Coupon | None
    received: UserCoupon | None  # the viewer's join cashback copy
    offers: list[coupons.Offer]
    announcements: dict[str, Coupon]  # members only


def circle_coupons(user: User | None, circle_id: str) -> CircleCoupons:
    """A store circle's join cashback and claimable coupons for anyone who may see the circle,
    and the coupons its announcements carry for its members; nothing for an interest circle."""
    circle, membership = access_circle(user, circle_id, need="view")
    if circle.store_id is None:
        return CircleCoupons(circle, None, None, [], {})
    return CircleCoupons(
        circle=circle,
        join_cashback=coupons.join_cashback_offer(circle.store_id),
        received=coupons.join_cashback_received(circle.store_id, user),
        offers=coupons.offers(circle.store_id, user),
        announcements=announcement_coupons(circle) if membership else {},
    )


# --- Announcements ---------------------------------------------------------------------------


def attach_to_announcement(
    user: User | None, circle_id: str, announcement_id: str, coupon_id: str | None
) -> AnnouncementCoupon | None:
    """Let an announcement of a store circle carry one of the store's claimable coupons (or
    none, with `coupon_id` None). For the circle's admins who also work for the store: the
    coupon is the store's money."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    circle, _membership = access_circle(user, circle_id, need="admin")
    if circle.store_id is None:
        raise NotFound(_("Announcement not found."))
    if role_in(user, circle.store) is None:  # type: ignore[arg-type]
        raise PermissionDenied(
            _("Only the store's people can attach its coupons."), code=CircleCode.NOT_STORE_STAFF
        )
    announcement = (
        Announcement.objects.filter(pk=announcement_id, circle=circle).first()
        if is_public_id(announcement_id)
        else None
    )
    if announcement is None:
        raise NotFound(_("Announcement not found."))
    if not coupon_id:
        AnnouncementCoupon.objects.filter(announcement=announcement).delete()
        return None
    coupon = (
        Coupon.objects.filter(
            pk=coupon_id, store_id=circle.store_id, is_active=True, claimable=True
        ).first()
        if is_public_id(coupon_id)
        else None
    )
    if coupon is None:
        raise InvalidInput(
            _("Choose an active coupon of this store that customers can claim."),
            field="coupon_id",
            code=CouponCode.BAD_COUPON,
        )
    link, _created = AnnouncementCoupon.objects.update_or_create(
        announcement=announcement, defaults={"coupon": coupon}
    )
    return link


def announcement_coupons(circle: Circle) -> dict[str, Coupon]:
    """{announcement id: its active coupon} of a circle's announcements, in one query."""
    return {
        link.announcement_id: link.coupon
        for link in AnnouncementCoupon.objects.filter(
            announcement__circle=circle, coupon__is_active=True
        ).select_related("coupon__store")
    }


# --- The coupon's card in the chat -----------------------------------------------------------


def _ended(coupon: Coupon, now: datetime) -> bool:
    return coupon.validity == Validity.WINDOW and (
        coupon.valid_until is None or coupon.valid_until <= now
    )


def coupon_card(coupon: Coupon, now: datetime | None = None) -> dict[str, Any]:
    """A coupon as its chat card shows it: the value and condition (as numbers, which the page
    words in each reader's language), what is left and until when, and whether it can still be
    claimed. `version` only grows: copies are only ever handed out while the coupon is active
    and has not ended, and then it ends or is deactivated once."""
    now = now or timezone.now()
    ended = _ended(coupon, now) or not coupon.is_active or not coupon.store.is_active
    if ended:
        state = "ended"
    elif coupon.issued >= coupon.total:
        state = "sold_out"
    else:
        state = "open"
    return {
        "type": CARD_TYPE,
        "version": coupon.issued + (not coupon.is_active) + _ended(coupon, now),
        "coupon_id": coupon.pk,
        "store": coupon.store.name,
        "name": coupon.name,
        "kind": coupon.kind,
        "amount_off": coupon.amount_off,
        "percent_off": coupon.percent_off,
        "max_off": coupon.max_off,
        "min_spend": coupon.min_spend,
        "left": max(0, coupon.total - coupon.issued),
        "total": coupon.total,
        "ends_at": coupon.valid_until.isoformat()
        if coupon.validity == Validity.WINDOW and coupon.valid_until
        else None,
        "valid_days": coupon.valid_days if coupon.validity == Validity.DAYS else None,
        "state": state,
        "claim_url": f"/api/v1/campaigns/coupons/{coupon.pk}/claim",
    }


def card_ref(coupon_id: str) -> str:
    return f"{CARD_TYPE}:{coupon_id}"


def share_coupon(user: User, circle: Circle, coupon_id: str) -> CardShare:
    """A claimable coupon of an open store as a chat card (anyone may share what anyone may
    claim); one that ended or is all taken is refused."""
    coupon = coupons.access_coupon(user, coupon_id, need="read")
    if not (coupon.is_active and coupon.claimable and coupon.store.is_active):
        raise NotFound(_("Coupon not found."), code=CouponCode.COUPON_NOT_FOUND)
    now = timezone.now()
    if _ended(coupon, now):
        raise Conflict(_("This coupon has ended."), code=CouponCode.COUPON_ENDED)
    if coupon.issued >= coupon.total:
        raise Conflict(_("This coupon is all taken."), code=CouponCode.COUPON_SOLD_OUT)
    if coupon.validity == Validity.WINDOW and coupon.valid_until is not None:
        from quanzi.circles import tasks

        # The card says "ended" when its time comes (the page counts down meanwhile).
        enqueue_on_commit(tasks.refresh_coupon_cards, coupon.valid_until, coupon.pk)
    return CardShare(coupon_card(coupon, now), card_ref(coupon.pk), coupon.store_id)


def coupon_options(user: User, circle: Circle) -> list[CardOption]:
    """The store circle's claimable coupons that are left, for the composer's picker."""
    if circle.store_id is None:
        return []
    return [
        CardOption(
            card_type=CARD_TYPE,
            target_id=offer.coupon.pk,
            store_id=offer.coupon.store_id,
            title=offer.coupon.name,
            detail=f"{labels.value_label(offer.coupon)} · {labels.condition_label(offer.coupon)}",
        )
        for offer in coupons.offers(circle.store_id, user)
        if not offer.sold_out
    ]


def refresh_coupon_cards(coupon_id: str) -> int:
    """Redraw the coupon's cards with what is left now (after a copy is handed out, the
    coupon changes or its time ends)."""
    from quanzi.circles.services import chat

    coupon = Coupon.objects.select_related("store").filter(pk=coupon_id).first()
    if coupon is None:
        return 0
    return chat.refresh_cards(card_ref(coupon.pk), coupon_card(coupon), version="version")


def on_coupon_changed(sender: Any, coupon_id: str, **kwargs: Any) -> None:
    """Receiver of coupons' `coupon_changed` (on commit; connected in CirclesConfig.ready)."""
    refresh_coupon_cards(coupon_id)


def connect() -> None:
    from quanzi.coupons.signals import coupon_changed

    register_card(CARD_TYPE, share_coupon, coupon_options)
    coupon_changed.connect(on_coupon_changed, dispatch_uid="circles.coupon_cards")
