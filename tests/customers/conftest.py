"""Fixtures of the customers tests: a store with owner, staff (with and without the customers
right), its circle, products in two categories, and `buy(...)` to give someone a paid order
with a known amount and date without going through checkout (the event tests go through the
real order flow)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Category, Product, Sku
from quanzi.circles.models import Circle, Membership, MemberState
from quanzi.orders.models import Order, OrderItem, OrderStatus
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import ProductFactory, SkuFactory, StoreFactory, UserFactory, store_with_owner


@dataclass
class Crm:
    store: Store
    owner: User
    staff: User  # with the customers right
    clerk: User  # staff without it
    circle: Circle
    coffee: Product  # in category 咖啡
    tea: Product  # in category 茶
    coffee_sku: Sku
    tea_sku: Sku
    coffee_cat: Category
    tea_cat: Category


@pytest.fixture
def crm(db: None) -> Crm:
    owner = UserFactory(username="owner", nickname="店主")
    store = store_with_owner(owner, name="山野小铺")
    staff = UserFactory(username="staff")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF, sees_customers=True)
    clerk = UserFactory(username="clerk")
    StoreStaff.objects.create(store=store, user=clerk, role=StaffRole.STAFF)
    coffee_cat = Category.objects.create(name="咖啡")
    tea_cat = Category.objects.create(name="茶")
    coffee = ProductFactory(store=store, title="云南小粒咖啡豆", category=coffee_cat)
    tea = ProductFactory(store=store, title="普洱茶饼", category=tea_cat)
    circle = Circle.objects.create(name="山野咖啡圈", store=store, owner=owner, invite_code="crm1")
    return Crm(
        store=store,
        owner=owner,
        staff=staff,
        clerk=clerk,
        circle=circle,
        coffee=coffee,
        tea=tea,
        coffee_sku=SkuFactory(product=coffee, price=5900),
        tea_sku=SkuFactory(product=tea, price=2000),
        coffee_cat=coffee_cat,
        tea_cat=tea_cat,
    )


Buy = Callable[..., Order]


@pytest.fixture
def buy(crm: Crm) -> Buy:
    """`buy(user, total=5900, days_ago=1, sku=None, store=None, refunded=0)`: a paid order."""

    def make(
        user: User,
        total: int = 5900,
        *,
        days_ago: float = 1,
        sku: Sku | None = None,
        store: Store | None = None,
        refunded: int = 0,
        status: str = OrderStatus.PAID,
    ) -> Order:
        paid_at: datetime = timezone.now() - timedelta(days=days_ago)
        sku = sku or crm.coffee_sku
        order = Order.objects.create(
            buyer=user,
            store=store or crm.store,
            status=status,
            subtotal=total,
            total=total,
            refunded_amount=refunded,
            pay_deadline=paid_at,
            paid_at=paid_at,
            address={},
        )
        OrderItem.objects.create(
            order=order,
            sku=sku,
            product=sku.product,
            title=sku.product.title,
            unit_price=total,
            quantity=1,
        )
        return order

    return make


@pytest.fixture
def join(crm: Crm) -> Callable[..., Membership]:
    def make(user: User, circle: Circle | None = None, **fields: Any) -> Membership:
        return Membership.objects.create(
            circle=circle or crm.circle, user=user, state=MemberState.ACTIVE, **fields
        )

    return make


@pytest.fixture
def other_store(db: None) -> Store:
    return StoreFactory(name="别人的店")
