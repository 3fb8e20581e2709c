"""Feed fan-out triggered by other apps' events (connected in SocialConfig.ready). Notes
call `quanzi.social.services.feed.note_published` themselves.

The producers send after their transaction commits, so a rolled-back payment or review never
reaches a feed. A failure is logged by `quanzi.core.events` and never breaks the producer's
request."""

from __future__ import annotations

from typing import Any

from quanzi.orders.signals import order_paid
from quanzi.reviews.signals import review_written
from quanzi.social.services import feed


def on_order_paid(sender: Any, order_id: str, **kwargs: Any) -> None:
    feed.fan_out_purchase(order_id)


def on_review_written(sender: Any, review_id: str, **kwargs: Any) -> None:
    feed.fan_out_review(review_id)


def connect() -> None:
    order_paid.connect(on_order_paid, dispatch_uid="social.order_paid")
    review_written.connect(on_review_written, dispatch_uid="social.review_written")
