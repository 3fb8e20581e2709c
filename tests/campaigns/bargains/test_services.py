"""Bargaining services: campaigns, starting, helping (rules), buying once, expiry."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from quanzi.campaigns.bargains import services, tasks
from quanzi.campaigns.bargains.models import Bargain, BargainHelp, BargainStatus
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from quanzi.orders.models import Order
from quanzi.orders.services.transitions import cancel_order
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def helped_to_floor(bargain: Bargain, n: int) -> list[services.HelpResult]:
    return [services.help_bargain(UserFactory(), bargain.pk) for _ in range(n)]


def test_three_helpers_bring_a_bargain_exactly_to_its_floor():
    # given a ¥59.00 → ¥9.90 campaign needing 3 helpers and a started bargain
    campaign = a_campaign()
    bargain = services.start_bargain(UserFactory(), campaign.pk)
    # when three friends help
    results = helped_to_floor(bargain, 3)
    # then the price is exactly the floor, every cut ≥ 1 fen and they add up
    bargain.refresh_from_db()
    assert bargain.current_price == 990
    assert bargain.status == BargainStatus.FLOOR_REACHED
    assert bargain.helps_count == 3
    cuts = [r.help.amount for r in results]
    assert all(c >= 1 for c in cuts) and sum(cuts) == 5900 - 990
    assert [r.help.price_after for r in results][-1] == 990


def test_an_injected_random_source_makes_cuts_reproducible():
    # given two bargains on one campaign and one seed for both
    campaign = a_campaign(max_helps_per_user=2)
    first = services.start_bargain(UserFactory(), campaign.pk)
    second = services.start_bargain(UserFactory(), campaign.pk)
    helper = UserFactory()
    # when the same helper cuts both with the same seed
    a = services.help_bargain(helper, first.pk, rng=random.Random(7)).help.amount
    b = services.help_bargain(helper, second.pk, rng=random.Random(7)).help.amount
    # then the cuts are equal
    assert a == b


def test_starting_twice_returns_the_live_bargain():
    # given a customer who started a bargain
    campaign = a_campaign()
    starter = UserFactory()
    first = services.start_bargain(starter, campaign.pk)
    # when they start again / then it is the same bargain
    assert services.start_bargain(starter, campaign.pk).pk == first.pk


def test_nobody_helps_themselves_twice_or_anonymously():
    # given a bargain and a friend who helped once
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    friend = UserFactory()
    services.help_bargain(friend, bargain.pk)
    # when the starter, the friend again and an anonymous visitor try
    with override("en"):
        with pytest.raises(Conflict, match="own bargain"):
            services.help_bargain(bargain.starter, bargain.pk)
        with pytest.raises(Conflict, match="helped this bargain already"):
            services.help_bargain(friend, bargain.pk)
    with pytest.raises(NotAuthenticated):
        services.help_bargain(None, bargain.pk)
    # then only the one help counts
    assert BargainHelp.objects.filter(bargain=bargain).count() == 1


def test_a_person_helps_at_most_k_times_per_campaign():
    # given a campaign allowing 2 helps per person and three bargains on it
    campaign = a_campaign(max_helps_per_user=2)
    bargains = [services.start_bargain(UserFactory(), campaign.pk) for _ in range(3)]
    helper = UserFactory()
    services.help_bargain(helper, bargains[0].pk)
    services.help_bargain(helper, bargains[1].pk)
    # when they help a third / then it is refused
    with pytest.raises(Conflict) as refused:
        services.help_bargain(helper, bargains[2].pk)
    assert refused.value.code == "bargain_help_limit"
    assert Bargain.objects.get(pk=bargains[2].pk).helps_count == 0


def test_no_help_after_the_floor():
    # given a bargain at its floor
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    helped_to_floor(bargain, 3)
    # when one more friend helps / then it is refused and the price stays the floor
    with pytest.raises(Conflict) as refused:
        services.help_bargain(UserFactory(), bargain.pk)
    assert refused.value.code == "bargain_floor_reached"
    assert Bargain.objects.get(pk=bargain.pk).current_price == 990


def test_the_starter_buys_at_the_floor_once():
    # given a bargain at its floor and a starter with an address
    starter = UserFactory()
    AddressFactory(user=starter)
    bargain = services.start_bargain(starter, a_campaign().pk)
    helped_to_floor(bargain, 3)
    # when the starter buys
    order = services.buy_bargain(starter, bargain.pk)
    # then the order is at the floor price, tagged with the bargain
    assert order.campaign == "bargain" and order.campaign_ref == bargain.pk
    assert order.items.get().unit_price == 990
    assert Bargain.objects.get(pk=bargain.pk).status == BargainStatus.BOUGHT
    # and a second purchase is refused
    with pytest.raises(Conflict) as refused:
        services.buy_bargain(starter, bargain.pk)
    assert refused.value.code == "bargain_bought"
    assert Order.objects.filter(campaign="bargain").count() == 1


def test_buying_above_the_floor_only_when_the_campaign_allows():
    # given two campaigns, one allowing purchase above the floor, each with a bargain helped once
    strict = services.start_bargain(UserFactory(), a_campaign().pk)
    loose = services.start_bargain(UserFactory(), a_campaign(allow_above_floor=True).pk)
    for bargain in (strict, loose):
        AddressFactory(user=bargain.starter)
        services.help_bargain(UserFactory(), bargain.pk)
    # when both starters buy
    with pytest.raises(Conflict) as refused:
        services.buy_bargain(strict.starter, strict.pk)
    order = services.buy_bargain(loose.starter, loose.pk)
    # then only the second gets an order, at its current (true) price
    assert refused.value.code == "bargain_floor_not_reached"
    assert order.items.get().unit_price == Bargain.objects.get(pk=loose.pk).current_price > 990


def test_only_the_starter_buys():
    # given a bargain at its floor
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    helped_to_floor(bargain, 3)
    # when someone else buys / then it is refused
    with pytest.raises(PermissionDenied):
        services.buy_bargain(UserFactory(), bargain.pk)


def test_a_cancelled_unpaid_order_makes_the_bargain_buyable_again():
    # given a bought bargain whose order is cancelled unpaid
    starter = UserFactory()
    AddressFactory(user=starter)
    bargain = services.start_bargain(starter, a_campaign().pk)
    helped_to_floor(bargain, 3)
    order = services.buy_bargain(starter, bargain.pk)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        cancel_order(starter, order.pk)
    # then the bargain is back at its floor, without an order
    bargain.refresh_from_db()
    assert bargain.status == BargainStatus.FLOOR_REACHED and bargain.order_id is None


def test_expiry_runs_once_even_twice_and_on_read():
    # given a bargain whose time has passed
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    Bargain.objects.filter(pk=bargain.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # when the task runs twice / then only the first changes it
    assert tasks.expire_bargain.call(bargain.pk) is True
    assert tasks.expire_bargain.call(bargain.pk) is False
    assert Bargain.objects.get(pk=bargain.pk).status == BargainStatus.EXPIRED


def test_a_lost_expiry_task_is_applied_when_the_bargain_is_read_or_helped():
    # given an overdue bargain whose task never ran
    bargain = services.start_bargain(UserFactory(), a_campaign().pk)
    Bargain.objects.filter(pk=bargain.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # when a friend tries to help / then it is refused as expired and the bargain is expired
    with pytest.raises(Conflict) as refused:
        services.help_bargain(UserFactory(), bargain.pk)
    assert refused.value.code == "bargain_expired"
    assert services.access_bargain(None, bargain.pk).status == BargainStatus.EXPIRED


def test_the_bargain_expires_no_later_than_the_campaign():
    # given a campaign ending in 2 hours with a 24 h limit / when a bargain starts
    campaign = a_campaign(ends_at=timezone.now() + timedelta(hours=2))
    bargain = services.start_bargain(UserFactory(), campaign.pk)
    # then it expires with the campaign
    assert bargain.expires_at == campaign.ends_at


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"floor_price": 5900}, "floor_price"),
        ({"floor_price": 0}, "floor_price"),
        ({"start_price": 1000, "floor_price": 998, "helpers_needed": 3}, "helpers_needed"),
        ({"helpers_needed": 0}, "helpers_needed"),
        ({"max_helps_per_user": 0}, "max_helps_per_user"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_campaigns_are_refused_and_nothing_is_written(fields, field):
    # given settings breaking a rule / when a campaign is created / then it names the field
    with pytest.raises(InvalidInput) as refused:
        a_campaign(**fields)
    assert refused.value.extra["field"] == field


def test_a_campaign_not_started_yet_cannot_be_bargained():
    # given a campaign starting tomorrow / when someone starts / then it is refused
    now = timezone.now()
    campaign = a_campaign(starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    with pytest.raises(Conflict):
        services.start_bargain(UserFactory(), campaign.pk)
