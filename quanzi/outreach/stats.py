"""The statistics of an outreach's holdout: pure functions, no database.

- **Assignment** (`assign_holdout`): the audience's ids, sorted, shuffled by `random.Random(seed)`;
  the first `holdout_size(n, percent)` are held out. Every subset of that size is equally
  likely (a uniform draw), and the seed, kept with the outreach, replays it exactly.
- **Conversion rates**: the difference of two proportions with Newcombe's hybrid score interval
  (method 10 of Newcombe 1998, built from the two Wilson intervals): it stays inside [-1, 1],
  behaves at rates near 0 and with small groups, where the Wald interval does not.
- **Relative lift** of conversion: the ratio of the two rates with the Katz log interval.
- **GMV per member**: the difference of means with Welch's interval (unequal variances,
  Welch–Satterthwaite degrees of freedom); GMV per member is a mean over every member, the
  many zeros included, so with hundreds of members the mean is close to normal.
- **Incremental** orders and GMV: the per-member difference times the reached members, with
  the interval scaled the same way.

Everything is analysed as assigned (intention to treat): a reached member whom delivery could
not reach still counts as reached, so the comparison keeps the randomisation's fairness.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)


# --- Assignment ------------------------------------------------------------------------------


def holdout_size(n: int, percent: int) -> int:
    """How many of `n` members are held out at `percent` (rounded half up, at least one)."""
    if n <= 0:
        return 0
    return max(1, math.floor(n * percent / 100 + 0.5))


def assign_holdout(user_ids: Sequence[int], percent: int, seed: int) -> tuple[list[int], list[int]]:
    """(reached, holdout): a uniform random split of the ids, replayable from the seed."""
    ids = sorted(set(user_ids))
    random.Random(seed).shuffle(ids)
    k = holdout_size(len(ids), percent)
    return sorted(ids[k:]), sorted(ids[:k])


# --- Intervals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def covers_zero(self) -> bool:
        return self.low <= 0 <= self.high

    def scaled(self, factor: float) -> Interval:
        return Interval(self.estimate * factor, self.low * factor, self.high * factor)


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion x/n."""
    if n <= 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """p1 − p2 with Newcombe's hybrid score interval (from the two Wilson intervals)."""
    if n1 <= 0 or n2 <= 0:
        return Interval(0.0, -1.0, 1.0)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))


def relative_lift(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval | None:
    """p1 / p2 − 1 with the Katz log interval of the ratio; None when a group has no
    converter (the ratio is then unbounded or undefined)."""
    if n1 <= 0 or n2 <= 0 or x1 <= 0 or x2 <= 0:
        return None
    ratio = (x1 / n1) / (x2 / n2)
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return Interval(ratio - 1, ratio * math.exp(-z * se) - 1, ratio * math.exp(z * se) - 1)


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t (Hill's 1970 expansion around the normal quantile:
    a few parts in 10,000 already at 5 degrees of freedom, exact in the limit)."""
    if df > 1e6:
        return NormalDist().inv_cdf(p)
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Moments:
    """A group's values summarised: count, sum and sum of squares (GMV per member in fen)."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))

    @classmethod
    def of(cls, values: Sequence[float], n: int | None = None) -> Moments:
        """Moments of `values`, padded with zeros up to `n` members (those who bought nothing)."""
        count = len(values) if n is None else n
        return cls(count, float(sum(values)), float(sum(v * v for v in values)))


def welch_difference(a: Moments, b: Moments, level: float = 0.95) -> Interval:
    """mean(a) − mean(b) with Welch's t interval."""
    d = a.mean - b.mean
    if a.n < 2 or b.n < 2:
        return Interval(d, -math.inf, math.inf)
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(d, d, d)
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    half = t_quantile(0.5 + level / 2, df) * se
    return Interval(d, d - half, d + half)


# --- The comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOutcome:
    """One group as measured: members, converters, orders and GMV (fen) with its moments."""

    members: int
    converters: int
    orders: int
    gmv: Moments

    @property
    def conversion(self) -> float:
        return self.converters / self.members if self.members else 0.0

    @property
    def gmv_per_member(self) -> float:
        return self.gmv.mean

    @property
    def orders_per_member(self) -> float:
        return self.orders / self.members if self.members else 0.0


@dataclass(frozen=True)
class Lift:
    conversion: Interval  # reached − holdout, as a proportion
    conversion_relative: Interval | None  # reached ÷ holdout − 1
    gmv_per_member: Interval  # fen per member, reached − holdout
    gmv_relative: float | None  # point estimate only
    incremental_converters: Interval  # the conversion difference × reached members
    incremental_orders: float  # orders per member difference × reached members
    incremental_gmv: Interval  # fen: GMV per member difference × reached members


def compare(reached: GroupOutcome, holdout: GroupOutcome) -> Lift:
    conv = newcombe_difference(
        reached.converters, reached.members, holdout.converters, holdout.members
    )
    gmv = welch_difference(reached.gmv, holdout.gmv)
    base = holdout.gmv_per_member
    return Lift(
        conversion=conv,
        conversion_relative=relative_lift(
            reached.converters, reached.members, holdout.converters, holdout.members
        ),
        gmv_per_member=gmv,
        gmv_relative=(reached.gmv_per_member / base - 1) if base > 0 else None,
        incremental_converters=conv.scaled(reached.members),
        incremental_orders=(reached.orders_per_member - holdout.orders_per_member)
        * reached.members,
        incremental_gmv=gmv.scaled(reached.members),
    )
