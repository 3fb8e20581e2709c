"""Row locks of flash sales: the only place that takes them.

Only the reconciliation locks a slot's row explicitly (FOR NO KEY UPDATE, of the slot only): it
holds the row from its database reads until Redis is loaded, so no purchase or give-back (both
update that row) commits in between. NO KEY, so a first purchase's quota row (it points at the
slot) can still be inserted meanwhile; the purchase then waits at its update of the slot.

Lock order: purchases and give-backs take their rows with conditional updates, in this order:
the buyer's quota row → (a purchase: the campaign order's rows) → the slot's row → the claim.
A reconciliation locks the slot's row alone. A slot missing from Redis is loaded inside the
buyer's transaction without the slot's lock (`services._load_missing`), because taking it before
the quota would invert the order above.
"""

from __future__ import annotations

from quanzi.campaigns.flashsales.models import FlashSale


def lock_flash_sale(slot_id: str) -> FlashSale | None:
    """The slot, locked; None if there is none."""
    return FlashSale.objects.select_for_update(of=("self",), no_key=True).filter(pk=slot_id).first()
