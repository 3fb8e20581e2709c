"""Fixtures of the payment tests: inline webhook delivery and spies on the orders hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _inline_delivery(settings: Any) -> None:
    """The sandbox hands its webhooks to the handler in-process on commit (no worker in tests)."""
    settings.QUANZI_SANDBOX_DELIVERY = "inline"


class Spy:
    """Wraps a function, recording each call's arguments and still calling it."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(args)
        return self.fn(*args, **kwargs)


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Spy]:
    """Spies on the orders hooks that payments call (the real functions still run)."""
    from quanzi.orders.services import payment_events

    spies = {}
    names = ("on_payment_captured", "on_refund_succeeded", "on_refund_failed")
    for name in (*names, "on_late_payment_returned"):
        spies[name] = Spy(getattr(payment_events, name))
        monkeypatch.setattr(payment_events, name, spies[name])
    return spies
