"""The demo's campaigns are live: its group buy, bargain and flash sale are offered on their
products' pages, the bargain under an honest title."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.demo.data import load_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_campaigns_are_live_on_product_pages():
    # given the demo data
    assert load_demo() is True
    group, bargain = GroupCampaign.objects.get(), BargainCampaign.objects.get()
    flash = FlashSale.objects.get()
    # then the group buy and the bargain are offered on their products' pages
    page = Client().get(f"/products/{group.product_id}/").content.decode()
    assert f"/groupbuy/c/{group.pk}/" in page
    page = Client().get(f"/products/{bargain.sku.product_id}/").content.decode()
    assert f"/bargains/c/{bargain.pk}/" in page
    # and the bargain is titled honestly: down to its floor price, never "free"
    assert "免单" not in bargain.title and f"{bargain.floor_price % 100:02d}：" in bargain.title
    # and the flash sale's countdown shows on its product's page
    page = Client().get(f"/products/{flash.sku.product_id}/").content.decode()
    assert f"/flash/{flash.pk}/buy/" in page
