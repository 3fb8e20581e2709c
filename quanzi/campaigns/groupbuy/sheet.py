"""The group buy in the checkout sheet: open a group (开团) or join one (参团) at the group price,
with the address, coupon and total shown before paying (see quanzi/orders/sheet_offers.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.errors import GroupBuyCode
from quanzi.campaigns.groupbuy.models import GroupCampaign, GroupStatus
from quanzi.core.errors import Conflict
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.orders.sheet_offers import SheetOffer, register_sheet_offer


def _prices(campaign: GroupCampaign) -> dict[str, int]:
    return {row.sku_id: row.price for row in campaign.prices.all()}


def _hours_left(seconds: int) -> str:
    hours, minutes = divmod(max(seconds, 60) // 60, 60)
    if hours:
        return _("%(h)dh %(m)02dmin left") % {"h": hours, "m": minutes}
    return _("%(m)d min left") % {"m": minutes}


def open_offer(user: User, campaign_id: str) -> SheetOffer:
    """开团: a new group of this campaign, with the opener's order."""
    campaign = services.access_campaign(user, campaign_id)
    services.check_live(campaign, timezone.now())
    needed = services.needed_to_complete(campaign.team_size, campaign.complete_at_percent)

    def place(buyer: User, sku_id: str, quantity: int, checkout: CampaignCheckout) -> Order:
        return services.open_group(buyer, campaign.pk, sku_id, quantity, checkout).order

    note = ngettext(
        "After paying, invite friends: the group ships once %(n)d person has paid within "
        "%(h)d hours; if not, everyone is refunded.",
        "After paying, invite friends: the group ships once %(n)d people have paid within "
        "%(h)d hours; if not, everyone is refunded.",
        needed,
    ) % {"n": needed, "h": campaign.hours}
    return SheetOffer(
        label=_("Group price"),
        prices=_prices(campaign),
        max_quantity=campaign.per_order_limit,
        place=place,
        note=note,
        confirm_label=_("Start the group and pay"),
    )


def join_offer(user: User, group_id: str) -> SheetOffer:
    """参团: a seat in this group, while it is open and not full."""
    group = services.get_group(group_id)
    campaign = group.campaign
    services.check_live(campaign, timezone.now())
    if group.status != GroupStatus.OPEN or services.seconds_left(group) <= 0:
        raise Conflict(_("This group is closed."), code=GroupBuyCode.GROUP_CLOSED)
    seats_left = group.team_size - group.seats_taken
    if seats_left <= 0:
        raise Conflict(_("This group is full."), code=GroupBuyCode.GROUP_FULL)

    def place(buyer: User, sku_id: str, quantity: int, checkout: CampaignCheckout) -> Order:
        return services.join_group(buyer, group.pk, sku_id, quantity, checkout).order

    needed = ngettext(
        "%(n)d more person needed to complete the group",
        "%(n)d more people needed to complete the group",
        seats_left,
    ) % {"n": seats_left}
    return SheetOffer(
        label=_("Group price"),
        prices=_prices(campaign),
        max_quantity=campaign.per_order_limit,
        place=place,
        note=f"{needed} · {_hours_left(services.seconds_left(group))}",
        confirm_label=_("Join the group and pay"),
    )


def connect() -> None:
    register_sheet_offer("groupbuy", open_offer)
    register_sheet_offer("groupjoin", join_offer)
