"""The rollup of raw events into daily counts and visitors, and the pruning of old events.

`roll_up()` reads the raw events after its mark, in id order and only those written at least
`TRACKING_ROLLUP_LAG_SECONDS` ago (a batch still committing, with smaller ids, is never
skipped), leaves out what the store's own staff did, adds them to `DailyCount` and
`DailyVisitor`, and moves its mark — in one transaction, under the mark's lock: a crash counts
nothing twice and loses nothing. `prune()` deletes raw events older than the retention that
the rollup has read. Both are idempotent; a task runs them every minute (tasks.py) and
`manage.py roll_up_events` does the same for cron.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quanzi.stores.models import StoreStaff
from quanzi.tracking.locks import lock_mark
from quanzi.tracking.models import (
    DailyCount,
    DailyStep,
    DailyVisitor,
    Event,
    EventKind,
    FunnelStep,
    Source,
)

log = logging.getLogger("quanzi.tracking")

MARK = "events"
VISIT_KINDS = (EventKind.PRODUCT_VIEW, EventKind.STORE_VIEW)
STEP_OF: dict[str, str] = {
    EventKind.ADD_TO_CART: FunnelStep.CART,
    EventKind.CHECKOUT: FunnelStep.CHECKOUT,
    EventKind.PAID: FunnelStep.PAID,
}
CountKey = tuple[str, date, str, str, str]  # store, day, kind, source, ref


def _lag() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "TRACKING_ROLLUP_LAG_SECONDS", 10)))


def retention_days() -> int:
    return int(getattr(settings, "TRACKING_RETENTION_DAYS", 90))


@dataclass
class Rolled:
    events: int  # raw events read
    counted: int  # of which counted (not the store's staff)


def _staff_pairs(events: list[Event]) -> set[tuple[str, str]]:
    """(store, account) of the people working for the stores these events are about."""
    stores = {e.store_id for e in events if e.store_id and e.user_id}
    if not stores:
        return set()
    rows = StoreStaff.objects.filter(store_id__in=stores).values_list("store_id", "user_id")
    return {(str(store), str(user)) for store, user in rows}


def _ready(after: int, limit: int) -> list[Event]:
    """The next events after the mark that are safely written, in id order, stopping at the
    first one written too recently."""
    cutoff = timezone.now() - _lag()
    events = list(Event.objects.filter(id__gt=after).order_by("id")[:limit])
    for i, event in enumerate(events):
        if event.written_at >= cutoff:
            return events[:i]
    return events


def _add_counts(counts: dict[CountKey, list[int]]) -> None:
    """Add the batch's counts to the daily rows (existing rows updated, new ones created)."""
    if not counts:
        return
    stores = {key[0] for key in counts}
    days = {key[1] for key in counts}
    existing = {
        (row.store_id, row.day, row.kind, row.source, row.ref): row
        for row in DailyCount.objects.filter(store_id__in=stores, day__in=days)
    }
    changed, new = [], []
    for key, (count, amount) in counts.items():
        row = existing.get(key)
        if row is None:
            store, day, kind, source, ref = key
            new.append(
                DailyCount(
                    store_id=store,
                    day=day,
                    kind=kind,
                    source=source,
                    ref=ref,
                    count=count,
                    amount=amount,
                )
            )
        else:
            row.count += count
            row.amount += amount
            changed.append(row)
    DailyCount.objects.bulk_update(changed, ["count", "amount"], batch_size=500)
    DailyCount.objects.bulk_create(new, batch_size=500)


def _day_sources(
    keys: set[tuple[str, date, str]], batch: dict[tuple[str, date, str], str]
) -> dict[tuple[str, date, str], str]:
    """The source each (store, day, visitor) came from that day: this batch's first visit,
    else the one already rolled up, else direct."""
    found = dict(batch)
    missing = keys - found.keys()
    if missing:
        stores = {k[0] for k in missing}
        days = {k[1] for k in missing}
        visitors = {k[2] for k in missing}
        rows = DailyVisitor.objects.filter(
            store_id__in=stores, day__in=days, visitor__in=visitors
        ).values_list("store_id", "day", "visitor", "source")
        for store, day, visitor, source in rows:
            found.setdefault((store, day, visitor), source)
    return {key: found.get(key) or Source.DIRECT for key in keys}


def roll_up(limit: int = 5000) -> Rolled:
    """Count one batch of raw events into the daily rollups and move the mark."""
    with transaction.atomic():
        mark = lock_mark(MARK)
        events = _ready(mark.last_event_id, limit)
        mark.rolled_at = timezone.now()
        if not events:
            mark.save(update_fields=["rolled_at"])
            return Rolled(0, 0)
        staff = _staff_pairs(events)
        counts: dict[CountKey, list[int]] = defaultdict(lambda: [0, 0])
        visitors: dict[tuple[str, date, str], str] = {}
        steps: dict[tuple[str, date, str, str], None] = {}
        counted = 0
        for event in events:
            if event.user_id and (event.store_id, event.user_id) in staff:
                continue
            counted += 1
            day = timezone.localtime(event.at).date()
            key = (event.store_id, day, event.kind, event.source, event.ref)
            counts[key][0] += 1
            counts[key][1] += event.amount
            if event.kind in VISIT_KINDS and event.visitor and event.store_id:
                visitors.setdefault((event.store_id, day, event.visitor), event.source)
            step = STEP_OF.get(event.kind)
            if step and event.visitor and event.store_id:
                steps.setdefault((event.store_id, day, event.visitor, step), None)
        _add_counts(counts)
        sources = _day_sources({(s, d, v) for s, d, v, _ in steps}, visitors)
        DailyStep.objects.bulk_create(
            [
                DailyStep(
                    store_id=store,
                    day=day,
                    visitor=visitor,
                    step=step,
                    source=sources[(store, day, visitor)],
                )
                for (store, day, visitor, step) in steps
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        DailyVisitor.objects.bulk_create(
            [
                DailyVisitor(store_id=store, day=day, visitor=visitor, source=source)
                for (store, day, visitor), source in visitors.items()
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        mark.last_event_id = events[-1].id
        mark.save(update_fields=["last_event_id", "rolled_at"])
    return Rolled(len(events), counted)


AfterRollup = Callable[[], object]
_after_rollup: dict[str, AfterRollup] = {}


def register_after_rollup(name: str, fn: AfterRollup) -> None:
    """Run `fn` after each rollup run (the insights attribute new orders to their touches
    while the raw events are still there); a failure is logged, never stops the rollup."""
    _after_rollup[name] = fn


def after_rollup() -> None:
    for name, fn in list(_after_rollup.items()):
        try:
            fn()
        except Exception:
            log.exception("after-rollup step %s failed", name)


def roll_up_all(limit: int = 5000) -> int:
    """Every ready batch; answers how many raw events were read."""
    total = 0
    while True:
        rolled = roll_up(limit)
        total += rolled.events
        if rolled.events < limit:
            return total


def prune(batch: int = 5000) -> int:
    """Delete raw events older than the retention that the rollup has counted already."""
    with transaction.atomic():
        mark = lock_mark(MARK)
        before = timezone.now() - timedelta(days=retention_days())
        ids = list(
            Event.objects.filter(id__lte=mark.last_event_id, at__lt=before)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if ids:
            Event.objects.filter(id__in=ids).delete()
    return len(ids)
