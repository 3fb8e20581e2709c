"""The error codes of payments: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class PaymentCode(StrEnum):
    AMOUNT_MISMATCH = "amount_mismatch"  # the event's amount is not the payment's
    BAD_EVENT = "bad_event"
    BAD_SIGNATURE = "bad_signature"  # a webhook whose signature does not verify
    CHARGE_CLOSED = "charge_closed"  # the sandbox charge is closed
    CHARGE_EXPIRED = "charge_expired"
    CHARGE_NOT_PAID = "charge_not_paid"
    NOT_PAID = "not_paid"
    PAYMENT_IN_PROGRESS = "payment_in_progress"  # an open payment of the same orders exists
    PAYOUT_AMOUNT = "payout_amount"  # a payout must be positive
    PROVIDER_ERROR = "provider_error"  # the payment provider failed or refused
    REFUND_EXISTS = "refund_exists"
    REFUND_TOO_LARGE = "refund_too_large"
    STALE_SIGNATURE = "stale_signature"  # a webhook whose timestamp is too old or in the future
    UNKNOWN_PAYMENT = "unknown_payment"
    UNKNOWN_PAYOUT = "unknown_payout"
    UNKNOWN_REFUND = "unknown_refund"
    WEBHOOK_REFUSED = "webhook_refused"  # a webhook the service refuses (its provider answers 4xx)
    WEBHOOK_REJECTED_BEFORE = "webhook_rejected_before"  # a webhook already refused once
