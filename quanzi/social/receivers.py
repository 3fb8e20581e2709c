"""Feed fan-out triggered by other apps' events (connected in SocialConfig.ready). Notes
call `quanzi.social.services.feed.note_published` themselves.

The producers send after their transaction commits, so a rolled-back payment or review never
reaches a feed. A failure here is logged and never breaks the producer's request."""

from __future__ import annotations

import logging
from typing import Any

from quanzi.orders.signals import order_paid
from quanzi.reviews.signals import review_written
from quanzi.social.services import feed

log = logging.getLogger(__name__)


def on_order_paid(sender: Any, order_id: str, **kwargs: Any) -> None:
    try:
        feed.fan_out_purchase(order_id)
    except Exception:
        log.exception("feed fan-out of order %s failed", order_id)


def on_review_written(sender: Any, review_id: str, **kwargs: Any) -> None:
    try:
        feed.fan_out_review(review_id)
    except Exception:
        log.exception("feed fan-out of review %s failed", review_id)


def connect() -> None:
    order_paid.connect(on_order_paid, dispatch_uid="social.order_paid")
    review_written.connect(on_review_written, dispatch_uid="social.review_written")
