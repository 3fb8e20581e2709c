"""The flash sale in the checkout sheet: the slot's price and its own stock, with the address,
coupon and total shown before paying (see quanzi/orders/sheet_offers.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.campaigns.flashsales import services
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.orders.sheet_offers import SheetOffer, register_sheet_offer


def flash_offer(user: User, slot_id: str) -> SheetOffer:
    """The slot while it is on: its price, its stock and its per-person limit."""
    sale = services.access_flash_sale(user, slot_id)
    refusal = services.open_refusal(sale, timezone.now())
    if refusal is not None:
        raise refusal

    def place(buyer: User, sku_id: str, quantity: int, checkout: CampaignCheckout) -> Order:
        return services.buy_flash_sale(buyer, sale.pk, quantity, checkout=checkout)

    ends = timezone.localtime(sale.ends_at).strftime("%m-%d %H:%M")
    note = _("Flash sale until %(time)s · at most %(n)d per person") % {
        "time": ends,
        "n": sale.per_user_limit,
    }
    return SheetOffer(
        label=_("Flash price"),
        prices={sale.sku_id: sale.flash_price},
        max_quantity=sale.per_user_limit,
        place=place,
        note=note,
        stock=sale.stock,
        confirm_label=_("Buy at the flash price"),
    )


def connect() -> None:
    register_sheet_offer("flash", flash_offer)
