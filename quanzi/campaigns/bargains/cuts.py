"""The cut algorithm of bargaining (砍价).

With R = current price − floor (fen still to cut) and k = helpers still needed:

- k = 1: the cut is R, so the N-th helper lands on the floor exactly;
- k > 1: the cut is a random integer in [lo, hi] with
  hi = min(R − (k − 1), ceil(R/k · (1 + s))) and lo = max(1, floor(R/k · (1 − s))),
  where s is the campaign's spread (0 … 1) around the even share R/k.

Every cut leaves at least 1 fen for each helper after it (R − cut ≥ k − 1), so the invariant
R ≥ k holds from the start (the campaign requires start − floor ≥ N) to the end; then
floor(R/k) ≥ 1 and floor(R/k) ≤ R − (k − 1), so lo ≤ hi always. Hence every cut is ≥ 1 fen,
no cut passes the floor, and the cuts sum to start − floor exactly when the N-th helper is done.
s = 0 gives even cuts; s = 1 gives cuts from 1 fen to about twice the even share.
"""

from __future__ import annotations

import random
from secrets import SystemRandom

_SYSTEM = SystemRandom()


def cut_range(remaining: int, helpers_left: int, spread_percent: int) -> tuple[int, int]:
    """The [lo, hi] a cut is drawn from (lo == hi == remaining for the last helper)."""
    if helpers_left < 1 or remaining < helpers_left:
        raise ValueError("a bargain needs at least 1 fen left per remaining helper")
    if helpers_left == 1:
        return remaining, remaining
    top = remaining - (helpers_left - 1)
    # integer arithmetic only: floor(R(100 − s) / 100k) and ceil(R(100 + s) / 100k)
    low = max(1, remaining * (100 - spread_percent) // (100 * helpers_left))
    high = min(top, -(-remaining * (100 + spread_percent) // (100 * helpers_left)))
    return low, high


def next_cut(
    remaining: int, helpers_left: int, spread_percent: int, rng: random.Random | None = None
) -> int:
    """The next helper's cut in fen (random within `cut_range`; `rng` for tests)."""
    low, high = cut_range(remaining, helpers_left, spread_percent)
    return (rng or _SYSTEM).randint(low, high)
