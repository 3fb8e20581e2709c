"""The social dividend of a product, recomputed by hand: reach through relationships, the
structural virality of its share cascade, the interactions on its note, and its GMV net of the
order's refund; the size-weighted virality of several cascades."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.campaigns.groupbuy.models import Group, GroupCampaign, GroupMember
from quanzi.insights.dividend import campaign_dividends, product_dividends, weighted_virality
from quanzi.insights.periods import parse_period
from quanzi.orders.models import Order, OrderItem
from quanzi.referrals.models import TargetKind
from quanzi.social.models import Note
from quanzi.tracking import services as rollup
from quanzi.tracking.models import Event, EventKind
from tests.factories import SkuFactory, UserFactory
from tests.insights.cascade_helpers import link, make_merchant, order, visit

pytestmark = pytest.mark.django_db


def test_weighted_virality_of_several_cascades():
    # given a star of 4 links (virality 2 − 2/4 = 1.5) and a lone link for product p, and a
    # chain of 3 (virality (3 + 1)/3) for product q
    rows = [
        ("s", None, "p"),
        ("s1", "s", "p"),
        ("s2", "s", "p"),
        ("s3", "s", "p"),
        ("lone", None, "p"),
        ("c1", None, "q"),
        ("c2", "c1", "q"),
        ("c3", "c2", "q"),
    ]
    # when the size-weighted mean virality is computed per product
    found = weighted_virality(rows)
    # then p's is (1.5 × 4 + 0 × 1) / 5 and q's is 4/3
    assert found["p"] == pytest.approx(1.2)
    assert found["q"] == pytest.approx(4 / 3)


def test_a_products_social_dividend_from_a_known_history():
    # given a product viewed 3 times through relationships (a share, a chat card, a note) and
    # once directly, shared along a chain of 3 links, with a note about it liked twice and
    # commented once, and one order of ¥59.00 + ¥8.00 shipping with ¥10.00 refunded
    m = make_merchant()
    now = timezone.now()
    for source in ("share", "chat", "note", "direct"):
        Event.objects.create(
            kind=EventKind.PRODUCT_VIEW,
            store_id=m.store.pk,
            at=now,
            source=source,
            ref=m.product.pk,
            visitor=f"v-{source}",
        )
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    root = link(a, m.product.pk)
    child = link(b, m.product.pk, parent=root)
    link(c, m.product.pk, parent=child)
    note = Note.objects.create(author=a, title="好喝")
    note.products.add(m.product)
    for kind in (EventKind.LIKE, EventKind.LIKE, EventKind.COMMENT):
        Event.objects.create(kind=kind, store_id=m.store.pk, at=now, ref=note.pk, user_id=c.pk)
    sold = order(m.store, m.customer, 6700, refunded=1000)
    sold.subtotal, sold.shipping_fee = 5900, 800
    sold.save(update_fields=["subtotal", "shipping_fee"])
    sku = SkuFactory(product=m.product, price=5900)
    OrderItem.objects.create(
        order=sold, sku=sku, product=m.product, title="咖啡", unit_price=5900, quantity=1
    )
    rollup.roll_up_all()

    # when the store's product dividends are read for the last 7 days
    found = product_dividends(m.store, parse_period({"period": "7d"}))

    # then the product's inputs and score are as computed by hand
    (row,) = found
    assert (row.score.reach, row.score.interactions) == (3, 3)
    assert row.score.virality == pytest.approx(4 / 3)
    expected = math.log2(4) * (1 + 4 / 3) * math.log2(4)
    assert row.score.value == round(expected, 1) == 9.3
    # and its GMV is the item's share of what the order kept: 5900 × 5700 / 6700, in fen
    assert row.gmv == 5900 * 5700 // 6700


def test_nothing_reached_is_no_dividend():
    # given a product sold once with no visit through anyone and no talk about it
    m = make_merchant()
    sold = order(m.store, m.customer, 5900)
    OrderItem.objects.create(
        order=sold,
        sku=SkuFactory(product=m.product, price=5900),
        product=m.product,
        title="咖啡",
        unit_price=5900,
        quantity=1,
    )
    # when the dividends are read
    (row,) = product_dividends(m.store, parse_period({"period": "today"}))
    # then it earned GMV and no social dividend
    assert (row.gmv, row.score.value) == (5900, 0.0)


def test_a_campaigns_dividend_and_k_factor_from_a_known_history():
    # given a running group-buy campaign with two groups, each shared by its leader; five
    # people visit through each link, two of each five join (a seat in the group each) and
    # their orders are paid, ¥39.00 each
    m = make_merchant()
    now = timezone.now()
    campaign = GroupCampaign.objects.create(
        store=m.store,
        product=m.product,
        team_size=3,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    for _ in range(2):
        leader = UserFactory()
        group = Group.objects.create(
            campaign=campaign,
            leader=leader,
            team_size=3,
            opened_at=now,
            expires_at=now + timedelta(hours=24),
        )
        shared = link(leader, group.pk, kind=TargetKind.GROUP)
        invitees = [UserFactory() for _ in range(5)]
        for person in invitees:
            visit(shared, person)
        for buyer in invitees[:2]:
            bought = order(m.store, buyer, 3900, through=shared)
            Order.objects.filter(pk=bought.pk).update(campaign="group", campaign_ref=group.pk)
            GroupMember.objects.create(group=group, user=buyer, order=bought)

    # when the store's campaign dividends are read
    (row,) = campaign_dividends(m.store, parse_period({"period": "7d"}))

    # then reach is the 10 visitors, no reshare (virality 0), 4 seats taken by others, and the
    # K-factor 5 invitations per sharer × 40 % = 2.0; GMV the 4 orders
    assert (row.kind, row.score.reach, row.score.interactions) == ("groupbuy", 10, 4)
    assert row.score.virality == 0.0
    assert row.score.value == round(math.log2(11) * 1 * math.log2(5), 1)
    assert row.k is not None and row.k.k == pytest.approx(2.0)
    assert row.gmv == 4 * 3900
