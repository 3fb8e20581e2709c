"""FRAUDAR-style peeling: dense blocks in the buyers × products graph, camouflage-resistant."""

from __future__ import annotations

import itertools
import random

from quanzi.trust.detect import fraudar


def _sparse(rng: random.Random, users: int = 200, products: int = 80) -> list[tuple[str, str]]:
    """A sparse organic graph with popular products (p000 the most popular)."""
    weights = [1.0 / (i + 1) for i in range(products)]
    edges = set()
    for u in range(users):
        for p in rng.choices(range(products), weights, k=rng.randint(1, 5)):
            edges.add((f"u{u:03d}", f"p{p:03d}"))
    return sorted(edges)


def _ring(tag: str, k: int, m: int) -> tuple[set[str], set[str], list[tuple[str, str]]]:
    users = {f"{tag}-u{i}" for i in range(k)}
    products = {f"{tag}-p{j}" for j in range(m)}
    return users, products, [(u, p) for u in sorted(users) for p in sorted(products)]


def test_given_a_planted_ring_when_peeled_then_the_block_is_the_ring() -> None:
    rng = random.Random(3)
    users, products, ring = _ring("ring", 15, 5)
    weights = fraudar.weighted_edges(_sparse(rng) + ring)

    block = fraudar.peel(weights)

    assert block.users == users
    assert block.products == products
    assert block.density > fraudar.mean_density(weights)


def test_given_edges_to_a_popular_product_when_weighted_then_they_weigh_less() -> None:
    edges = [(f"u{i}", "popular") for i in range(100)] + [("u1", "niche"), ("u2", "niche")]

    weights = fraudar.weighted_edges(edges)

    assert weights[("u1", "popular")] < weights[("u1", "niche")]
    assert fraudar.column_weights(edges)["niche"] == weights[("u2", "niche")]


def test_given_a_camouflaged_ring_when_found_and_focused_then_popular_products_stay_out() -> None:
    rng = random.Random(5)
    organic = _sparse(rng, users=400, products=80)
    users, products, ring = _ring("ring", 20, 4)
    # Each fake account also reviews four of the five best sellers: half of its reviews.
    camouflage = [(u, f"p{p:03d}") for u in sorted(users) for p in rng.sample(range(5), 4)]
    edges = organic + ring + camouflage
    weights = fraudar.weighted_edges(edges)
    index = fraudar.EdgeIndex(edges)

    parts = [
        part for block in fraudar.dense_blocks(weights) for part in fraudar.focus(block, index)
    ]

    assert (frozenset(users), frozenset(products)) in parts
    assert not any(p.startswith("p0") for _, ps in parts for p in ps)


def test_given_two_rings_when_blocks_are_found_then_each_is_its_own_part() -> None:
    rng = random.Random(7)
    a_users, a_products, a = _ring("a", 12, 4)
    b_users, b_products, b = _ring("b", 9, 3)
    edges = _sparse(rng) + a + b
    index = fraudar.EdgeIndex(edges)

    blocks = fraudar.dense_blocks(fraudar.weighted_edges(edges), max_blocks=5)
    parts = fraudar.merge_overlapping(
        [part for block in blocks for part in fraudar.focus(block, index)]
    )

    assert (frozenset(a_users), frozenset(a_products)) in parts
    assert (frozenset(b_users), frozenset(b_products)) in parts


def test_given_a_ring_peeled_in_slices_when_merged_then_it_is_one_part() -> None:
    slices = [
        (frozenset({"u1", "u2", "u3"}), frozenset({"p1", "p2", "p3"})),
        (frozenset({"u4", "u5", "u6"}), frozenset({"p1", "p2", "p3"})),
        (frozenset({"x1", "x2", "x3"}), frozenset({"q1", "q2"})),
    ]

    merged = fraudar.merge_overlapping(slices)

    assert merged == [
        (frozenset({"u1", "u2", "u3", "u4", "u5", "u6"}), frozenset({"p1", "p2", "p3"})),
        (frozenset({"x1", "x2", "x3"}), frozenset({"q1", "q2"})),
    ]


def test_given_a_tiny_graph_when_peeled_then_the_density_is_at_least_half_the_best() -> None:
    # FRAUDAR's guarantee: greedy peeling finds at least half the best density.
    rng = random.Random(11)
    edges = {(f"u{rng.randrange(6)}", f"p{rng.randrange(5)}") for _ in range(18)}
    weights = fraudar.weighted_edges(edges)
    nodes = sorted({u for u, _ in weights}) + sorted({p for _, p in weights})
    best = 0.0
    for size in range(1, len(nodes) + 1):
        for subset in itertools.combinations(nodes, size):
            chosen = set(subset)
            users = {n for n in chosen if n.startswith("u")}
            products = chosen - users
            best = max(best, fraudar.density(weights, users, products))

    block = fraudar.peel(weights)

    assert block.density >= best / 2
    assert abs(block.density - fraudar.density(weights, block.users, block.products)) < 1e-9


def test_given_user_priors_when_peeled_then_they_count_in_the_density() -> None:
    edges = [(u, p) for u in ("u1", "u2", "u3") for p in ("p1", "p2")] + [("u4", "p3")]
    weights = fraudar.weighted_edges(edges)

    plain = fraudar.peel(weights)
    with_prior = fraudar.peel(weights, prior={"u4": 5.0})

    assert plain.users == {"u1", "u2", "u3"}
    assert "u4" in with_prior.users


def test_given_the_same_graph_when_peeled_twice_then_the_blocks_are_the_same() -> None:
    rng = random.Random(13)
    _, _, ring = _ring("ring", 10, 3)
    edges = _sparse(rng) + ring
    shuffled = list(edges)
    random.Random(1).shuffle(shuffled)

    first = fraudar.dense_blocks(fraudar.weighted_edges(edges), max_blocks=4)
    second = fraudar.dense_blocks(fraudar.weighted_edges(shuffled), max_blocks=4)

    assert first == second


def test_given_no_edges_when_peeled_then_no_block() -> None:
    assert fraudar.dense_blocks({}) == []
    assert fraudar.peel({}).users == frozenset()
