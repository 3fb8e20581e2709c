"""The payment provider interface: what the platform needs from any gateway.

A provider collects money for a Payment on its own hosted page (`create_charge` answers where to
send the payer), refunds part or all of a charge (`refund`), may close a charge nobody paid
(`cancel_charge`), sends money to a person (`payout`) and tells the platform what happened
through signed webhooks (`verify_webhook` checks one and returns its event). Amounts are
integer fen.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import DomainError
from quanzi.payments.errors import PaymentCode

if TYPE_CHECKING:
    from quanzi.payments.models import Payment

EVENT_TYPES = (
    "payment.captured",
    "payment.failed",
    "refund.succeeded",
    "refund.failed",
    "payout.succeeded",
    "payout.failed",
)


class InvalidSignature(DomainError):
    """A webhook whose signature, timestamp or body cannot be trusted."""

    status = 400
    code = PaymentCode.BAD_SIGNATURE
    default_message = _("The webhook signature is not valid.")


class ProviderError(DomainError):
    """The provider refused a request or could not be reached."""

    status = 502
    code = PaymentCode.PROVIDER_ERROR
    default_message = _("The payment provider could not handle the request.")


@dataclass(frozen=True)
class Charge:
    """The provider's answer to create_charge."""

    reference: str
    redirect_url: str


class PaymentProvider(ABC):
    """A payment gateway. `name` is stored on payments and names the ledger's provider account."""

    name: str
    # A provider that takes the money as it creates the charge (the wallet: no pay page, no
    # webhook): `open_payment` creates its charge inside the caller's transaction and captures
    # the payment there, so that a refusal (too little money) writes nothing.
    captures_at_once: bool = False

    @abstractmethod
    def create_charge(self, payment: Payment) -> Charge:
        """Ask the provider to collect `payment.amount`; returns its reference and pay page.
        What is paid, for the page, is `quanzi.payments.purposes.handler_for(payment.purpose)
        .describe(payment)`."""

    @abstractmethod
    def cancel_charge(self, charge_ref: str) -> bool:
        """Close an unpaid charge; False when it was already paid (its capture will follow)."""

    @abstractmethod
    def refund(self, charge_ref: str, amount: int, refund_id: str) -> str:
        """Refund `amount` fen of a paid charge, once per `refund_id`; returns the provider's
        refund reference. The outcome arrives later as a refund.succeeded/failed webhook."""

    @abstractmethod
    def payout(self, payout_id: str, amount: int, recipient_ref: str) -> str:
        """Send `amount` fen to the recipient, once per `payout_id`; returns the provider's payout
        reference. The outcome arrives later as a payout.succeeded/failed webhook."""

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The event of a webhook request, or InvalidSignature. The event is
        {"id", "type", "created", "data": {...}} with `type` one of EVENT_TYPES."""
