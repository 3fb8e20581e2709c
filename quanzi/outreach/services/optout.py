"""A member's choice to hear nothing more from a store's outreach (honoured by delivery)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from quanzi.accounts.models import User
from quanzi.outreach.models import OutreachOptOut
from quanzi.stores.models import Store
from quanzi.stores.services import access_store


def set_store_outreach(user: User, store_id: str, *, allowed: bool) -> Store:
    """Turn a store's outreach off (`allowed=False`) or back on for `user`."""
    store = access_store(user, store_id, need="read")
    if allowed:
        OutreachOptOut.objects.filter(store=store, user=user).delete()
        return store
    try:
        with transaction.atomic():
            OutreachOptOut.objects.get_or_create(store=store, user=user)
    except IntegrityError:  # a concurrent click made it first
        pass
    return store


def opted_out(store: Store, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` turned the store's outreach off (one query)."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        OutreachOptOut.objects.filter(store=store, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )


def is_opted_out(store: Store, user: User) -> bool:
    return OutreachOptOut.objects.filter(store=store, user=user).exists()


def stores_turned_off(user: User) -> list[Store]:
    """The stores whose outreach the member turned off, newest choice first."""
    rows = OutreachOptOut.objects.filter(user=user).select_related("store").order_by("-pk")
    return [row.store for row in rows]
