"""The signals, one function each, answering reasons (`records.Reason`: a stable code, the points
it adds, the numbers its sentence needs; `quanzi.trust.reasons` has the sentences).

Three kinds:

- about one review (`review_*` functions answer `{review id: [Reason]}`): its text nearly
  repeats other accounts' texts at the same store, its rating is far from the product's mean
  (computed without the suspects), its order was paid far below the list price and then given
  five stars, its tracking number also served other buyers' orders, its parcel arrived minutes
  after it shipped, it was refunded after a good review, it came in a burst, it was written by a
  promoter of the store or by a promoter's team pushing the same product, the account was new
  when it wrote it;
- about one account (`account_*`: `{user: [Reason]}`): its network, device or shipping address
  is shared with other reviewers of the same products; most of its reviews were written while it
  was new;
- about a group (`ring_*`: `[Reason]` for a block's users, products and reviews): created and
  used in lockstep, reviewing together, sharing traces, duplicating texts, order traces, new
  accounts, ratings off the mean, a promoter's loop.

No signal condemns on its own: the points of a weak one (a new account, a shared network, a
burst) stay far below any flag; `analyse` combines them with the dense blocks. Every function is
pure: the same records give the same reasons."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from quanzi.trust.detect.records import AccountRecord, Reason, ReviewRecord

DAY = 86400.0
HOUR = 3600.0

# The points of each signal: what it adds to a score of 0–100 (a flag is 60 by default).
POINTS: dict[str, int] = {
    # one review
    "near_duplicate_text": 20,
    "rating_deviation": 10,
    "cheap_order_five_stars": 15,
    "tracking_reused": 25,
    "fast_delivery": 15,
    "refund_after_review": 10,
    "burst_new_accounts": 12,
    "burst_after_campaign": 4,
    "review_burst": 3,
    "promoter_is_reviewer": 10,
    "promoter_team": 8,
    "new_account_review": 6,
    # one account
    "new_account": 6,
    "shared_network": 6,
    "shared_device": 12,
    "shared_address": 10,
    # a group (the most each can add; a share of the members scales it)
    "dense_block": 20,
    "lockstep": 25,
    "reviewed_together": 25,  # 15 for two products in step, 20 for three, 25 from four
    "ring_duplicate_texts": 25,
    "ring_shared_traces": 20,
    "ring_order_traces": 25,
    "ring_new_accounts": 10,
    "ring_rating_deviation": 10,
    "ring_promoter_team": 15,
    "ring_promoter_inside": 15,
    # membership: the ring's score, carried by its reviews and accounts
    "in_ring": 0,
}


@dataclass(frozen=True)
class Tuning:
    """The signals' windows and limits (the defaults are the benchmark's)."""

    new_days: float = 30.0  # an account is new for this many days after it joined
    cheap_share: float = 0.3  # an order paid at most this share of the list price is cheap
    fast_minutes: float = 60.0  # received this soon after shipping is implausible
    deviation: float = 1.5  # stars this far from the product's mean
    deviation_min_reviews: int = 5  # a mean needs this many reviews (suspects left out)
    burst_hours: float = 48.0
    burst_min_reviews: int = 6
    burst_ratio: float = 5.0  # times the product's usual rate in the window
    common_trace_share: float = 0.5  # a trace held by more than this share says nothing
    duplicate_min_users: int = 3
    team_min_members: int = 3
    lockstep_join_days: float = 3.0
    together_hours: float = 168.0


@dataclass
class Context:
    """The records indexed once for every signal."""

    reviews: Sequence[ReviewRecord]
    accounts: Mapping[str, AccountRecord]
    tuning: Tuning = field(default_factory=Tuning)
    by_product: dict[str, list[ReviewRecord]] = field(default_factory=dict)
    by_user: dict[str, list[ReviewRecord]] = field(default_factory=dict)
    common: dict[str, set[str]] = field(default_factory=dict)  # trace kind → common values

    def __post_init__(self) -> None:
        by_product: dict[str, list[ReviewRecord]] = defaultdict(list)
        by_user: dict[str, list[ReviewRecord]] = defaultdict(list)
        for r in sorted(self.reviews, key=lambda r: (r.at, r.review_id)):
            by_product[r.product].append(r)
            by_user[r.user].append(r)
        self.by_product, self.by_user = dict(by_product), dict(by_user)
        # A trace (an IP prefix, a device, an address) held by a large share of all accounts
        # (a test server's 127.0.0.1, a country-wide proxy) tells nobody apart.
        total = max(1, len(self.accounts))
        for kind in TRACE_KINDS:
            counts: Counter[str] = Counter()
            for a in self.accounts.values():
                counts.update(_traces(a, kind))
            self.common[kind] = {
                v
                for v, n in counts.items()
                if n >= 3 and n >= self.tuning.common_trace_share * total
            }

    def joined(self, user: str) -> float | None:
        account = self.accounts.get(user)
        return account.joined_at if account else None

    def is_new(self, review: ReviewRecord) -> bool:
        joined = self.joined(review.user)
        return joined is not None and review.at - joined < self.tuning.new_days * DAY

    def traces(self, user: str, kind: str) -> set[str]:
        account = self.accounts.get(user)
        if account is None:
            return set()
        return _traces(account, kind) - self.common[kind]


TRACE_KINDS = ("network", "device", "address")


def _traces(account: AccountRecord, kind: str) -> set[str]:
    if kind == "network":
        return set(account.ip_prefixes)
    if kind == "device":
        return set(account.devices)
    return set(account.addresses)


def _reason(code: str, points: int | None = None, **params: int | float | str) -> Reason:
    return Reason(code=code, points=POINTS[code] if points is None else points, params=params)


def _add(out: dict[str, list[Reason]], key: str, reason: Reason) -> None:
    out.setdefault(key, []).append(reason)


def _hours(seconds: float) -> int:
    return max(1, math.ceil(seconds / HOUR))


def _days(seconds: float) -> int:
    return max(1, math.ceil(seconds / DAY))


# --- one review ---------------------------------------------------------------------------------


def review_near_duplicates(
    ctx: Context, clusters: Iterable[Sequence[str]]
) -> dict[str, list[Reason]]:
    """Texts that nearly repeat those of other accounts on the products of the same store.

    A cluster of near-duplicates (`textsim.near_duplicates`) counts at a store when at least
    `duplicate_min_users` accounts wrote its texts there, and the cluster is not a phrase that
    people everywhere type (spread over more than three stores with no store holding half of
    it)."""
    index = {r.review_id: r for r in ctx.reviews}
    out: dict[str, list[Reason]] = {}
    for cluster in clusters:
        members = [index[k] for k in cluster if k in index]
        by_store: dict[str, list[ReviewRecord]] = defaultdict(list)
        for r in members:
            by_store[r.store].append(r)
        spread = len(by_store) > 3
        for group in by_store.values():
            users = {r.user for r in group}
            if len(users) < ctx.tuning.duplicate_min_users:
                continue
            if spread and len(group) * 2 < len(members):
                continue
            products = len({r.product for r in group})
            for r in group:
                _add(
                    out,
                    r.review_id,
                    _reason("near_duplicate_text", others=len(users) - 1, products=products),
                )
    return out


def review_rating_deviation(
    ctx: Context, suspects: AbstractSet[str] = frozenset()
) -> dict[str, list[Reason]]:
    """A rating far from the product's mean, the mean computed without the suspects' reviews
    (they would pull it towards their own)."""
    t = ctx.tuning
    out: dict[str, list[Reason]] = {}
    for reviews in ctx.by_product.values():
        honest = [r.stars for r in reviews if r.user not in suspects]
        if len(honest) < t.deviation_min_reviews:
            continue
        mean = sum(honest) / len(honest)
        for r in reviews:
            if abs(r.stars - mean) >= t.deviation:
                _add(
                    out,
                    r.review_id,
                    _reason(
                        "rating_deviation", stars=r.stars, mean=round(mean, 1), others=len(honest)
                    ),
                )
    return out


def review_cheap_five_stars(ctx: Context) -> dict[str, list[Reason]]:
    """Five stars for an order paid far below the item's list price."""
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        if (
            r.stars == 5
            and r.list_price > 0
            and r.order_total <= ctx.tuning.cheap_share * r.list_price
        ):
            percent = round(100 * r.order_total / r.list_price)
            _add(out, r.review_id, _reason("cheap_order_five_stars", percent=percent))
    return out


def review_tracking_reused(ctx: Context) -> dict[str, list[Reason]]:
    """A tracking number that also served orders of other buyers (an empty parcel's number
    handed round)."""
    buyers: dict[str, set[str]] = defaultdict(set)
    for r in ctx.reviews:
        if r.tracking:
            buyers[r.tracking].add(r.user)
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        if r.tracking and len(buyers[r.tracking]) >= 2:
            _add(out, r.review_id, _reason("tracking_reused", others=len(buyers[r.tracking]) - 1))
    return out


def review_fast_delivery(ctx: Context) -> dict[str, list[Reason]]:
    """Received implausibly soon after it shipped (or before)."""
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        if r.shipped_at is None or r.received_at is None:
            continue
        minutes = (r.received_at - r.shipped_at) / 60
        if minutes < ctx.tuning.fast_minutes:
            _add(out, r.review_id, _reason("fast_delivery", minutes=max(0, round(minutes))))
    return out


def review_refund_after(ctx: Context) -> dict[str, list[Reason]]:
    """A good review, then the order refunded (the money back, the stars kept)."""
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        if r.refunded_after and r.stars >= 4:
            _add(out, r.review_id, _reason("refund_after_review", stars=r.stars))
    return out


def review_new_account(ctx: Context) -> dict[str, list[Reason]]:
    """The account was new when it wrote the review (weak: every buyer was new once)."""
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        joined = ctx.joined(r.user)
        if joined is not None and ctx.is_new(r):
            _add(
                out, r.review_id, _reason("new_account_review", days=_days(max(0.0, r.at - joined)))
            )
    return out


def review_bursts(ctx: Context) -> dict[str, list[Reason]]:
    """Many reviews of one product in a short window, far above its usual rate.

    A burst alone means little (a product that goes viral has one too): it adds a few points,
    a few more when most of the burst came through a campaign, and more when most of it came
    from new accounts."""
    t = ctx.tuning
    window = t.burst_hours * HOUR
    out: dict[str, list[Reason]] = {}
    for reviews in ctx.by_product.values():
        n = len(reviews)
        if n < t.burst_min_reviews:
            continue
        times = [r.at for r in reviews]
        span = max(times[-1] - times[0], 30 * DAY)
        in_burst = [False] * n
        j = 0
        for i in range(n):
            if j < i:
                j = i
            while j + 1 < n and times[j + 1] - times[i] <= window:
                j += 1
            count = j - i + 1
            # The usual rate counts the reviews outside this window.
            expected = (n - count) * window / span
            if count >= t.burst_min_reviews and count >= t.burst_ratio * max(expected, 1.0):
                for k in range(i, j + 1):
                    in_burst[k] = True
        i = 0
        while i < n:
            if not in_burst[i]:
                i += 1
                continue
            k = i
            while k + 1 < n and in_burst[k + 1] and times[k + 1] - times[k] <= window:
                k += 1
            group = reviews[i : k + 1]
            new = sum(1 for r in group if ctx.is_new(r))
            campaign = sum(1 for r in group if r.campaign)
            hours = _hours(group[-1].at - group[0].at)
            if new * 2 >= len(group):
                reason = _reason("burst_new_accounts", count=len(group), hours=hours, new=new)
            elif campaign * 2 >= len(group):
                reason = _reason("burst_after_campaign", count=len(group), hours=hours)
            else:
                reason = _reason("review_burst", count=len(group), hours=hours)
            for r in group:
                _add(out, r.review_id, reason)
            i = k + 1
    return out


def review_promoters(ctx: Context) -> dict[str, list[Reason]]:
    """A promoter reviewing their own store's products; a promoter's bound customers (at least
    `team_min_members`) all reviewing the same product."""
    out: dict[str, list[Reason]] = {}
    for r in ctx.reviews:
        account = ctx.accounts.get(r.user)
        if account is not None and r.store in account.promoter_of:
            _add(out, r.review_id, _reason("promoter_is_reviewer"))
    for reviews in ctx.by_product.values():
        teams: dict[str, list[ReviewRecord]] = defaultdict(list)
        for r in reviews:
            if r.promoter:
                teams[r.promoter].append(r)
        for team in teams.values():
            members = {r.user for r in team}
            if len(members) >= ctx.tuning.team_min_members:
                for r in team:
                    _add(out, r.review_id, _reason("promoter_team", members=len(members)))
    return out


# --- one account --------------------------------------------------------------------------------


def account_shared_traces(ctx: Context) -> dict[str, list[Reason]]:
    """Networks (IP prefixes), devices and shipping addresses shared with other reviewers of
    the same products. A network needs three accounts on one product (two people of a family
    or a campus do that by chance); a device or an address two. Traces most accounts share
    (a test server, a national proxy) are left out."""
    least = {"network": 3, "device": 2, "address": 2}
    code = {"network": "shared_network", "device": "shared_device", "address": "shared_address"}
    out: dict[str, list[Reason]] = {}
    for kind in TRACE_KINDS:
        holders: dict[str, set[str]] = defaultdict(set)
        for user in ctx.by_user:
            for value in ctx.traces(user, kind):
                holders[value].add(user)
        others: dict[str, set[str]] = defaultdict(set)
        products: dict[str, set[str]] = defaultdict(set)
        for value in sorted(holders):
            group = holders[value]
            if len(group) < least[kind]:
                continue
            reviewers: dict[str, set[str]] = defaultdict(set)  # product → holders reviewing it
            for user in group:
                for r in ctx.by_user[user]:
                    reviewers[r.product].add(user)
            for product, users in reviewers.items():
                if len(users) >= least[kind]:
                    for user in users:
                        others[user] |= users - {user}
                        products[user].add(product)
        for user in sorted(others):
            _add(
                out,
                user,
                _reason(code[kind], others=len(others[user]), products=len(products[user])),
            )
    return out


def account_new(ctx: Context) -> dict[str, list[Reason]]:
    """Most of the account's reviews were written while it was new."""
    out: dict[str, list[Reason]] = {}
    for user, reviews in ctx.by_user.items():
        joined = ctx.joined(user)
        if joined is None:
            continue
        new = sum(1 for r in reviews if ctx.is_new(r))
        if new * 2 > len(reviews):
            _add(
                out,
                user,
                _reason("new_account", days=_days(max(0.0, reviews[0].at - joined)), reviews=new),
            )
    return out


# --- a group ------------------------------------------------------------------------------------


def _scaled(code: str, share: float) -> int:
    return round(POINTS[code] * min(1.0, share))


def ring_lockstep(
    ctx: Context, users: Iterable[str], reviews: Sequence[ReviewRecord]
) -> list[Reason]:
    """Accounts created within a few days of one another that reviewed the same products
    within a short window ("12 accounts created within 3 days of each other reviewed the same
    5 products within 6 hours"); or, when their ages tell nothing, the group's reviews of most
    of its products falling within one short window."""
    t = ctx.tuning
    members = sorted(users)
    joined = sorted((j, u) for u in members if (j := ctx.joined(u)) is not None)
    best: list[str] = []
    start = 0
    for end in range(len(joined)):
        while joined[end][0] - joined[start][0] > t.lockstep_join_days * DAY:
            start += 1
        if end - start + 1 > len(best):
            best = [u for _, u in joined[start : end + 1]]
    out: list[Reason] = []
    by_product: dict[str, list[ReviewRecord]] = defaultdict(list)
    for r in reviews:
        by_product[r.product].append(r)

    def together(group: set[str]) -> tuple[int, float]:
        """Products whose reviews by the group (at least two) fall within the window, and
        the widest of those windows."""
        count, widest = 0, 0.0
        for product_reviews in by_product.values():
            times = sorted(r.at for r in product_reviews if r.user in group)
            if len(times) < 2:
                continue
            # the narrowest window holding 80 % of them
            need = max(2, math.ceil(0.8 * len(times)))
            width = min(times[i + need - 1] - times[i] for i in range(len(times) - need + 1))
            if width <= t.together_hours * HOUR:
                count += 1
                widest = max(widest, width)
        return count, widest

    products = len(by_product)
    if len(best) >= 3 and len(best) * 5 >= 2 * len(members):
        count, widest = together(set(best))
        if count >= 2 and count * 2 >= products:
            out.append(
                _reason(
                    "lockstep",
                    _scaled("lockstep", len(best) / len(members)),
                    accounts=len(best),
                    days=_days(joined_span(ctx, best)),
                    products=count,
                    hours=_hours(widest),
                )
            )
            return out
    count, widest = together(set(members))
    if count >= 2 and count * 2 >= products:
        # Honest people do review one product together (it went viral); the same several
        # products together is a plan, and more so the more products.
        most = min(POINTS["reviewed_together"], 5 * (count + 1))
        out.append(
            _reason(
                "reviewed_together",
                round(most * count / products),
                accounts=len(members),
                products=count,
                hours=_hours(widest),
            )
        )
    return out


def joined_span(ctx: Context, users: Sequence[str]) -> float:
    times = [j for u in users if (j := ctx.joined(u)) is not None]
    return max(times) - min(times) if times else 0.0


def ring_shared_traces(ctx: Context, users: Iterable[str]) -> list[Reason]:
    """How many of the group's accounts share a network, a device or an address with another
    of them."""
    members = sorted(users)
    sharing: set[str] = set()
    values = 0
    for kind in TRACE_KINDS:
        holders: dict[str, set[str]] = defaultdict(set)
        for u in members:
            for v in ctx.traces(u, kind):
                holders[v].add(u)
        for group in holders.values():
            if len(group) >= 2:
                sharing |= group
                values += 1
    if len(sharing) < 2:
        return []
    return [
        _reason(
            "ring_shared_traces",
            _scaled("ring_shared_traces", len(sharing) / len(members)),
            shared=len(sharing),
            accounts=len(members),
            traces=values,
        )
    ]


def ring_share(
    code: str, reviews: Sequence[ReviewRecord], hit: set[str], **params: int | float | str
) -> list[Reason]:
    """A group reason scaled by the share of the group's reviews in `hit`."""
    count = sum(1 for r in reviews if r.review_id in hit)
    if not reviews or count == 0:
        return []
    return [
        _reason(
            code, _scaled(code, count / len(reviews)), count=count, reviews=len(reviews), **params
        )
    ]


def ring_duplicate_texts(
    reviews: Sequence[ReviewRecord], clusters: Iterable[Sequence[str]]
) -> list[Reason]:
    """The group's own reviews that nearly repeat one another (clusters restricted to the
    group, two accounts at least)."""
    ids = {r.review_id: r for r in reviews}
    hit: set[str] = set()
    for cluster in clusters:
        inside = [k for k in cluster if k in ids]
        if len({ids[k].user for k in inside}) >= 2:
            hit.update(inside)
    return ring_share("ring_duplicate_texts", reviews, hit)


def ring_promoter(
    ctx: Context, users: Iterable[str], reviews: Sequence[ReviewRecord]
) -> list[Reason]:
    """A promoter's loop: a promoter of the store among the group with others of the group
    bound to them, or most of the group bound to one promoter."""
    members = set(users)
    bound: dict[str, set[str]] = defaultdict(set)
    for r in reviews:
        if r.promoter:
            bound[r.promoter].add(r.user)
    if not bound:
        return []
    promoter, team = max(sorted(bound.items()), key=lambda kv: len(kv[1]))
    if promoter in members and len(team) >= 2:
        return [_reason("ring_promoter_inside", bound=len(team), accounts=len(members))]
    if len(team) * 2 >= len(members):
        return [_reason("ring_promoter_team", bound=len(team), accounts=len(members))]
    return []


def ring_new_accounts(ctx: Context, reviews: Sequence[ReviewRecord]) -> list[Reason]:
    return ring_share("ring_new_accounts", reviews, {r.review_id for r in reviews if ctx.is_new(r)})


def ring_from_reviews(
    code: str,
    reviews: Sequence[ReviewRecord],
    reasons: Mapping[str, Sequence[Reason]],
    codes: set[str],
) -> list[Reason]:
    """A group reason from the share of its reviews carrying one of the review reasons
    `codes`."""
    hit = {
        r.review_id for r in reviews if any(x.code in codes for x in reasons.get(r.review_id, ()))
    }
    return ring_share(code, reviews, hit)


ORDER_CODES = {"cheap_order_five_stars", "tracking_reused", "fast_delivery", "refund_after_review"}
