"""Fixtures of the coupon tests: the order tests' shop (a store with owner and staff, a buyer
and another customer with addresses, two SKUs: ¥59 and ¥20, shipping ¥8, free from ¥99),
coupons made through the services, and counts of every row a checkout or a claim writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, UserCoupon
from quanzi.orders.models import Order, OrderItem
from tests.orders.conftest import Shop, shop  # noqa: F401  (the `shop` fixture)

MakeCoupon = Callable[..., Coupon]

# 满 50 减 10, valid 7 days after it is received, 100 copies, one per person.
DEFAULTS: dict[str, Any] = {
    "name": "满50减10",
    "kind": "threshold",
    "amount_off": 1000,
    "min_spend": 5000,
    "validity": "days",
    "valid_days": 7,
    "total": 100,
    "per_user_limit": 1,
}


@pytest.fixture
def make_coupon(shop: Shop) -> MakeCoupon:  # noqa: F811
    """`make_coupon(**fields)`: a coupon of the shop, created by its owner."""

    def make(**fields: Any) -> Coupon:
        return coupons.create_coupon(
            shop.owner, shop.store.pk, coupons.CouponFields(**(DEFAULTS | fields))
        )

    return make


def claim(user: User, coupon: Coupon) -> UserCoupon:
    return coupons.claim_coupon(user, coupon.pk)


def later(**delta: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)


def written() -> dict[str, int]:
    """Counts of the rows checkouts and claims write, to assert nothing half-written."""
    return {
        "orders": Order.objects.count(),
        "items": OrderItem.objects.count(),
        "copies": UserCoupon.objects.count(),
        "used": UserCoupon.objects.filter(status="used").count(),
        "issued": sum(Coupon.objects.values_list("issued", flat=True)),
    }
