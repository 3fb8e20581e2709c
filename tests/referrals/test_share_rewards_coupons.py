"""Share rewards paid with a coupon of the store: set up only with the store's own active
coupons, given through campaigns' `grant_coupon` (source "share_reward"), and no reward when the
coupon cannot be handed out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.circles.models import Circle
from quanzi.circles.services.membership import CircleInput, create_circle, join_circle
from quanzi.core.errors import InvalidInput
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, UserCoupon
from quanzi.referrals.models import PointsEntry, ShareReward, ShareRewardRule, Visit
from quanzi.referrals.services import rewards
from quanzi.referrals.services.links import share_link
from quanzi.stores.models import Store
from tests.coupons.conftest import DEFAULTS
from tests.factories import UserFactory, store_with_owner
from tests.referrals.conftest import Scene

# The coupon tests' 满 50 减 10 (valid 7 days after it is received), handed out by the system.
COUPON = DEFAULTS | {"claimable": False}


def _owner(store: Store) -> User:
    return store.staff.get().user


def _coupon(store: Store, *, total: int = 100, per_user: int = 10) -> Coupon:
    return coupons.create_coupon(
        _owner(store),
        store.pk,
        coupons.CouponFields(**(COUPON | {"total": total, "per_user_limit": per_user})),
    )


def _coupon_rule(store: Store, coupon: Coupon, **fields: Any) -> ShareRewardRule:
    return rewards.configure_rule(
        _owner(store),
        store.pk,
        "new_member",
        rewards.RewardRuleChange(is_active=True, reward="coupon", coupon_id=coupon.pk, **fields),
    )


@pytest.fixture
def circle(scene: Scene) -> Circle:
    return create_circle(
        _owner(scene.store), CircleInput(name="山野咖啡圈", store_id=scene.store.pk)
    )


def _bring(link: Any, circle: Circle, capture: Any) -> User:
    person = UserFactory()
    Visit.objects.create(link=link, visitor=person)
    with capture(execute=True):
        join_circle(person, circle.pk)
    return person


def test_a_new_member_earns_the_sharer_a_copy_of_the_coupon(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a store giving its coupon for each new member brought by a share
    coupon = _coupon(scene.store)
    _coupon_rule(scene.store, coupon)
    link = share_link(scene.sharer, "circle", circle.pk)
    # when someone joins through the sharer's link
    member = _bring(link, circle, django_capture_on_commit_callbacks)
    # then the sharer holds a copy given as a share reward, recorded on the reward, no points
    copy = UserCoupon.objects.get(user=scene.sharer)
    assert (copy.coupon, copy.source) == (coupon, "share_reward")
    reward = ShareReward.objects.get()
    assert (reward.member, reward.user_coupon, reward.points) == (member, copy, 0)
    assert not PointsEntry.objects.exists()
    # and the sharer's page names the coupon
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(scene.sharer)
    page = client.get(f"/promote/{scene.store.pk}/rewards/")
    assert "coupon: 满50减10" in page.content.decode()


def test_no_reward_when_the_coupon_cannot_be_handed_out(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a coupon with 2 copies left, one per person, as the new-member reward
    coupon = _coupon(scene.store, total=2, per_user=1)
    _coupon_rule(scene.store, coupon, daily_cap=5)
    link = share_link(scene.sharer, "circle", circle.pk)
    other_sharer = UserFactory()
    other_link = share_link(other_sharer, "circle", circle.pk)
    # when the sharer brings two people (the second over their per-person limit) ...
    _bring(link, circle, django_capture_on_commit_callbacks)
    _bring(link, circle, django_capture_on_commit_callbacks)
    # ... and another sharer brings two (the second after the coupon is all taken)
    _bring(other_link, circle, django_capture_on_commit_callbacks)
    _bring(other_link, circle, django_capture_on_commit_callbacks)
    # then only the rewards with a copy exist, one per sharer
    assert sorted(ShareReward.objects.values_list("sharer_id", flat=True)) == sorted(
        [scene.sharer.pk, other_sharer.pk]
    )
    assert all(r.user_coupon_id for r in ShareReward.objects.all())
    coupon.refresh_from_db()
    assert coupon.issued == 2


def test_only_an_active_coupon_of_the_same_store_can_be_the_reward(scene: Scene, api: Any):
    # given a coupon of another store, a deactivated coupon of this one, and an active one
    other_store = store_with_owner()
    foreign = _coupon(other_store)
    stale = _coupon(scene.store)
    coupons.deactivate_coupon(_owner(scene.store), stale.pk)
    good = _coupon(scene.store)
    owner = _owner(scene.store)
    # when the owner picks each (and a coupon reward with no coupon)
    for coupon_id in (foreign.pk, stale.pk, "nope!", None):
        with pytest.raises(InvalidInput):
            rewards.configure_rule(
                owner,
                scene.store.pk,
                "first_order",
                rewards.RewardRuleChange(is_active=True, reward="coupon", coupon_id=coupon_id),
            )
    # then nothing was saved; through the API too
    assert not ShareRewardRule.objects.exists()
    url = f"referrals/stores/{scene.store.pk}/share-reward-rules/first_order"
    r = api(owner).put(url, {"is_active": True, "reward": "coupon", "coupon_id": foreign.pk})
    assert r.status_code == 400 and r.json()["field"] == "coupon_id"
    assert not ShareRewardRule.objects.exists()
    # and the store's active coupon is accepted
    r = api(owner).put(url, {"is_active": True, "reward": "coupon", "coupon_id": good.pk})
    assert r.status_code == 200 and r.json()["coupon_id"] == good.pk
    assert ShareRewardRule.objects.get().coupon == good


def test_the_console_sets_up_a_coupon_reward(scene: Scene):
    # given the owner's browser and an active coupon of the store
    coupon = _coupon(scene.store)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(_owner(scene.store))
    url = f"/promote/console/{scene.store.pk}/share-rewards/"
    # when they choose the coupon as the first-order reward
    assert coupon.name in client.get(url).content.decode()
    r = client.post(
        url,
        {
            "trigger": "first_order",
            "is_active": "on",
            "reward": "coupon",
            "coupon_id": coupon.pk,
            "daily_cap": "3",
        },
    )
    # then the rule gives that coupon
    assert r.status_code == 302
    rule = ShareRewardRule.objects.get()
    assert (rule.reward, rule.coupon, rule.daily_cap) == ("coupon", coupon, 3)
