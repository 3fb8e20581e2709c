"""The error codes of outreach: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class OutreachCode(StrEnum):
    ALREADY_SENT = "outreach_already_sent"
    AUDIENCE_TOO_SMALL = "outreach_audience_too_small"
    BAD_CHANNEL = "outreach_bad_channel"
    BAD_HOLDOUT = "outreach_bad_holdout"
    BAD_LINK = "outreach_bad_link"
    BAD_WINDOW = "outreach_bad_window"
    CIRCLE_NOT_FOUND = "outreach_circle_not_found"
    COUPON_NOT_FOUND = "outreach_coupon_not_found"
    NOT_CIRCLE_ADMIN = "outreach_not_circle_admin"
    NOT_FOUND = "outreach_not_found"
    NOT_SENT = "outreach_not_sent"
    OVER_BUDGET = "outreach_over_budget"  # the circle has used its commercial budget
    PRODUCT_NOT_FOUND = "outreach_product_not_found"
    SEGMENT_NOT_FOUND = "outreach_segment_not_found"
