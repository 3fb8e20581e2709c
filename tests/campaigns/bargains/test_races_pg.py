"""Bargain races on PostgreSQL: 50 friends helping at once a bargain that needs 10 end with
exactly 10 helps and the price exactly at the floor; a starter's concurrent purchases make one
order."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import Bargain, BargainHelp, BargainStatus
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.orders.models import Order
from tests.campaigns.bargains.helpers import a_campaign
from tests.coupons.test_concurrency_pg import together
from tests.factories import AddressFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def people(n: int) -> list[User]:
    return User.objects.bulk_create(
        [User(username=f"helper{i}", public_id=new_id()) for i in range(n)]
    )


def test_fifty_concurrent_helpers_of_a_bargain_needing_ten_make_exactly_ten_helps():
    # given a bargain needing 10 helpers and 50 friends
    campaign = a_campaign(helpers_needed=10, start_price=10_000, floor_price=100)
    bargain = services.start_bargain(UserFactory(), campaign.pk)
    friends = people(50)

    def job(friend: User) -> Any:
        return lambda: services.help_bargain(friend, bargain.pk)

    # when they all help at the same moment
    results = together([job(friend) for friend in friends])
    # then exactly 10 helped, the others were refused cleanly
    helped = [r for r in results if isinstance(r, services.HelpResult)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(helped) == 10 and len(refused) == 40, [r for r in results if r not in helped]
    assert {r.code for r in refused} == {"bargain_floor_reached"}
    # and the price is exactly the floor, the cuts sum to the room, each ≥ 1 fen
    bargain.refresh_from_db()
    assert bargain.current_price == 100
    assert bargain.helps_count == 10 and bargain.status == BargainStatus.FLOOR_REACHED
    cuts = list(BargainHelp.objects.filter(bargain=bargain).values_list("amount", flat=True))
    assert len(cuts) == 10 and sum(cuts) == 9_900 and min(cuts) >= 1


def test_concurrent_purchases_of_one_bargain_make_one_order():
    # given a bargain at its floor
    starter = UserFactory()
    AddressFactory(user=starter)
    bargain = services.start_bargain(starter, a_campaign(helpers_needed=1).pk)
    services.help_bargain(UserFactory(), bargain.pk)
    # when the starter buys from 10 tabs at once
    results = together([lambda: services.buy_bargain(starter, bargain.pk) for _ in range(10)])
    # then one order exists and the rest were refused
    assert sum(isinstance(r, Order) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 9
    assert Order.objects.filter(campaign="bargain", campaign_ref=bargain.pk).count() == 1
    assert Bargain.objects.get(pk=bargain.pk).status == BargainStatus.BOUGHT


def test_one_person_helping_many_bargains_at_once_stays_within_k():
    # given a campaign allowing 2 helps per person and 8 bargains on it
    campaign = a_campaign(max_helps_per_user=2)
    bargains = [services.start_bargain(starter, campaign.pk) for starter in people(8)]
    helper = UserFactory()
    # when one person helps all 8 at the same moment
    results = together([lambda b=b: services.help_bargain(helper, b.pk) for b in bargains])
    # then at most 2 helps are recorded, the rest refused cleanly
    assert all(isinstance(r, services.HelpResult | Conflict) for r in results), results
    assert BargainHelp.objects.filter(helper=helper).count() <= 2
    assert sum(isinstance(r, services.HelpResult) for r in results) == (
        BargainHelp.objects.filter(helper=helper).count()
    )
