"""Signals payments sends to the domains that use it, so that payments imports none of them.

Payments of a purpose ("orders", "wallet_topup") report to their purpose's handler instead
(quanzi.payments.purposes): a capture needs an answer (which parts were accepted)."""

from __future__ import annotations

from django.dispatch import Signal

# A payout left "pending" for good: sent once, inside the transaction that marks it, with
# `payout` (the Payout row, its new status set; `payout.purpose` names the domain it is for, e.g.
# "withdrawal"), `succeeded` (bool) and `reason` (str, empty on success). A receiver that raises
# rolls the settlement back (the provider's webhook is then retried), so the domain's books and
# the payout's status always change together.
payout_settled = Signal()
