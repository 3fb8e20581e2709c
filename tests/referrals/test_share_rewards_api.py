"""Share rewards API and pages: who may see and change what, bad input, constant queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.circles.services.membership import CircleInput, create_circle, join_circle
from quanzi.coupons.coupons import CouponFields, create_coupon, grant_coupon
from quanzi.referrals.models import PointsReason, ShareReward, ShareRewardRule
from quanzi.referrals.services.points import grant_points
from quanzi.referrals.services.rewards import RewardRuleChange, configure_rule
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import UserFactory, store_with_owner

pytestmark = pytest.mark.django_db

ROLES = ("owner", "staff", "member", "stranger", "anonymous")


@dataclass
class Shop:
    store: Store
    people: dict[str, User | None]


@pytest.fixture
def shop() -> Shop:
    owner, staff, member, stranger = (UserFactory() for _ in range(4))
    store = store_with_owner(owner, name="山野小铺")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    circle = create_circle(owner, CircleInput(name="山野咖啡圈", store_id=store.pk))
    join_circle(member, circle.pk)
    people: dict[str, User | None] = {
        "owner": owner,
        "staff": staff,
        "member": member,
        "stranger": stranger,
        "anonymous": None,
    }
    return Shop(store=store, people=people)


def _client(user: User | None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _rewards(store: Store, n: int) -> None:
    """`n` rewards of the store's new-member rule, to different sharers and members."""
    rule = configure_rule(
        store.staff.get(role="owner").user,
        store.pk,
        "new_member",
        RewardRuleChange(is_active=True, points=5),
    )
    for i in range(n):
        sharer, member = UserFactory(), UserFactory()
        reward = ShareReward.objects.create(
            rule=rule,
            trigger=rule.trigger,
            sharer=sharer,
            member=member,
            reference=f"c{i}",
            points=5,
            day=timezone.localdate(),
        )
        grant_points(store, sharer, 5, reason=PointsReason.SHARE_REWARD, reference=reward.pk)


# --- Role matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 200), ("staff", 200), ("member", 403), ("stranger", 403), ("anonymous", 401)],
)
def test_merchant_reads_rules_and_rewards(shop: Shop, api: Any, role: str, expected: int):
    # given a store with a reward given
    _rewards(shop.store, 1)
    client = api(shop.people[role])
    # when each role reads the rules and the rewards given
    rules = client.get(f"referrals/stores/{shop.store.pk}/share-reward-rules")
    given = client.get(f"referrals/stores/{shop.store.pk}/share-rewards")
    # then only the store's people may
    assert (rules.status_code, given.status_code) == (expected, expected)
    if expected == 200:
        assert [r["trigger"] for r in rules.json()] == ["new_member", "first_order"]
        assert given.json()["total"] == 1 and given.json()["items"][0]["points"] == 5


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 200), ("staff", 403), ("member", 403), ("stranger", 403), ("anonymous", 401)],
)
def test_only_the_owner_changes_a_rule(shop: Shop, api: Any, role: str, expected: int):
    # when each role sets up the first-order reward
    r = api(shop.people[role]).put(
        f"referrals/stores/{shop.store.pk}/share-reward-rules/first_order",
        {"is_active": True, "points": 20, "daily_cap": 3},
    )
    # then only the owner's change is written
    assert r.status_code == expected
    assert ShareRewardRule.objects.filter(store=shop.store).exists() == (expected == 200)
    if expected == 200:
        assert r.json() == {
            "trigger": "first_order",
            "is_active": True,
            "reward": "points",
            "points": 20,
            "coupon_id": None,
            "daily_cap": 3,
        }


@pytest.mark.parametrize("role", ROLES)
def test_customers_read_their_own_rewards_and_points(shop: Shop, api: Any, role: str):
    # given the member earned a reward and points in the store
    rule = configure_rule(
        shop.people["owner"],
        shop.store.pk,
        "first_order",
        RewardRuleChange(is_active=True, points=8),
    )
    member = shop.people["member"]
    assert member is not None
    reward = ShareReward.objects.create(
        rule=rule,
        trigger="first_order",
        sharer=member,
        member=UserFactory(nickname="买家"),
        reference="o1",
        points=8,
        day=timezone.localdate(),
    )
    grant_points(shop.store, member, 8, reason=PointsReason.SHARE_REWARD, reference=reward.pk)
    client = api(shop.people[role])
    # when each role reads their rewards and points
    mine = client.get(f"referrals/stores/{shop.store.pk}/my-share-rewards")
    points = client.get(f"referrals/stores/{shop.store.pk}/my-points")
    # then anyone logged in sees their own (only the member has some); anonymous is refused
    if role == "anonymous":
        assert (mine.status_code, points.status_code) == (401, 401)
        return
    assert (mine.status_code, points.status_code) == (200, 200)
    own = role == "member"
    assert mine.json()["points"] == points.json()["balance"] == (8 if own else 0)
    assert mine.json()["total"] == points.json()["total"] == (1 if own else 0)
    if own:
        # and a first order's buyer is not named to the sharer
        assert mine.json()["items"][0]["member_name"] is None
        assert points.json()["items"][0] == {
            "delta": 8,
            "reason": "share_reward",
            "created_at": points.json()["items"][0]["created_at"],
        }


@pytest.mark.parametrize(
    ("role", "get", "post"),
    [
        ("owner", 200, 302),
        ("staff", 200, 403),
        ("member", 403, 403),
        ("stranger", 403, 403),
        ("anonymous", 302, 302),
    ],
)
def test_console_page_roles(shop: Shop, role: str, get: int, post: int):
    # given each role's browser
    client = _client(shop.people[role])
    url = f"/promote/console/{shop.store.pk}/share-rewards/"
    # when they open the console page and post a rule
    page = client.get(url)
    saved = client.post(
        url, {"trigger": "new_member", "is_active": "on", "points": "10", "daily_cap": "5"}
    )
    # then the store's people see it, the owner alone saves; anonymous goes to log in
    assert (page.status_code, saved.status_code) == (get, post)
    if role == "anonymous":
        assert "/accounts/login/" in page["Location"]
    assert ShareRewardRule.objects.filter(store=shop.store).exists() == (role == "owner")
    if role == "owner":
        rule = ShareRewardRule.objects.get()
        assert (rule.trigger, rule.is_active, rule.points, rule.daily_cap) == (
            "new_member",
            True,
            10,
            5,
        )
        assert b'data-testid="rule-save"' in page.content
    if role == "staff":
        assert b'data-testid="rule-save"' not in page.content


@pytest.mark.parametrize("role", ROLES)
def test_sharer_pages_roles(shop: Shop, role: str):
    # when each role opens their rewards and points pages of the store
    client = _client(shop.people[role])
    pages = [client.get(f"/promote/{shop.store.pk}/{name}/") for name in ("rewards", "points")]
    # then logged-in people see their own; anonymous goes to log in
    if role == "anonymous":
        assert all(p.status_code == 302 and "/accounts/login/" in p["Location"] for p in pages)
    else:
        assert [p.status_code for p in pages] == [200, 200]
        assert b'data-testid="share-rewards-panel"' in pages[0].content
        assert b'data-testid="points-balance">0<' in pages[1].content


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "body", "status"),
    [
        ("first_order", {"is_active": True, "points": 0}, 422),
        ("first_order", {"is_active": True, "points": "many"}, 422),
        ("first_order", {"daily_cap": 0, "points": 5}, 422),
        ("first_order", {"daily_cap": 1001, "points": 5}, 422),
        ("first_order", {"reward": "cash", "points": 5}, 400),
        ("first_order", {"is_active": True}, 400),  # active without points
        ("first_order", {"is_active": "maybe", "points": 5}, 422),
        ("birthday", {"is_active": True, "points": 5}, 400),
    ],
)
def test_bad_rules_are_refused_and_write_nothing(
    shop: Shop, api: Any, trigger: str, body: dict[str, Any], status: int
):
    # when the owner sends a bad rule
    r = api(shop.people["owner"]).put(
        f"referrals/stores/{shop.store.pk}/share-reward-rules/{trigger}",
        body,
        headers={"Accept-Language": "en"},
    )
    # then a clear 4xx, and no rule
    assert r.status_code == status and r.json()["detail"]
    assert not ShareRewardRule.objects.exists()


def test_bad_console_form_shows_the_error_and_writes_nothing(shop: Shop):
    # given the owner's browser
    client = _client(shop.people["owner"])
    url = f"/promote/console/{shop.store.pk}/share-rewards/"
    # when they save a rule with a cap of zero, and one for an unknown trigger
    bad_cap = client.post(
        url, {"trigger": "new_member", "is_active": "on", "points": "10", "daily_cap": "0"}
    )
    bad_trigger = client.post(url, {"trigger": "nope", "points": "10", "daily_cap": "1"})
    # then the page answers 400 with the message, and nothing is saved
    assert bad_cap.status_code == bad_trigger.status_code == 400
    assert b"Enter a number from 1 to 1000." in bad_cap.content
    assert b"Choose what the reward is for." in bad_trigger.content
    assert not ShareRewardRule.objects.exists()


def test_unknown_store_is_not_found(shop: Shop, api: Any):
    # when someone asks about a store that does not exist
    client = api(shop.people["owner"])
    # then 404 everywhere
    for path in ("share-reward-rules", "share-rewards", "my-share-rewards", "my-points"):
        assert client.get(f"referrals/stores/NoSuchStore0000/{path}").status_code == 404
    assert _client(shop.people["owner"]).get("/promote/NoSuchStore0000/points/").status_code == 404


# --- Constant queries --------------------------------------------------------------------------


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_lists_take_constant_queries(shop: Shop, api: Any):
    # given an owner's client, and a sharer with one reward, then four
    client = api(shop.people["owner"])
    base = f"referrals/stores/{shop.store.pk}"
    _rewards(shop.store, 1)
    sharer = ShareReward.objects.get().sharer
    mine, pages = api(sharer), _client(shop.people["owner"])
    console = f"/promote/console/{shop.store.pk}/share-rewards/"
    for warm in (client, mine):  # a token's first use records it: one more query, once
        warm.get(f"{base}/my-points")
    before = [
        _queries(client, f"{base}/share-rewards"),
        _queries(mine, f"{base}/my-share-rewards"),
        _queries(mine, f"{base}/my-points"),
        _queries(pages, console),
    ]
    rule = ShareRewardRule.objects.get()
    coupon = create_coupon(
        shop.people["owner"],
        shop.store.pk,
        CouponFields(
            name="满50减10", kind="fixed", amount_off=1000, validity="days", valid_days=7, total=10
        ),
    )
    copy = grant_coupon(coupon, sharer, source="share_reward")
    ShareReward.objects.create(  # and one of them paid with a coupon
        rule=rule,
        trigger=rule.trigger,
        sharer=sharer,
        member=UserFactory(),
        reference="coupon",
        user_coupon=copy,
        day=timezone.localdate(),
    )
    for i in range(2):
        reward = ShareReward.objects.create(
            rule=rule,
            trigger=rule.trigger,
            sharer=sharer,
            member=UserFactory(),
            reference=f"more{i}",
            points=5,
            day=timezone.localdate(),
        )
        grant_points(shop.store, sharer, 5, reason=PointsReason.SHARE_REWARD, reference=reward.pk)
    # when the lists are read again
    after = [
        _queries(client, f"{base}/share-rewards"),
        _queries(mine, f"{base}/my-share-rewards"),
        _queries(mine, f"{base}/my-points"),
        _queries(pages, console),
    ]
    # then the query counts did not grow, and all four rewards are listed
    assert after == before
    assert pages.get(console).content.count(b'data-testid="reward-row"') == 4
