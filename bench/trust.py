"""The injection benchmark of the fake-review detectors (`python -m bench --only trust`).

No database: a review graph is generated as the detectors' plain records
(`bench/trust_world.py`: organic behaviour, a genuine viral burst, rings of k fake accounts ×
m target products), then `quanzi.trust.detect.analyse` runs on it, as the analysis task runs it
on the site's rows. For each seed, the same organic graph, burst and rings are built at three
camouflage levels — 0 %, 25 % and 50 %, the share of each fake account's reviews that are
honest-looking reviews of popular products — and measured:

- flagged reviews (score ≥ the review flag, 60): precision, recall and F1, the positives being
  the ring accounts' reviews of their target products (camouflage reviews are negatives);
- flagged accounts (score ≥ the account flag, 60): precision, recall and F1 over all accounts,
  the positives being the ring accounts;
- the false-positive rate on the genuine burst's reviews and accounts;
- rings caught: a case (a block scoring at least the review flag) holding at least half of the
  ring's accounts; camouflage reviews flagged;

for the detector and, in the same run, for a simple baseline (a review is flagged when its
account was under 30 days old when it wrote it and it gave five stars; an account when one of
its reviews is) and for FRAUDAR alone (the ablation: column weights without the signals, every
block flagged). A fourth graph per seed runs every ring carefully (a stress test, reported
apart). `analyse` is timed on every graph (wall and CPU seconds)."""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any

from bench.harness import machine
from bench.trust_world import DAY, Organic, World, build_world
from quanzi.trust.detect import fraudar
from quanzi.trust.detect.analyse import MAX_BLOCKS, analyse
from quanzi.trust.detect.records import Findings, Thresholds

LEVELS = (0.0, 0.25, 0.5)
RINGS = 8
METHODS = ("detector", "fraudar only", "baseline")
BASELINE = "new account (under 30 days old at the review) + five stars"
FRAUDAR_ONLY = (
    "the ablation: FRAUDAR's column weights alone, no signal weighing the edges, the same "
    "peeling, focus and merge; every block's reviews and accounts flagged"
)
CAREFUL = (
    "a stress test, not the target: the same rings run carefully (a third of the traces: "
    "fewer shared networks, devices and addresses, more own texts, fewer cheap orders, reused "
    "tracking numbers, instant deliveries and refunds; spread over a day to two weeks) at 25 % "
    "camouflage"
)
CAMOUFLAGE = (
    "camouflage = the share of each fake account's reviews that are honest-looking reviews "
    "of popular products (the best-selling tenth of the catalogue, never another ring's "
    "target, chosen by popularity, stars from the product's own distribution, organic texts, "
    "full-price orders with normal delivery)"
)


def _prf(flagged: set[str], positives: set[str]) -> dict[str, float]:
    hit = len(flagged & positives)
    precision = hit / len(flagged) if flagged else 0.0
    recall = hit / len(positives) if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "flagged": len(flagged),
        "true_positives": hit,
    }


def _measure(
    world: World, flagged_reviews: set[str], flagged_accounts: set[str], cases: list[set[str]]
) -> dict[str, Any]:
    t = world.truth
    rings_caught = 0
    for ring in t.rings:
        members = set(ring["users"])  # type: ignore[call-overload]
        if any(len(members & case) * 2 >= len(members) for case in cases):
            rings_caught += 1
    return {
        "reviews": _prf(flagged_reviews, t.positives),
        "accounts": _prf(flagged_accounts, t.ring_accounts),
        "burst_fp_reviews": round(len(flagged_reviews & t.burst_reviews) / len(t.burst_reviews), 3),
        "burst_fp_accounts": round(
            len(flagged_accounts & t.burst_accounts) / len(t.burst_accounts), 3
        ),
        "camouflage_flagged": len(flagged_reviews & t.camouflage),
        "rings_caught": rings_caught,
    }


def _baseline(world: World) -> tuple[set[str], set[str]]:
    """New account (under 30 days when it wrote the review) + five stars."""
    reviews = set()
    accounts = set()
    for r in world.reviews:
        joined = world.accounts[r.user].joined_at
        if r.stars == 5 and r.at - joined < 30 * DAY:
            reviews.add(r.review_id)
            accounts.add(r.user)
    return reviews, accounts


def _detector(
    findings: Findings, thresholds: Thresholds
) -> tuple[set[str], set[str], list[set[str]]]:
    reviews = {k for k, s in findings.reviews.items() if s.score >= thresholds.review_flag}
    accounts = {k for k, s in findings.accounts.items() if s.score >= thresholds.account_flag}
    cases = [set(b.users) for b in findings.blocks if b.score >= thresholds.review_flag]
    return reviews, accounts, cases


def _fraudar_only(world: World) -> tuple[set[str], set[str], list[set[str]]]:
    """The ablation: FRAUDAR's column weights alone (no signal weighs the edges), the same
    peeling, focus and merge as `analyse`; every block's reviews and accounts flagged."""
    edges = list({(r.user, r.product) for r in world.reviews})
    index = fraudar.EdgeIndex(edges)
    peeled = fraudar.dense_blocks(fraudar.weighted_edges(edges), max_blocks=MAX_BLOCKS)
    parts = fraudar.merge_overlapping([p for b in peeled for p in fraudar.focus(b, index)])
    reviews: set[str] = set()
    accounts: set[str] = set()
    for users, products in parts:
        accounts |= users
        reviews |= {r.review_id for r in world.reviews if r.user in users and r.product in products}
    return reviews, accounts, [set(u) for u, _ in parts]


def _run(
    world: World, thresholds: Thresholds, seed: int, level: float, scenario: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    wall, cpu = time.perf_counter(), time.process_time()
    findings = analyse(world.reviews, world.accounts, thresholds, now=world.now)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    key = {"seed": seed, "camouflage": level, "scenario": scenario}
    rows = []
    flagged, flagged_accounts, cases = _detector(findings, thresholds)
    rows.append(
        {
            **key,
            "method": "detector",
            "cases": len(cases),
            **_measure(world, flagged, flagged_accounts, cases),
        }
    )
    flagged, flagged_accounts, cases = _fraudar_only(world)
    rows.append(
        {
            **key,
            "method": "fraudar only",
            "cases": len(cases),
            **_measure(world, flagged, flagged_accounts, cases),
        }
    )
    flagged, flagged_accounts = _baseline(world)
    rows.append(
        {**key, "method": "baseline", "cases": 0, **_measure(world, flagged, flagged_accounts, [])}
    )
    print(
        f"trust: seed {seed}, {scenario}, camouflage {level:.0%}: analyse {wall:.1f} s "
        f"({cpu:.1f} s CPU), {len(world.reviews):,} reviews",
        file=sys.stderr,
        flush=True,
    )
    return rows, {**key, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def _graph(world: World, seed: int, level: float, scenario: str, products: int) -> dict[str, Any]:
    t = world.truth
    share = len(t.camouflage) / max(1, len(t.camouflage) + len(t.positives))
    return {
        "seed": seed,
        "camouflage": level,
        "scenario": scenario,
        "accounts": len(world.accounts),
        "products": products,
        "reviews": len(world.reviews),
        "edges": len({(r.user, r.product) for r in world.reviews}),
        "ring_accounts": len(t.ring_accounts),
        "ring_reviews": len(t.positives),
        "camouflage_reviews": len(t.camouflage),
        "camouflage_share": round(share, 3),
        "burst_reviews": len(t.burst_reviews),
        "rings": [{k: v for k, v in ring.items() if k != "users"} for ring in t.rings],
    }


def _fraudar_scale(users: int, products: int, edges: int, seed: int) -> dict[str, Any]:
    """FRAUDAR alone on a bigger graph: `edges` distinct (user, product) edges, products by
    Zipf popularity, users by lognormal activity; one peel and ten blocks, timed."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(products)]
    rng.shuffle(weights)
    activity = [rng.lognormvariate(0, 1.0) for _ in range(users)]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < edges:
        batch = edges - len(pairs)
        for u, p in zip(
            rng.choices(range(users), activity, k=batch),
            rng.choices(range(products), weights, k=batch),
            strict=True,
        ):
            pairs.add((f"u{u}", f"p{p}"))
    weighted = fraudar.weighted_edges(pairs)
    cpu, wall = time.process_time(), time.perf_counter()
    fraudar.peel(weighted)
    one = (time.perf_counter() - wall, time.process_time() - cpu)
    cpu, wall = time.process_time(), time.perf_counter()
    blocks = fraudar.dense_blocks(weighted, max_blocks=10, floor=0.0)
    ten = (time.perf_counter() - wall, time.process_time() - cpu)
    return {
        "users": users,
        "products": products,
        "edges": len(pairs),
        "peel_wall_s": round(one[0], 2),
        "peel_cpu_s": round(one[1], 2),
        "ten_blocks_wall_s": round(ten[0], 2),
        "ten_blocks_cpu_s": round(ten[1], 2),
        "blocks": len(blocks),
    }


def trust(users: int, products: int, seeds: list[int]) -> dict[str, Any]:
    thresholds = Thresholds()
    rows: list[dict[str, Any]] = []
    timings: list[dict[str, Any]] = []
    graphs: list[dict[str, Any]] = []
    for seed in seeds:
        started = time.perf_counter()
        organic = Organic(users, products, seed, rings=RINGS)
        print(
            f"trust: seed {seed}: organic graph in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        runs = [(level, "rings", False) for level in LEVELS] + [(0.25, "careful rings", True)]
        for level, scenario, careful in runs:
            world = build_world(organic, level, seed, careful_rings=careful)
            graphs.append(_graph(world, seed, level, scenario, products))
            measured, timing = _run(world, thresholds, seed, level, scenario)
            rows += measured
            timings.append(timing)
    main = [t for t in timings if t["scenario"] == "rings"]
    scale = _fraudar_scale(max(users, 5000), max(products, 2000), 60_000, seeds[0])
    data = {
        "suite": "trust",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {
            "users": users,
            "products": products,
            "seeds": seeds,
            "rings_per_graph": RINGS,
            "levels": list(LEVELS),
            "review_flag": thresholds.review_flag,
            "account_flag": thresholds.account_flag,
            "camouflage": CAMOUFLAGE,
            "baseline": BASELINE,
            "fraudar_only": FRAUDAR_ONLY,
            "careful": CAREFUL,
        },
        "graphs": graphs,
        "results": rows,
        "summary": _summary(rows),
        "timings": timings,
        "analyse_wall_s": {
            "median": round(statistics.median(t["wall_s"] for t in main), 2),
            "max": round(max(t["wall_s"] for t in main), 2),
        },
        "fraudar_scale": scale,
        "analyse_graphs": len(main),
        "analyse_cpu_s": {
            "median": round(statistics.median(t["cpu_s"] for t in main), 2),
            "max": round(max(t["cpu_s"] for t in main), 2),
        },
    }
    print(table(data))
    print()
    print(table(data, "careful rings"))
    return data


def _summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario, camouflage level and method, the mean over the seeds (and the worst)."""
    out = []
    keys = sorted({(r["scenario"] != "rings", r["camouflage"]) for r in rows})
    for careful, level in keys:
        scenario = "careful rings" if careful else "rings"
        for method in METHODS:
            group = [
                r
                for r in rows
                if r["camouflage"] == level and r["method"] == method and r["scenario"] == scenario
            ]
            if not group:
                continue
            out.append(
                {
                    "scenario": scenario,
                    "camouflage": level,
                    "method": method,
                    "review_f1": round(statistics.mean(r["reviews"]["f1"] for r in group), 3),
                    "review_f1_min": min(r["reviews"]["f1"] for r in group),
                    "account_f1": round(statistics.mean(r["accounts"]["f1"] for r in group), 3),
                    "account_f1_min": min(r["accounts"]["f1"] for r in group),
                    "burst_fp_reviews_max": max(r["burst_fp_reviews"] for r in group),
                    "burst_fp_accounts_max": max(r["burst_fp_accounts"] for r in group),
                }
            )
    return out


def table(data: dict[str, Any], scenario: str = "rings") -> str:
    """The results of one scenario as a Markdown table (also what docs/performance.md shows)."""
    lines = [
        "| seed | camouflage | method | reviews P | R | F1 | accounts P | R | F1 "
        "| burst FP reviews | burst FP accounts | camouflage flagged | rings caught | cases |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rings = data["config"]["rings_per_graph"]
    for r in data["results"]:
        if r["scenario"] != scenario:
            continue
        rv, ac = r["reviews"], r["accounts"]
        lines.append(
            f"| {r['seed']} | {r['camouflage']:.0%} | {r['method']} | {rv['precision']:.3f} | "
            f"{rv['recall']:.3f} | {rv['f1']:.3f} | {ac['precision']:.3f} | {ac['recall']:.3f} "
            f"| {ac['f1']:.3f} | {r['burst_fp_reviews']:.1%} | {r['burst_fp_accounts']:.1%} | "
            f"{r['camouflage_flagged']} | {r['rings_caught']}/{rings} | "
            f"{r['cases'] if r['method'] != 'baseline' else '–'} |"
        )
    return "\n".join(lines)
