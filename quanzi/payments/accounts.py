"""The ledger accounts of payments: the money held at each provider and the money captured that
paid nothing (registered in PaymentsConfig.ready).

Payments books no movement itself: the domain a payment is for books its capture and refunds
(orders for "orders", wallets for "wallet_topup") on these accounts and its own.
"""

from __future__ import annotations

from quanzi.ledger.accounts import register_account_type
from quanzi.ledger.models import AccountKind

# Money captured that paid no order (the order had been cancelled, or another payment paid it
# first), owed back to the payer until its automatic refund completes (a liability).
UNAPPLIED_ACCOUNT = "platform:unapplied"


def provider_account(provider: str) -> str:
    """Money the platform holds at a payment provider (an asset)."""
    return f"platform:provider:{provider}"


def register_accounts() -> None:
    register_account_type(provider_account("{provider}"), AccountKind.ASSET)
    register_account_type(UNAPPLIED_ACCOUNT, AccountKind.LIABILITY)
