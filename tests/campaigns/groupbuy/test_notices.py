"""A group's members hear how it ended, in the notification centre: once each, after commit,
with a link to their own order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.campaigns.groupbuy import notices, services
from quanzi.campaigns.groupbuy.models import GroupMember
from quanzi.circles.models import Notification, NotificationKind
from quanzi.orders.models import Order
from tests.campaigns.groupbuy.conftest import Deal, customer, make_deal
from tests.campaigns.groupbuy.test_services import time_travel

pytestmark = pytest.mark.django_db


def notices_of(kind: str) -> list[tuple[int, str, str]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("user_id", "url", "text"),
    )


def test_every_member_hears_once_that_the_group_completed(deal: Deal, paid: Any):
    # given a group of three: the leader and one friend paid, nobody has heard anything
    people = [customer(), customer(), customer()]
    first = services.open_group(people[0], deal.campaign.pk, deal.sku.pk)
    paid(first)
    seats = [first] + [services.join_group(p, first.group.pk, deal.sku.pk) for p in people[1:]]
    paid(seats[1])
    assert not Notification.objects.exists()
    # when the last one pays
    paid(seats[2])
    # then each of the three is told, in Chinese, with a link to their own order
    told = notices_of(NotificationKind.GROUP_COMPLETE)
    assert [(user, url) for user, url, _text in told] == sorted(
        (s.order.buyer_id, f"/orders/{s.order.pk}/") for s in seats
    )
    assert all("拼团成功" in text and "云南小粒咖啡豆" in text for _u, _l, text in told)
    # and telling them again (a replay) says nothing twice
    again = notices.tell(NotificationKind.GROUP_COMPLETE, [s.member.pk for s in seats])
    assert again == 0 and Notification.objects.count() == 3


def test_every_paid_member_hears_that_the_group_failed_and_is_refunded(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks: Any
):
    # given a group of three with two paid members and one who has not paid
    first = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(first)
    second = services.join_group(customer(), first.group.pk, deal.sku.pk)
    paid(second)
    unpaid = services.join_group(customer(), first.group.pk, deal.sku.pk)
    # when its time runs out, and the expiry runs again (a doubled task)
    time_travel(first.group, 25)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(first.group.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(first.group.pk)
    # then the two who paid are told once each that it failed and the money goes back
    told = notices_of(NotificationKind.GROUP_FAILED)
    assert [(user, url) for user, url, _text in told] == sorted(
        (s.order.buyer_id, f"/orders/{s.order.pk}/") for s in (first, second)
    )
    assert all("拼团失败" in text and "退回" in text for _u, _l, text in told)
    assert not Notification.objects.filter(user=unpaid.order.buyer).exists()
    # and if the third pays after all, they are refunded and told the same
    Order.objects.filter(pk=unpaid.order.pk).update(
        pay_deadline=timezone.now() + timedelta(hours=1)
    )
    paid(unpaid)
    assert (
        Notification.objects.filter(
            user=unpaid.order.buyer, kind=NotificationKind.GROUP_FAILED
        ).count()
        == 1
    )
    assert Notification.objects.count() == 3


def test_a_threshold_completion_tells_only_the_real_members(
    paid: Any, django_capture_on_commit_callbacks: Any
):
    # given a group of five completing at 60 %, with three paid members
    deal = make_deal(team_size=5, complete_at_percent=60)
    first = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(first)
    for _ in range(2):
        paid(services.join_group(customer(), first.group.pk, deal.sku.pk))
    # when its time runs out
    time_travel(first.group, 25)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_group(first.group.pk)
    # then its three members are told it completed
    told = Notification.objects.filter(kind=NotificationKind.GROUP_COMPLETE)
    members = GroupMember.objects.filter(group_id=first.group.pk)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        members.values_list("user_id", flat=True)
    )


def test_nothing_is_told_of_a_close_that_rolled_back(deal: Deal, paid: Any):
    # given a group whose closing transaction never commits (no on-commit callbacks run)
    first = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(first)
    time_travel(first.group, 25)
    # when it expires outside a committed transaction
    services.expire_group(first.group.pk)
    # then nobody was told
    assert not Notification.objects.exists()


def test_the_notices_are_listed_in_the_notification_centre(deal: Deal, paid: Any, api):
    people = [customer(), customer(), customer()]
    first = services.open_group(people[0], deal.campaign.pk, deal.sku.pk)
    paid(first)
    for person in people[1:]:
        paid(services.join_group(person, first.group.pk, deal.sku.pk))
    body = api(people[0]).get("circles/me/notifications").json()
    assert [(n["kind"], n["url"]) for n in body["items"]] == [
        ("group_complete", f"/orders/{first.order.pk}/")
    ]
