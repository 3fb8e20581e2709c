"""Suspending a promoter's commissions at a store (trust and safety: a suspected 刷单 ring).

While suspended, the promoter keeps earning frozen commissions on paid orders, but none of them
is released to their available balance when its order completes (`release_commissions` skips
them), they may not request a withdrawal, and their pending withdrawals cannot be approved
(both refused with `commissions_suspended`). Lifting the suspension releases, through the ledger
as the normal release does, those whose orders completed meanwhile.

A suspension is held by one or more `holders` (a trust case names itself): each lifts only its
own hold, and the commissions flow again once nobody holds them. Lock order: see
`quanzi.referrals.locks`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict
from quanzi.orders.models import OrderStatus
from quanzi.referrals.errors import ReferralCode
from quanzi.referrals.locks import lock_account, lock_frozen_commissions, lock_or_create_suspension
from quanzi.referrals.models import (
    Binding,
    Commission,
    CommissionSuspension,
    Promoter,
    PromoterStatus,
)
from quanzi.referrals.services.distribution import (
    promoter_available_account,
    release_commission,
    suspended_promoters,
)

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.stores.models import Store

REASON_LENGTH = 500
MANUAL = "manual"  # the holder of a suspension nobody named

SUSPENDED_MESSAGE = _(
    "Your commissions in this store are suspended while the platform reviews suspicious "
    "orders. You can withdraw again once the review ends."
)


@dataclass(frozen=True)
class SuspensionChange:
    """What `suspend_commissions` did: whether the promoter's standing changed (suspended now,
    or free again) and the fen released when it was lifted."""

    changed: bool
    suspended: bool
    released: int = 0


def suspend_commissions(
    store: Store, user: User, suspended: bool, reason: str, *, holder: str = MANUAL
) -> SuspensionChange:
    """Suspend (`suspended=True`) or lift `holder`'s suspension of `user`'s commissions at
    `store`; the reason of the latest suspension is kept. Lifting the last hold releases the
    frozen commissions whose orders completed meanwhile. Idempotent per holder."""
    holder = holder or MANUAL
    now = timezone.now()
    with transaction.atomic():
        row = lock_or_create_suspension(store.pk, user.pk)
        holders = [h for h in row.holders if isinstance(h, str)] if row.holders else []
        was = row.suspended
        if suspended:
            if holder not in holders:
                holders.append(holder)
            row.reason = (reason or "").strip()[:REASON_LENGTH]
            if not was:
                row.suspended_at = now
        else:
            holders = [h for h in holders if h != holder]
        row.holders = holders
        row.suspended = bool(holders)
        if was and not row.suspended:
            row.lifted_at = now
        row.save(
            update_fields=[
                "holders",
                "suspended",
                "reason",
                "suspended_at",
                "lifted_at",
                "updated_at",
            ]
        )
        released = 0
        if row.suspended and not was:
            # A withdrawal request holds this account's lock while it checks the suspension:
            # waiting for it here means no request that began before this commits slips by.
            lock_account(promoter_available_account(store.pk, user.public_id))
        elif was and not row.suspended:
            released = _release_completed(store.pk, user.pk, now)
    return SuspensionChange(
        changed=was != row.suspended, suspended=row.suspended, released=released
    )


def _release_completed(store_id: str, promoter_id: int, now: datetime) -> int:
    released = 0
    for commission in lock_frozen_commissions(store_id, promoter_id):
        if commission.order.status == OrderStatus.COMPLETED:
            released += release_commission(store_id, commission, now)
    return released


def is_suspended(store_id: str, user_id: int) -> bool:
    return bool(suspended_promoters(store_id, [user_id]))


def refuse_if_suspended(store_id: str, user_id: int) -> None:
    """409 `commissions_suspended` when the promoter's commissions in the store are suspended."""
    if is_suspended(store_id, user_id):
        raise Conflict(SUSPENDED_MESSAGE, code=ReferralCode.COMMISSIONS_SUSPENDED)


def suspension_of(store_id: str, user_id: int) -> CommissionSuspension | None:
    """The promoter's suspension row in the store when it is in force (for their pages)."""
    return CommissionSuspension.objects.filter(
        store_id=store_id, promoter_id=user_id, suspended=True
    ).first()


# --- Who a ring's promoters are (what trust suspends) ------------------------------------------


def promoters_among(store_id: str, user_ids: Iterable[int]) -> set[int]:
    """Those of these people who promote the store: approved as its promoters, or who earned
    commission there (under the 'everyone' rule nobody is approved, yet they earn)."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    approved = Promoter.objects.filter(
        store_id=store_id, user_id__in=wanted, status=PromoterStatus.APPROVED
    ).values_list("user_id", flat=True)
    earned = Commission.objects.filter(
        order__store_id=store_id, promoter_id__in=wanted
    ).values_list("promoter_id", flat=True)
    return set(approved) | set(earned)


def bound_promoters(store_id: str, customer_ids: Iterable[int]) -> set[int]:
    """The promoters these customers are bound to in the store now (expired bindings aside)."""
    wanted = set(customer_ids)
    if not wanted:
        return set()
    now = timezone.now()
    return set(
        Binding.objects.filter(store_id=store_id, customer_id__in=wanted)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("promoter_id", flat=True)
    )
