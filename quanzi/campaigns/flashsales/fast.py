"""The Redis fast path of flash sales: one Lua script takes a slot's stock and the user's quota
together, atomically, so most refused attempts are answered without touching the database.

Keys (one hash tag per slot, so all three live on one cluster node):
  {prefix}{flash:<slot id>}          hash: stock, limit, starts, ends, active, expires
  {prefix}{flash:<slot id>}:users    hash: user id -> units held
  {prefix}{flash:<slot id>}:pending  hash: what Redis has counted and the database may not have:
      b:<claim id> -> "<user>:<n>:<taken at>:<confirmed 0|1>"  a purchase's reservation
      r:<claim id> -> "<user>:<n>"                             a cancellation's give-back

The database stays the truth: `load` rebuilds the counters from it *and* the pending entries it
has not counted (see `services.reconcile_flash_sale` for why that is exact).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

# Return codes of TAKE (> 0 is success).
NOT_LOADED, INACTIVE, NOT_STARTED, ENDED, OVER_LIMIT, SOLD_OUT = -1, -2, -3, -4, -5, -6

# A purchase's reservation still unconfirmed after this many seconds is dropped by the next
# reconciliation (a crashed attempt); if its attempt was only slow, CONFIRM refuses it later.
RESERVATION_SECONDS = 60

TAKE = """
local v = redis.call('HMGET', KEYS[1], 'stock', 'limit', 'starts', 'ends', 'active', 'expires')
if not v[6] then return -1 end  -- not loaded (or loaded before pending entries existed)
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
redis.call('HSET', KEYS[3], 'b:' .. ARGV[4], ARGV[1] .. ':' .. ARGV[2] .. ':' .. ARGV[3] .. ':0')
redis.call('EXPIREAT', KEYS[2], v[6])
redis.call('EXPIREAT', KEYS[3], v[6])
return 1
"""

# The purchase holds the slot's row lock: mark its reservation confirmed (0: it was dropped).
CONFIRM = """
local v = redis.call('HGET', KEYS[3], ARGV[1])
if not v then return 0 end
if string.sub(v, -2) == ':0' then
  redis.call('HSET', KEYS[3], ARGV[1], string.sub(v, 1, -2) .. '1')
end
return 1
"""

# A cancellation holds the slot's row lock: note the give-back Redis will apply after commit.
HOLD = """
local expires = redis.call('HGET', KEYS[1], 'expires')
if not expires then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
redis.call('EXPIREAT', KEYS[3], expires)
return 1
"""

# Give a pending entry's units back (a failed purchase, a committed cancellation), once: an
# entry a reconciliation already settled is gone, and then nothing changes.
RELEASE = """
local v = redis.call('HGET', KEYS[3], ARGV[1])
if not v then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local user, n = string.match(v, '^([^:]+):(%d+)')
redis.call('HINCRBY', KEYS[1], 'stock', tonumber(n))
if redis.call('HINCRBY', KEYS[2], user, -tonumber(n)) <= 0 then
  redis.call('HDEL', KEYS[2], user)
end
return 1
"""

# Rebuild from the database (ARGV 1-6: stock, limit, starts, ends, active, expires; 7: taken
# before this is stale; 8: '1' to write only if the slot is missing; 9: how many user/units
# pairs follow; then the pairs; then the claim ids of pending purchases the database has
# committed), in one step: no attempt sees half a rebuild. Each pending entry is either counted
# on top of the database (a live purchase reservation) or settled (dropped): committed,
# confirmed (its transaction is over), stale, or a cancellation's give-back (its transaction is
# over). Answers the entries counted (-1: not written, the slot was there).
LOAD = """
if ARGV[8] == '1' and redis.call('HEXISTS', KEYS[1], 'expires') == 1 then return -1 end
local stock = tonumber(ARGV[1])
local pairs_end = 9 + 2 * tonumber(ARGV[9])
local held = {}
for i = 10, pairs_end, 2 do held[ARGV[i]] = tonumber(ARGV[i + 1]) end
local committed = {}
for i = pairs_end + 1, #ARGV do committed[ARGV[i]] = true end
local stale = tonumber(ARGV[7])
local pending = redis.call('HGETALL', KEYS[3])
local counted = 0
for i = 1, #pending, 2 do
  local field = pending[i]
  local user, n, at, confirmed = string.match(pending[i + 1], '^([^:]+):(%d+):([^:]+):(%d)$')
  if string.sub(field, 1, 2) == 'b:' and user and confirmed == '0'
      and not committed[string.sub(field, 3)] and tonumber(at) >= stale then
    stock = stock - tonumber(n)
    held[user] = (held[user] or 0) + tonumber(n)
    counted = counted + 1
  else
    redis.call('HDEL', KEYS[3], field)
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'stock', stock, 'limit', ARGV[2], 'starts', ARGV[3],
           'ends', ARGV[4], 'active', ARGV[5], 'expires', ARGV[6])
for user, units in pairs(held) do redis.call('HSET', KEYS[2], user, units) end
for i = 1, 3 do redis.call('EXPIREAT', KEYS[i], ARGV[6]) end
return counted
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
    return [meta, f"{meta}:users", f"{meta}:pending"]


def reservation_seconds() -> float:
    return float(getattr(settings, "FLASHSALES_RESERVATION_SECONDS", RESERVATION_SECONDS))


@lru_cache(maxsize=32)
def _script(url: str, text: str) -> Any:
    return _client(url).register_script(text)


def _run(script: str, slot_id: str, args: list[Any]) -> int:
    return int(_script(settings.REDIS_URL, script)(keys=keys(slot_id), args=args))


def take(slot_id: str, user_id: int, quantity: int, now: float, claim_id: str) -> int:
    """Reserve `quantity` units for the user, as the pending purchase `claim_id`."""
    return _run(TAKE, slot_id, [user_id, quantity, now, claim_id])


def confirm(slot_id: str, claim_id: str) -> bool:
    """Whether the purchase's reservation still stands (it is then never dropped as stale)."""
    return _run(CONFIRM, slot_id, [f"b:{claim_id}"]) == 1


def settle(slot_id: str, claim_id: str) -> None:
    """The purchase committed: the database counts its units now, Redis already did."""
    client().hdel(keys(slot_id)[2], f"b:{claim_id}")


def give_back(slot_id: str, claim_id: str) -> int:
    """The purchase failed: its reservation's units return (unless a reconciliation settled
    it already)."""
    return _run(RELEASE, slot_id, [f"b:{claim_id}"])


def hold_return(slot_id: str, claim_id: str, user_id: int, quantity: int) -> int:
    """A cancellation gives the claim's units back in the database: note it, for `apply_return`
    after the commit."""
    return _run(HOLD, slot_id, [f"r:{claim_id}", user_id, quantity])


def apply_return(slot_id: str, claim_id: str) -> int:
    return _run(RELEASE, slot_id, [f"r:{claim_id}"])


def pending_purchases(slot_id: str) -> list[str]:
    """The claim ids of the purchases Redis has reserved and not yet seen settled."""
    fields = [_text(f) for f in client().hkeys(keys(slot_id)[2])]
    return [f[2:] for f in fields if f.startswith("b:")]


def load(
    slot_id: str,
    *,
    stock: int,
    limit: int,
    starts: float,
    ends: float,
    active: bool,
    held: dict[int, int],
    committed: set[str],
    stale_before: float,
    only_if_missing: bool = False,
) -> int:
    """Rebuild the slot's counters (kept a day past its end) from the database's `stock` and
    `held` plus the live pending purchases, given which of them the database has `committed`;
    answers how many pending purchases it counted (-1 when `only_if_missing` and the slot is
    there: nothing written)."""
    args: list[Any] = [stock, limit, starts, ends, 1 if active else 0, int(ends) + 86400]
    args += [stale_before, 1 if only_if_missing else 0, len(held)]
    for user_id, units in held.items():
        args += [user_id, units]
    args += sorted(committed)
    return _run(LOAD, slot_id, args)


def read(slot_id: str) -> tuple[dict[str, int], dict[int, int]] | None:
    """The slot's counters as Redis holds them, or None when not loaded."""
    meta_key, users_key, _ = keys(slot_id)
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
