"""The error codes of accounts: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class AccountCode(StrEnum):
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    WRONG_PASSWORD = "wrong_password"
