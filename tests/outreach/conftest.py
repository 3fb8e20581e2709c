"""Fixtures of the outreach tests: the orders' shop (owner, staff without the customers right,
buyers, SKUs), the store's circle run by the owner with members, a segment of that circle's
members, a coupon the store can give, and helpers for orders paid and refunded through the
real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import time_machine

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, Membership, MemberState, Role
from quanzi.coupons.models import Coupon, CouponKind, Validity
from quanzi.customers.models import Segment
from quanzi.orders.models import Order
from quanzi.orders.services.aftersales import approve_after_sale, request_after_sale
from quanzi.orders.services.checkout import place_orders
from quanzi.outreach.models import Channel, Outreach
from quanzi.outreach.services.sending import OutreachInput, create_outreach
from tests.factories import AddressFactory, UserFactory
from tests.orders.conftest import Shop, pay_through_sandbox, shop  # noqa: F401


@dataclass
class Reach:
    shop: Shop
    circle: Circle
    members: list[User]
    segment: Segment
    coupon: Coupon

    @property
    def store_id(self) -> str:
        return self.shop.store.pk

    @property
    def owner(self) -> User:
        return self.shop.owner


def join(circle: Circle, user: User, **kw: Any) -> Membership:
    return Membership.objects.create(circle=circle, user=user, state=MemberState.ACTIVE, **kw)


@pytest.fixture
def reach(shop: Shop) -> Reach:  # noqa: F811
    circle = Circle.objects.create(
        name="山野咖啡圈",
        store=shop.store,
        owner=shop.owner,
        invite_code="reach1",
        commercial_share_percent=100,
    )
    join(circle, shop.owner, role=Role.OWNER)  # runs it, but is no customer of the store
    members = [UserFactory(username=f"m{i:02d}") for i in range(20)]
    for person in members:
        join(circle, person)
    segment = Segment.objects.create(
        store=shop.store,
        name="圈里的人",
        definition={"kind": "circle", "circle": circle.pk},
        created_by=shop.owner,
    )
    coupon = Coupon.objects.create(
        store=shop.store,
        name="满59减10",
        kind=CouponKind.FIXED,
        amount_off=1000,
        validity=Validity.DAYS,
        valid_days=7,
        total=100,
        per_user_limit=1,
        claimable=False,
    )
    return Reach(shop=shop, circle=circle, members=members, segment=segment, coupon=coupon)


@pytest.fixture
def draft(reach: Reach) -> Callable[..., Outreach]:
    """`draft(channel=..., **fields)`: a draft outreach of the owner to the circle's segment."""

    def make(channel: str = Channel.COUPON, **fields: Any) -> Outreach:
        given: dict[str, Any] = {
            "name": "回访",
            "segment_id": reach.segment.pk,
            "channel": channel,
        }
        if channel == Channel.COUPON:
            given["coupon_id"] = reach.coupon.pk
        elif channel == Channel.ANNOUNCEMENT:
            given.update(circle_id=reach.circle.pk, title="新豆到了", body="云南小粒, 本周上新")
        else:
            given.update(text="新豆到了, 来看看", link="/stores/")
        given.update(fields)
        return create_outreach(reach.owner, reach.store_id, OutreachInput(**given))

    return make


def paid_order(shop: Shop, buyer: User, at: datetime, oncommit: Any, quantity: int = 1) -> Order:  # noqa: F811
    with time_machine.travel(at, tick=False):
        address = buyer.addresses.first() or AddressFactory(user=buyer)
        order = place_orders(buyer, [(shop.sku.pk, quantity)], address.pk)[0]
        return pay_through_sandbox(order, oncommit)


def refund(shop: Shop, order: Order, amount: int, oncommit: Any) -> Order:  # noqa: F811
    with oncommit(execute=True):
        after = request_after_sale(
            order.buyer, order.pk, kind="refund_only", amount=amount, reason="不想要了"
        )
        approve_after_sale(shop.owner, order.pk, after.pk)
    order.refresh_from_db()
    assert order.refunded_amount == amount
    return order
