"""Fixtures of the ledger tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _inline_delivery(settings: Any) -> None:
    """The sandbox hands its webhooks to the handler in-process on commit (no worker in tests)."""
    settings.QUANZI_SANDBOX_DELIVERY = "inline"
