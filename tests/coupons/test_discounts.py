"""The discount maths (no database): property tests over every coupon the rules allow, and the
worked examples of docs/coupons.md."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from quanzi.coupons.discounts import (
    CouponLine,
    covered_amount,
    discount_for,
    missing_spend,
    payable_discount,
)

FEN = st.integers(min_value=0, max_value=100_000_000)


@dataclass(frozen=True)
class Terms:
    kind: str
    amount_off: int = 0
    percent_off: int = 0
    max_off: int = 0
    min_spend: int = 0


fixed = st.builds(
    Terms,
    kind=st.just("fixed"),
    amount_off=st.integers(1, 10_000_000),
    min_spend=st.integers(0, 100_000_000),
)
percent = st.builds(
    Terms,
    kind=st.just("percent"),
    percent_off=st.integers(1, 99),
    max_off=st.integers(0, 10_000_000),
    min_spend=st.integers(0, 100_000_000),
)
threshold = st.integers(1, 10_000_000).flatmap(
    lambda amount: st.builds(
        Terms,
        kind=st.just("threshold"),
        amount_off=st.just(amount),
        min_spend=st.integers(amount, 100_000_000),
    )
)
any_terms = st.one_of(fixed, percent, threshold)


@given(any_terms, FEN)
def test_a_discount_is_never_negative_and_never_more_than_the_goods(terms: Terms, base: int):
    discount = discount_for(terms, base)
    assert 0 <= discount <= base


@given(any_terms, FEN)
def test_below_the_minimum_spend_a_coupon_gives_nothing(terms: Terms, base: int):
    discount = discount_for(terms, base)
    if base < terms.min_spend:
        assert discount == 0 and missing_spend(terms, base) == terms.min_spend - base
    else:
        assert missing_spend(terms, base) == 0
        assert discount > 0 or base == 0


@given(threshold, FEN)
def test_a_threshold_coupon_takes_its_amount_once_the_threshold_is_reached(terms: Terms, base: int):
    expected = terms.amount_off if base >= terms.min_spend else 0
    assert discount_for(terms, base) == min(expected, base)


@given(percent, FEN)
def test_a_percentage_rounds_for_the_buyer_and_respects_its_cap(terms: Terms, base: int):
    discount = discount_for(terms, base)
    if base < terms.min_spend or base == 0:
        assert discount == 0
        return
    exact = base * terms.percent_off / 100
    if terms.max_off:
        assert discount <= terms.max_off
    if not terms.max_off or terms.max_off >= exact:
        # the buyer pays the discounted goods rounded down: the discount is rounded up, by
        # less than one fen
        assert exact <= discount < exact + 1
        assert base - discount == (base * (100 - terms.percent_off)) // 100


@given(FEN, FEN, FEN)
def test_an_order_keeps_at_least_one_fen_to_pay(discount: int, subtotal: int, shipping: int):
    taken = payable_discount(discount, subtotal=subtotal, shipping=shipping)
    assert 0 <= taken <= min(discount, subtotal)
    if subtotal + shipping >= 1:
        assert subtotal + shipping - taken >= 1


@given(st.lists(st.tuples(FEN, st.booleans()), max_size=20))
def test_campaign_priced_lines_count_only_when_the_store_allows_it(pairs: list):
    lines = [CouponLine(amount, campaign) for amount, campaign in pairs]
    normal = sum(amount for amount, campaign in pairs if not campaign)
    assert covered_amount(lines, campaign_prices_covered=False) == normal
    assert covered_amount(lines, campaign_prices_covered=True) == sum(a for a, _c in pairs)


def test_worked_examples():
    full_99_minus_15 = Terms("threshold", amount_off=1500, min_spend=9900)
    assert discount_for(full_99_minus_15, 9899) == 0
    assert discount_for(full_99_minus_15, 9900) == 1500
    twelve_off_cap_20 = Terms("percent", percent_off=12, max_off=2000)
    assert discount_for(twelve_off_cap_20, 1) == 1  # 0.12 fen → 1 fen, the buyer's favour
    assert discount_for(twelve_off_cap_20, 5950) == 714  # 714.0
    assert discount_for(twelve_off_cap_20, 5955) == 715  # 714.6 → 715
    assert discount_for(twelve_off_cap_20, 50_000) == 2000  # capped
    ten_yuan = Terms("fixed", amount_off=1000)
    assert discount_for(ten_yuan, 600) == 600  # never more than the goods
    assert payable_discount(600, subtotal=600, shipping=0) == 599  # 1 fen left to pay
    assert payable_discount(600, subtotal=600, shipping=800) == 600  # shipping is still paid
