"""The error codes of social: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class SocialCode(StrEnum):
    BAD_CURSOR = "bad_cursor"  # a feed cursor that does not decode
    BAD_REPLY = "bad_reply"  # a reply to a comment that no longer exists
    BLOCKED = "blocked"  # one of the two people blocks the other
    PRODUCT_UNAVAILABLE = "product_unavailable"
    SELF_BLOCK = "self_block"
    SELF_FOLLOW = "self_follow"
    TOO_MANY_PRODUCTS = "too_many_products"
