"""Row locks of bargains: the only place that takes them.

A bargain's row is locked while a help cuts its price and while its starter buys it, so helps
are serialised and computed from the committed price, and a bargain is bought once. FOR NO KEY
UPDATE of the bargain's row only (`of`): helps inserted meanwhile (they point at it) and the
campaign read along are not held.

Lock order: a help locks the bargain → inserts its help row. Buying locks the bargain → the
campaign order's rows (orders, catalog stock). `order_cancelled` arrives after orders'
transaction committed and locks the bought bargain alone. A bargain is never locked while any
other domain's row is held.
"""

from __future__ import annotations

from quanzi.campaigns.bargains.models import Bargain, BargainStatus


def lock_bargain(bargain_id: str) -> Bargain:
    """The bargain, locked, with its campaign (Bargain.DoesNotExist if there is none)."""
    return (
        Bargain.objects.select_for_update(of=("self",), no_key=True)
        .select_related("campaign")
        .get(pk=bargain_id)
    )


def lock_bought_bargain(bargain_id: str, order_id: str) -> Bargain | None:
    """The bargain, locked, if it is bought with this order; None otherwise."""
    return (
        Bargain.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=bargain_id, status=BargainStatus.BOUGHT, order_id=order_id)
        .first()
    )
