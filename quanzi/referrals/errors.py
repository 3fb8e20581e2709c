"""The error codes of referrals: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class ReferralCode(StrEnum):
    BAD_STATUS = "bad_status"
    BELOW_MINIMUM = "below_minimum"  # a withdrawal under the store's minimum
    # trust and safety suspended the promoter's commissions in the store
    COMMISSIONS_SUSPENDED = "commissions_suspended"
    NEGATIVE_BALANCE = "negative_balance"  # the promoter's balance is negative
    NO_APPLICATIONS = "no_applications"  # the store's promoters qualify by rule, not by application
    NOT_PENDING = "not_pending"
    NOT_PROMOTER = "not_promoter"
    OWN_WITHDRAWAL = "own_withdrawal"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
