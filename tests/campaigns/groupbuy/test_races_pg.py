"""Group buying races on PostgreSQL: 300 people joining a group of three at once end with
exactly three paid members; every other attempt is refused cleanly with nothing written.

Each thread has its own database connection and closes it when it ends; at most CONNECTIONS
threads hold one at a time (`together` of the coupon races)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from quanzi.accounts.models import Address, User
from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import Group, GroupMember, GroupStatus, SeatState
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import start_payment
from quanzi.payments.models import Refund
from quanzi.payments.providers import sandbox
from tests.campaigns.groupbuy.conftest import customer, make_deal
from tests.coupons.test_concurrency_pg import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOINERS = 300


def people(n: int) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"joiner{i}", public_id=new_id()) for i in range(n)
    )
    Address.objects.bulk_create(
        Address(
            user=user,
            recipient="张三",
            phone="13912345678",
            province="云南省",
            city="昆明市",
            detail="翠湖路 1 号",
            is_default=True,
        )
        for user in users
    )
    return users


def join_and_pay(user: User, group_id: str, sku_id: str) -> Callable[[], Any]:
    def run() -> Order:
        seat = services.join_group(user, group_id, sku_id)
        payment = start_payment(user, [seat.order])
        sandbox.confirm_charge(user, payment.provider_ref)
        return seat.order

    return run


def test_three_hundred_joins_of_a_group_of_three_end_with_three_paid_members():
    # given a group of three opened and paid by its leader, and 300 people with an address
    deal = make_deal(team_size=3)
    deal.sku.stock = 1000
    deal.sku.save(update_fields=["stock"])
    leader = customer()
    opened = services.open_group(leader, deal.campaign.pk, deal.sku.pk)
    payment = start_payment(leader, [opened.order])
    sandbox.confirm_charge(leader, payment.provider_ref)
    joiners = people(JOINERS)
    # when they all join and pay at once
    results = together([join_and_pay(u, opened.group.pk, deal.sku.pk) for u in joiners])
    # then exactly two joins succeed; the rest are refused cleanly: full, or closed once the
    # group completed
    won = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, Order | Conflict)] == []
    assert (len(won), len(refused)) == (2, JOINERS - 2)
    assert {r.code for r in refused} <= {"group_full", "group_closed"}
    # and the group completed with three paid members and three shippable orders, nothing more
    group = Group.objects.get(pk=opened.group.pk)
    assert (group.status, group.paid_count, group.seats_taken) == (GroupStatus.COMPLETE, 3, 3)
    assert GroupMember.objects.filter(group=group, state=SeatState.PAID).count() == 3
    assert GroupMember.objects.count() == 3
    orders = Order.objects.filter(campaign_ref=group.pk)
    assert {(o.status, o.ship_hold) for o in orders} == {(OrderStatus.PAID, False)}
    assert Order.objects.count() == 3
    deal.sku.refresh_from_db()
    assert deal.sku.stock == 997


def test_expiry_run_by_many_workers_at_once_refunds_each_member_exactly_once():
    # given a group of three with two paid members whose time ran out
    deal = make_deal(team_size=3)
    opened = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    seats = [opened, services.join_group(customer(), opened.group.pk, deal.sku.pk)]
    for seat in seats:
        payment = start_payment(seat.order.buyer, [seat.order])
        sandbox.confirm_charge(seat.order.buyer, payment.provider_ref)
    group = Group.objects.get(pk=opened.group.pk)
    Group.objects.filter(pk=group.pk).update(expires_at=group.opened_at - timedelta(hours=1))
    # when ten workers run its expiry (and readers read it) at the same moment
    jobs: list[Callable[[], Any]] = [lambda: services.expire_group(group.pk)] * 8
    jobs += [lambda: services.get_group(group.pk)] * 2
    results = together(jobs)
    # then exactly one run failed it, and each paid order was refunded once, stock back
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert results[:8].count(True) <= 1
    assert Group.objects.get(pk=group.pk).status == GroupStatus.FAILED
    for seat in seats:
        assert Refund.objects.filter(order_id=seat.order.pk).count() == 1
        order = Order.objects.get(pk=seat.order.pk)
        assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total)
    deal.sku.refresh_from_db()
    assert deal.sku.stock == 10
