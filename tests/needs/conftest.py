"""Fixtures of the needs tests: a store with its people (owner, staff with and without the
insights and customers rights), a customer, another store, the store's circle, an interest
circle and the other store's circle; helpers that write through the real services and run
what the commit sends (`say`, `analyse`).

- `world`: the people, stores, circles and products;
- `say(user, circle, text, reply_to=None)`: a chat message, its on-commit receivers run;
- `analyse()`: the worker's analysis of everything pending (what the queued task runs);
- `item(store, author, text, at=..., **fields)`: a TextItem written directly (known weeks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, Message
from quanzi.circles.services import chat
from quanzi.circles.services import membership as circles
from quanzi.core.ids import new_id
from quanzi.needs import tasks
from quanzi.needs.models import Source, TextItem
from quanzi.needs.services.analysis import analyse_pending
from quanzi.needs.text.base import get_model
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner


@dataclass
class World:
    owner: User
    insights_staff: User  # sees the insights, not the customers
    customers_staff: User  # sees both
    plain_staff: User  # neither
    customer: User
    customer2: User
    other_owner: User
    store: Store
    other_store: Store
    product: Product
    other_product: Product
    circle: Circle  # the store's own circle
    interest: Circle  # an interest circle (no store)
    other_circle: Circle  # the other store's circle


@pytest.fixture(autouse=True)
def _fresh_model() -> Iterator[None]:
    """Each test starts with the configured model and an unthrottled task queue."""
    get_model.cache_clear()
    tasks._last_queued[0] = -1e9
    yield
    get_model.cache_clear()


def _staff(store: Store, user: User, **rights: bool) -> User:
    StoreStaff.objects.create(store=store, user=user, role=StaffRole.STAFF, **rights)
    return user


def _circle(owner: User, name: str, store: Store | None) -> Circle:
    return circles.create_circle(
        owner, circles.CircleInput(name=name, store_id=store.pk if store else None)
    )


@pytest.fixture
def world(db: None) -> World:
    owner = UserFactory(nickname="店主阿梅")
    store = store_with_owner(owner, name="阿梅的咖啡小店")
    other_owner = UserFactory(nickname="隔壁店主")
    other_store = store_with_owner(other_owner, name="隔壁茶铺")
    product = ProductFactory(store=store, title="冷萃咖啡")
    SkuFactory(product=product)
    other_product = ProductFactory(store=other_store, title="乌龙茶")
    SkuFactory(product=other_product)
    customer = UserFactory(nickname="小王")
    customer2 = UserFactory(nickname="小李")
    interest_owner = UserFactory(nickname="咖啡爱好者")
    w = World(
        owner=owner,
        insights_staff=_staff(store, UserFactory(nickname="运营"), sees_insights=True),
        customers_staff=_staff(
            store, UserFactory(nickname="客服主管"), sees_insights=True, sees_customers=True
        ),
        plain_staff=_staff(store, UserFactory(nickname="仓库")),
        customer=customer,
        customer2=customer2,
        other_owner=other_owner,
        store=store,
        other_store=other_store,
        product=product,
        other_product=other_product,
        circle=_circle(owner, "阿梅咖啡圈", store),
        interest=_circle(interest_owner, "手冲交流", None),
        other_circle=_circle(other_owner, "隔壁茶友", other_store),
    )
    for c in (w.circle, w.interest, w.other_circle):
        for person in (customer, customer2):
            circles.join_by_code(person, c.invite_code)
    return w


Say = Callable[..., Message]


@pytest.fixture
def say(django_capture_on_commit_callbacks: Any) -> Say:
    def send(user: User, circle: Circle, text: str, reply_to: Message | None = None) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return chat.send_message(
                user,
                circle.pk,
                kind="text",
                text=text,
                client_id=new_id(),
                reply_to_id=reply_to.pk if reply_to else None,
            )

    return send


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """`commit(fn, *args)`: call fn and run what its commit sends."""

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def analyse() -> Callable[[], int]:
    return analyse_pending


def make_item(
    store: Store,
    author: User,
    text: str,
    *,
    at: datetime | None = None,
    source: str = Source.CHAT,
    circle: Circle | None = None,
    product: Product | None = None,
    source_id: str | None = None,
) -> TextItem:
    return TextItem.objects.create(
        store=store,
        author=author,
        text=text,
        written_at=at or timezone.now(),
        source=source,
        source_id=source_id or new_id(),
        circle=circle,
        product=product,
    )
