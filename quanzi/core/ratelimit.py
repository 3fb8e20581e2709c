"""Fixed-window rate limits on the Django cache (local memory embedded, Redis when scaled)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from quanzi.core.errors import RateLimited


def hit(bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in `bucket`; raise RateLimited once `limit` is passed in the window."""
    window = int(time.time() // window_seconds)
    key = _key(bucket, window)
    if cache.add(key, 1, timeout=window_seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window_seconds + 1)
            count = 1
    if count > limit:
        raise RateLimited(retry_after=window_seconds - int(time.time()) % window_seconds)


def reset(bucket: str, window_seconds: int) -> None:
    window = int(time.time() // window_seconds)
    cache.delete(_key(bucket, window))


def _key(bucket: str, window: int) -> str:
    """A cache key safe for any backend: buckets carry what people type (login names)."""
    return f"rl:{hashlib.sha256(bucket.encode()).hexdigest()}:{window}"
