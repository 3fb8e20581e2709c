from __future__ import annotations

import pytest

from quanzi.catalog.models import Product
from quanzi.catalog.services import (
    ProductInput,
    SkuInput,
    Spec,
    combinations,
    create_product,
    set_shelf,
)
from tests.stores.roles import Cast, make_cast

COLOURS_SIZES = [Spec("颜色", ("红", "蓝")), Spec("尺码", ("S", "M"))]


def matrix_input(
    title: str = "纯棉T恤", price: int = 5900, stock: int = 10, **fields: object
) -> ProductInput:
    """A product with 颜色 × 尺码 (2 × 2 SKUs), each SKU with its own price and code."""
    skus = [
        SkuInput(spec_values=combo, price=price + 100 * i, stock=stock, code=f"TS-{i}")
        for i, combo in enumerate(combinations(COLOURS_SIZES))
    ]
    return ProductInput(title=title, specs=list(COLOURS_SIZES), skus=skus, **fields)  # type: ignore[arg-type]


def simple_input(title: str, price: int = 5900, stock: int = 10, **fields: object) -> ProductInput:
    """A product without specs: one SKU."""
    return ProductInput(
        title=title, skus=[SkuInput(spec_values={}, price=price, stock=stock)], **fields
    )  # type: ignore[arg-type]


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def product(cast: Cast) -> Product:
    """A 2 × 2 SKU product of the cast's store, on the shelf."""
    made = create_product(cast.owner, cast.store.pk, matrix_input())
    return set_shelf(cast.owner, made.pk, True)


@pytest.fixture
def hidden_product(cast: Cast) -> Product:
    """A product of the cast's store that is off the shelf."""
    return create_product(cast.owner, cast.store.pk, simple_input("未上架的新品"))
