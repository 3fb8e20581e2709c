"""The error codes of flashsales: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class FlashSaleCode(StrEnum):
    ENDED = "ended"
    NOT_STARTED = "not_started"
    OVER_LIMIT = "over_limit"
    SOLD_OUT = "sold_out"
    STARTED = "started"  # a started flash sale can only be switched off
    TRY_AGAIN = "try_again"  # the flash sale's lock is busy
