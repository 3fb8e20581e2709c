"""Share reward races that need PostgreSQL's row locks: many members brought by one sharer at
once against the daily cap, and one trigger delivered several times at once."""

from __future__ import annotations

import pytest

from quanzi.circles.services.membership import CircleInput, create_circle, join_circle
from quanzi.referrals.models import PointsEntry, ShareReward, Visit
from quanzi.referrals.services import rewards
from quanzi.referrals.services.links import share_link
from quanzi.referrals.services.points import points_balance
from tests.factories import UserFactory, store_with_owner
from tests.payments.test_concurrency_pg import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_new_members_from_one_sharer_reward_exactly_the_cap():
    # given a store rewarding 10 points per new member, at most 5 per sharer per day
    owner, sharer = UserFactory(), UserFactory()
    store = store_with_owner(owner)
    circle = create_circle(owner, CircleInput(name="山野咖啡圈", store_id=store.pk))
    rewards.configure_rule(
        owner,
        store.pk,
        "new_member",
        rewards.RewardRuleChange(is_active=True, points=10, daily_cap=5),
    )
    link = share_link(sharer, "circle", circle.pk)
    people = [UserFactory() for _ in range(20)]
    for person in people:
        Visit.objects.create(link=link, visitor=person)
    # when the twenty join at the same moment (each reward runs after its join commits)
    results = run_together(20, lambda i: join_circle(people[i], circle.pk))
    # then every join succeeded and exactly five were rewarded, with five points entries
    assert not [r for r in results if isinstance(r, Exception)]
    assert ShareReward.objects.filter(sharer=sharer).count() == 5
    assert PointsEntry.objects.filter(user=sharer).count() == 5
    assert points_balance(store, sharer) == 50


def test_one_trigger_delivered_at_once_rewards_once():
    # given a member brought by a share, whose join signal is delivered by six workers at once
    owner, sharer, member = UserFactory(), UserFactory(), UserFactory()
    store = store_with_owner(owner)
    circle = create_circle(owner, CircleInput(name="山野咖啡圈", store_id=store.pk))
    rewards.configure_rule(
        owner, store.pk, "new_member", rewards.RewardRuleChange(is_active=True, points=10)
    )
    Visit.objects.create(link=share_link(sharer, "circle", circle.pk), visitor=member)
    # when the reward runs six times together
    results = run_together(
        6, lambda i: rewards.reward_new_member(circle.pk, member.pk, rejoined=False)
    )
    # then one reward and one points entry
    assert len([r for r in results if isinstance(r, ShareReward)]) == 1
    assert not [r for r in results if isinstance(r, Exception)]
    assert PointsEntry.objects.count() == 1 and points_balance(store, sharer) == 10
