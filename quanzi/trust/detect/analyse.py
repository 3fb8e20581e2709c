"""`analyse`: every signal, the dense blocks, a score with reasons for every review and account.

1. The signals of each review and account (`signals`), near-duplicate texts (`textsim`).
2. Dense blocks (`fraudar`) in the buyers × products graph where each edge weighs its column
   weight `1 / log(deg + 5)` times its review's suspicion: `BASE` plus the points its own
   signals and its author's gave it. An organic core of heavy buyers and popular products is
   dense, but its edges are light; fake accounts' camouflage reviews of popular products are
   light twice (popular product, nothing suspicious). Each peeled block is focused
   (`fraudar.focus`: the products its users review far above chance, the users who reviewed
   them, split into connected parts).
3. The ratings' deviation again, each product's mean now computed without the blocks' users.
4. Each block's score: its density (`dense_block`) plus the shares of its members and reviews
   that carry corroborating signals (lockstep, duplicated texts, shared traces, order traces,
   new accounts, ratings off the mean, a promoter's loop). A dense block of people who share
   nothing suspicious (a campus, a circle of friends, heavy buyers of popular products) scores
   low however dense it is.
5. A review's score: its own reasons and its author's, plus, when it is one of a block's reviews
   (its user and product both in the block), `in_ring`: the block's score counts in full, the
   review's own reasons on top of half of it, whichever is more. An account's score: the score
   of its most suspicious review (an account without reviews: its own reasons).

No weak signal flags on its own: a new account (6), a shared network (6), a burst (3–12) or
five stars (nothing) stay far below the default flag of 60."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from quanzi.trust.detect import fraudar, signals, textsim
from quanzi.trust.detect.records import (
    AccountRecord,
    Block,
    Findings,
    Reason,
    ReviewRecord,
    Scored,
    Thresholds,
)
from quanzi.trust.detect.signals import POINTS, Context, Tuning

BASE = 0.15  # the suspicion of a review with no signal, as a multiple of its column weight
SCALE = 40.0  # points that add 1.0 to a review's suspicion
MAX_BLOCKS = 40
FLOOR = 1.0  # blocks stop when denser than the graph's mean by less than this
STRONG = 1.0  # an edge this suspicious keeps a user in a block on its own
MIN_BLOCK = 30  # a block scoring less is dense and nothing more: not answered


def _merge(*parts: Mapping[str, list[Reason]]) -> dict[str, list[Reason]]:
    out: dict[str, list[Reason]] = defaultdict(list)
    for part in parts:
        for key, reasons in part.items():
            out[key].extend(reasons)
    return out


def _strongest(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """One reason per code (the strongest), strongest first, then by code."""
    best: dict[str, Reason] = {}
    for r in reasons:
        if r.code not in best or r.points > best[r.code].points:
            best[r.code] = r
    return tuple(sorted(best.values(), key=lambda r: (-r.points, r.code)))


def _total(reasons: Sequence[Reason]) -> int:
    return sum(r.points for r in reasons)


def analyse(
    reviews: Sequence[ReviewRecord],
    accounts: Mapping[str, AccountRecord] | Iterable[AccountRecord],
    thresholds: Thresholds = Thresholds(),  # noqa: B008 (frozen)
    now: float | None = None,
    tuning: Tuning | None = None,
) -> Findings:
    """Scores for every review and account, and the suspicious blocks, strongest first.

    `now`: the time of the analysis; reviews written after it are left out (a replay of the
    past sees what was there then). Every signal is relative to the records' own times.
    `thresholds`: the operator's, for the caller to apply (a block scoring at least the review
    flag is a case): neither the scores nor the blocks depend on them. Blocks scoring under
    `MIN_BLOCK` (dense corners of honest buying, with nothing to corroborate them) are not
    answered and add nothing to their members' scores.
    `accounts`: by user, or a plain sequence of records."""
    if not isinstance(accounts, Mapping):
        accounts = {a.user: a for a in accounts}
    if now is not None:
        reviews = [r for r in reviews if r.at <= now]
    ctx = Context(reviews, accounts, tuning or Tuning())
    clusters = textsim.near_duplicates({r.review_id: r.text for r in reviews})
    fixed = _merge(
        signals.review_near_duplicates(ctx, clusters),
        signals.review_cheap_five_stars(ctx),
        signals.review_tracking_reused(ctx),
        signals.review_fast_delivery(ctx),
        signals.review_refund_after(ctx),
        signals.review_new_account(ctx),
        signals.review_bursts(ctx),
        signals.review_promoters(ctx),
    )
    account_reasons = _merge(signals.account_shared_traces(ctx), signals.account_new(ctx))
    account_points = {u: _total(_strongest(rs)) for u, rs in account_reasons.items()}

    # Dense blocks in the suspicion-weighted graph.
    first_deviation = signals.review_rating_deviation(ctx, set())
    suspicion: dict[tuple[str, str], float] = {}
    for r in reviews:
        own = _strongest(fixed.get(r.review_id, []) + first_deviation.get(r.review_id, []))
        value = BASE + (_total(own) + account_points.get(r.user, 0)) / SCALE
        key = (r.user, r.product)
        suspicion[key] = max(suspicion.get(key, 0.0), value)
    edges = list(suspicion)
    weights = fraudar.weighted_edges(edges, suspicion)
    plain = fraudar.weighted_edges(edges)
    plain_mean = fraudar.mean_density(plain) or 1.0
    strong = {e for e, s in suspicion.items() if s >= STRONG}
    index = fraudar.EdgeIndex(edges)
    parts: list[tuple[frozenset[str], frozenset[str]]] = []
    for peeled in fraudar.dense_blocks(weights, max_blocks=MAX_BLOCKS, floor=FLOOR):
        parts.extend(fraudar.focus(peeled, index, strong=strong))
    parts = fraudar.merge_overlapping([_grow(ctx, users, products) for users, products in parts])

    suspects = {u for users, _ in parts for u in users}
    deviation = signals.review_rating_deviation(ctx, suspects)
    own_reasons = _merge(fixed, deviation)

    # Each block's score.
    blocks: list[Block] = []
    for users, products in parts:
        inside = [r for u in sorted(users) for r in ctx.by_user.get(u, []) if r.product in products]
        shared: list[Reason] = [
            Reason(
                "dense_block",
                POINTS["dense_block"],
                {
                    "accounts": len(users),
                    "products": len(products),
                    "times": round(fraudar.density(plain, users, products) / plain_mean, 1),
                },
            )
        ]
        shared += signals.ring_lockstep(ctx, users, inside)
        shared += signals.ring_duplicate_texts(inside, clusters)
        shared += signals.ring_shared_traces(ctx, users)
        shared += signals.ring_from_reviews(
            "ring_order_traces", inside, own_reasons, signals.ORDER_CODES
        )
        shared += signals.ring_new_accounts(ctx, inside)
        shared += signals.ring_from_reviews(
            "ring_rating_deviation", inside, own_reasons, {"rating_deviation"}
        )
        shared += signals.ring_promoter(ctx, users, inside)
        reasons = _strongest([r for r in shared if r.points > 0])
        blocks.append(
            Block(
                users=users,
                products=products,
                review_ids=frozenset(r.review_id for r in inside),
                density=round(fraudar.density(plain, users, products), 4),
                score=min(100, _total(reasons)),
                reasons=reasons,
            )
        )
    del thresholds
    blocks = [b for b in blocks if b.score >= MIN_BLOCK]
    blocks.sort(key=lambda b: (-b.score, -b.density, sorted(b.users)[0]))

    ring_of: dict[str, Block] = {}
    for b in blocks:
        for rid in b.review_ids:
            ring_of.setdefault(rid, b)

    scored_reviews: dict[str, Scored] = {}
    for r in reviews:
        own = _strongest(own_reasons.get(r.review_id, []) + account_reasons.get(r.user, []))
        block = ring_of.get(r.review_id)
        if block is not None:
            points = max(-(-block.score // 2), block.score - _total(own))
            own = _strongest([*own, _in_ring(block, points)])
        scored_reviews[r.review_id] = Scored(min(100, _total(own)), own)

    by_user: dict[str, list[str]] = defaultdict(list)
    for r in reviews:
        by_user[r.user].append(r.review_id)
    scored_accounts: dict[str, Scored] = {}
    for user in sorted(set(accounts) | set(by_user)):
        ids = by_user.get(user, [])
        if ids:
            top = max(ids, key=lambda i: (scored_reviews[i].score, i))
            scored_accounts[user] = scored_reviews[top]
        else:
            own = _strongest(account_reasons.get(user, []))
            scored_accounts[user] = Scored(min(100, _total(own)), own)
    return Findings(reviews=scored_reviews, accounts=scored_accounts, blocks=blocks)


def _in_ring(block: Block, points: int) -> Reason:
    return Reason(
        "in_ring",
        points,
        {"accounts": len(block.users), "products": len(block.products), "score": block.score},
    )


GROW_DAYS = 3.0


def _grow(
    ctx: Context, users: frozenset[str], products: frozenset[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The block with the accounts the peeling left for later slices or too thin to keep:
    whoever reviewed at least half of its products (two at least) mostly while the block was at
    it (between the first and last tenth of its reviews' times, give or take `GROW_DAYS`); and,
    when the block's accounts were all created within a few days, whoever was created within
    those days too and reviewed one of its products while it was at it."""
    times = sorted(r.at for u in users for r in ctx.by_user.get(u, []) if r.product in products)
    if not times:
        return users, products
    lo = times[len(times) // 10] - GROW_DAYS * signals.DAY
    hi = times[-1 - len(times) // 10] + GROW_DAYS * signals.DAY
    need = max(2, -(-len(products) // 2))
    joined = sorted(j for u in users if (j := ctx.joined(u)) is not None)
    cohort = (
        len(joined) == len(users)
        and joined[-1] - joined[0] <= ctx.tuning.lockstep_join_days * signals.DAY
    )
    hits: dict[str, list[float]] = defaultdict(list)
    for p in products:
        for r in ctx.by_product.get(p, []):
            if r.user not in users:
                hits[r.user].append(r.at)
    grown = set(users)
    for user, at in hits.items():
        within = sum(1 for t in at if lo <= t <= hi)
        if (len(at) >= need and 2 * within >= len(at)) or (
            cohort and within and joined[0] <= (ctx.joined(user) or 0.0) <= joined[-1]
        ):
            grown.add(user)
    return frozenset(grown), products
