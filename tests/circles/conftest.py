"""Shared circle fixtures (found by pytest for every test under tests/circles).

- `store_owner`, `shop` (their store), `product` (on shelf, two SKUs in stock);
- `store_circle`: the shop's open circle, owned by `store_owner`, with `circle_admin` (admin)
  and `circle_member` (member); `interest_circle`: an open circle of `interest_owner`, no store;
- `stranger`: logged in, in no circle; anonymous clients are `api()` and `page()`;
- `make_circle(owner, ...)`, `add_member(circle, user, role)` to build more;
- `roles`: {"owner", "admin", "member", "stranger", "anonymous"} → user (None for anonymous)
  of `store_circle`, for role × action matrices;
- `page(user)`: a browser-like client logged in as `user` (None: anonymous).
Circles are built through the services, so counts and memberships are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, Membership, Role
from quanzi.circles.services import membership as services
from quanzi.stores.models import Store
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner

MakeCircle = Callable[..., Circle]
AddMember = Callable[..., Membership]


@pytest.fixture
def store_owner(db: None) -> User:
    return UserFactory(nickname="店主阿梅")


@pytest.fixture
def shop(store_owner: User) -> Store:
    return store_with_owner(store_owner, name="阿梅的咖啡小店")


@pytest.fixture
def product(shop: Store) -> Product:
    product = ProductFactory(store=shop, title="云南小粒咖啡豆", on_shelf=True, min_price=5900)
    SkuFactory(product=product, price=5900, stock=10, spec_values={"规格": "250g"})
    SkuFactory(product=product, price=9900, stock=5, spec_values={"规格": "500g"})
    return product


@pytest.fixture
def make_circle(db: None) -> MakeCircle:
    """`make_circle(owner, name=..., store=..., join_policy=..., **settings)`."""

    def make(
        owner: User, *, name: str = "咖啡爱好者", store: Store | None = None, **fields: Any
    ) -> Circle:
        return services.create_circle(
            owner,
            services.CircleInput(name=name, store_id=store.pk if store else None, **fields),
        )

    return make


@pytest.fixture
def add_member(db: None) -> AddMember:
    """`add_member(circle, user, role="member")`: joins through the services (any policy)."""

    def add(circle: Circle, user: User, role: str = Role.MEMBER) -> Membership:
        services.join_by_code(user, circle.invite_code)
        if circle.join_policy == "approval":
            request = circle.join_requests.get(user=user, state="pending")
            services.decide_join_request(circle.owner, circle.pk, request.pk, approve=True)
        if role == Role.ADMIN:
            services.set_admin(circle.owner, circle.pk, user.public_id, admin=True)
        return Membership.objects.get(circle=circle, user=user)

    return add


@pytest.fixture
def store_circle(make_circle: MakeCircle, store_owner: User, shop: Store) -> Circle:
    return make_circle(
        store_owner, name="阿梅咖啡圈", store=shop, description="每周新豆", rules="友善交流"
    )


@pytest.fixture
def interest_owner(db: None) -> User:
    return UserFactory(nickname="跑步的老王")


@pytest.fixture
def interest_circle(make_circle: MakeCircle, interest_owner: User) -> Circle:
    return make_circle(interest_owner, name="晨跑小队", description="每天六点")


@pytest.fixture
def circle_admin(store_circle: Circle, add_member: AddMember) -> User:
    user = UserFactory(nickname="管理员小李")
    add_member(store_circle, user, Role.ADMIN)
    return user


@pytest.fixture
def circle_member(store_circle: Circle, add_member: AddMember) -> User:
    user = UserFactory(nickname="会员小张")
    add_member(store_circle, user)
    return user


@pytest.fixture
def stranger(db: None) -> User:
    return UserFactory(nickname="路人")


@pytest.fixture
def roles(
    store_owner: User, circle_admin: User, circle_member: User, stranger: User
) -> dict[str, User | None]:
    return {
        "owner": store_owner,
        "admin": circle_admin,
        "member": circle_member,
        "stranger": stranger,
        "anonymous": None,
    }


@pytest.fixture
def page() -> Callable[[User | None], Client]:
    """`page(user)`: a Django test client logged in as `user` (English pages)."""

    def make(user: User | None = None) -> Client:
        client = Client(headers={"Accept-Language": "en"})
        if user is not None:
            client.force_login(user)
        return client

    return make
