"""The demo store's coupons are real and work: claimable ones on its pages, the join cashback
the demo customers got by joining its circle, the coupon under the launch announcement, and
a checkout that uses one."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.campaigns import coupons
from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.campaigns.models import AnnouncementCoupon, UserCoupon
from quanzi.demo.data import load_demo
from quanzi.orders import services
from quanzi.stores.models import Store

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_coupons_work():
    assert load_demo() is True
    store = Store.objects.get(name="山野小铺")
    xiaomei, ahua = User.objects.get(username="xiaomei"), User.objects.get(username="ahua")
    # three coupons anyone can claim on the store's pages
    assert len(coupons.offers(store.pk, None)) == 3
    # both customers got the join cashback when they joined the store circle
    for person in (xiaomei, ahua):
        assert UserCoupon.objects.filter(user=person, source="join_cashback").count() == 1
    # the launch announcement carries the 满 99 减 15 that 小美 claimed
    link = AnnouncementCoupon.objects.select_related("coupon").get()
    assert link.coupon.name == "满 99 减 15"
    held = UserCoupon.objects.get(user=xiaomei, coupon=link.coupon)
    # and 小美 can use it on a ¥99 order
    sku = store.products.get(title__startswith="云南小粒咖啡豆").skus.get(
        price=9900, spec_values__烘焙度="中烘"
    )
    order = services.buy_now(xiaomei, sku.pk, 1, coupon_id=held.pk)
    assert (order.discount, order.total) == (1500, 8400)


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
    # and the flash sale's countdown shows on its product's page
    page = Client().get(f"/products/{flash.sku.product_id}/").content.decode()
    assert f"/flash/{flash.pk}/buy/" in page
