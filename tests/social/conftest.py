"""Shared fixtures of the social tests (graph and feed; the notes area keeps its own helpers in
conftest_notes.py): people, follows, friendships, a store with a product and paid orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.orders.models import Order, OrderItem, OrderStatus
from quanzi.social.models import Follow, Note, PrivacySettings
from quanzi.stores.models import Store
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner


def follow(a: User, b: User) -> None:
    """`a` follows `b` (straight in the database)."""
    Follow.objects.get_or_create(follower=a, followee=b)


def befriend(a: User, b: User) -> None:
    """Mutual follows: `a` and `b` are friends."""
    follow(a, b)
    follow(b, a)


def share_purchases(user: User, on: bool = True) -> None:
    PrivacySettings.objects.update_or_create(user=user, defaults={"share_purchases": on})


def paid_order(buyer: User, sku: Sku, paid_at: datetime | None = None) -> Order:
    """A paid order of one item of `sku` (built with the ORM)."""
    when = paid_at or timezone.now()
    order = Order.objects.create(
        buyer=buyer,
        store=sku.product.store,
        status=OrderStatus.PAID,
        subtotal=sku.price,
        total=sku.price,
        address={"recipient": "张三", "phone": "13912345678", "detail": "翠湖路 1 号"},
        pay_deadline=when + timedelta(minutes=30),
        paid_at=when,
    )
    OrderItem.objects.create(
        order=order,
        sku=sku,
        product=sku.product,
        title=sku.product.title,
        unit_price=sku.price,
        quantity=1,
    )
    return order


@pytest.fixture
def make_person(db: None) -> Callable[..., User]:
    def make(nickname: str = "", **kwargs: object) -> User:
        return UserFactory(**({"nickname": nickname} if nickname else {}), **kwargs)

    return make


@pytest.fixture
def alice(make_person: Callable[..., User]) -> User:
    return make_person("阿丽")


@pytest.fixture
def bob(make_person: Callable[..., User]) -> User:
    return make_person("小美")


@pytest.fixture
def carol(make_person: Callable[..., User]) -> User:
    return make_person("卡罗")


@pytest.fixture
def coffee_store(db: None) -> Store:
    return store_with_owner(name="云南咖啡馆")


@pytest.fixture
def coffee(coffee_store: Store) -> Product:
    return ProductFactory(store=coffee_store, title="云南小粒咖啡豆")


@pytest.fixture
def coffee_sku(coffee: Product) -> Sku:
    return SkuFactory(product=coffee, price=5900)


@pytest.fixture
def write_note() -> Callable[..., Note]:
    """A published note (straight in the database), by a person or in a store's name."""

    def write(author: User, title: str = "今天的咖啡", store: Store | None = None) -> Note:
        return Note.objects.create(author=author, store=store, title=title)

    return write
