"""The error codes of coupons: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class CouponCode(StrEnum):
    BAD_COUPON = "bad_coupon"
    COUPON_ENDED = "coupon_ended"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_INACTIVE = "coupon_inactive"
    COUPON_LIMIT_REACHED = "coupon_limit_reached"
    COUPON_MIN_SPEND = "coupon_min_spend"  # the items do not reach the coupon's minimum spend
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_NOT_FOUND = "coupon_not_found"
    COUPON_NOT_ON_CAMPAIGN_PRICE = "coupon_not_on_campaign_price"
    COUPON_NOT_YET_VALID = "coupon_not_yet_valid"
    COUPON_SOLD_OUT = "coupon_sold_out"
    COUPON_USED = "coupon_used"
    COUPON_WRONG_STORE = "coupon_wrong_store"
    TERMS_FROZEN = "terms_frozen"  # copies were handed out: discount and validity stay
    TOO_MANY_COUPONS = "too_many_coupons"
    # a coupon's total set below the copies already handed out
    TOTAL_BELOW_ISSUED = "total_below_issued"
