"""Signals of the wallets' domain, so that it imports none of the domains above it."""

from __future__ import annotations

from django.dispatch import Signal

# A member's wallet is about to be shown (its page or the API), with `user`: a domain holding
# money due back to them hands it back first (red packets: the member's own expired packets), so
# the balance read next includes it. Sent synchronously; receivers do their own transactions.
wallet_opened = Signal()
