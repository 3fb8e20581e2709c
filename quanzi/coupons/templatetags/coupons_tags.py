"""Coupon pieces for other domains' pages: `{% load coupons_tags %}`.

- `{% store_coupons store_id %}`: the store's claimable coupons with 领取 buttons (product page);
- filters `coupon_value`, `coupon_condition`, `coupon_validity`, `copy_validity`, `copy_state`.

A circle's coupons and the coupon an announcement carries are circles' tags
(`{% load circles_coupons %}`), which show the same claimable coupon (`coupons/_offer.html`).
"""

from __future__ import annotations

from typing import Any

from django import template

from quanzi.coupons import coupons, labels
from quanzi.coupons.models import UserCoupon

register = template.Library()

register.filter("coupon_value", labels.value_label)
register.filter("coupon_condition", labels.condition_label)
register.filter("coupon_validity", labels.validity_label)
register.filter("copy_validity", labels.copy_validity_label)


@register.filter
def copy_state(copy: UserCoupon) -> str:
    """unused / used / returned / expired."""
    return coupons.state_of(copy)


def page_context(context: template.Context) -> dict[str, Any]:
    """What a claimable coupon (`coupons/_offer.html`) needs of the page: the request, the
    viewer and the CSRF token."""
    return {
        "request": context.get("request"),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("coupons/_offers.html", takes_context=True)
def store_coupons(context: template.Context, store_id: str) -> dict[str, Any]:
    return {"offers": coupons.offers(store_id, context.get("user")), **page_context(context)}
