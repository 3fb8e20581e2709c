"""A store circle's coupons on circles' pages: `{% load circles_coupons %}`.

- `{% circle_coupons circle membership %}`: the store's join cashback and claimable coupons;
- `{% announcement_coupon announcement circle is_admin %}`: the coupon an announcement carries
  (and, for admins who work for the store, the form to choose it).

The announcement tag loads the circle's coupons once per request, whatever the number of
announcements on the page. Each coupon shows as coupons' claimable coupon (`coupons/_offer.html`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import template
from django.http import HttpRequest

from quanzi.circles.models import Announcement, Circle
from quanzi.circles.services.coupons import announcement_coupons
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon
from quanzi.coupons.templatetags.coupons_tags import page_context
from quanzi.stores.services import role_in

register = template.Library()
T = TypeVar("T")


def _per_request(context: template.Context, key: str, load: Callable[[], T]) -> T:
    request: HttpRequest | None = context.get("request")
    cache: dict[str, Any] = getattr(request, "_coupons_cache", {}) if request else {}
    if request is not None:
        request._coupons_cache = cache  # type: ignore[attr-defined]
    if key not in cache:
        cache[key] = load()
    value: T = cache[key]
    return value


@register.inclusion_tag("circles/coupons_circle.html", takes_context=True)
def circle_coupons(
    context: template.Context, circle: Circle, membership: Any = None
) -> dict[str, Any]:
    user = context.get("user")
    if circle.store_id is None:
        return {"circle": circle}
    return {
        "circle": circle,
        "membership": membership,
        "join_cashback": coupons.join_cashback_offer(circle.store_id),
        "received": coupons.join_cashback_received(circle.store_id, user),
        "offers": coupons.offers(circle.store_id, user),
        **page_context(context),
    }


@register.inclusion_tag("circles/coupons_announcement.html", takes_context=True)
def announcement_coupon(
    context: template.Context, announcement: Announcement, circle: Circle, is_admin: bool
) -> dict[str, Any]:
    store_id, store = circle.store_id, circle.store
    if store_id is None or store is None:
        return {}
    user = context.get("user")
    attached: dict[str, Coupon] = _per_request(
        context, f"links:{circle.pk}", lambda: announcement_coupons(circle)
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
        **page_context(context),
    }
