"""Every row lock referrals takes (`SELECT … FOR NO KEY UPDATE`), and the order they are taken in.

Each lock is `of=("self",)` (only the named row, never a joined one) and `no_key=True`: no
transaction of referrals changes a primary key or deletes a locked row, so a row pointing at a
locked one (a share reward at its rule, a ledger entry at its account) can still be inserted
meanwhile. Order rows are orders' (`quanzi.orders.locks.lock_order`), ledger accounts are
locked by `post_transaction` itself, in code order.

Lock order — every flow takes its locks in this order, so two flows never wait in a cycle:

- binding (`distribution.bind`): the store's distribution config → the customer's binding;
- commissions: the order row (orders' lock) → [a binding, as above, when the paid order was
  attributed] → the order's commissions, by level → ledger accounts (store escrow or available,
  the promoters' accounts). A paid order's commissions are frozen and a completed order's
  released after orders' transaction committed (`order_paid`, `order_completed`); a refund's
  reversal runs inside the refund's own transaction (`order_refunded`), after orders locked the
  order and posted the refund, so there too the order row comes before the ledger accounts;
- the programme: the config (`programme.configure`), a promoter standing (`apply`, `decide`),
  each alone;
- withdrawals: a request locks the promoter's available account (the first in code order of
  the two it posts to) → the posting's accounts; a review locks the withdrawal → a payout
  (payments) or the posting's accounts; a payout's outcome arrives inside payments' transaction
  (the webhook event and the payout row first) → the withdrawal → ledger accounts;
- share rewards: the store's rule for the trigger → the coupon copy (coupons) or the points
  balance (a conditional update);
- suspending a promoter's commissions (`suspension.suspend_commissions`, called by trust after
  it locked its case): the suspension row → the promoter's available account (so a withdrawal
  request waits for it, or it for the request); lifting it: the suspension row → the promoter's
  frozen commissions in the store, in id order → ledger accounts. A completed order's release
  locks the order → its commissions and only then reads the suspension, so whichever of the two
  takes the commission rows second sees what the other committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quanzi.accounts.models import User
from quanzi.ledger.models import Account
from quanzi.referrals.models import (
    Binding,
    Commission,
    CommissionStatus,
    CommissionSuspension,
    DistributionConfig,
    Promoter,
    ShareRewardRule,
    Withdrawal,
)
from quanzi.stores.models import Store


def lock_enabled_config(store_id: str) -> DistributionConfig | None:
    """The store's distribution settings when distribution is on, locked; None otherwise."""
    return (
        DistributionConfig.objects.select_for_update(of=("self",), no_key=True)
        .filter(store_id=store_id, enabled=True)
        .first()
    )


def lock_or_create_config(
    store: Store, defaults: Mapping[str, Any]
) -> tuple[DistributionConfig, bool]:
    """The store's distribution settings, locked; created with `defaults` when the store never
    had any (True then). A concurrent first save is waited for, then locked."""
    return DistributionConfig.objects.select_for_update(of=("self",), no_key=True).get_or_create(
        store=store, defaults=dict(defaults)
    )


def lock_binding(customer_id: int, store_id: str) -> Binding | None:
    """The customer's binding in the store, locked; None when they have none."""
    return (
        Binding.objects.select_for_update(of=("self",), no_key=True)
        .filter(customer_id=customer_id, store_id=store_id)
        .first()
    )


def lock_commissions(order_id: str) -> list[Commission]:
    """The order's commissions by level, locked, with their promoters (not locked)."""
    return list(
        Commission.objects.select_for_update(of=("self",), no_key=True)
        .select_related("promoter")
        .filter(order_id=order_id)
        .order_by("level")
    )


def lock_or_create_promoter(
    store: Store, user: User, defaults: Mapping[str, Any] | None = None
) -> tuple[Promoter, bool]:
    """The person's promoter standing in the store, locked; created with `defaults` when they
    never had one (True then)."""
    return Promoter.objects.select_for_update(of=("self",), no_key=True).get_or_create(
        store=store, user=user, defaults=dict(defaults or {})
    )


def lock_withdrawal(withdrawal_id: str) -> Withdrawal | None:
    """The withdrawal, locked, with its promoter (not locked); None when there is none."""
    return (
        Withdrawal.objects.select_for_update(of=("self",), no_key=True)
        .select_related("promoter")
        .filter(pk=withdrawal_id)
        .first()
    )


def lock_account(code: str) -> Account | None:
    """A ledger account referrals reads a balance from before posting to it (a promoter's
    available commission), locked; None when it was never posted to."""
    return Account.objects.select_for_update(of=("self",), no_key=True).filter(code=code).first()


def lock_reward_rule(store: Store, trigger: str, *, active_only: bool) -> ShareRewardRule | None:
    """The store's share reward rule for `trigger` (only an active one with `active_only`),
    locked: it serialises the rewards of its trigger; None when there is none."""
    rules = ShareRewardRule.objects.select_for_update(of=("self",), no_key=True)
    if active_only:
        rules = rules.filter(is_active=True)
    return rules.filter(store=store, trigger=trigger).first()


def lock_or_create_suspension(store_id: str, promoter_id: int) -> CommissionSuspension:
    """The promoter's suspension row in the store, locked; created (not suspended) when there
    was none. A concurrent first creation is waited for, then locked."""
    row, _created = CommissionSuspension.objects.select_for_update(
        of=("self",), no_key=True
    ).get_or_create(store_id=store_id, promoter_id=promoter_id)
    return row


def lock_frozen_commissions(store_id: str, promoter_id: int) -> list[Commission]:
    """The promoter's frozen commissions in the store, locked in id order, with their orders
    and promoter (not locked)."""
    return list(
        Commission.objects.select_for_update(of=("self",), no_key=True)
        .select_related("order", "promoter")
        .filter(order__store_id=store_id, promoter_id=promoter_id, status=CommissionStatus.FROZEN)
        .order_by("pk")
    )
