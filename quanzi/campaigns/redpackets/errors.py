"""The error codes of redpackets: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class RedPacketCode(StrEnum):
    ALL_GRABBED = "all_grabbed"
    EXPIRED = "expired"
    INVALID_COUNT = "invalid_count"
    INVALID_GREETING = "invalid_greeting"
    INVALID_TOTAL = "invalid_total"
    # a schedule more than 30 days ahead (or on a personal packet)
    INVALID_VISIBLE_AT = "invalid_visible_at"
    NOT_STORE_OWNER = "not_store_owner"
    NOT_YET = "not_yet"  # a scheduled red packet not visible yet
