"""The error codes of reviews: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class ReviewCode(StrEnum):
    ALREADY_REVIEWED = "already_reviewed"  # a review (or a withdrawal's review) that exists already
    EMPTY_REPLY = "empty_reply"
    INVALID_STARS = "invalid_stars"
    NOT_RECEIVED = "not_received"
    ORDER_REFUNDED = "order_refunded"
    TOO_MANY_PHOTOS = "too_many_photos"
