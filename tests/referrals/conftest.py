"""Fixtures of the referral tests: a store with a product on sale, a sharer and a buyer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.stores.models import Store
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)


@dataclass
class Scene:
    store: Store
    product: Product
    sku: Sku
    sharer: User
    buyer: User


@pytest.fixture
def scene(db: None) -> Scene:
    store = store_with_owner(name="山野小铺")
    product = ProductFactory(store=store, title="云南小粒咖啡豆 手冲中深烘焙 新鲜烘焙 二百五十克装")
    buyer = UserFactory(username="buyer", nickname="小美")
    AddressFactory(user=buyer)
    return Scene(
        store=store,
        product=product,
        sku=SkuFactory(product=product, price=5900, stock=50),
        sharer=UserFactory(username="sharer", nickname="阿强"),
        buyer=buyer,
    )
