"""Putting money into a wallet through the payment provider (充值).

`start_topup` checks the amount (¥1 to ¥5,000) and opens a payment of purpose "wallet_topup" in
the payments domain; the member confirms on the provider's hosted pay page. When the provider's
signed payment.captured webhook arrives, payments marks the payment captured once and sends
`wallet_topup_captured` in that transaction; `on_topup_captured` credits the wallet there:
provider account debit, wallet credit, one balanced posting identified by the payment id, so a
replayed or repeated capture credits nothing more. A declined or expired top-up is never
captured and credits nothing.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.campaigns.redpackets.services import wallet_account
from quanzi.core.errors import InvalidInput
from quanzi.ledger.services import post_transaction, provider_account
from quanzi.payments.models import Payment
from quanzi.payments.services import start_wallet_topup

MIN_TOPUP = 100  # ¥1
MAX_TOPUP = 500_000  # ¥5,000
KIND_TOPUP = "wallet.topup"


def start_topup(user: User, amount: Any) -> Payment:
    """Open a top-up of `amount` fen into the user's wallet; `pay_url` is where to pay.
    InvalidInput (nothing written) unless it is a whole number of fen from ¥1 to ¥5,000."""
    if type(amount) is not int or not MIN_TOPUP <= amount <= MAX_TOPUP:
        raise InvalidInput(_("A top-up is from ¥1 to ¥5,000."), code="invalid_topup_amount")
    return start_wallet_topup(user, amount, return_url=reverse("redpackets:wallet"))


def on_topup_captured(sender: Any, payment: Payment, **kwargs: Any) -> None:
    """Receiver of payments' `wallet_topup_captured`, inside the capture's transaction: the
    payer's wallet is credited once per payment."""
    post_transaction(
        KIND_TOPUP,
        payment.pk,
        [
            (provider_account(payment.provider), payment.amount),
            (wallet_account(payment.payer), -payment.amount),
        ],
        memo=f"top-up {payment.pk} through {payment.provider}",
    )


def connect() -> None:
    from quanzi.payments.signals import wallet_topup_captured

    wallet_topup_captured.connect(on_topup_captured, dispatch_uid="redpackets.topup.captured")
