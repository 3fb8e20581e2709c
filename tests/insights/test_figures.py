"""The overview, the funnel and the sources, recomputed from a generated history with known
answers: sales net of refunds, a full refund taken out, another store left out, last and first
touch side by side, both summing to the ledger's figure to the fen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from quanzi.insights import figures, touches
from quanzi.insights.models import OrderTouch
from quanzi.insights.periods import Period
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import Order
from quanzi.orders.services.aftersales import approve_after_sale, request_after_sale
from quanzi.tracking import services as rollup
from quanzi.tracking.models import Event, EventKind
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)
from tests.orders.conftest import Shop, pay_through_sandbox

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
PERIOD = Period("custom", DAY.date() - timedelta(days=6), DAY.date())


def visit(shop: Shop, user: Any, at: datetime, source: str, via: str = "", **kw: Any) -> None:
    Event.objects.create(
        kind=kw.pop("kind", EventKind.PRODUCT_VIEW),
        store_id=shop.store.pk,
        user_id=str(user.pk),
        visitor=str(user.pk),
        at=at,
        source=source,
        via=via,
        ref=shop.sku.product_id,
        **kw,
    )


def paid_at(shop: Shop, buyer: Any, at: datetime, oncommit: Any, quantity: int = 1) -> Order:
    with time_machine.travel(at, tick=False):
        order = place_for(shop, buyer, quantity)
        return pay_through_sandbox(order, oncommit)


def place_for(shop: Shop, buyer: Any, quantity: int) -> Order:
    from quanzi.orders.services.checkout import place_orders

    address = buyer.addresses.first() or AddressFactory(user=buyer)
    return place_orders(buyer, [(shop.sku.pk, quantity)], address.pk)[0]


def refund(shop: Shop, order: Order, amount: int, oncommit: Any) -> Order:
    with oncommit(execute=True):
        after = request_after_sale(
            order.buyer, order.pk, kind="refund_only", amount=amount, reason="不想要了"
        )
        approve_after_sale(shop.owner, order.pk, after.pk)
    order.refresh_from_db()
    assert order.refunded_amount == amount
    return order


def test_a_known_history_gives_known_sales_sources_and_funnel(
    shop: Shop, django_capture_on_commit_callbacks: Any
):
    # given three buyers of a ¥59.00 coffee (¥8.00 shipping under ¥99) over a week:
    # Wang came from a note 5 days before and a share link 1 day before, and paid (¥67.00);
    # Li came from nothing we know of, paid ¥67.00 and got ¥10.00 back;
    # Zhao came from the feed, paid and got everything back
    oncommit = django_capture_on_commit_callbacks
    wang, li, zhao = shop.buyer, shop.other, UserFactory(username="zhao")
    visit(shop, wang, DAY - timedelta(days=5), "note", via="note123")
    visit(shop, wang, DAY - timedelta(days=1), "share", via="SHARE1")
    visit(shop, zhao, DAY - timedelta(days=2), "feed")
    first = paid_at(shop, wang, DAY, oncommit)
    second = paid_at(shop, li, DAY - timedelta(days=3), oncommit)
    third = paid_at(shop, zhao, DAY - timedelta(days=2), oncommit)
    refund(shop, second, 1000, oncommit)
    refund(shop, third, third.total, oncommit)
    # and another store's sale, which is none of this store's business
    elsewhere = store_with_owner(UserFactory())
    other_sku = SkuFactory(product=ProductFactory(store=elsewhere), price=9900, stock=5)
    with time_machine.travel(DAY, tick=False):
        from quanzi.orders.services.checkout import place_orders

        far = place_orders(li, [(other_sku.pk, 1)], li.addresses.first().pk)[0]
        pay_through_sandbox(far, oncommit)

    # when the rollup and the attribution have run
    rollup.roll_up_all()
    assert touches.attribute_all() == 4

    # then the period's sales are ¥67.00 + ¥57.00, 2 orders, 2 buyers
    totals = figures.totals(shop.store, PERIOD)
    assert (totals.sales, totals.orders, totals.buyers) == (6700 + 5700, 2, 2)
    assert totals.average_order == 6200
    # and they equal what the ledger holds for the store, to the fen
    balance = store_balance(shop.store.pk)
    assert balance.escrow + balance.available == totals.sales
    # and by last touch: Wang's order is the share link's, Li's is direct; by first touch,
    # Wang's is the note's; each column sums to the sales
    rows = {r["key"]: r for r in figures.by_source(shop.store, PERIOD)}
    assert rows["share"]["last_gmv"] == 6700 and rows["share"]["first_gmv"] == 0
    assert rows["note"]["first_gmv"] == 6700 and rows["note"]["last_gmv"] == 0
    assert rows["direct"]["last_gmv"] == rows["direct"]["first_gmv"] == 5700
    assert sum(r["last_gmv"] for r in rows.values()) == totals.sales
    assert sum(r["first_gmv"] for r in rows.values()) == totals.sales
    assert sum(r["last_new"] for r in rows.values()) == 2
    assert OrderTouch.objects.get(order_id=first.pk).last_ref == "SHARE1"
    # and the day by day sales put each order on the day it was paid
    by_day = {r["day"]: r["sales"] for r in figures.daily(shop.store, PERIOD)}
    assert by_day[DAY.date()] == 6700
    assert by_day[(DAY - timedelta(days=3)).date()] == 5700
    assert by_day[(DAY - timedelta(days=2)).date()] == 0
    assert sum(by_day.values()) == totals.sales


def test_the_funnel_counts_people_once_per_step_under_their_source(shop: Shop):
    # given, on one day, 3 visitors from the feed and 1 from a chat card; two of the feed's
    # add to the cart (one of them twice), one checks out and pays; the chat's visitor pays
    # without adding to the cart; and the owner, who is not counted
    people = [UserFactory() for _ in range(4)]
    for person in people[:3]:
        visit(shop, person, DAY, "feed")
    visit(shop, people[3], DAY, "chat", via="circle1")
    for kind, person in [
        (EventKind.ADD_TO_CART, people[0]),
        (EventKind.ADD_TO_CART, people[0]),
        (EventKind.ADD_TO_CART, people[1]),
        (EventKind.CHECKOUT, people[0]),
        (EventKind.PAID, people[0]),
        (EventKind.PAID, people[3]),
        (EventKind.ADD_TO_CART, shop.owner),
    ]:
        visit(shop, person, DAY + timedelta(minutes=5), "", kind=kind)

    # when the events are rolled up
    rollup.roll_up_all()

    # then the funnel is 3 → 2 → 1 → 1 for the feed and 1 → 0 → 0 → 1 for the chat cards
    rows = {r["key"]: r for r in figures.funnel(shop.store, PERIOD)}
    feed, chat = rows["feed"], rows["chat"]
    assert (feed["visit"], feed["cart"], feed["checkout"], feed["paid"]) == (3, 2, 1, 1)
    assert feed["conversion"] == pytest.approx(1 / 3)
    assert (chat["visit"], chat["cart"], chat["checkout"], chat["paid"]) == (1, 0, 0, 1)
    assert "direct" not in rows
    # and the period's visitors are the 4 people
    assert figures.visitors(shop.store, PERIOD) == 4


def test_comparison_with_the_previous_period(shop: Shop, django_capture_on_commit_callbacks):
    # given one order this week and two the week before
    oncommit = django_capture_on_commit_callbacks
    paid_at(shop, shop.buyer, DAY, oncommit)
    paid_at(shop, shop.buyer, DAY - timedelta(days=8), oncommit)
    paid_at(shop, shop.other, DAY - timedelta(days=9), oncommit, quantity=2)

    # when the KPIs are compared
    kpis = {
        k.key: k
        for k in figures.kpis(
            figures.totals(shop.store, PERIOD), figures.totals(shop.store, PERIOD.previous())
        )
    }

    # then orders went from 2 to 1 (−50 %), sales from ¥67.00 + ¥118.00 to ¥67.00
    assert (kpis["orders"].value, kpis["orders"].before) == (1, 2)
    assert kpis["orders"].change == pytest.approx(-0.5)
    assert (kpis["sales"].value, kpis["sales"].before) == (6700, 6700 + 11800)
