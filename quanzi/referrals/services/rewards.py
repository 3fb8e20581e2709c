"""Share rewards (转发有礼): a store rewards a sharer — with points in the store or a copy of one
of its coupons — whose share brought a new circle member or a customer's first order, at most
`daily_cap` times per sharer per day (Asia/Shanghai days).

Triggers (receivers connected in ReferralsConfig.ready, both sent after the commit):

- `member_joined` (circles): someone became a member of one of the store's circles for the first
  time; the sharer is the one whose link to that circle or to the store the member visited last
  within the store's attribution window (`Store.attribution_days`) before joining;
- `order_paid` (orders): the buyer's first paid order in the store, credited to the order's
  sharer by its `Attribution`.

Nobody is rewarded for themself, nor across a block (either way). The reward, its points and the
daily count are one transaction under a lock of the rule row; unique constraints make a trigger
reward once whatever replays or races happen. See docs/referrals.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_bool, clean_choice, whole_number
from quanzi.referrals.locks import lock_reward_rule
from quanzi.referrals.models import (
    Attribution,
    PointsReason,
    RewardKind,
    RewardTrigger,
    ShareReward,
    ShareRewardRule,
    TargetKind,
    Visit,
)
from quanzi.referrals.services.points import MAX_GRANT, grant_points
from quanzi.stores.services import access_store

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.circles.models import Circle
    from quanzi.coupons.models import Coupon, UserCoupon
    from quanzi.orders.models import Order
    from quanzi.stores.models import Store


REWARD_DAY_TZ = ZoneInfo("Asia/Shanghai")  # the day of the daily cap, whoever is looking
MAX_DAILY_CAP = 1000


# --- The merchant's rules ----------------------------------------------------------------------


def rules_for(store: Store) -> list[ShareRewardRule]:
    """The store's rule for each trigger, in trigger order (an unsaved, inactive default for a
    trigger never set up)."""
    saved = {rule.trigger: rule for rule in ShareRewardRule.objects.filter(store=store)}
    return [
        saved.get(trigger) or ShareRewardRule(store=store, trigger=trigger)
        for trigger in RewardTrigger.values
    ]


def _trigger(value: Any) -> str:
    if not isinstance(value, str) or value not in RewardTrigger.values:
        raise InvalidInput(_("Choose what the reward is for."), field="trigger")
    return value


@dataclass(frozen=True, kw_only=True)
class RewardRuleChange:
    """A share-reward rule as typed in; None: left as it is (numbers may come as form text)."""

    is_active: bool | None = None
    reward: str | None = None
    points: int | str | None = None
    coupon_id: str | None = None
    daily_cap: int | str | None = None


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given (None: left as they are), each checked."""
    values: dict[str, Any] = {}  # the coupon is checked against the store by the caller
    if fields.get("is_active") is not None:
        values["is_active"] = clean_bool(fields["is_active"], field="is_active")
    if fields.get("reward") is not None:
        values["reward"] = clean_choice(fields["reward"], RewardKind.values, field="reward")
    if fields.get("points") is not None:
        values["points"] = whole_number(fields["points"], 1, MAX_GRANT, field="points")
    if fields.get("daily_cap") is not None:
        values["daily_cap"] = whole_number(fields["daily_cap"], 1, MAX_DAILY_CAP, field="daily_cap")
    return values


def _store_coupon(store: Store, coupon_id: Any) -> Coupon:
    """One of the store's active coupons (a coupon of another store is refused)."""
    from quanzi.coupons.models import Coupon

    coupon = (
        Coupon.objects.filter(pk=coupon_id, store=store, is_active=True).first()
        if is_public_id(coupon_id)
        else None
    )
    if coupon is None:
        raise InvalidInput(_("Choose one of this store's active coupons."), field="coupon_id")
    return coupon


def configure_rule(
    user: User, store_id: str, trigger: str, change: RewardRuleChange
) -> ShareRewardRule:
    """Set up the store's share reward for one trigger (owner). Fields left out keep their
    value; everything is checked before anything is written."""
    store = access_store(user, store_id, need="owner")
    trigger = _trigger(trigger)
    fields = asdict(change)
    values = _clean(fields)
    if fields.get("coupon_id") is not None:
        values["coupon"] = _store_coupon(store, fields["coupon_id"])
    with transaction.atomic():
        current = lock_reward_rule(store, trigger, active_only=False) or ShareRewardRule(
            store=store, trigger=trigger
        )
        for name, value in values.items():
            setattr(current, name, value)
        if current.reward == RewardKind.POINTS and current.points < 1:
            raise InvalidInput(_("Give at least 1 point."), field="points")
        if current.reward == RewardKind.COUPON and current.coupon_id is None:
            raise InvalidInput(_("Choose the coupon to give."), field="coupon_id")
        current.save()
    return current


def rewards_given(store: Store) -> QuerySet[ShareReward]:
    """The store's rewards, newest first (the merchant's view: who brought whom)."""
    return (
        ShareReward.objects.filter(rule__store=store)
        .select_related("sharer", "member", "user_coupon__coupon")
        .order_by("-created_at", "-pk")
    )


def rewards_of(sharer: User, store: Store) -> QuerySet[ShareReward]:
    """The sharer's rewards in the store, newest first."""
    return (
        ShareReward.objects.filter(rule__store=store, sharer=sharer)
        .select_related("member", "user_coupon__coupon")
        .order_by("-created_at", "-pk")
    )


# --- Giving rewards ----------------------------------------------------------------------------


def circle_sharer(circle: Circle, user_id: int, at: datetime) -> int | None:
    """The sharer of the member's last touch before `at` on a link to the circle or to its
    store, within the store's attribution window; None when there is none (or only their own)."""
    assert circle.store is not None
    window = timedelta(days=circle.store.attribution_days)
    sharer_id: int | None = (
        Visit.objects.filter(visitor_id=user_id, created_at__gte=at - window, created_at__lte=at)
        .filter(
            Q(link__kind=TargetKind.CIRCLE, link__target_id=circle.pk)
            | Q(link__kind=TargetKind.STORE, link__target_id=circle.store_id)
        )
        .exclude(link__sharer_id=user_id)
        .order_by("-created_at", "-pk")
        .values_list("link__sharer_id", flat=True)
        .first()
    )
    return sharer_id


def reward_new_member(circle_id: str, user_id: int, *, rejoined: bool) -> ShareReward | None:
    """Reward the sharer who brought a first-time member into a store circle (a person coming
    back after leaving brings nothing)."""
    from quanzi.circles.models import Circle

    if rejoined:
        return None
    circle = (
        Circle.objects.select_related("store").filter(pk=circle_id, store__isnull=False).first()
    )
    if circle is None or circle.store is None:
        return None
    now = timezone.now()
    sharer_id = circle_sharer(circle, user_id, now)
    if sharer_id is None:
        return None
    return _give(circle.store, RewardTrigger.NEW_MEMBER, sharer_id, user_id, circle.pk, now)


def _is_first_paid(order: Order) -> bool:
    """Whether no other order of the buyer in the store was paid before this one."""
    from quanzi.orders.models import Order

    earlier = Q(paid_at__lt=order.paid_at) | Q(paid_at=order.paid_at, pk__lt=order.pk)
    return not (
        Order.objects.filter(store_id=order.store_id, buyer_id=order.buyer_id)
        .filter(earlier)
        .exists()
    )


def reward_first_order(order_id: str) -> ShareReward | None:
    """Reward the sharer an order is attributed to when it is the buyer's first paid order in
    the store."""
    from quanzi.orders.models import Order

    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or order.paid_at is None or not _is_first_paid(order):
        return None
    sharer_id = (
        Attribution.objects.filter(order_id=order.pk).values_list("sharer_id", flat=True).first()
    )
    if sharer_id is None:
        return None
    return _give(
        order.store, RewardTrigger.FIRST_ORDER, sharer_id, order.buyer_id, order.pk, timezone.now()
    )


def _give(
    store: Store, trigger: str, sharer_id: int, member_id: int, reference: str, now: datetime
) -> ShareReward | None:
    """Give the store's reward for `trigger` to the sharer, unless it is off, already given for
    this trigger, or the sharer reached today's cap."""
    from quanzi.accounts.models import User
    from quanzi.social.services.graph import is_blocked_between

    if not store.is_active or sharer_id == member_id or is_blocked_between(sharer_id, member_id):
        return None
    day = timezone.localdate(now, REWARD_DAY_TZ)
    with transaction.atomic():
        # The rule row serialises the rewards of its trigger: counting today's rewards and
        # adding one is a single step, so concurrent triggers never pass the cap.
        rule = lock_reward_rule(store, trigger, active_only=True)
        if rule is None:
            return None
        given = ShareReward.objects.filter(rule=rule, member_id=member_id)
        if trigger == RewardTrigger.NEW_MEMBER:
            given = given.filter(reference=reference)
        if given.exists():
            return None
        if ShareReward.objects.filter(rule=rule, sharer_id=sharer_id, day=day).count() >= (
            rule.daily_cap
        ):
            return None
        sharer = User.objects.get(pk=sharer_id)
        copy = None
        if rule.reward == RewardKind.COUPON:
            copy = _coupon_copy(rule, sharer)
            if copy is None:
                return None
        reward = ShareReward.objects.create(
            rule=rule,
            trigger=trigger,
            sharer=sharer,
            member_id=member_id,
            reference=reference,
            points=0 if copy else rule.points,
            user_coupon=copy,
            day=day,
        )
        if copy is None:
            grant_points(
                store, sharer, rule.points, reason=PointsReason.SHARE_REWARD, reference=reward.pk
            )
    return reward


def _coupon_copy(rule: ShareRewardRule, sharer: User) -> UserCoupon | None:
    """A copy of the rule's coupon for the sharer (inside `_give`'s transaction). None when it
    cannot be handed out (deactivated, ended, all taken, the sharer's per-person limit reached):
    then there is no reward, and the day's count is not used up."""
    from quanzi.coupons.coupons import grant_coupon
    from quanzi.coupons.models import CouponSource

    assert rule.coupon is not None
    return grant_coupon(rule.coupon, sharer, source=CouponSource.SHARE_REWARD)


# --- Signal receivers (connected in ReferralsConfig.ready) -------------------------------------


def on_member_joined(
    sender: Any, *, circle_id: str, user_id: int, rejoined: bool, **kwargs: Any
) -> None:
    """Sent after the join committed: a failure is logged and never fails the join."""
    reward_new_member(circle_id, user_id, rejoined=rejoined)


def on_order_paid(sender: Any, *, order_id: str, **kwargs: Any) -> None:
    """Sent after the payment committed: a failure is logged and never fails the payment."""
    reward_first_order(order_id)


def connect() -> None:
    from quanzi.circles.signals import member_joined
    from quanzi.orders.signals import order_paid

    member_joined.connect(on_member_joined, dispatch_uid="referrals.rewards.member_joined")
    order_paid.connect(on_order_paid, dispatch_uid="referrals.rewards.order_paid")
