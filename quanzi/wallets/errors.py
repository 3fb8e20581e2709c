"""The error codes of wallets: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class WalletCode(StrEnum):
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INVALID_TOPUP_AMOUNT = "invalid_topup_amount"  # a top-up is from ¥1 to ¥5,000
