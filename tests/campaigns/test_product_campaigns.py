"""The product page leads to the product's live group buy and bargain, and to nothing that has
ended or not begun."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.groupbuy.models import GroupCampaign, GroupPrice
from tests.factories import SkuFactory

pytestmark = pytest.mark.django_db


def test_the_product_page_links_live_group_buys_and_bargains_only():
    # given a ¥59 product with a 3-person group buy at ¥39 and a bargain down to ¥9.90
    sku = SkuFactory(price=5900)
    product, now = sku.product, timezone.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=1)}
    group = GroupCampaign.objects.create(
        store=product.store, product=product, team_size=3, **window
    )
    GroupPrice.objects.create(campaign=group, sku=sku, price=3900)
    bargain = BargainCampaign.objects.create(
        store=product.store,
        sku=sku,
        title="砍到底",
        start_price=5900,
        floor_price=990,
        helpers_needed=3,
        hours=24,
        max_helps_per_user=3,
        **window,
    )
    page = Client(headers={"accept-language": "en"}).get(f"/products/{product.pk}/")
    html = page.content.decode()
    # then both are offered with their true prices
    assert f"/groupbuy/c/{group.pk}/" in html and "3-person group buy from ¥39.00" in html
    assert f"/bargains/c/{bargain.pk}/" in html and "down to ¥9.90" in html
    # when both have ended, the page offers neither
    GroupCampaign.objects.update(ends_at=now - timedelta(minutes=1))
    BargainCampaign.objects.update(ends_at=now - timedelta(minutes=1))
    html = Client().get(f"/products/{product.pk}/").content.decode()
    assert 'data-testid="product-campaigns"' not in html
