"""Keeping tags and RFM current: the receivers of the events that change a customer's rule
tags (each re-checks that one customer, in the task or request that sent the event), and the
nightly sweep of every store for what time alone changes (sleeping, days since the last
order, activity over the last days) and for the RFM scores.

The sweep is a step after the tracking rollup (which runs every minute in the task worker):
each run takes up to `STORES_PER_RUN` stores not yet swept today (a day in Asia/Shanghai) and
marks them, so a day's work is spread over the first minutes after midnight."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from quanzi.customers.models import CustomerSettings, Tag, TagKind
from quanzi.customers.services import rfm, rules
from quanzi.orders.models import Order
from quanzi.stores.models import Store

log = logging.getLogger(__name__)
STORES_PER_RUN = 20


def refresh_one(store_id: Any, user_id: Any, *, kinds: tuple[str, ...] = ()) -> None:
    """Re-check one customer's rule tags (only rules of `kinds` when given); one query and
    nothing more when the store has no such rule tags."""
    if store_id is None or user_id is None:
        return
    tags = list(Tag.objects.filter(store_id=store_id, kind=TagKind.RULE))
    if kinds:
        tags = [t for t in tags if t.rule.get("kind") in kinds]
    if not tags:
        return
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        rules.refresh(store, [int(user_id)], tags=tags)


def _order_changed(order_id: Any) -> None:
    row = Order.objects.filter(pk=order_id).values("store_id", "buyer_id").first()
    if row is not None:
        refresh_one(row["store_id"], row["buyer_id"])


def on_order(sender: Any, order_id: Any = None, **kwargs: Any) -> None:
    """order_paid, order_completed, order_cancelled (sent on commit)."""
    _order_changed(order_id)


def on_order_refunded(sender: Any, order_id: Any = None, **kwargs: Any) -> None:
    """Sent inside the refund's transaction: a savepoint, and never raise into it."""
    try:
        with transaction.atomic():
            _order_changed(order_id)
    except Exception:
        log.exception("customers: refreshing tags after the refund of %s failed", order_id)


def on_member_joined(sender: Any, store_id: Any = None, user_id: Any = None, **kwargs: Any) -> None:
    """A join can make someone a customer: every rule (store circles only)."""
    refresh_one(store_id, user_id)


def on_message_sent(sender: Any, store_id: Any = None, user_id: Any = None, **kwargs: Any) -> None:
    """A message changes only the "active in circles" rules: the chat path pays one query
    when the store has none."""
    refresh_one(store_id, user_id, kinds=("active",))


def on_bound(sender: Any, store_id: Any = None, customer_id: Any = None, **kwargs: Any) -> None:
    refresh_one(store_id, customer_id)
    refresh_one(store_id, kwargs.get("promoter_id"))


def on_promoter_decided(
    sender: Any, store_id: Any = None, user_id: Any = None, **kwargs: Any
) -> None:
    refresh_one(store_id, user_id)


def connect() -> None:
    from quanzi.circles.signals import member_joined, message_sent
    from quanzi.orders.signals import order_cancelled, order_completed, order_paid, order_refunded
    from quanzi.referrals.signals import customer_bound, promoter_decided

    for signal, name in (
        (order_paid, "paid"),
        (order_completed, "completed"),
        (order_cancelled, "cancelled"),
    ):
        signal.connect(on_order, dispatch_uid=f"customers.order_{name}")
    order_refunded.connect(on_order_refunded, dispatch_uid="customers.order_refunded")
    member_joined.connect(on_member_joined, dispatch_uid="customers.member_joined")
    message_sent.connect(on_message_sent, dispatch_uid="customers.message_sent")
    customer_bound.connect(on_bound, dispatch_uid="customers.customer_bound")
    promoter_decided.connect(on_promoter_decided, dispatch_uid="customers.promoter_decided")


def sweep_store(store: Store) -> None:
    rules.refresh_store(store)
    rfm.compute(store)


def nightly(limit: int = STORES_PER_RUN) -> int:
    """Sweep the stores not swept today; answers how many were swept in this run."""
    today = timezone.localdate()
    swept = 0
    done_today = CustomerSettings.objects.filter(swept_on=today).values("store_id")
    for store in Store.objects.exclude(pk__in=done_today).order_by("pk")[:limit]:
        settings = rules.settings_of(store)
        try:
            sweep_store(store)
        except Exception:
            log.exception("customers: the nightly sweep of store %s failed", store.pk)
        CustomerSettings.objects.filter(pk=settings.pk).update(swept_on=today)
        swept += 1
    return swept
