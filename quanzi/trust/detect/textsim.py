"""Near-duplicate texts: character shingles, MinHash signatures and LSH banding (numpy).

A text is normalised (NFKC, lower case, only letters and digits kept: punctuation, emoji and
spaces say nothing about who wrote it) and cut into character 3-grams, which suits Chinese
(no word boundaries needed) and works for other scripts too. Texts with fewer than
`min_shingles` shingles (好评, 不错不错) are too short to tell a template from a habit and are
left out. Each shingle is hashed with CRC-32 (stable across processes, unlike `hash`) and each
signature row is `(a·x + b) mod (2^31 − 1)` with `a`, `b` drawn from a fixed seed, so the same
texts give the same clusters on every run.

Texts whose signatures agree on a whole band (20 bands of 4 rows: pairs at Jaccard 0.6 meet
with probability ≈ 0.94, at 0.7 ≈ 0.996, at 0.4 ≈ 0.40) are candidates; a candidate pair counts
when its exact Jaccard similarity is at least the threshold (checked against one text of each
cluster already met in the bucket); clusters are the connected groups of such pairs."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

PRIME = (1 << 31) - 1
SHINGLE = 3
BANDS = 20
ROWS = 4
SEED = 20161
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The letters and digits of the text, NFKC-folded and lower-cased."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _NOT_WORD.sub("", text.lower())


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The character `size`-grams of the normalised text."""
    clean = normalise(text)
    return frozenset(clean[i : i + size] for i in range(len(clean) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def signatures(
    sets: Sequence[frozenset[str]], bands: int = BANDS, rows: int = ROWS, seed: int = SEED
) -> np.ndarray:
    """MinHash signatures, one row per set (bands × rows columns, int64); every set must be
    non-empty."""
    vocabulary: dict[str, int] = {}
    coded = [[vocabulary.setdefault(g, len(vocabulary)) for g in s] for s in sets]
    return _signatures(coded, list(vocabulary), bands * rows, seed)


def _signatures(
    coded: Sequence[Iterable[int]], words: list[str], width: int, seed: int
) -> np.ndarray:
    """Signatures of sets given as indexes into `words`: each distinct shingle is hashed once
    (its CRC-32, then each row's `(a·x + b) mod p`); a set's signature is the minimum over its
    shingles' rows."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, PRIME, size=width, dtype=np.int64)
    b = rng.integers(0, PRIME, size=width, dtype=np.int64)
    crc = np.fromiter((zlib.crc32(g.encode("utf-8")) % PRIME for g in words), np.int64, len(words))
    table = (crc[:, None] * a[None, :] + b[None, :]) % PRIME  # words × width
    flat: list[int] = []
    starts: list[int] = []
    for s in coded:
        starts.append(len(flat))
        flat.extend(s)
    ids = np.asarray(flat, dtype=np.int64)
    bounds = np.asarray([*starts, len(flat)], dtype=np.int64)
    out = np.empty((len(coded), width), dtype=np.int64)
    step = 1000  # sets per chunk: their shingles × width stay a few MB
    for first in range(0, len(coded), step):
        last = min(len(coded), first + step)
        lo, hi = bounds[first], bounds[last]
        gathered = table[ids[lo:hi]]  # one row per shingle occurrence
        out[first:last] = np.minimum.reduceat(gathered, bounds[first:last] - lo, axis=0)
    return out


def near_duplicates(
    texts: Mapping[str, str],
    *,
    threshold: float = 0.6,
    min_shingles: int = 5,
    bands: int = BANDS,
    rows: int = ROWS,
    seed: int = SEED,
) -> list[list[str]]:
    """Clusters (at least two keys each, sorted) of texts that are near duplicates of one
    another: connected through pairs of Jaccard ≥ `threshold` over their 3-gram shingles.
    Clusters come largest first, then by their first key."""
    keys = sorted(texts)
    vocabulary: dict[str, int] = {}
    usable: list[int] = []  # positions in keys of the texts long enough to tell
    coded: list[frozenset[int]] = []  # their shingles, as indexes into the vocabulary
    for i, key in enumerate(keys):
        grams = shingles(texts[key])
        if len(grams) >= min_shingles:
            usable.append(i)
            coded.append(frozenset(vocabulary.setdefault(g, len(vocabulary)) for g in grams))
    if len(usable) < 2:
        return []
    sig = _signatures(coded, list(vocabulary), bands * rows, seed)
    parent = list(range(len(usable)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Each band's rows folded into one number; texts with the same number share a bucket (a
    # collision of the fold only adds a candidate, which the exact check then refuses).
    fold = np.random.default_rng(seed + 1).integers(1, PRIME, size=rows, dtype=np.int64)
    checked: set[tuple[int, int]] = set()
    for band in range(bands):
        keyed = sig[:, band * rows : (band + 1) * rows] @ fold  # wraps around: fine for a key
        order = np.argsort(keyed, kind="stable")
        ordered = keyed[order]
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            continue
        # runs of equal keys: a run starts where a key equals the next and differs from the last
        begins = np.flatnonzero(same & ~np.concatenate(([False], same[:-1])))
        ends = np.flatnonzero(same & ~np.concatenate((same[1:], [False]))) + 2
        for lo, hi in zip(begins.tolist(), ends.tolist(), strict=True):
            # Compare each text with one text of each cluster already met in the bucket (a
            # bucket of a hundred copies of a template costs a hundred checks, not 5,000).
            heads: list[int] = []
            for i in order[lo:hi].tolist():
                for h in heads:
                    if find(h) == find(i):
                        break
                    pair = (h, i)
                    if pair in checked:
                        continue
                    checked.add(pair)
                    a, b = coded[h], coded[i]
                    common = len(a & b)
                    if common >= threshold * (len(a) + len(b) - common):
                        parent[find(i)] = find(h)
                        break
                else:
                    if len(heads) < 8:
                        heads.append(i)
    groups: dict[int, list[str]] = defaultdict(list)
    for i in range(len(usable)):
        groups[find(i)].append(keys[usable[i]])
    clusters = [sorted(g) for g in groups.values() if len(g) >= 2]
    clusters.sort(key=lambda g: (-len(g), g[0]))
    return clusters
