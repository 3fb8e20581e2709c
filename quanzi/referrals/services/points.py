"""Points (积分): a customer's points in one store, as Youzan keeps them per shop.

`PointsEntry` rows are the truth and are only ever added; `PointsBalance` caches their sum and
moves in the same transaction as the entry, by an update in the database (never a value read
and written back), so concurrent grants all count. A grant is idempotent by (store, user,
reason, reference): replaying it returns the first entry and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.referrals.models import PointsBalance, PointsEntry, PointsReason

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.stores.models import Store

MAX_GRANT = 1_000_000


def grant_points(
    store: Store, user: User, amount: int, *, reason: str, reference: str
) -> PointsEntry:
    """Give `user` `amount` points in `store` (1 to MAX_GRANT) for `reason` / `reference`."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_GRANT:
        raise InvalidInput(_("Points must be a whole number from 1 to 1,000,000."), field="points")
    if reason not in PointsReason.values or not 0 < len(reference) <= 64:
        raise InvalidInput(_("Unknown reason for points."), field="reason")
    key = {"store": store, "user": user, "reason": reason, "reference": reference}
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(delta=amount, **key)
        except IntegrityError:  # a replay (or a concurrent twin): the first grant stands
            return PointsEntry.objects.get(**key)
        _add(store, user, amount)
    return entry


def _add(store: Store, user: User, delta: int) -> None:
    """Move the cached balance by `delta` (inside the entry's transaction)."""
    rows = PointsBalance.objects.filter(store=store, user=user)
    if rows.update(balance=F("balance") + delta, updated_at=timezone.now()):
        return
    try:
        with transaction.atomic():
            PointsBalance.objects.create(store=store, user=user, balance=delta)
    except IntegrityError:  # a concurrent first grant made the row: add to it
        rows.update(balance=F("balance") + delta, updated_at=timezone.now())


def points_balance(store: Store, user: User) -> int:
    """The user's points in the store (0 when they never had any)."""
    balance = (
        PointsBalance.objects.filter(store=store, user=user)
        .values_list("balance", flat=True)
        .first()
    )
    return balance or 0


def points_history(store: Store, user: User) -> QuerySet[PointsEntry]:
    """The user's points entries in the store, newest first."""
    return PointsEntry.objects.filter(store=store, user=user).order_by("-created_at", "-pk")


def points_by_store(user: User) -> list[PointsBalance]:
    """The person's points in each store where they have some, with the store loaded."""
    return list(
        PointsBalance.objects.filter(user=user, balance__gt=0)
        .select_related("store")
        .order_by("-balance", "store_id")
    )
