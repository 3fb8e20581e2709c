"""Signals payments sends to the domains that use it, so that payments imports none of them."""

from __future__ import annotations

from django.dispatch import Signal

# A payout left "pending" for good: sent once, inside the transaction that marks it, with
# `payout` (the Payout row, its new status set), `succeeded` (bool) and `reason` (str, empty on
# success). A receiver that raises rolls the settlement back (the provider's webhook is then
# retried), so the domain's books and the payout's status always change together.
payout_settled = Signal()

# A payment of purpose "wallet_topup" was captured: sent once, inside the transaction that marks
# it captured, with `payment` (the Payment row). The receiver (the wallets' app) credits the
# payer's wallet; a receiver that raises rolls the capture back (the webhook is refused and
# retried), so the capture and the credit always happen together.
wallet_topup_captured = Signal()
