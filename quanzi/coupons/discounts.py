"""The discount maths of coupons, without the database: integer fen in, integer fen out.

- The discount is taken from the goods (never shipping), and only from the goods it covers
  (items at a campaign price count only if the store allows coupons on them).
- Below the coupon's minimum spend (满减 threshold included) it gives nothing.
- A percentage coupon rounds in the buyer's favour: the buyer pays the discounted goods rounded
  DOWN to the fen, so the discount is rounded UP (ceil(base × p / 100)), then capped.
- It never takes more than the goods it covers, and never makes an order free: payment providers
  charge at least 1 fen, so an order keeps at least 1 fen to pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Terms(Protocol):
    """What the maths reads of a coupon (a `Coupon` has these fields)."""

    kind: str
    amount_off: int
    percent_off: int
    max_off: int
    min_spend: int


@dataclass(frozen=True)
class CouponLine:
    """A checkout line as the coupon sees it: its amount and whether it is at a campaign
    price (group buying, flash sale…)."""

    amount: int
    campaign_price: bool = False


def covered_amount(lines: list[CouponLine], *, campaign_prices_covered: bool) -> int:
    """The goods a coupon applies to: every line, or only those at their normal price."""
    return sum(line.amount for line in lines if campaign_prices_covered or not line.campaign_price)


def discount_for(terms: Terms, base: int) -> int:
    """The discount of `terms` on goods worth `base` fen: 0 below the minimum spend, never
    negative, never more than `base`."""
    if base <= 0 or base < terms.min_spend:
        return 0
    if terms.kind == "percent":
        raw = -(-base * terms.percent_off // 100)  # ceil: the buyer pays the floor
        if terms.max_off:
            raw = min(raw, terms.max_off)
    else:  # "fixed" and "threshold" take a fixed amount (threshold: above its min spend)
        raw = terms.amount_off
    return max(0, min(raw, base))


def payable_discount(discount: int, *, subtotal: int, shipping: int) -> int:
    """The discount an order can take: at most the goods, leaving at least 1 fen to pay."""
    return max(0, min(discount, subtotal, subtotal + shipping - 1))


def missing_spend(terms: Terms, base: int) -> int:
    """How much more must be spent to reach the coupon's minimum (0: reached)."""
    return max(0, terms.min_spend - base)
