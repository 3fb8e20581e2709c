"""Paying an order from the wallet, through the payments domain.

The wallet is a payment provider ("wallet") that captures at once: `pay_from_wallet` locks the
order (as start_payment does), opens a Payment of provider "wallet", moves the money out of the
member's wallet into the provider's clearing account platform:provider:wallet — checked under the
wallet account's lock, all or nothing — and then captures the payment exactly as a provider's
payment.captured webhook does (order paid, ledger capture into the store's escrow). The two
postings together take the money from the wallet to the store's escrow; the clearing account
nets to zero.

A refund of a wallet payment goes the usual way (payments.services.refund_order → the provider's
`refund`), which completes at once: the refund succeeds as a refund.succeeded webhook would make
it, and the money goes from the clearing account back into the wallet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quanzi.campaigns.redpackets.services import wallet_account, wallet_balance
from quanzi.core.errors import Conflict
from quanzi.ledger.services import post_transaction, provider_account
from quanzi.payments.models import CURRENCY, Payment, PaymentOrder, Refund
from quanzi.payments.providers.base import Charge, InvalidSignature, PaymentProvider, ProviderError

if TYPE_CHECKING:
    from quanzi.accounts.models import User

PROVIDER = "wallet"
KIND_PAY = "wallet.pay"
KIND_REFUND = "wallet.refund"


class WalletProvider(PaymentProvider):
    """The member's wallet as a provider: no pay page, no webhooks, no payouts."""

    name = PROVIDER

    def create_charge(self, payment: Payment) -> Charge:
        raise ProviderError(_("Wallet payments are captured at once, never through a pay page."))

    def cancel_charge(self, charge_ref: str) -> bool:
        return True  # nothing is open at a provider: a wallet payment is captured or nothing

    def refund(self, charge_ref: str, amount: int, refund_id: str) -> str:
        from quanzi.payments.webhooks import _refund_succeeded

        reference = f"wallet-refund-{refund_id}"
        with transaction.atomic():
            refund = Refund.objects.select_related("payment__payer").get(pk=refund_id)
            _refund_succeeded(
                PROVIDER,
                {
                    "refund_id": refund_id,
                    "charge": charge_ref,
                    "amount": amount,
                    "currency": CURRENCY,
                    "refund": reference,
                },
            )
            post_transaction(
                KIND_REFUND,
                refund_id,
                [
                    (provider_account(PROVIDER), amount),
                    (wallet_account(refund.payment.payer), -amount),
                ],
                memo=f"refund {refund_id} of payment {refund.payment_id} to the wallet",
            )
        return reference

    def payout(self, payout_id: str, amount: int, recipient_ref: str) -> str:
        raise ProviderError(_("The wallet does not pay money out."))

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        raise InvalidSignature()


def pay_from_wallet(user: User, order_id: str) -> Payment:
    """Pay the buyer's own unpaid order (in time) from their wallet; Conflict when the wallet
    does not hold enough (nothing is written)."""
    from quanzi.payments.services import (
        _close_overlapping,
        _lock_payable,
        _return_url,
        close_charges,
        close_open_charges,
    )
    from quanzi.payments.webhooks import _payment_captured

    close_open_charges(user, [order_id])
    with transaction.atomic():
        [order] = _lock_payable(user, [order_id])
        stale = _close_overlapping([order.pk])
        payment = Payment.objects.create(
            payer=user,
            orders_key=order.pk,
            amount=order.total,
            provider=PROVIDER,
            return_url=_return_url([order.pk]),
        )
        payment.provider_ref = f"wallet-{payment.pk}"
        payment.save(update_fields=["provider_ref"])
        PaymentOrder.objects.create(payment=payment, order=order, amount=order.total)
        post_transaction(
            KIND_PAY,
            payment.pk,
            [(wallet_account(user), order.total), (provider_account(PROVIDER), -order.total)],
            memo=f"payment {payment.pk} of order {order.pk} from the wallet",
        )
        # The wallet account stays locked by the posting until commit: the check is race-free.
        if wallet_balance(user) < 0:
            raise Conflict(
                _("Your wallet does not hold enough to pay this order."),
                code="insufficient_balance",
            )
        _payment_captured(
            PROVIDER,
            {
                "payment_id": payment.pk,
                "charge": payment.provider_ref,
                "amount": payment.amount,
                "currency": CURRENCY,
            },
        )
    close_charges(stale)
    payment.refresh_from_db()
    return payment
