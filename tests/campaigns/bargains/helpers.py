"""Building blocks for bargaining tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import BargainCampaign
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner


def a_campaign(owner: User | None = None, **fields: Any) -> BargainCampaign:
    """A running campaign: ¥59.00 down to ¥9.90 with 3 helpers, 24 h, 1 help per person."""
    owner = owner or UserFactory()
    store = store_with_owner(owner, name="山野小铺")
    sku = SkuFactory(product=ProductFactory(store=store, title="云南小粒咖啡豆"), stock=20)
    now = timezone.now()
    terms: dict[str, Any] = {
        "sku_id": sku.pk,
        "title": "砍到9.9元",
        "start_price": 5900,
        "floor_price": 990,
        "helpers_needed": 3,
        "hours": 24,
        "allow_above_floor": False,
        "max_helps_per_user": 1,
        "spread_percent": 50,
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=7),
    }
    return services.create_campaign(owner, store.pk, services.BargainInput(**(terms | fields)))
