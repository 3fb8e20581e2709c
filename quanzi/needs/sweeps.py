"""The minute's sweep after the event rollup (`register_after_rollup("needs.sweep")`): the
items a lost task left unanalysed, the reviews hidden since (their text stops counting), and
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


def every_minute() -> None:
    analyse_pending(limit=SWEEP_LIMIT)
    forget_hidden()
    weekly()
