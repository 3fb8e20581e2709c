"""Putting money into a wallet through the payment provider (充值).

`start_topup` checks the amount (¥1 to ¥5,000) and opens a payment of purpose "wallet_topup" in
the payments domain; the member confirms on the provider's hosted pay page. When the provider's
signed payment.captured webhook arrives, payments marks the payment captured once and tells this
purpose's handler (`TopupPayments.captured`) in that transaction, which credits the wallet:
provider account debit, wallet credit, one balanced posting identified by the payment id, so a
replayed or repeated capture credits nothing more. A declined or expired top-up is never
captured and credits nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import InvalidInput
from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.services import post_transaction
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import Payment, PaymentPurpose
from quanzi.payments.purposes import Capture, ChargeLine, ChargeSummary, RefundOutcome
from quanzi.payments.services import open_amount_payment
from quanzi.wallets.errors import WalletCode
from quanzi.wallets.services import wallet_account

MIN_TOPUP = 100  # ¥1
MAX_TOPUP = 500_000  # ¥5,000
KIND_TOPUP = "wallet.topup"
# How long the pay page of a top-up (which has no order deadline) stays open.
TOPUP_PAY_WINDOW = timedelta(minutes=30)


def register_kinds() -> None:
    """A top-up reads "Top-up": the provider it came through is nobody's business but ours."""
    register_transaction_kind(KIND_TOPUP, _("Top-up"))


def start_topup(user: User, amount: Any) -> Payment:
    """Open a top-up of `amount` fen into the user's wallet; `pay_url` is where to pay.
    InvalidInput (nothing written) unless it is a whole number of fen from ¥1 to ¥5,000."""
    if type(amount) is not int or not MIN_TOPUP <= amount <= MAX_TOPUP:
        raise InvalidInput(
            _("A top-up is from ¥1 to ¥5,000."), code=WalletCode.INVALID_TOPUP_AMOUNT
        )
    return open_amount_payment(
        user, amount, purpose=PaymentPurpose.WALLET_TOPUP, return_url=reverse("wallets:wallet")
    )


class TopupPayments:
    """The handler of payments of purpose "wallet_topup" (registered in WalletsConfig.ready)."""

    def start(self, payer: User, order_ids: Sequence[str]) -> Payment:
        raise NotImplementedError("a top-up is opened by start_topup, never for orders")

    def describe(self, payment: Payment) -> ChargeSummary:
        return ChargeSummary(
            lines=(ChargeLine(merchant=str(_("Wallet top-up")), amount=payment.amount),),
            expires_at=timezone.now() + TOPUP_PAY_WINDOW,
        )

    def titles(self, paid: Mapping[str, Sequence[str]]) -> Mapping[str, str]:
        return {key: str(_("Wallet top-up")) for key in paid}

    def may_view(self, user: User, payment: Payment) -> bool:
        return False  # only its payer

    def captured(self, capture: Capture) -> Collection[str]:
        """Inside the capture's transaction: the payer's wallet is credited once per payment."""
        post_transaction(
            KIND_TOPUP,
            capture.payment_id,
            [
                (provider_account(capture.provider), capture.amount),
                (wallet_account(capture.payer), -capture.amount),
            ],
            memo=f"top-up {capture.payment_id} through {capture.provider}",
        )
        return ()

    def refund_succeeded(self, refund: RefundOutcome) -> None:
        raise NotImplementedError("a top-up has no parts to refund")

    def late_payment_returned(self, refund: RefundOutcome) -> None:
        raise NotImplementedError("a top-up has no parts to refund")

    def refund_failed(self, refund: RefundOutcome) -> None:
        raise NotImplementedError("a top-up has no parts to refund")
