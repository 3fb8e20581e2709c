"""Row locks of people (User rows): the only place that takes them.

Domains above lock a person's row to serialise what concerns that person, never to change it:
the follow graph locks both people of a follow or block, a group buy locks the buyer while a
seat is taken. The lock is FOR NO KEY UPDATE, so the many rows that point at a person (orders,
messages, follows…) can still be inserted by others meanwhile; two lockers of one person still
wait for each other.

Lock order: person rows come first in their transactions, before any other domain's row (the
follow graph: the two people, then follow and block rows; a group buy: the buyer, then the
group, then the campaign order's rows). Several people are locked in one statement, in primary
key order, so two transactions locking the same people never wait for each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from quanzi.accounts.models import User


def lock_users(user_ids: Iterable[int]) -> None:
    """Lock these people's rows in primary-key order (a no-op on SQLite, whose writers queue
    anyway)."""
    list(
        User.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=list(user_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
