"""What circles do with their store's coupons (issue 5; circles sit above coupons and call
their public functions): a store circle shows the store's join cashback and claimable coupons,
and a circle admin who works for the store picks one of those coupons for an announcement to
carry, claimable right under it (what a Youzan merchant does when posting "新品上市，领券立减").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Announcement, Circle
from quanzi.circles.services.access import access_circle
from quanzi.core.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.coupons import coupons
from quanzi.coupons.errors import CouponCode
from quanzi.coupons.models import AnnouncementCoupon, Coupon, UserCoupon
from quanzi.stores.services import role_in


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
