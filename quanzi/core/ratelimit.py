"""Fixed-window rate limits on the Django cache (local memory embedded, Redis when scaled)."""

from __future__ import annotations

import time

from django.core.cache import cache

from quanzi.core.errors import RateLimited


def hit(bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in `bucket`; raise RateLimited once `limit` is passed in the window."""
    window = int(time.time() // window_seconds)
    key = f"rl:{bucket}:{window}"
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
    cache.delete(f"rl:{bucket}:{window}")
