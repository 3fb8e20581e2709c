"""Reputation alerts: a spike of negative messages and reviews about a store or a product, against
its own recent baseline, tells the merchant within minutes (docs/trust.md)."""

from __future__ import annotations


def connect() -> None:
    """Connect to needs' `text_analysed` (called once from `TrustConfig.ready`)."""
