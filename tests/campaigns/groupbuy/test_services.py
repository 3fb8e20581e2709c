"""Group buying services: seats, completion, expiry refunds, seat reopening, limits."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import Group, GroupMember, GroupStatus, SeatState
from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.aftersales import approve_after_sale, request_after_sale
from quanzi.orders.services.transitions import cancel_order
from quanzi.payments.models import Refund
from tests.campaigns.groupbuy.conftest import Deal, customer, make_deal

pytestmark = pytest.mark.django_db


def stock(sku: Sku) -> int:
    sku.refresh_from_db()
    return sku.stock


def time_travel(group: Group, hours: float) -> None:
    """Move the group's clock: it opened `hours` earlier than it did."""
    Group.objects.filter(pk=group.pk).update(
        opened_at=group.opened_at - timedelta(hours=hours),
        expires_at=group.expires_at - timedelta(hours=hours),
    )


def test_opening_a_group_reserves_the_first_seat_at_the_group_price(deal: Deal):
    # given a customer
    alice = customer("阿丽")
    # when she opens a group of two units
    seat = services.open_group(alice, deal.campaign.pk, deal.sku.pk, 1)
    # then an unpaid held order at the group price exists, and one seat is taken
    assert (seat.order.total - seat.order.shipping_fee, seat.order.ship_hold) == (3900, True)
    assert (seat.order.campaign, seat.order.campaign_ref) == ("group", seat.group.pk)
    group = Group.objects.get(pk=seat.group.pk)
    assert (group.status, group.seats_taken, group.paid_count, group.leader_id) == (
        GroupStatus.OPEN,
        1,
        0,
        None,
    )
    assert group.expires_at - group.opened_at == timedelta(hours=24)
    assert stock(deal.sku) == 9


def test_three_paid_members_complete_the_group_and_release_the_orders(deal: Deal, paid: Any):
    # given a group opened and paid by its leader
    leader, bob, cara = customer(), customer(), customer()
    first = services.open_group(leader, deal.campaign.pk, deal.sku.pk)
    paid(first)
    assert Group.objects.get(pk=first.group.pk).leader_id == leader.pk
    # when two others join and pay
    seats = [services.join_group(u, first.group.pk, deal.sku.pk) for u in (bob, cara)]
    paid(seats[0])
    assert Group.objects.get(pk=first.group.pk).status == GroupStatus.OPEN
    paid(seats[1])
    # then the group completes and every order may ship
    group = Group.objects.get(pk=first.group.pk)
    assert (group.status, group.paid_count, group.leader_id) == (GroupStatus.COMPLETE, 3, leader.pk)
    orders_of = Order.objects.filter(campaign_ref=group.pk)
    assert {(o.status, o.ship_hold) for o in orders_of} == {(OrderStatus.PAID, False)}


def test_a_full_group_refuses_another_seat(deal: Deal):
    # given a group with all three seats reserved
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    for _ in range(2):
        services.join_group(customer(), seat.group.pk, deal.sku.pk)
    # when a fourth person tries to join
    late = customer()
    with pytest.raises(Conflict) as refused:
        services.join_group(late, seat.group.pk, deal.sku.pk)
    # then it is refused with nothing written
    assert refused.value.code == "group_full"
    assert not Order.objects.filter(buyer=late).exists()
    assert stock(deal.sku) == 7


def test_a_cancelled_unpaid_order_frees_its_seat(deal: Deal, django_capture_on_commit_callbacks):
    # given a full group whose last seat is unpaid
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    services.join_group(customer(), seat.group.pk, deal.sku.pk)
    bob = customer()
    bobs = services.join_group(bob, seat.group.pk, deal.sku.pk)
    # when bob cancels his order
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(bob, bobs.order.pk)
    # then the seat is free again and someone else can join
    assert GroupMember.objects.get(pk=bobs.member.pk).state == SeatState.RELEASED
    assert Group.objects.get(pk=seat.group.pk).seats_taken == 2
    services.join_group(customer(), seat.group.pk, deal.sku.pk)
    assert Group.objects.get(pk=seat.group.pk).seats_taken == 3


def test_expiry_refunds_each_paid_member_exactly_once_and_returns_stock(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    # given a group with two paid members out of three
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    other = services.join_group(customer(), seat.group.pk, deal.sku.pk)
    paid(other)
    assert stock(deal.sku) == 8
    # when its time runs out and the expiry task runs late, then again
    time_travel(seat.group, 30)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.expire_group(seat.group.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.expire_group(seat.group.pk)
        services.get_group(seat.group.pk)
    # then the group failed once, each order is refunded once in full, and the stock is back
    assert (first, second) == (True, False)
    group = Group.objects.get(pk=seat.group.pk)
    assert group.status == GroupStatus.FAILED
    for order_id in (seat.order.pk, other.order.pk):
        refunds = list(Refund.objects.filter(order_id=order_id))
        order = Order.objects.get(pk=order_id)
        assert len(refunds) == 1 and refunds[0].amount == order.total
        assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total)
    assert stock(deal.sku) == 10
    assert set(GroupMember.objects.values_list("state", flat=True)) == {SeatState.REFUNDED}


def test_reading_an_expired_group_settles_it_without_the_task(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    # given a paid group whose expiry task was lost
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    time_travel(seat.group, 25)
    # when someone reads it twice
    with django_capture_on_commit_callbacks(execute=True):
        group = services.get_group(seat.group.pk)
        services.get_group(seat.group.pk)
    # then it failed and the leader is refunded once
    assert group.status == GroupStatus.FAILED
    assert Refund.objects.filter(order_id=seat.order.pk).count() == 1
    assert stock(deal.sku) == 10


def test_the_sweep_command_closes_expired_groups_nobody_reads(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    # given a paid group whose expiry task was lost and that nobody opens
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    time_travel(seat.group, 25)
    # when cron runs the sweep twice
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_group_timers", stdout=io.StringIO())
        call_command("run_group_timers", stdout=io.StringIO())
    # then the group failed and the leader is refunded once
    assert Group.objects.get(pk=seat.group.pk).status == GroupStatus.FAILED
    assert Refund.objects.filter(order_id=seat.order.pk).count() == 1


def test_a_payment_after_the_group_failed_is_refunded(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    # given a group that failed while a member's order was still unpaid
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    late = services.join_group(customer(), seat.group.pk, deal.sku.pk)
    time_travel(seat.group, 25)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(seat.group.pk)
    Order.objects.filter(pk=late.order.pk).update(pay_deadline=timezone.now() + timedelta(hours=1))
    # when that member pays after all
    paid(late)
    # then the payment is refunded at once
    assert GroupMember.objects.get(pk=late.member.pk).state == SeatState.REFUNDED
    assert Order.objects.get(pk=late.order.pk).status == OrderStatus.REFUNDED


def test_complete_at_percent_completes_an_unfilled_group_with_its_real_members(
    paid: Any, django_capture_on_commit_callbacks
):
    # given a campaign of five disclosing "complete at 60 %" (3 of 5 paid seats)
    deal = make_deal(team_size=5, complete_at_percent=60)
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    group = Group.objects.get(pk=seat.group.pk)
    assert (group.team_size, group.complete_at_percent) == (5, 60)
    assert services.needed_to_complete(5, 60) == 3
    paid(seat)
    for _ in range(2):
        paid(services.join_group(customer(), seat.group.pk, deal.sku.pk))
    # when time runs out with 3 of 5 paid
    time_travel(seat.group, 25)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(seat.group.pk)
    # then it completes with exactly its 3 members, nobody invented, and they may ship
    group = Group.objects.get(pk=seat.group.pk)
    assert (group.status, group.paid_count) == (GroupStatus.COMPLETE, 3)
    assert GroupMember.objects.filter(group=group).count() == 3
    assert not Order.objects.filter(campaign_ref=group.pk, ship_hold=True).exists()


def test_complete_at_percent_below_the_threshold_still_fails(paid: Any):
    # given the same campaign with only 2 of 5 paid
    deal = make_deal(team_size=5, complete_at_percent=60)
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    paid(services.join_group(customer(), seat.group.pk, deal.sku.pk))
    # when time runs out
    time_travel(seat.group, 25)
    services.expire_group(seat.group.pk)
    # then it fails
    assert Group.objects.get(pk=seat.group.pk).status == GroupStatus.FAILED


def test_an_after_sales_refund_reopens_the_seat_and_the_next_payer_leads(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    # given a group led by alice, with bob paid too
    alice, bob = customer(), customer()
    seat = services.open_group(alice, deal.campaign.pk, deal.sku.pk)
    paid(seat)
    paid(services.join_group(bob, seat.group.pk, deal.sku.pk))
    # when alice gets a full refund through after-sales
    with django_capture_on_commit_callbacks(execute=True):
        request = request_after_sale(
            alice,
            seat.order.pk,
            kind="refund_only",
            amount=seat.order.total,
            reason="changed my mind",
        )
    with django_capture_on_commit_callbacks(execute=True):
        approve_after_sale(deal.owner, seat.order.pk, request.pk)
    # then her seat reopened, bob leads, and a newcomer can take the seat
    group = Group.objects.get(pk=seat.group.pk)
    assert (group.seats_taken, group.paid_count, group.leader_id) == (1, 1, bob.pk)
    assert GroupMember.objects.get(pk=seat.member.pk).state == SeatState.REFUNDED
    services.join_group(customer(), group.pk, deal.sku.pk)
    # and alice may come back
    services.join_group(alice, group.pk, deal.sku.pk)
    assert Group.objects.get(pk=group.pk).seats_taken == 3


def test_the_per_user_limit_counts_seats_across_groups(deal: Deal):
    # given a campaign allowing one seat per person, and alice's open group
    alice = customer()
    services.open_group(alice, deal.campaign.pk, deal.sku.pk)
    other = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    # when alice tries another group or opens a second one
    for attempt in (
        lambda: services.join_group(alice, other.group.pk, deal.sku.pk),
        lambda: services.open_group(alice, deal.campaign.pk, deal.sku.pk),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        # then she is refused
        assert refused.value.code == "group_user_limit"
    assert Order.objects.filter(buyer=alice).count() == 1
    assert Group.objects.count() == 2


def test_the_per_order_limit_and_bad_input_are_refused(deal: Deal):
    alice = customer()
    # when the quantity passes the per-order limit, or the SKU / quantity is wrong
    for sku_id, quantity in ((deal.sku.pk, 2), ("nope", 1), (deal.sku.pk, "1"), (deal.sku.pk, 0)):
        with pytest.raises(InvalidInput):
            services.open_group(alice, deal.campaign.pk, sku_id, quantity)
    # then nothing was written
    assert not Group.objects.exists() and not Order.objects.exists()


def test_no_address_leaves_no_group_behind(deal: Deal):
    # given a customer without an address
    from tests.factories import UserFactory

    nobody = UserFactory()
    # when she opens a group
    with pytest.raises(InvalidInput):
        services.open_group(nobody, deal.campaign.pk, deal.sku.pk)
    # then no group and no order remain
    assert not Group.objects.exists() and not Order.objects.exists()


def test_anonymous_and_ended_campaigns_are_refused(deal: Deal):
    with pytest.raises(NotAuthenticated):
        services.open_group(None, deal.campaign.pk, deal.sku.pk)
    services.update_campaign(
        deal.owner,
        deal.campaign.pk,
        services.GroupBuyFields(
            starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
        ),
    )
    with pytest.raises(Conflict) as refused:
        services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    assert refused.value.code == "group_campaign_ended"


def test_campaign_terms_are_validated(deal: Deal):
    now = timezone.now()
    base = {
        "product_id": deal.sku.product_id,
        "prices": {deal.sku.pk: 3900},
        "team_size": 3,
        "starts_at": now,
        "ends_at": now + timedelta(days=1),
    }
    bad = [
        {"team_size": 1},
        {"hours": 0},
        {"complete_at_percent": 100},
        {"prices": {deal.sku.pk: 5900}},
        {"prices": {}},
        {"ends_at": now - timedelta(days=1)},
        {"product_id": "x"},
    ]
    for change in bad:
        with pytest.raises(InvalidInput):
            services.create_campaign(
                deal.owner, deal.store.pk, services.GroupBuyFields(**(base | change))
            )
    with pytest.raises(PermissionDenied):
        services.create_campaign(customer(), deal.store.pk, services.GroupBuyFields(**base))
    # and staff may create one
    assert (
        services.create_campaign(
            deal.staff, deal.store.pk, services.GroupBuyFields(**base)
        ).team_size
        == 3
    )


def test_leader_gets_the_reward_points_once_the_group_completes(paid: Any):
    from quanzi.referrals.models import PointsEntry

    deal = make_deal(team_size=2, leader_points=50)
    leader = customer()
    seat = services.open_group(leader, deal.campaign.pk, deal.sku.pk)
    paid(seat)
    paid(services.join_group(customer(), seat.group.pk, deal.sku.pk))
    assert list(PointsEntry.objects.values_list("user_id", "delta")) == [(leader.pk, 50)]


def test_expiry_refunds_a_payment_whose_receiver_was_missed(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks
):
    from quanzi.campaigns.groupbuy import receivers
    from quanzi.orders.signals import order_paid

    # given a paid leader and a member whose payment the group never heard of
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    other = services.join_group(customer(), seat.group.pk, deal.sku.pk)
    order_paid.disconnect(dispatch_uid="groupbuy.paid")
    try:
        paid(other)
    finally:
        receivers.connect()
    assert GroupMember.objects.get(pk=other.member.pk).state == SeatState.RESERVED
    # when the group expires unfilled
    time_travel(seat.group, 25)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(seat.group.pk)
    # then both paid members are refunded once
    for order_id in (seat.order.pk, other.order.pk):
        assert Refund.objects.filter(order_id=order_id).count() == 1
        assert Order.objects.get(pk=order_id).status == OrderStatus.REFUNDED


def test_reading_a_complete_group_releases_orders_still_held(deal: Deal, paid: Any):
    # given a complete group whose release after commit was lost
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    for _ in range(2):
        paid(services.join_group(customer(), seat.group.pk, deal.sku.pk))
    Order.objects.filter(campaign_ref=seat.group.pk).update(ship_hold=True)
    # when the group is read
    services.get_group(seat.group.pk)
    # then its orders may ship
    assert not Order.objects.filter(campaign_ref=seat.group.pk, ship_hold=True).exists()
