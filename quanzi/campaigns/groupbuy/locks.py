"""Row locks of group buys: the only place that takes them.

A group's row is locked while its seats are counted and moved (a seat taken, paid, freed or
refunded, the group completed or failed), so its counters never race. FOR NO KEY UPDATE, of the
group's row only (`of`), so the seat rows inserted meanwhile elsewhere, and the campaign read
along, are not held.

Lock order: taking a seat locks the buyer's row (`quanzi.accounts.locks.lock_users`: one
seat-taking per person at a time) → the group → the campaign order's rows (orders, catalog
stock). The expiry timer: the group → its seats → each paid seat's refund (payments: the
payment part, then the new refund row). Order hooks: `order_paid` and `order_cancelled` arrive
after orders' transaction committed, and lock the group → seats (→ a refused seat's refund, as
above); `order_refunded` arrives inside the refund's transaction, so there the group comes after
that transaction's rows (webhook event → refund → order → ledger accounts) → seats. A complete
group's orders are released for shipping after commit, never under the group's lock.
"""

from __future__ import annotations

from datetime import datetime

from quanzi.campaigns.groupbuy.models import Group, GroupStatus


def lock_group(group_id: str) -> Group:
    """The group, locked, with its campaign (Group.DoesNotExist if there is none)."""
    return (
        Group.objects.select_for_update(of=("self",), no_key=True)
        .select_related("campaign")
        .get(pk=group_id)
    )


def lock_expired_open_group(group_id: str, now: datetime) -> Group | None:
    """The group, locked with its campaign and store, if it is still open and its time ran out
    by `now`; None otherwise."""
    return (
        Group.objects.select_for_update(of=("self",), no_key=True)
        .select_related("campaign__store")
        .filter(pk=group_id, status=GroupStatus.OPEN, expires_at__lte=now)
        .first()
    )
