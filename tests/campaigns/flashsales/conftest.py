"""Fixtures of the flash-sale tests: the order tests' shop, a slot maker, and the Redis switch.

Tests run the database path (REDIS_URL off) unless marked `redis`; those use REDIS_URL with a
key prefix of their own, removed afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.campaigns.flashsales import fast, services
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.catalog.models import Sku
from tests.orders.conftest import Shop, shop  # noqa: F401  (the `shop` fixture)

MakeSale = Callable[..., FlashSale]


@pytest.fixture(autouse=True)
def flash_redis(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """REDIS_URL for `redis` tests (with a fresh key prefix), empty for the others."""
    if request.node.get_closest_marker("redis") is None:
        settings.REDIS_URL = ""
        yield ""
        return
    settings.REDIS_URL = os.environ["REDIS_URL"]
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    settings.FLASHSALES_REDIS_PREFIX = prefix
    yield prefix
    client = fast.client()
    stale = list(client.scan_iter(match=f"{prefix}*"))
    if stale:
        client.delete(*stale)


@pytest.fixture
def make_sale(shop: Shop) -> MakeSale:  # noqa: F811
    """`make_sale(sku=None, **fields)`: a running slot of the shop's ¥59 SKU (or `sku`) at
    ¥9.90 (10 units, 1 per person), created by the owner."""

    def make(sku: Sku | None = None, **fields: Any) -> FlashSale:
        now = timezone.now()
        data: dict[str, Any] = {
            "flash_price": 990,
            "stock": 10,
            "per_user_limit": 1,
            "starts_at": now - timedelta(minutes=1),
            "ends_at": now + timedelta(hours=1),
            **fields,
        }
        sku_id = (sku or shop.sku).pk
        return services.create_flash_sale(
            shop.owner, shop.store.pk, services.FlashSaleFields(sku_id=sku_id, **data)
        )

    return make
