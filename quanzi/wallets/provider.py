"""The wallet as a payment provider ("wallet", registered in WalletsConfig.ready): paying an
order from the wallet goes orders → payments → this provider, like any other payment.

It captures at once (`captures_at_once`): payments opens its charge inside the transaction that
opens the payment, after orders locked and checked the order. `create_charge` moves the money out
of the member's wallet into the provider's clearing account platform:provider:wallet — checked
under the wallet account's lock, all or nothing — and payments then captures the payment exactly
as a provider's payment.captured webhook does (order paid, ledger capture into the store's
escrow). The two postings together take the money from the wallet to the store's escrow; the
clearing account nets to zero.

A refund of a wallet payment goes the usual way (orders → payments.services.refund → the
provider's `refund`), which completes at once: payments completes the refund as a
refund.succeeded webhook would, and the money goes from the clearing account back into the
wallet.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict
from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.models import Entry
from quanzi.ledger.services import post_transaction
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import Payment, Refund
from quanzi.payments.providers.base import Charge, InvalidSignature, PaymentProvider, ProviderError
from quanzi.payments.services import complete_refund, payment_titles, refund_titles
from quanzi.wallets.errors import WalletCode
from quanzi.wallets.services import wallet_account, wallet_balance

PROVIDER = "wallet"
KIND_PAY = "wallet.pay"
KIND_REFUND = "wallet.refund"


def _by_reference(
    titles: Callable[[Collection[str]], Mapping[str, str]],
) -> Callable[[Sequence[Entry]], Mapping[int, str]]:
    """A ledger detail naming each entry by its transaction's reference (a payment, a refund)
    as payments' purpose handler names it: the orders paid or refunded."""

    def detail(entries: Sequence[Entry]) -> Mapping[int, str]:
        named = titles({entry.transaction.reference for entry in entries})
        return {entry.pk: named.get(entry.transaction.reference, "") for entry in entries}

    return detail


_paid_for = _by_reference(payment_titles)
_refunded_for = _by_reference(refund_titles)


def register_kinds() -> None:
    register_transaction_kind(KIND_PAY, _("Payment"), detail=_paid_for)
    register_transaction_kind(KIND_REFUND, _("Refund"), detail=_refunded_for)


class WalletProvider(PaymentProvider):
    """The member's wallet as a provider: no pay page, no webhooks, no payouts."""

    name = PROVIDER
    captures_at_once = True

    def create_charge(self, payment: Payment) -> Charge:
        """Take the payment's amount out of the payer's wallet; Conflict when the wallet does
        not hold enough (the caller's transaction then writes nothing)."""
        post_transaction(
            KIND_PAY,
            payment.pk,
            [
                (wallet_account(payment.payer), payment.amount),
                (provider_account(PROVIDER), -payment.amount),
            ],
            memo=f"payment {payment.pk} of order {payment.orders_key} from the wallet",
        )
        # The wallet account stays locked by the posting until commit: the check is race-free.
        if wallet_balance(payment.payer) < 0:
            raise Conflict(
                _("Your wallet does not hold enough to pay this order."),
                code=WalletCode.INSUFFICIENT_BALANCE,
            )
        return Charge(f"wallet-{payment.pk}", "")

    def cancel_charge(self, charge_ref: str) -> bool:
        return True  # nothing is open at a provider: a wallet payment is captured or nothing

    def refund(self, charge_ref: str, amount: int, refund_id: str) -> str:
        reference = f"wallet-refund-{refund_id}"
        with transaction.atomic():
            refunded = Refund.objects.select_related("payment__payer").get(pk=refund_id)
            complete_refund(
                PROVIDER, refund_id, charge_ref=charge_ref, amount=amount, provider_ref=reference
            )
            post_transaction(
                KIND_REFUND,
                refund_id,
                [
                    (provider_account(PROVIDER), amount),
                    (wallet_account(refunded.payment.payer), -amount),
                ],
                memo=f"refund {refund_id} of payment {refunded.payment_id} to the wallet",
            )
        return reference

    def payout(self, payout_id: str, amount: int, recipient_ref: str) -> str:
        raise ProviderError(_("The wallet does not pay money out."))

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        raise InvalidSignature()
