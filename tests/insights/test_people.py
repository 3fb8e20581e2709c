"""Who brought the buyers: a sharer's GMV net of refunds, their orders, the new customers among
them and the commission they kept, from a known history."""

from __future__ import annotations

import pytest

from quanzi.insights.figures import top_sharers
from quanzi.insights.models import OrderTouch
from quanzi.insights.periods import parse_period
from quanzi.referrals.models import Commission, CommissionStatus
from tests.factories import UserFactory
from tests.insights.cascade_helpers import link, make_merchant, order

pytestmark = pytest.mark.django_db


def test_a_sharers_orders_new_customers_and_commission():
    # given 小美's link brought three paid orders: a new customer's ¥50.00, a returning
    # customer's ¥30.00 with ¥10.00 refunded, and one refunded in full; and a commission of
    # ¥5.00 on the first with ¥1.00 of it reversed
    m = make_merchant()
    xiaomei = UserFactory(nickname="小美")
    shared = link(xiaomei, m.product.pk)
    fresh, back, gone = UserFactory(), UserFactory(), UserFactory()
    first = order(m.store, fresh, 5000, through=shared)
    second = order(m.store, back, 3000, through=shared, refunded=1000)
    order(m.store, gone, 2000, through=shared, refunded=2000)
    for made, new in ((first, True), (second, False)):
        OrderTouch.objects.create(
            order=made,
            store_id=m.store.pk,
            buyer_id=str(made.buyer_id),
            paid_at=made.paid_at,
            first_source="share",
            last_source="share",
            new_customer=new,
        )
    Commission.objects.create(
        order=first,
        promoter=xiaomei,
        level=1,
        amount=500,
        reversed_amount=100,
        status=CommissionStatus.FROZEN,
    )

    # when the period's sharers are read
    (row,) = top_sharers(m.store, parse_period({"period": "7d"}))

    # then 小美 brought ¥70.00 in 2 orders (the full refund is no order), 1 new customer, and
    # kept ¥4.00 of commission
    assert (row["name"], row["gmv"], row["orders"], row["new"]) == ("小美", 7000, 2, 1)
    assert row["commission"] == 400
