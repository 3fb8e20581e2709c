"""The minute's sweep after the event rollup (`register_after_rollup("needs.sweep")`): the
items a lost task left unanalysed, the reviews hidden since (their text stops counting) or shown
again (it counts again), and
once a week the digests (their own mark, `NeedsMark("digest")`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from quanzi.needs.models import Source
from quanzi.needs.services import collect
from quanzi.needs.services.analysis import analyse_pending
from quanzi.needs.services.digest import weekly

log = logging.getLogger("quanzi.needs")

SWEEP_LIMIT = 5000
HIDDEN_LOOKBACK = timedelta(minutes=10)


def forget_hidden() -> int:
    from quanzi.reviews.models import Review

    since = timezone.now() - HIDDEN_LOOKBACK
    hidden = Review.objects.filter(is_hidden=True, updated_at__gte=since).values_list(
        "pk", flat=True
    )
    return collect.forget(Source.REVIEW, list(hidden))


def recollect_restored() -> int:
    """Reviews shown again since (a held review restored, an appeal upheld) count again."""
    from quanzi.needs.models import TextItem
    from quanzi.reviews.models import Review

    since = timezone.now() - HIDDEN_LOOKBACK
    shown = set(
        Review.objects.filter(is_hidden=False, updated_at__gte=since)
        .exclude(text="")
        .values_list("pk", flat=True)
    )
    if not shown:
        return 0
    kept = set(
        TextItem.objects.filter(source=Source.REVIEW, source_id__in=shown).values_list(
            "source_id", flat=True
        )
    )
    return sum(collect.collect_review(pk) is not None for pk in sorted(shown - kept))


def every_minute() -> None:
    analyse_pending(limit=SWEEP_LIMIT)
    forget_hidden()
    recollect_restored()
    weekly()
