"""Order signals the flash sales listen to: a cancelled unpaid order gives its units back."""

from __future__ import annotations

from typing import Any

from quanzi.orders.signals import order_cancelled


def on_order_cancelled(sender: Any, order_id: str, campaign: str = "", **kwargs: Any) -> None:
    from quanzi.campaigns.flashsales.services import CAMPAIGN, give_back_order

    if campaign == CAMPAIGN:
        give_back_order(order_id)


def connect() -> None:
    order_cancelled.connect(on_order_cancelled, dispatch_uid="flashsales.order_cancelled")
