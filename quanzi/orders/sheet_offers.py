"""Campaign prices in the checkout sheet (the registry of sheet offers).

立即购买's sheet (orders/buy_sheet.py) shows what the buyer pays and pays it in one tap. A
group buy, a bargain and a flash sale sell the same goods at their own price, under their own
rules (a group's seat, a bargain's one purchase, a flash sale's own stock and quota). Orders may
not import the campaigns, so each campaign registers a resolver in its `AppConfig.ready`:

    register_sheet_offer("groupjoin", resolve_join)

A resolver takes the buyer and the campaign object's id (`ref`: the group, the bargain, the
flash-sale slot) and answers a `SheetOffer`: the variants it sells and their prices, how many
one order may take, a line about the campaign for the sheet ("还差 2 人成团"), and the action
that places the order through the campaign's own service. A resolver refuses (a DomainError:
not found, not started, over, not yours) exactly as its service would; the sheet shows the
refusal. The sheet opens at `/orders/buy-now/sheet/?offer=<kind>&ref=<id>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import CampaignCheckout

# (buyer, SKU id, quantity, checkout choices) → the unpaid campaign order.
PlaceOrder = Callable[[User, str, int, CampaignCheckout], Order]


@dataclass(frozen=True)
class SheetOffer:
    """What a campaign sells through the sheet. `prices` {SKU id: unit price in fen} lists the
    variants it sells; `stock` is the campaign's own stock where it holds one (a flash sale),
    None where the SKU's stock counts."""

    label: str
    prices: Mapping[str, int]
    max_quantity: int
    place: PlaceOrder
    note: str = ""
    stock: int | None = None
    confirm_label: str = ""


# (buyer, campaign object id) → the offer, or a DomainError.
OfferResolver = Callable[[User, str], SheetOffer]

_resolvers: dict[str, OfferResolver] = {}


def register_sheet_offer(kind: str, resolver: OfferResolver) -> None:
    """Let the sheet sell at the campaign's price for `?offer=<kind>` (registering a kind
    again replaces it)."""
    _resolvers[kind] = resolver


def sheet_offer(user: User, kind: str, ref: str) -> SheetOffer:
    """The offer the sheet was opened with; 404 for an unknown kind or a malformed id."""
    resolver = _resolvers.get(kind)
    if resolver is None or not is_public_id(ref):
        raise NotFound(_("This offer was not found."))
    return resolver(user, ref)
