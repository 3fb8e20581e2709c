"""Fixtures of the order tests: a store with owner and staff, a buyer with a default address,
SKUs on sale, and helpers that move an order along its states through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from quanzi.accounts.models import Address, User
from quanzi.catalog.models import Sku
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import place_orders
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.transitions import confirm_receipt, ship_order
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)


@dataclass
class Shop:
    store: Store
    owner: User
    staff: User
    buyer: User
    address: Address
    other: User  # another customer, with an address of their own
    other_address: Address
    sku: Sku  # ¥59.00, 10 in stock
    sku2: Sku  # ¥20.00, 10 in stock, same store


@pytest.fixture
def shop(db: None) -> Shop:
    owner = UserFactory(username="owner")
    store = store_with_owner(owner, name="山野小铺", shipping_fee=800, free_shipping_threshold=9900)
    staff = UserFactory(username="staffer")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    buyer = UserFactory(username="buyer")
    other = UserFactory(username="other")
    product = ProductFactory(store=store, title="云南小粒咖啡豆")
    tea = ProductFactory(store=store, title="普洱茶饼")
    return Shop(
        store=store,
        owner=owner,
        staff=staff,
        buyer=buyer,
        address=AddressFactory(user=buyer),
        other=other,
        other_address=AddressFactory(user=other, recipient="李四"),
        sku=SkuFactory(product=product, price=5900, stock=10),
        sku2=SkuFactory(product=tea, price=2000, stock=10),
    )


def pay(order: Order, payment_id: str = "pay_test_0000001") -> Order:
    """The payment provider captured the order's payment (what payments' webhook calls)."""
    assert on_payment_captured(order.pk, payment_id) is True
    order.refresh_from_db()
    return order


def place(shop: Shop, quantity: int = 1, sku: Sku | None = None) -> Order:
    return place_orders(shop.buyer, [((sku or shop.sku).pk, quantity)], shop.address.pk)[0]


def shipped(shop: Shop, quantity: int = 1) -> Order:
    order = pay(place(shop, quantity))
    return ship_order(shop.staff, order.pk, "顺丰速运", "SF1234567890123")


def received(shop: Shop, quantity: int = 1) -> Order:
    order = shipped(shop, quantity)
    return confirm_receipt(shop.buyer, order.pk)


@pytest.fixture
def make_order() -> Callable[..., Order]:
    """`make_order(shop, "shipped")` places an order and moves it to that state."""
    steps: dict[str, Callable[..., Order]] = {
        "pending_payment": place,
        "paid": lambda s, **kw: pay(place(s, **kw)),
        "shipped": shipped,
        "received": received,
    }

    def make(shop: Shop, state: str = "pending_payment", **kw: Any) -> Order:
        return steps[state](shop, **kw)

    return make


def stock_of(sku: Sku) -> int:
    sku.refresh_from_db(fields=["stock"])
    return sku.stock


def pay_through_sandbox(order: Order, django_capture_on_commit_callbacks: Any) -> Order:
    """Pay for real: start the payment, the buyer confirms on the sandbox page, the signed
    webhook is delivered in-process and calls `on_payment_captured`."""
    from quanzi.orders.services.paying import start_payment
    from quanzi.payments.providers.sandbox import confirm_charge

    with django_capture_on_commit_callbacks(execute=True):
        payment = start_payment(order.buyer, [order])
        confirm_charge(order.buyer, payment.provider_ref)
    order.refresh_from_db()
    assert order.status == "paid", order.status
    return order
