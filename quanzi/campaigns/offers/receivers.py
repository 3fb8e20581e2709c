"""What campaigns do when other domains' events happen: 加入社群返现 composes circles (the
join, below) with coupons (the cashback coupon, further below), so it sits above both. Connected
in OffersConfig.ready, after referrals' receivers as before (the app is installed last)."""

from __future__ import annotations

from typing import Any

from quanzi.coupons.coupons import give_join_cashback


def on_member_joined(
    sender: Any, *, store_id: str | None, user_id: int, rejoined: bool, **kwargs: Any
) -> None:
    """加入社群返现: someone joined a store circle for the first time. Coming back after
    leaving gives nothing; the coupon is given at most once per person per store. Sent after
    the join committed: a failure here is logged and never undoes or fails the join."""
    if store_id is None or rejoined:
        return
    give_join_cashback(store_id, user_id)


def connect() -> None:
    from quanzi.circles.signals import member_joined

    member_joined.connect(on_member_joined, dispatch_uid="campaigns.join_cashback")
