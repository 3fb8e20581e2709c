"""The cut algorithm: random cuts that never pass the floor and reach it exactly at the N-th
helper, for every campaign setting allowed (hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.campaigns.bargains.cuts import cut_range, next_cut


@st.composite
def settings(draw: st.DrawFn) -> tuple[int, int, int, int]:
    """(start, floor, N, spread %) with floor ≥ 1 and start − floor ≥ N, as campaigns allow."""
    helpers = draw(st.integers(1, 100))
    floor = draw(st.integers(1, 100_000_000))
    start = floor + draw(st.integers(helpers, 100_000_000))
    return start, floor, helpers, draw(st.integers(0, 100))


@given(settings(), st.integers(0, 2**32))
def test_any_sequence_of_helps_reaches_the_floor_exactly_at_the_nth(
    case: tuple[int, int, int, int], seed: int
) -> None:
    # given a campaign's settings and a random source
    start, floor, helpers, spread = case
    rng = random.Random(seed)
    price, cuts = start, []
    # when the N helpers cut one after another
    for done in range(helpers):
        cut = next_cut(price - floor, helpers - done, spread, rng)
        cuts.append(cut)
        price -= cut
        # then no cut is below 1 fen and none passes the floor
        assert cut >= 1
        assert price >= floor
        # and at least 1 fen is left for every helper still to come
        assert price - floor >= helpers - done - 1
    # then the N-th helper lands exactly on the floor and the cuts add up
    assert price == floor
    assert sum(cuts) == start - floor


@given(st.integers(1, 10_000_000), st.integers(1, 100), st.integers(0, 100))
def test_the_range_is_never_empty_and_stays_inside_the_room(
    remaining: int, helpers_left: int, spread: int
) -> None:
    # given any amount left that leaves 1 fen per helper
    if remaining < helpers_left:
        remaining = helpers_left
    # when the range of the next cut is computed
    low, high = cut_range(remaining, helpers_left, spread)
    # then it is a real range of whole fen that leaves room for the helpers after
    assert 1 <= low <= high <= remaining - (helpers_left - 1)


def test_the_last_helper_cuts_exactly_what_is_left() -> None:
    # given 123 fen left and one helper needed / when the range is asked / then it is exact
    assert cut_range(123, 1, 50) == (123, 123)


def test_no_spread_gives_even_cuts() -> None:
    # given ¥10.00 to cut among 4 helpers without spread / when cut / then each near 2.50
    assert cut_range(1000, 4, 0) == (250, 250)


def test_cuts_are_random_within_the_range() -> None:
    # given a wide range / when drawn many times with the system random source
    seen = {next_cut(10_000, 5, 50) for _ in range(50)}
    # then the cuts differ and stay in range
    assert len(seen) > 1
    low, high = cut_range(10_000, 5, 50)
    assert all(low <= c <= high for c in seen)


def test_too_little_room_is_refused() -> None:
    # given 2 fen left for 3 helpers / when a cut is asked / then it is a programming error
    with pytest.raises(ValueError):
        cut_range(2, 3, 50)
