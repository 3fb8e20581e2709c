"""Group buying listens to the orders signals of its own orders (campaign "group")."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import CAMPAIGN_KIND
from quanzi.orders.signals import order_cancelled, order_paid, order_refunded

logger = logging.getLogger("quanzi.groupbuy")


def _paid(sender: Any, order_id: str, **kwargs: Any) -> None:
    services.on_order_paid(order_id)


def _cancelled(sender: Any, order_id: str, campaign: str = "", **kwargs: Any) -> None:
    if campaign == CAMPAIGN_KIND:
        services.on_order_cancelled(order_id)


def _refunded(sender: Any, order_id: str, **kwargs: Any) -> None:
    """Sent inside the refund's transaction: work in a savepoint and never raise."""
    try:
        with transaction.atomic():
            services.on_order_refunded(order_id)
    except Exception:
        logger.exception("group seat of refunded order %s not updated", order_id)


def connect() -> None:
    order_paid.connect(_paid, dispatch_uid="groupbuy.paid")
    order_cancelled.connect(_cancelled, dispatch_uid="groupbuy.cancelled")
    order_refunded.connect(_refunded, dispatch_uid="groupbuy.refunded")
