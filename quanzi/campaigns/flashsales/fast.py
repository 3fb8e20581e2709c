"""The Redis fast path of flash sales: one Lua script takes a slot's stock and the user's quota
together, atomically, so most refused attempts are answered without touching the database.

Keys (one hash tag per slot, so both keys live on one cluster node):
  {prefix}{flash:<slot id>}        hash: stock, limit, starts, ends, active (epoch seconds)
  {prefix}{flash:<slot id>}:users  hash: user id -> units held

The database stays the truth: `load` rebuilds both keys from it (see services.reconcile).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

# Return codes of TAKE (> 0 is success).
NOT_LOADED, INACTIVE, NOT_STARTED, ENDED, OVER_LIMIT, SOLD_OUT = -1, -2, -3, -4, -5, -6

TAKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local v = redis.call('HMGET', KEYS[1], 'stock', 'limit', 'starts', 'ends', 'active')
if v[5] ~= '1' then return -2 end
local now = tonumber(ARGV[3])
if now < tonumber(v[3]) then return -3 end
if now >= tonumber(v[4]) then return -4 end
local n = tonumber(ARGV[2])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held + n > tonumber(v[2]) then return -5 end
if tonumber(v[1]) < n then return -6 end
redis.call('HINCRBY', KEYS[1], 'stock', -n)
redis.call('HINCRBY', KEYS[2], ARGV[1], n)
return 1
"""

GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], 'stock', n)
if redis.call('HINCRBY', KEYS[2], ARGV[1], -n) <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
"""

# Replace both keys in one step: no attempt sees half a rebuild.
LOAD = """
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'stock', ARGV[1], 'limit', ARGV[2], 'starts', ARGV[3],
           'ends', ARGV[4], 'active', ARGV[5])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIREAT', KEYS[1], ARGV[6])
if #ARGV > 6 then redis.call('EXPIREAT', KEYS[2], ARGV[6]) end
return 1
"""


def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


@lru_cache(maxsize=8)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def client() -> redis.Redis:
    return _client(settings.REDIS_URL)


def keys(slot_id: str) -> list[str]:
    prefix = getattr(settings, "FLASHSALES_REDIS_PREFIX", "quanzi:")
    meta = f"{prefix}{{flash:{slot_id}}}"
    return [meta, f"{meta}:users"]


@lru_cache(maxsize=32)
def _script(url: str, text: str) -> Any:
    return _client(url).register_script(text)


def _run(script: str, slot_id: str, args: list[Any]) -> int:
    return int(_script(settings.REDIS_URL, script)(keys=keys(slot_id), args=args))


def take(slot_id: str, user_id: int, quantity: int, now: float) -> int:
    return _run(TAKE, slot_id, [user_id, quantity, now])


def give_back(slot_id: str, user_id: int, quantity: int) -> int:
    return _run(GIVE_BACK, slot_id, [user_id, quantity])


def load(
    slot_id: str,
    *,
    stock: int,
    limit: int,
    starts: float,
    ends: float,
    active: bool,
    held: dict[int, int],
) -> None:
    """Write the slot's counters (kept a day past its end)."""
    args: list[Any] = [stock, limit, starts, ends, 1 if active else 0, int(ends) + 86400]
    for user_id, units in held.items():
        args += [user_id, units]
    _run(LOAD, slot_id, args)


def read(slot_id: str) -> tuple[dict[str, int], dict[int, int]] | None:
    """The slot's counters as Redis holds them, or None when not loaded."""
    meta_key, users_key = keys(slot_id)
    meta = client().hgetall(meta_key)
    if not meta:
        return None
    users = client().hgetall(users_key)
    return (
        {_text(k): int(float(v)) for k, v in meta.items()},
        {int(k): int(v) for k, v in users.items()},
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def forget(slot_id: str) -> None:
    client().delete(*keys(slot_id))
