"""Coupon pieces for other domains' pages: `{% load campaigns_coupons %}`.

- `{% store_coupons store_id %}`: the store's claimable coupons with 领取 buttons (product page);
- `{% circle_coupons circle %}`: a store circle's join cashback and claimable coupons;
- `{% announcement_coupon announcement circle is_admin %}`: the coupon an announcement carries
  (and, for admins who work for the store, the form to choose it);
- filters `coupon_value`, `coupon_condition`, `coupon_validity`, `copy_validity`, `copy_state`.

The announcement tag loads the circle's coupons once per request, whatever the number of
announcements on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import template
from django.http import HttpRequest

from quanzi.campaigns import coupons, labels
from quanzi.campaigns.models import Coupon, UserCoupon
from quanzi.circles.models import Announcement, Circle
from quanzi.stores.services import role_in

register = template.Library()
T = TypeVar("T")

register.filter("coupon_value", labels.value_label)
register.filter("coupon_condition", labels.condition_label)
register.filter("coupon_validity", labels.validity_label)
register.filter("copy_validity", labels.copy_validity_label)


@register.filter
def copy_state(copy: UserCoupon) -> str:
    """unused / used / returned / expired."""
    return coupons.state_of(copy)


def _per_request(context: template.Context, key: str, load: Callable[[], T]) -> T:
    request: HttpRequest | None = context.get("request")
    cache: dict[str, Any] = getattr(request, "_campaigns_cache", {}) if request else {}
    if request is not None:
        request._campaigns_cache = cache  # type: ignore[attr-defined]
    if key not in cache:
        cache[key] = load()
    value: T = cache[key]
    return value


def _viewer(context: template.Context) -> Any:
    return context.get("user")


def _page(context: template.Context) -> dict[str, Any]:
    """What the pieces need of the page: the request, the viewer and the CSRF token."""
    return {
        "request": context.get("request"),
        "user": _viewer(context),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("campaigns/_offers.html", takes_context=True)
def store_coupons(context: template.Context, store_id: str) -> dict[str, Any]:
    return {"offers": coupons.offers(store_id, _viewer(context)), **_page(context)}


@register.inclusion_tag("campaigns/_circle_coupons.html", takes_context=True)
def circle_coupons(
    context: template.Context, circle: Circle, membership: Any = None
) -> dict[str, Any]:
    user = _viewer(context)
    if circle.store_id is None:
        return {"circle": circle}
    return {
        "circle": circle,
        "membership": membership,
        "join_cashback": coupons.join_cashback_offer(circle.store_id),
        "received": coupons.join_cashback_received(circle.store_id, user),
        "offers": coupons.offers(circle.store_id, user),
        **_page(context),
    }


@register.inclusion_tag("campaigns/_announcement_coupon.html", takes_context=True)
def announcement_coupon(
    context: template.Context, announcement: Announcement, circle: Circle, is_admin: bool
) -> dict[str, Any]:
    store_id, store = circle.store_id, circle.store
    if store_id is None or store is None:
        return {}
    user = _viewer(context)
    attached: dict[str, Coupon] = _per_request(
        context, f"links:{circle.pk}", lambda: coupons.announcement_coupons(circle)
    )
    coupon = attached.get(announcement.pk)
    offer = None
    if coupon is not None:
        held: dict[str, int] = _per_request(
            context,
            f"held:{circle.pk}",
            lambda: coupons.held_counts(list(attached.values()), user),
        )
        offer = coupons.Offer(coupon, held.get(coupon.pk, 0))
    choices: list[coupons.Offer] = []
    if is_admin and _per_request(
        context, f"staff:{store_id}", lambda: role_in(user, store) is not None
    ):
        choices = _per_request(
            context, f"offers:{store_id}", lambda: coupons.offers(store_id, None)
        )
    return {
        "announcement": announcement,
        "circle": circle,
        "offer": offer,
        "choices": choices,
        **_page(context),
    }
