"""What trust listens to in the domains below it (docs/trust.md):

- reviews' `review_written`, orders' `order_paid` and `order_refunded` (sent inside the refund's
  transaction) queue the analysis, after commit (`tasks.queue_analysis`);
- orders' `orders_placed(request, orders)` (checkout and buy-now, pages and API) and Django's
  `user_logged_in` (the sign-in and sign-up pages log in with `django.contrib.auth.login`; the
  API's sign-up and token sign-in send it too) record where the person acted from
  (`prints.record_print`, after commit).

No receiver ever raises into the sender: `orders_placed` and `order_refunded` are sent with
`send`, so a failure here would break a checkout or roll a refund back."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

log = logging.getLogger("quanzi.trust")


def on_changed(sender: Any, **kwargs: Any) -> None:
    """A review written, an order paid or refunded: the analysis is due."""
    from quanzi.trust.tasks import queue_analysis

    try:
        queue_analysis()
    except Exception:
        log.exception("could not queue the trust analysis")


def on_orders_placed(
    sender: Any, request: HttpRequest | None = None, orders: Iterable[Any] = (), **kwargs: Any
) -> None:
    from quanzi.trust.prints import record_print

    try:
        buyers = {getattr(order, "buyer_id", None) for order in orders}
        for buyer in buyers:
            record_print(request, buyer)
    except Exception:
        log.exception("could not record the checkout's access print")


def on_logged_in(
    sender: Any, request: HttpRequest | None = None, user: Any = None, **_: Any
) -> None:
    from quanzi.trust.prints import record_print

    record_print(request, getattr(user, "pk", None))


def connect() -> None:
    """Connect the receivers (called once from `TrustConfig.ready`)."""
    from django.contrib.auth.signals import user_logged_in

    from quanzi.orders.signals import order_paid, order_refunded, orders_placed
    from quanzi.reviews.signals import review_written

    review_written.connect(on_changed, dispatch_uid="trust.review_written")
    order_paid.connect(on_changed, dispatch_uid="trust.order_paid")
    order_refunded.connect(on_changed, dispatch_uid="trust.order_refunded")
    orders_placed.connect(on_orders_placed, dispatch_uid="trust.orders_placed")
    user_logged_in.connect(on_logged_in, dispatch_uid="trust.user_logged_in")
