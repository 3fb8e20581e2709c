"""Dense blocks in the buyers × products graph: a FRAUDAR-style greedy peeling (Hooi, Song,
Beutel, Shah, Shin, Faloutsos, "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage",
KDD 2016), written for this project.

The graph is bipartite: a user and a product are joined when the user reviewed the product
(several reviews of one product are one edge). Each edge weighs `1 / log(deg(product) + c)`,
where deg is the product's number of reviewers in the whole graph: an edge to a popular product
is worth little, so fake accounts that also review popular products (camouflage) add little to
any block's density and cannot pull those products in. The caller may multiply an edge's weight
by what is known of that one review (its suspicion, 1.0 when nothing is known) and give a user
a prior (FRAUDAR's node suspiciousness); both default to nothing.

`peel` removes, one at a time, the node whose remaining edges weigh least (its priority),
through a heap with lazy deletion (an entry is stale when its priority is no longer the node's),
and keeps the prefix of removals after which the density g(S) = f(S) / |S| was highest (f: the
weight of the edges left inside S plus the priors of the users in S). `dense_blocks` finds
several blocks: after each block it removes the block's edges and peels again, and stops when the
best density falls below a floor relative to the graph's mean density, or after `max_blocks`.
`focus` then keeps, of a peeled block, the products that its users review far more than chance
(camouflaged popular products that slipped in are dropped) and the users who reviewed those,
and splits what is left into its connected parts.

Pure Python with a heap: O((E + N) log E) per peel; 60,000 edges peel in a fraction of a second.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

COLUMN_C = 5.0


@dataclass(frozen=True)
class DenseBlock:
    """Users and products of one block, and its weighted density f(S) / |S|."""

    users: frozenset[str]
    products: frozenset[str]
    density: float


def column_weights(edges: Iterable[tuple[str, str]], c: float = COLUMN_C) -> dict[str, float]:
    """`1 / log(deg + c)` of every product, deg being its number of distinct reviewers."""
    degree: dict[str, int] = defaultdict(int)
    for _, product in set(edges):
        degree[product] += 1
    return {p: 1.0 / math.log(d + c) for p, d in degree.items()}


class _Graph:
    """The edges indexed: users 0..U-1, products U..U+P-1 (sorted ids: ties break the same way
    on every run)."""

    def __init__(self, weights: Mapping[tuple[str, str], float], prior: Mapping[str, float]):
        users = sorted({u for u, _ in weights})
        products = sorted({p for _, p in weights})
        self.names: list[str] = users + products
        self.user_count = len(users)
        index = {u: i for i, u in enumerate(users)}
        pindex = {p: len(users) + i for i, p in enumerate(products)}
        self.edges: list[tuple[int, int, float]] = [
            (index[u], pindex[p], w) for (u, p), w in sorted(weights.items())
        ]
        self.prior = [float(prior.get(u, 0.0)) for u in users] + [0.0] * len(products)
        self.index = index
        self.pindex = pindex

    def peel(self, alive_edges: list[int]) -> tuple[list[int], float]:
        """The nodes of the densest prefix found by greedy peeling over the given edges, and
        its density; ([], 0.0) when no edge is left."""
        n = len(self.names)
        adjacency: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        priority = [0.0] * n
        touched = bytearray(n)
        for e in alive_edges:
            u, p, w = self.edges[e]
            adjacency[u].append((p, w))
            adjacency[p].append((u, w))
            priority[u] += w
            priority[p] += w
            touched[u] = touched[p] = 1
        nodes = [i for i in range(n) if touched[i]]
        if not nodes:
            return [], 0.0
        for i in nodes:
            priority[i] += self.prior[i]
        # f(S): each edge once and the priors (the priorities count each edge twice).
        f = math.fsum(self.edges[e][2] for e in alive_edges) + math.fsum(
            self.prior[i] for i in nodes
        )
        size = len(nodes)
        heap = [(priority[i], i) for i in nodes]
        heapq.heapify(heap)
        removed = bytearray(n)
        order: list[int] = []
        best, best_at = f / size, 0
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            value, i = pop(heap)
            if removed[i] or value != priority[i]:
                continue  # a stale entry: the node left, or its priority fell since
            removed[i] = 1
            order.append(i)
            f -= value
            size -= 1
            for j, w in adjacency[i]:
                if not removed[j]:
                    priority[j] -= w
                    push(heap, (priority[j], j))
            if size > 0:
                g = f / size
                if g > best:
                    best, best_at = g, len(order)
        return order[best_at:], best


def _split(graph: _Graph, nodes: list[int]) -> tuple[frozenset[str], frozenset[str]]:
    users = frozenset(graph.names[i] for i in nodes if i < graph.user_count)
    products = frozenset(graph.names[i] for i in nodes if i >= graph.user_count)
    return users, products


def weighted_edges(
    edges: Iterable[tuple[str, str]],
    suspicion: Mapping[tuple[str, str], float] | None = None,
    c: float = COLUMN_C,
) -> dict[tuple[str, str], float]:
    """Each distinct (user, product) edge with its weight: the product's column weight times
    the edge's suspicion (1.0 when not given)."""
    unique = set(edges)
    column = column_weights(unique, c)
    suspicion = suspicion or {}
    return {(u, p): column[p] * float(suspicion.get((u, p), 1.0)) for u, p in unique}


def density(
    weights: Mapping[tuple[str, str], float],
    users: Iterable[str],
    products: Iterable[str],
    prior: Mapping[str, float] | None = None,
) -> float:
    """g(S) of the block (users ∪ products) in the weighted graph."""
    us, ps = set(users), set(products)
    if not us and not ps:
        return 0.0
    prior = prior or {}
    if len(us) * len(ps) < len(weights):  # a small block: look its pairs up
        f = math.fsum(weights.get((u, p), 0.0) for u in us for p in ps)
    else:
        f = math.fsum(w for (u, p), w in weights.items() if u in us and p in ps)
    f += math.fsum(float(prior.get(u, 0.0)) for u in us)
    return f / (len(us) + len(ps))


def peel(
    weights: Mapping[tuple[str, str], float], prior: Mapping[str, float] | None = None
) -> DenseBlock:
    """The densest block greedy peeling finds in the weighted graph (one block)."""
    graph = _Graph(weights, prior or {})
    nodes, g = graph.peel(list(range(len(graph.edges))))
    users, products = _split(graph, nodes)
    return DenseBlock(users, products, g)


def mean_density(
    weights: Mapping[tuple[str, str], float], prior: Mapping[str, float] | None = None
) -> float:
    """g(V) of the whole graph: what a block's density is compared with."""
    users = {u for u, _ in weights}
    products = {p for _, p in weights}
    return density(weights, users, products, prior)


def dense_blocks(
    weights: Mapping[tuple[str, str], float],
    prior: Mapping[str, float] | None = None,
    *,
    max_blocks: int = 20,
    floor: float = 1.0,
) -> list[DenseBlock]:
    """Blocks one after another: peel, keep the block, remove its edges (every edge between its
    users and its products), peel again; stop when a block's density is below `floor` × the
    whole graph's mean density, or after `max_blocks`. The same graph gives the same blocks in
    the same order."""
    graph = _Graph(weights, prior or {})
    if not graph.edges:
        return []
    mean = mean_density(weights, prior)
    alive = list(range(len(graph.edges)))
    blocks: list[DenseBlock] = []
    while alive and len(blocks) < max_blocks:
        nodes, g = graph.peel(alive)
        if not nodes or g < floor * mean:
            break
        members = set(nodes)
        users, products = _split(graph, nodes)
        blocks.append(DenseBlock(users, products, g))
        kept = [
            e for e in alive if not (graph.edges[e][0] in members and graph.edges[e][1] in members)
        ]
        if len(kept) == len(alive):
            break  # nothing left to take away (a block of priors only)
        alive = kept
    return blocks


class EdgeIndex:
    """The distinct (user, product) edges with each side's degree and each product's
    reviewers, built once for every `focus`."""

    def __init__(self, edges: Iterable[tuple[str, str]]):
        self.edges = set(edges)
        self.degree_user: dict[str, int] = defaultdict(int)
        self.degree_product: dict[str, int] = defaultdict(int)
        self.reviewers: dict[str, set[str]] = defaultdict(set)
        for u, p in self.edges:
            self.degree_user[u] += 1
            self.degree_product[p] += 1
            self.reviewers[p].add(u)


def focus(
    block: DenseBlock,
    index: EdgeIndex,
    *,
    min_lift: float = 5.0,
    min_share: float = 0.1,
    min_users: int = 3,
    min_products: int = 2,
    strong: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The core of a peeled block, as (users, products) parts.

    A product stays when the block's users reviewed it at least twice, make at least
    `min_share` of its reviewers (a best seller reviewed by a ring's camouflage is reviewed by
    far more people besides), and reviewed it at least `min_lift` times as often as chance
    would have them (their share of all reviews × the product's reviewers) — or, where the
    block's users wrote most of the graph's reviews and no lift is possible, when they are at
    least three and half of its reviewers. A user stays when they reviewed two of the products
    that stayed (or all of them, or one through an edge the caller calls `strong`). Both are
    decided again over the users who stayed until nothing changes. What stays is split into
    its connected parts, and parts smaller than `min_users` × `min_products` are dropped."""
    total = len(index.edges)
    if not total:
        return []
    # product → block users who reviewed it
    inside = {p: index.reviewers[p] & block.users for p in block.products}
    # Products by their lift over the users kept, users by the products kept, until nothing
    # changes: heavy buyers of the popular products that slipped in leave with those products,
    # which lifts the block's own products above the chance their reviews gave.
    users = set(block.users)
    kept_products: set[str] = set()
    for _ in range(8):
        block_reviews = sum(index.degree_user[u] for u in users)
        # Where the block's users wrote most of the graph's reviews, no product can stand out
        # by lift: a product most of whose reviewers are in the block stays instead.
        small = 2 * block_reviews >= total
        kept_products = set()
        for p, us in inside.items():
            hits = len(us & users)
            degree = index.degree_product[p]
            lifted = hits >= min_lift * block_reviews * degree / total
            dominated = small and hits >= 3 and 2 * hits >= degree
            if hits >= 2 and hits >= min_share * degree and (lifted or dominated):
                kept_products.add(p)
        reach: dict[str, set[str]] = defaultdict(set)
        for p in kept_products:
            for u in inside[p] & users:
                reach[u].add(p)
        kept = {
            u
            for u, ps in reach.items()
            if len(ps) >= min(2, len(kept_products)) or any((u, p) in strong for p in ps)
        }
        if kept == users:
            break
        users = kept
    # Connected parts of the bipartite graph left (users ↔ kept products).
    neighbours: dict[str, set[str]] = defaultdict(set)
    for p in kept_products:
        for u in inside[p] & users:
            neighbours["p:" + p].add("u:" + u)
            neighbours["u:" + u].add("p:" + p)
    seen: set[str] = set()
    parts: list[tuple[frozenset[str], frozenset[str]]] = []
    for start in sorted(neighbours):
        if start in seen:
            continue
        stack, part = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            part.append(node)
            for nxt in neighbours[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        part_users = frozenset(n[2:] for n in part if n.startswith("u:"))
        part_products = frozenset(n[2:] for n in part if n.startswith("p:"))
        if len(part_users) >= min_users and len(part_products) >= min_products:
            parts.append((part_users, part_products))
    return parts


def merge_overlapping(
    parts: list[tuple[frozenset[str], frozenset[str]]], share: float = 0.5
) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Parts that are pieces of one block: successive peels often take a ring in slices (the
    densest of its accounts on its products, then the others on the same products). Two parts
    merge when they share at least `share` of the smaller one's products or users; the merged
    parts keep the place of the first."""
    merged: list[tuple[set[str], set[str]]] = []
    for users, products in parts:
        us, ps = set(users), set(products)
        again = True
        while again:
            again = False
            for i, (mu, mp) in enumerate(merged):
                if len(mp & ps) >= share * min(len(mp), len(ps)) or len(mu & us) >= share * min(
                    len(mu), len(us)
                ):
                    us |= mu
                    ps |= mp
                    del merged[i]
                    again = True
                    break
        merged.append((us, ps))
    return [(frozenset(u), frozenset(p)) for u, p in merged]
