"""Helpers of the cascade tests: a store with its owner, a staff member who may not see the
insights, a customer, and writers of share links, visits and attributed orders."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.models import Attribution, ShareLink, TargetKind, Visit
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import ProductFactory, UserFactory, store_with_owner


@dataclass
class Merchant:
    store: Store
    owner: User
    staff: User  # StoreStaff.sees_insights False
    customer: User
    product: Product


def make_merchant() -> Merchant:
    owner = UserFactory(username="owner", nickname="店主")
    store = store_with_owner(owner, name="山野小铺")
    staff = UserFactory(username="staffer")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    return Merchant(
        store=store,
        owner=owner,
        staff=staff,
        customer=UserFactory(username="customer"),
        product=ProductFactory(store=store, title="云南小粒咖啡豆"),
    )


def link(
    sharer: User,
    target_id: str,
    parent: ShareLink | None = None,
    kind: str = TargetKind.PRODUCT,
    at: datetime | None = None,
) -> ShareLink:
    """A share link (created `at`, now by default)."""
    made = ShareLink.objects.create(
        code=secrets.token_urlsafe(6), sharer=sharer, kind=kind, target_id=target_id, parent=parent
    )
    if at is not None:
        ShareLink.objects.filter(pk=made.pk).update(created_at=at)
        made.created_at = at
    return made


def visit(through: ShareLink, visitor: User | None = None, session: str = "") -> Visit:
    return Visit.objects.create(
        link=through, visitor=visitor, session_key=session or secrets.token_hex(8)
    )


def order(
    store: Store,
    buyer: User,
    total: int,
    *,
    through: ShareLink | None = None,
    refunded: int = 0,
    status: str = OrderStatus.PAID,
    paid: bool = True,
    paid_at: datetime | None = None,
) -> Order:
    """An order of `store` (paid unless told), attributed to `through` when given."""
    now = timezone.now()
    made = Order.objects.create(
        buyer=buyer,
        store=store,
        status=status,
        subtotal=total,
        total=total,
        refunded_amount=refunded,
        address={"recipient": "张三"},
        pay_deadline=now + timedelta(minutes=30),
        paid_at=(paid_at or now) if paid else None,
    )
    if through is not None:
        Attribution.objects.create(order=made, link=through, sharer_id=through.sharer_id)
    return made
