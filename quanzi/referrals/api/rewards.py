"""Share rewards API: the merchant's rules and the rewards given; a customer's own rewards and
points in a store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.pagination import Page, paginate
from quanzi.core.schemas import Schema
from quanzi.referrals.models import RewardTrigger, ShareReward, ShareRewardRule
from quanzi.referrals.services import points, rewards
from quanzi.stores.services import access_store

router = Router()


class RuleIn(Schema):
    is_active: bool | None = None
    reward: str | None = Field(default=None, max_length=10)
    points: int | None = Field(default=None, ge=1, le=points.MAX_GRANT)
    coupon_id: str | None = Field(default=None, max_length=16)
    daily_cap: int | None = Field(default=None, ge=1, le=rewards.MAX_DAILY_CAP)


class RuleOut(Schema):
    trigger: str
    is_active: bool
    reward: str
    points: int
    coupon_id: str | None
    daily_cap: int


def _rule_out(rule: ShareRewardRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RuleOut.model_fields}


def _coupon(reward: ShareReward) -> dict[str, str | None]:
    copy = reward.user_coupon
    return {
        "coupon_id": copy.coupon_id if copy else None,
        "coupon_name": copy.coupon.name if copy else None,
    }


@router.get("/stores/{store_id}/share-reward-rules", auth=AUTH, response=list[RuleOut])
def get_rules(request: HttpRequest, store_id: str) -> list[dict[str, Any]]:
    """The store's share reward rules, one per trigger (owner and staff)."""
    store = access_store(current_user(request), store_id)
    return [_rule_out(rule) for rule in rewards.rules_for(store)]


@router.put("/stores/{store_id}/share-reward-rules/{trigger}", auth=AUTH, response=RuleOut)
def put_rule(request: HttpRequest, store_id: str, trigger: str, data: RuleIn) -> dict[str, Any]:
    """Set up the rule of one trigger, `new_member` or `first_order` (owner): `reward` is
    `points` (give `points`) or `coupon` (give `coupon_id`, one of the store's active coupons);
    fields left out keep their value."""
    change = rewards.RewardRuleChange(**data.model_dump())
    rule = rewards.configure_rule(current_user(request), store_id, trigger, change)
    return _rule_out(rule)


class RewardOut(Schema):
    id: str
    trigger: str
    sharer_id: str
    sharer_name: str
    member_id: str
    member_name: str
    points: int
    coupon_id: str | None
    coupon_name: str | None
    created_at: datetime


class RewardList(Schema):
    items: list[RewardOut]
    page: int
    pages: int
    total: int


def _reward_out(reward: ShareReward) -> dict[str, Any]:
    return {
        "id": reward.pk,
        "trigger": reward.trigger,
        "sharer_id": reward.sharer.public_id,
        "sharer_name": reward.sharer.display_name,
        "member_id": reward.member.public_id,
        "member_name": reward.member.display_name,
        "points": reward.points,
        **_coupon(reward),
        "created_at": reward.created_at,
    }


def _page(result: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": result.number, "pages": result.pages, "total": result.count}


PAGE = Query(default=None, ge=1, le=100_000)
PAGE_SIZE = Query(default=None, ge=1, le=50)


@router.get("/stores/{store_id}/share-rewards", auth=AUTH, response=RewardList)
def list_rewards(
    request: HttpRequest, store_id: str, page: int | None = PAGE, page_size: int | None = PAGE_SIZE
) -> dict[str, Any]:
    """The rewards the store gave, newest first: who brought whom, when (owner and staff)."""
    store = access_store(current_user(request), store_id)
    result = paginate(rewards.rewards_given(store), page, page_size)
    return _page(result, [_reward_out(row) for row in result.items])


class MyRewardOut(Schema):
    id: str
    trigger: str
    member_name: str | None
    points: int
    coupon_id: str | None
    coupon_name: str | None
    created_at: datetime


class MyRewards(Schema):
    points: int
    items: list[MyRewardOut]
    page: int
    pages: int
    total: int


def _my_reward_out(reward: ShareReward) -> dict[str, Any]:
    """A first order's buyer is not named to the sharer (purchases are private)."""
    joined = reward.trigger == RewardTrigger.NEW_MEMBER
    return {
        "id": reward.pk,
        "trigger": reward.trigger,
        "member_name": reward.member.display_name if joined else None,
        "points": reward.points,
        **_coupon(reward),
        "created_at": reward.created_at,
    }


@router.get("/stores/{store_id}/my-share-rewards", auth=AUTH, response=MyRewards)
def my_rewards(
    request: HttpRequest, store_id: str, page: int | None = PAGE, page_size: int | None = PAGE_SIZE
) -> dict[str, Any]:
    """My share rewards in a store, newest first, and my points there."""
    user = current_user(request)
    store = access_store(user, store_id, need="read")
    result = paginate(rewards.rewards_of(user, store), page, page_size)
    items = [_my_reward_out(row) for row in result.items]
    return {**_page(result, items), "points": points.points_balance(store, user)}


class PointsEntryOut(Schema):
    delta: int
    reason: str
    created_at: datetime


class MyPoints(Schema):
    balance: int
    items: list[PointsEntryOut]
    page: int
    pages: int
    total: int


@router.get("/stores/{store_id}/my-points", auth=AUTH, response=MyPoints)
def my_points(
    request: HttpRequest, store_id: str, page: int | None = PAGE, page_size: int | None = PAGE_SIZE
) -> dict[str, Any]:
    """My points in a store and their history, newest first."""
    user = current_user(request)
    store = access_store(user, store_id, need="read")
    result = paginate(points.points_history(store, user), page, page_size)
    items = [
        {"delta": e.delta, "reason": e.reason, "created_at": e.created_at} for e in result.items
    ]
    return {**_page(result, items), "balance": points.points_balance(store, user)}
