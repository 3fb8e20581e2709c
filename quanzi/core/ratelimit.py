"""Fixed-window rate limits on the Django cache (local memory embedded, Redis when scaled)."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from quanzi.core.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts in `bucket` per window of `window` seconds."""

    bucket: str
    limit: int
    window: int

    def key(self, now: float) -> str:
        """The cache key of the window `now` falls in. Buckets carry what people type (login
        names), so they are hashed into a key safe for any backend."""
        digest = hashlib.sha256(self.bucket.encode()).hexdigest()
        return f"rl:{digest}:{int(now // self.window)}"

    def retry_after(self, now: float) -> int:
        """Seconds until the window `now` falls in ends."""
        return self.window - int(now) % self.window


@dataclass
class Taken:
    """The attempts counted by `take`, one per limit, which the caller may give back."""

    keys: dict[Limit, str] = field(default_factory=dict)

    def give_back(self) -> None:
        """Uncount the attempt everywhere (it succeeded, or it was refused)."""
        for key in self.keys.values():
            with contextlib.suppress(ValueError):  # the window ended: nothing to give back
                cache.decr(key)

    def clear(self, limit: Limit) -> None:
        """Forget every attempt of this window in `limit`'s bucket."""
        cache.delete(self.keys[limit])


def take(limits: Iterable[Limit]) -> Taken:
    """Count one attempt in each limit's bucket; if any is past its limit, count nothing and
    raise RateLimited with the longest wait. Counting first (an atomic increment) means that
    concurrent attempts cannot all pass a check made before any of them is counted."""
    now = time.time()
    taken = Taken()
    over: list[Limit] = []
    for limit in limits:
        key = limit.key(now)
        taken.keys[limit] = key
        if _incr(key, limit.window) > limit.limit:
            over.append(limit)
    if over:
        taken.give_back()
        raise RateLimited(retry_after=max(limit.retry_after(now) for limit in over))
    return taken


def hit(bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in `bucket`; raise RateLimited once `limit` is passed in the window."""
    take([Limit(bucket, limit, window_seconds)])


def _incr(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return 1


def address_bucket(address: str) -> str:
    """The part of a client address that limits count by: the address itself for IPv4, its /64
    network for IPv6 (one subscriber gets a whole /64, so single addresses would be free)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
