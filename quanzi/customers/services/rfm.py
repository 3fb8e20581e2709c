"""RFM: each customer who paid an order (not fully refunded) within the store's window, scored
1–5 on recency (days since the last such order: fewer is better), frequency (such orders) and
monetary (their spend net of partial refunds, fen), and named by which scores are high.

Scores by quintile: among the n scored customers, a value v scores
`1 + floor(5 × (k + t/2) / n)` where k is how many customers have a strictly worse value (for
R: more days; for F and M: less) and t how many share v: each value is placed at the middle of
its run of ties (its mid-rank). So the same value always scores the same (ties are never split
across two scores), a population of 25 distinct values gets five scores of 5 people each, and a
population that is all alike (one customer, or everyone bought today) scores 3, the middle —
not 1, which would call a customer who bought today one to win back. With merchant-set
breaks (four ascending numbers b1 < b2 < b3 < b4) instead: F and M score 1 below b1, 2 from
b1, 3 from b2, 4 from b3, 5 from b4; R scores 5 up to b1 days, 4 up to b2, 3 up to b3, 2 up to
b4 and 1 beyond.

A score ≥ 3 (the middle quintile and above) is "high"; the eight segments follow from R, F
and M high or low (docs/customers.md says what each one means and what to do with it)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.core.errors import InvalidInput
from quanzi.core.validation import whole_number
from quanzi.customers.errors import CustomerCode
from quanzi.customers.models import CustomerRfm, CustomerSettings, RfmSegment
from quanzi.customers.services import population
from quanzi.customers.services.rules import settings_of
from quanzi.stores.models import Store

HIGH = 3
WINDOWS = (30, 90, 180, 365, 730)
SEGMENTS: dict[tuple[bool, bool, bool], RfmSegment] = {
    (True, True, True): RfmSegment.IMPORTANT_VALUE,
    (True, False, True): RfmSegment.IMPORTANT_DEVELOP,
    (False, True, True): RfmSegment.IMPORTANT_KEEP,
    (False, False, True): RfmSegment.IMPORTANT_WINBACK,
    (True, True, False): RfmSegment.GENERAL_VALUE,
    (True, False, False): RfmSegment.GENERAL_DEVELOP,
    (False, True, False): RfmSegment.GENERAL_KEEP,
    (False, False, False): RfmSegment.GENERAL_WINBACK,
}


def quintile_scores(values: Sequence[int], *, lower_is_better: bool = False) -> list[int]:
    """Each value's 1–5 score among `values` (see the module's docstring)."""
    n = len(values)
    if n == 0:
        return []
    ordered = sorted(values)
    scores = []
    for v in values:
        below, above = bisect_left(ordered, v), bisect_right(ordered, v)
        worse = n - above if lower_is_better else below
        tied = above - below
        scores.append(min(5, 1 + (5 * (2 * worse + tied)) // (2 * n)))  # the mid-rank, ×2
    return scores


def break_score(value: int, breaks: Sequence[int], *, lower_is_better: bool = False) -> int:
    if lower_is_better:
        return 5 - bisect_left(list(breaks), value)
    return 1 + bisect_right(list(breaks), value)


def segment_of(r: int, f: int, m: int) -> RfmSegment:
    return SEGMENTS[(r >= HIGH, f >= HIGH, m >= HIGH)]


def clean_breaks(value: Any, *, field: str) -> list[int]:
    """Empty (quintiles) or four ascending whole numbers."""
    if value in (None, [], ""):
        return []
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
        or any(a >= b for a, b in pairwise(value))
    ):
        raise InvalidInput(
            _("Give four ascending whole numbers, or none for quintiles."),
            code=CustomerCode.BAD_BREAKS,
            field=field,
        )
    return list(value)


def compute(store: Store) -> int:
    """Score every customer who bought in the window (opted-out members never); those who
    did not lose their row. Answers how many were scored."""
    settings = settings_of(store)
    now = timezone.now()
    since = now - timedelta(days=settings.rfm_window_days)
    opted_out = population.opted_out().values("user_id")
    rows = list(
        population.counted_orders(store)
        .filter(paid_at__gte=since)
        .exclude(buyer_id__in=opted_out)
        .values("buyer_id")
        .annotate(
            last=Max("paid_at"),
            orders=Count("pk"),
            spend=Sum(F("total") - F("refunded_amount")),
        )
        .order_by("buyer_id")
    )
    recency = [max(0, (now - row["last"]).days) for row in rows]
    frequency = [int(row["orders"]) for row in rows]
    monetary = [int(row["spend"] or 0) for row in rows]
    r = _scores(recency, settings.recency_breaks, lower_is_better=True)
    f = _scores(frequency, settings.frequency_breaks)
    m = _scores(monetary, settings.monetary_breaks)
    with transaction.atomic():
        CustomerRfm.objects.filter(store=store).delete()
        CustomerRfm.objects.bulk_create(
            [
                CustomerRfm(
                    store=store,
                    user_id=row["buyer_id"],
                    recency_days=recency[i],
                    frequency=frequency[i],
                    monetary=monetary[i],
                    r=r[i],
                    f=f[i],
                    m=m[i],
                    segment=segment_of(r[i], f[i], m[i]),
                    computed_at=now,
                )
                for i, row in enumerate(rows)
            ],
            batch_size=1000,
        )
        CustomerSettings.objects.filter(pk=settings.pk).update(rfm_computed_at=now)
    return len(rows)


def _scores(values: list[int], breaks: list[int], *, lower_is_better: bool = False) -> list[int]:
    if breaks:
        return [break_score(v, breaks, lower_is_better=lower_is_better) for v in values]
    return quintile_scores(values, lower_is_better=lower_is_better)


def sizes(store: Store) -> list[dict[str, Any]]:
    """Each of the eight segments with its customers and their spend, in the usual order."""
    counted: dict[str, tuple[int, int]] = {
        row["segment"]: (int(row["customers"]), int(row["spend"] or 0))
        for row in CustomerRfm.objects.filter(store=store)
        .exclude(user_id__in=population.opted_out().values("user_id"))
        .values("segment")
        .annotate(customers=Count("pk"), spend=Sum("monetary"))
    }
    return [
        {
            "segment": seg.value,
            "label": seg.label,
            "customers": counted.get(seg.value, (0, 0))[0],
            "spend": counted.get(seg.value, (0, 0))[1],
        }
        for seg in RfmSegment
    ]


def change_settings(
    store: Store,
    *,
    window_days: Any = None,
    recency_breaks: Any = None,
    frequency_breaks: Any = None,
    monetary_breaks: Any = None,
    new_days: Any = None,
    sleeping_days: Any = None,
) -> CustomerSettings:
    """Change what was given (None: leave it), then score again."""
    settings = settings_of(store)
    if window_days is not None:
        settings.rfm_window_days = whole_number(window_days, 7, 3650, field="window_days")
    if recency_breaks is not None:
        settings.recency_breaks = clean_breaks(recency_breaks, field="recency_breaks")
    if frequency_breaks is not None:
        settings.frequency_breaks = clean_breaks(frequency_breaks, field="frequency_breaks")
    if monetary_breaks is not None:
        settings.monetary_breaks = clean_breaks(monetary_breaks, field="monetary_breaks")
    if new_days is not None:
        settings.new_days = whole_number(new_days, 1, 3650, field="new_days")
    if sleeping_days is not None:
        settings.sleeping_days = whole_number(sleeping_days, 1, 3650, field="sleeping_days")
    settings.save()
    compute(store)
    return settings
