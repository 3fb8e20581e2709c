"""What trust listens to in the domains below it: reviews written, orders placed (where the
checkout came from), refunds; each queues the analysis after commit (docs/trust.md)."""

from __future__ import annotations


def connect() -> None:
    """Connect the receivers (called once from `TrustConfig.ready`)."""
