"""The bargain in the checkout sheet: its starter buys at the price friends cut it to, with the
address, coupon and total shown before paying (see quanzi/orders/sheet_offers.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.errors import BargainCode
from quanzi.campaigns.bargains.models import BargainStatus
from quanzi.core.errors import Conflict
from quanzi.core.money import format_fen
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.orders.sheet_offers import SheetOffer, register_sheet_offer


def bargain_offer(user: User, bargain_id: str) -> SheetOffer:
    """The starter's one purchase at the bargain's current price, when it may be bought."""
    bargain = services.access_bargain(user, bargain_id, need="starter")
    if bargain.status == BargainStatus.BOUGHT:
        raise Conflict(_("This bargain has been bought already."), code=BargainCode.BARGAIN_BOUGHT)
    if bargain.status == BargainStatus.EXPIRED:
        raise Conflict(_("This bargain has expired."), code=BargainCode.BARGAIN_EXPIRED)
    if not services.can_buy(bargain):
        raise Conflict(
            _("Buy when the floor price is reached: this campaign sells at the floor only."),
            code=BargainCode.BARGAIN_FLOOR_NOT_REACHED,
        )
    campaign = bargain.campaign

    def place(buyer: User, sku_id: str, quantity: int, checkout: CampaignCheckout) -> Order:
        return services.buy_bargain(buyer, bargain.pk, checkout=checkout)

    saved = bargain.start_price - bargain.current_price
    note = _("Friends cut %(saved)s off: you pay %(price)s instead of %(start)s.") % {
        "saved": format_fen(saved),
        "price": format_fen(bargain.current_price),
        "start": format_fen(bargain.start_price),
    }
    return SheetOffer(
        label=_("Bargain price"),
        prices={campaign.sku_id: bargain.current_price},
        max_quantity=1,
        place=place,
        note=note,
        confirm_label=_("Buy at the bargain price"),
    )


def connect() -> None:
    register_sheet_offer("bargain", bargain_offer)
