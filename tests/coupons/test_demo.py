"""The demo store's coupons are real and work: claimable ones on its pages, the join cashback
the demo customers got by joining its circle, the coupon under the launch announcement, and
a checkout that uses one."""

from __future__ import annotations

import pytest

from quanzi.accounts.models import User
from quanzi.coupons import coupons
from quanzi.coupons.models import AnnouncementCoupon, UserCoupon
from quanzi.demo.data import load_demo
from quanzi.orders.services.checkout import buy_now
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
    order = buy_now(xiaomei, sku.pk, 1, coupon_id=held.pk)
    assert (order.discount, order.total) == (1500, 8400)
