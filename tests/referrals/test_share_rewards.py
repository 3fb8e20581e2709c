"""Share rewards (转发有礼) with points: new circle members and first orders brought by a share,
once per trigger, never for oneself or across a block, within a daily cap per sharer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, JoinPolicy
from quanzi.circles.services.membership import (
    CircleInput,
    create_circle,
    decide_join_request,
    join_circle,
    leave_circle,
)
from quanzi.core.errors import InvalidInput
from quanzi.orders.models import Order
from quanzi.referrals.models import (
    Attribution,
    PointsEntry,
    PointsReason,
    ShareLink,
    ShareReward,
    Visit,
)
from quanzi.referrals.services import rewards
from quanzi.referrals.services.links import share_link
from quanzi.referrals.services.points import grant_points, points_balance
from quanzi.social.services.graph import block
from quanzi.stores.models import Store
from tests.factories import PASSWORD, UserFactory
from tests.payments.helpers import pay
from tests.referrals.conftest import Scene

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def circle(scene: Scene) -> Circle:
    owner = scene.store.staff.get().user
    return create_circle(owner, CircleInput(name="山野咖啡圈", store_id=scene.store.pk))


def _rule(store: Store, trigger: str, *, points: int = 10, cap: int = 5, active: bool = True):
    owner = store.staff.get().user
    return rewards.configure_rule(
        owner,
        store.pk,
        trigger,
        rewards.RewardRuleChange(is_active=active, points=points, daily_cap=cap),
    )


def _visit(link: ShareLink, user: User) -> Visit:
    return Visit.objects.create(link=link, visitor=user)


def _join(user: User, circle: Circle, capture: Any) -> None:
    with capture(execute=True):
        join_circle(user, circle.pk)


def _logged_in(username: str) -> Client:
    client = Client()
    r = client.post("/accounts/login/", {"identifier": username, "password": PASSWORD})
    assert r.status_code == 302
    return client


def _balance(scene: Scene, user: User) -> int:
    return points_balance(scene.store, user)


# --- New circle members ------------------------------------------------------------------------


def test_share_anonymous_visit_signup_join_rewards_the_sharer_once(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a store rewarding 10 points per new member and a sharer's link to its circle
    _rule(scene.store, "new_member", points=10)
    link = share_link(scene.sharer, "circle", circle.pk)
    # when an anonymous visitor opens the link, signs up and joins the circle from its page
    client = Client()
    assert client.get(f"/s/{link.code}")["Location"] == (
        f"/circles/{circle.pk}/?src=share&via={link.code}"
    )
    assert (
        client.post("/accounts/signup/", {"username": "newbie", "password": PASSWORD}).status_code
        == 302
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/circles/{circle.pk}/join/").status_code == 302
    newbie = User.objects.get(username="newbie")
    # then the sharer got one reward of 10 points, recorded in their points history
    reward = ShareReward.objects.get()
    assert (reward.sharer, reward.member, reward.trigger) == (scene.sharer, newbie, "new_member")
    assert reward.reference == circle.pk and reward.points == 10
    assert _balance(scene, scene.sharer) == 10
    entry = PointsEntry.objects.get()
    assert (entry.delta, entry.reason, entry.reference) == (10, "share_reward", reward.pk)
    # and a replayed or doubled signal gives nothing more
    assert rewards.reward_new_member(circle.pk, newbie.pk, rejoined=False) is None
    rewards.on_member_joined(None, circle_id=circle.pk, user_id=newbie.pk, rejoined=False)
    assert ShareReward.objects.count() == 1 and _balance(scene, scene.sharer) == 10


def test_rejoining_after_leaving_gives_nothing(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a member who joined through a share (rewarded) and a person who joined on their own
    _rule(scene.store, "new_member")
    link = share_link(scene.sharer, "circle", circle.pk)
    brought, walk_in = UserFactory(), UserFactory()
    _visit(link, brought)
    _join(brought, circle, django_capture_on_commit_callbacks)
    _join(walk_in, circle, django_capture_on_commit_callbacks)
    assert ShareReward.objects.count() == 1
    # when both leave, open the sharer's link and join again
    for person in (brought, walk_in):
        leave_circle(person, circle.pk)
        _visit(link, person)
        _join(person, circle, django_capture_on_commit_callbacks)
    # then nobody is rewarded again: they were members before
    assert ShareReward.objects.count() == 1
    assert _balance(scene, scene.sharer) == 10


def test_the_last_touch_on_the_circle_or_the_store_within_the_window_counts(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given two sharers: A shared the circle, B the store; and C shared another circle
    _rule(scene.store, "new_member")
    a, b, c = scene.sharer, UserFactory(), UserFactory()
    other = create_circle(
        scene.store.staff.get().user, CircleInput(name="另一个圈", store_id=scene.store.pk)
    )
    member = UserFactory()
    _visit(share_link(a, "circle", circle.pk), member)
    _visit(share_link(b, "store", scene.store.pk), member)
    _visit(share_link(c, "circle", other.pk), member)
    # when the member joins the circle
    _join(member, circle, django_capture_on_commit_callbacks)
    # then B's touch (the last one leading to this circle or its store) is rewarded
    assert ShareReward.objects.get().sharer == b
    # and a touch older than the store's window brings nothing
    scene.store.attribution_days = 3
    scene.store.save()
    late = UserFactory()
    _visit(share_link(a, "circle", circle.pk), late)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        _join(late, circle, django_capture_on_commit_callbacks)
    assert ShareReward.objects.count() == 1


def test_an_approved_join_request_rewards_the_sharer(
    scene: Scene, django_capture_on_commit_callbacks: Any
):
    # given an approval circle of the store and a person who asked to join through a share
    owner = scene.store.staff.get().user
    circle = create_circle(
        owner, CircleInput(name="审核圈", store_id=scene.store.pk, join_policy=JoinPolicy.APPROVAL)
    )
    _rule(scene.store, "new_member")
    person = UserFactory()
    _visit(share_link(scene.sharer, "circle", circle.pk), person)
    outcome = join_circle(person, circle.pk)
    assert outcome.join_request is not None and not ShareReward.objects.exists()
    # when the owner approves
    with django_capture_on_commit_callbacks(execute=True):
        decide_join_request(owner, circle.pk, outcome.join_request.pk, approve=True)
    # then the sharer is rewarded
    assert ShareReward.objects.get().member == person


def test_interest_circles_give_no_store_reward(
    scene: Scene, django_capture_on_commit_callbacks: Any
):
    # given an interest circle (no store) shared by the sharer, and a store with a rule
    _rule(scene.store, "new_member")
    circle = create_circle(UserFactory(), CircleInput(name="咖啡爱好者"))
    person = UserFactory()
    _visit(share_link(scene.sharer, "circle", circle.pk), person)
    # when someone joins it through the share
    _join(person, circle, django_capture_on_commit_callbacks)
    # then nobody is rewarded
    assert not ShareReward.objects.exists()


# --- First orders ------------------------------------------------------------------------------


def _attributed_order(scene: Scene, client: Client, link: ShareLink) -> Order:
    client.get(f"/s/{link.code}")
    assert (
        client.post("/orders/buy-now/", {"sku": scene.sku.pk, "quantity": "1"}).status_code == 302
    )
    order = Order.objects.filter(buyer=scene.buyer).latest("created_at")
    assert Attribution.objects.get(order=order).sharer_id == link.sharer_id
    return order


def test_first_order_rewards_once_and_a_second_order_nothing(
    scene: Scene, django_capture_on_commit_callbacks: Any
):
    # given a store rewarding 50 points per first order and a buyer who came through a share
    _rule(scene.store, "first_order", points=50)
    link = share_link(scene.sharer, "product", scene.product.pk)
    buyer = _logged_in("buyer")
    first = _attributed_order(scene, buyer, link)
    # when the buyer pays
    pay(scene.buyer, [first], django_capture_on_commit_callbacks)
    # then the sharer gets 50 points once, for that order
    reward = ShareReward.objects.get()
    assert (reward.trigger, reward.reference, reward.member) == (
        "first_order",
        first.pk,
        scene.buyer,
    )
    assert _balance(scene, scene.sharer) == 50
    # and a replayed signal and a second paid order, attributed too, give nothing
    rewards.on_order_paid(None, order_id=first.pk, buyer_id=scene.buyer.pk)
    second = _attributed_order(scene, buyer, link)
    pay(scene.buyer, [second], django_capture_on_commit_callbacks)
    assert ShareReward.objects.count() == 1 and _balance(scene, scene.sharer) == 50


def test_a_customer_who_bought_before_brings_no_first_order_reward(
    scene: Scene, django_capture_on_commit_callbacks: Any
):
    # given a buyer who already paid an order of the store without any share
    buyer = _logged_in("buyer")
    buyer.post("/orders/buy-now/", {"sku": scene.sku.pk, "quantity": "1"})
    pay(scene.buyer, [Order.objects.get(buyer=scene.buyer)], django_capture_on_commit_callbacks)
    # when the store starts rewarding first orders and the buyer orders through a share
    _rule(scene.store, "first_order")
    link = share_link(scene.sharer, "product", scene.product.pk)
    order = _attributed_order(scene, buyer, link)
    pay(scene.buyer, [order], django_capture_on_commit_callbacks)
    # then nobody is rewarded: it is not their first order
    assert not ShareReward.objects.exists()


def test_an_unpaid_order_rewards_nobody(scene: Scene):
    # given a first order attributed to the sharer, not paid
    _rule(scene.store, "first_order")
    order = _attributed_order(
        scene, _logged_in("buyer"), share_link(scene.sharer, "store", scene.store.pk)
    )
    # when the reward runs for it
    # then nothing is given
    assert rewards.reward_first_order(order.pk) is None
    assert not ShareReward.objects.exists()


# --- Who is never rewarded ---------------------------------------------------------------------


def test_self_share_rewards_nothing(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given both rules and the sharer's own links
    _rule(scene.store, "new_member")
    _rule(scene.store, "first_order")
    own = share_link(scene.buyer, "circle", circle.pk)
    # when the buyer opens their own link and joins (no visit is recorded) ...
    client = _logged_in("buyer")
    client.get(f"/s/{own.code}")
    assert not Visit.objects.exists()
    # ... and even with a visit and an attribution forged on their own link
    _visit(own, scene.buyer)
    _join(scene.buyer, circle, django_capture_on_commit_callbacks)
    order = _attributed_order(
        scene, _logged_in("buyer"), share_link(scene.sharer, "store", scene.store.pk)
    )
    Attribution.objects.filter(order=order).update(sharer=scene.buyer)
    pay(scene.buyer, [order], django_capture_on_commit_callbacks)
    # then nobody is rewarded
    assert not ShareReward.objects.exists()
    assert not PointsEntry.objects.exists()


def test_a_block_either_way_rewards_nothing(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a new member who came through the sharer's link but blocked the sharer
    _rule(scene.store, "new_member")
    link = share_link(scene.sharer, "circle", circle.pk)
    blocker, blocked = UserFactory(), UserFactory()
    block(blocker, scene.sharer.public_id)
    block(scene.sharer, blocked.public_id)
    for person in (blocker, blocked):
        _visit(link, person)
        # when they join
        _join(person, circle, django_capture_on_commit_callbacks)
    # then the sharer is not rewarded for either
    assert not ShareReward.objects.exists()


def test_an_inactive_or_missing_rule_rewards_nothing(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a sharer's link and no rule, then an inactive rule
    link = share_link(scene.sharer, "circle", circle.pk)
    first, second = UserFactory(), UserFactory()
    _visit(link, first)
    _join(first, circle, django_capture_on_commit_callbacks)
    _rule(scene.store, "new_member", active=False)
    _visit(link, second)
    # when people join through the share
    _join(second, circle, django_capture_on_commit_callbacks)
    # then nobody is rewarded
    assert not ShareReward.objects.exists()
    assert _balance(scene, scene.sharer) == 0


# --- Daily cap ---------------------------------------------------------------------------------


def test_daily_cap_resets_at_shanghai_midnight(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a cap of 2 rewards per sharer per day
    _rule(scene.store, "new_member", points=10, cap=2)
    link = share_link(scene.sharer, "circle", circle.pk)
    people = [UserFactory() for _ in range(4)]
    # when three people join through the share at 23:50 in Shanghai (15:50 UTC)
    with time_machine.travel(datetime(2026, 3, 1, 23, 50, tzinfo=SHANGHAI), tick=False):
        for person in people[:3]:
            _visit(link, person)
            _join(person, circle, django_capture_on_commit_callbacks)
    # then two are rewarded
    assert ShareReward.objects.count() == 2
    # and twenty minutes later, past midnight in Shanghai (still 1 March in UTC), a fourth is
    with time_machine.travel(datetime(2026, 3, 2, 0, 10, tzinfo=SHANGHAI), tick=False):
        _visit(link, people[3])
        _join(people[3], circle, django_capture_on_commit_callbacks)
    days = sorted(str(d) for d in ShareReward.objects.values_list("day", flat=True))
    assert days == ["2026-03-01", "2026-03-01", "2026-03-02"]
    assert _balance(scene, scene.sharer) == 30
    # and the third person of the first day is not rewarded later either
    assert not ShareReward.objects.filter(member=people[2]).exists()


def test_the_cap_counts_each_sharer_alone(
    scene: Scene, circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a cap of 1 and two sharers
    _rule(scene.store, "new_member", cap=1)
    other = UserFactory()
    links = [share_link(s, "circle", circle.pk) for s in (scene.sharer, other)]
    # when each brings two people on the same day
    for link in links:
        for _ in range(2):
            person = UserFactory()
            _visit(link, person)
            _join(person, circle, django_capture_on_commit_callbacks)
    # then each sharer is rewarded once
    assert sorted(ShareReward.objects.values_list("sharer_id", flat=True)) == sorted(
        [scene.sharer.pk, other.pk]
    )


# --- Points ------------------------------------------------------------------------------------


def test_grant_points_is_idempotent_and_refuses_bad_amounts(scene: Scene):
    # given a customer with no points
    store, user = scene.store, scene.buyer
    # when the same grant is made twice
    first = grant_points(store, user, 7, reason=PointsReason.SHARE_REWARD, reference="r1")
    again = grant_points(store, user, 7, reason=PointsReason.SHARE_REWARD, reference="r1")
    grant_points(store, user, 3, reason=PointsReason.SHARE_REWARD, reference="r2")
    # then it counts once, and the balance is the sum of the entries
    assert first.pk == again.pk
    assert points_balance(store, user) == 10 == sum(e.delta for e in PointsEntry.objects.all())
    # and bad amounts or reasons write nothing
    for amount in (0, -5, 1_000_001, True, "5"):
        with pytest.raises(InvalidInput):
            grant_points(store, user, amount, reason="share_reward", reference="bad")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        grant_points(store, user, 5, reason="gift", reference="bad")
    assert PointsEntry.objects.count() == 2 and points_balance(store, user) == 10
