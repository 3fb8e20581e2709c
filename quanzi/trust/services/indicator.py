"""The store trust indicator buyers see (口碑): built only from verified, long-standing reviews.

A review counts when it is visible (not held by a case, not hidden), was written at least
`SETTLED_DAYS` ago (past the after-sales window, so a refund would have shown), by an account
that existed `ACCOUNT_DAYS` before it, whose order was not refunded, that the detectors do not
flag and whose author no operator marked as fake. What a fresh ring of new accounts writes
therefore moves a product's rating only until it is held, and never the store's indicator.

Store and product pages show it on every view, so it is cached per store for `CACHE_SECONDS`:
what changes it within that time (a hold or restore, a mark, an appeal's decision, an analysis
run's new scores) forgets the stores it touched once its transaction commits (`forget`); the
rest — a review becoming settled with time — may take that long to show. A cache that is down
only costs the query."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from quanzi.reviews.models import Moderation, Review
from quanzi.trust.models import AccountMark, MarkKind, ReviewScore, TrustSettings

log = logging.getLogger("quanzi.trust")

CACHE_SECONDS = 600
SETTLED_DAYS = 15
ACCOUNT_DAYS = 30
ENOUGH_REVIEWS = 10
GOOD_SHARE = 0.9
FAIR_SHARE = 0.7


class TrustLevel(StrEnum):
    GOOD = "good"  # enough settled reviews, nine in ten of them four or five stars
    FAIR = "fair"
    POOR = "poor"
    FEW = "few"  # too few settled reviews to say


@dataclass(frozen=True)
class StoreTrust:
    level: TrustLevel
    reviews: int  # the settled reviews counted
    reviewers: int  # by how many people
    average: float | None  # their mean stars, one decimal
    positive_share: float | None  # the share with four or five stars

    @property
    def positive_percent(self) -> int | None:
        return None if self.positive_share is None else round(self.positive_share * 100)


def settled_reviews(store_id: str) -> QuerySet[Review]:
    """The store's reviews that count for its indicator (see the module's docstring)."""
    now = timezone.now()
    latest_mark = (
        AccountMark.objects.filter(user=OuterRef("author_id"))
        .order_by("-created_at", "-pk")
        .values("mark")[:1]
    )
    threshold = TrustSettings.objects.filter(pk=1).values_list("review_flag", flat=True).first()
    flagged = ReviewScore.objects.filter(
        review=OuterRef("pk"), score__gte=threshold if threshold is not None else 60
    )
    return (
        Review.objects.filter(
            store_id=store_id,
            moderation=Moderation.VISIBLE,
            created_at__lte=now - timedelta(days=SETTLED_DAYS),
            author__date_joined__lte=F("created_at") - timedelta(days=ACCOUNT_DAYS),
            order_item__order__refunded_amount=0,
        )
        .annotate(mark=Subquery(latest_mark))
        .filter(Q(mark__isnull=True) | Q(mark=MarkKind.CLEARED))
        .filter(~Exists(flagged))
    )


def _key(store_id: str) -> str:
    return f"trust:indicator:{store_id}"


def forget(store_ids: Iterable[str]) -> None:
    """The stores' indicators are read again, once the current transaction commits."""
    keys = sorted({_key(s) for s in store_ids if s})
    if not keys:
        return

    def drop() -> None:
        try:
            cache.delete_many(keys)
        except Exception:
            log.exception("could not forget the trust indicators of %d stores", len(keys))

    transaction.on_commit(drop)


def store_trust(store_id: str) -> StoreTrust:
    """The indicator of one store: cached, else one query."""
    try:
        hit = cache.get(_key(store_id))
    except Exception:
        log.exception("could not read the cached trust indicator")
        hit = None
    if isinstance(hit, StoreTrust):
        return hit
    found = count_store_trust(store_id)
    try:
        cache.set(_key(store_id), found, CACHE_SECONDS)
    except Exception:
        log.exception("could not cache the trust indicator")
    return found


def count_store_trust(store_id: str) -> StoreTrust:
    """The indicator of one store, counted now, in one query."""
    row = settled_reviews(store_id).aggregate(
        n=Count("pk"),
        people=Count("author_id", distinct=True),
        mean=Avg("stars"),
        good=Count("pk", filter=Q(stars__gte=4)),
    )
    count = int(row["n"] or 0)
    if count == 0:
        return StoreTrust(TrustLevel.FEW, 0, 0, None, None)
    share = row["good"] / count
    average = round(float(row["mean"]), 1)
    if count < ENOUGH_REVIEWS:
        level = TrustLevel.FEW
    elif share >= GOOD_SHARE:
        level = TrustLevel.GOOD
    elif share >= FAIR_SHARE:
        level = TrustLevel.FAIR
    else:
        level = TrustLevel.POOR
    return StoreTrust(level, count, int(row["people"]), average, share)
