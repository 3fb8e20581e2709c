"""Live campaign cards in the chat: what the domains above circles register so that a member
shares their objects into a circle as a card (a group buy and its groups, a bargain), and who
sells for a store besides its staff (its promoters). Circles' own coupon card registers here too
(`quanzi.circles.services.coupons`).

News travels upward (docs/architecture.md): circles never imports a campaign or referrals; they
register in their AppConfig.ready. A card is sent through `chat.send_message(kind="campaign",
card_type=…, target_id=…)`, so every rule of sending applies (membership, mute, blocked words,
flood control, the commercial budget or the member's own share limit); its domain redraws it
with `chat.refresh_cards(ref, card, version=)` after each change commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Circle
from quanzi.core.errors import InvalidInput, PermissionDenied
from quanzi.stores.models import StoreStaff

MAX_OPTIONS = 20  # per card type, in the composer's picker


@dataclass(frozen=True)
class CardShare:
    """An object made into a chat card by its domain."""

    card: dict[str, Any]  # the card's JSON: "type", a "version" that only grows, what it shows
    ref: str  # the object it shows ("group:<id>"): every message of it is redrawn together
    store_id: str  # the store whose commerce it is (its people and promoters post commercially)


@dataclass(frozen=True)
class CardOption:
    """One thing the composer's picker offers to share."""

    card_type: str
    target_id: str
    store_id: str
    title: str
    detail: str
    image: str | None = None


# (sharer, circle, object id) → the card; refuses as its domain does: an unknown or forged id
# 404, someone else's object 403, an object that is not live 409.
CardMaker = Callable[[User, Circle, str], CardShare]
# (member, circle) → what they may share there now, best first.
CardPicker = Callable[[User, Circle], list[CardOption]]
# (person, store id) → whether the person sells for the store (a promoter of it).
SellerCheck = Callable[[User, str], bool]


@dataclass(frozen=True)
class _CardType:
    make: CardMaker
    pick: CardPicker | None


_TYPES: dict[str, _CardType] = {}
_SELLERS: dict[str, SellerCheck] = {}


def register_card(card_type: str, make: CardMaker, pick: CardPicker | None = None) -> None:
    """Let members share objects of `card_type` into a chat (call in AppConfig.ready)."""
    _TYPES[card_type] = _CardType(make, pick)


def register_seller(name: str, check: SellerCheck) -> None:
    """Count the cards of the people `check` names as commercial, like the store's staff."""
    _SELLERS[name] = check


def card_types() -> list[str]:
    return sorted(_TYPES)


def make_card(user: User, circle: Circle, card_type: str, target_id: str) -> CardShare:
    """The card of the object, as its domain makes it; a store's circle takes only its own
    store's campaigns and coupons (an interest circle takes any store's)."""
    found = _TYPES.get(card_type)
    if found is None:
        raise InvalidInput(
            _("This kind of card cannot be shared."),
            code=CircleCode.INVALID_CARD,
            field="card_type",
        )
    share = found.make(user, circle, target_id)
    if circle.store_id is not None and share.store_id != circle.store_id:
        raise PermissionDenied(
            _("Only this store's campaigns and coupons can be shared in its circle."),
            code=CircleCode.CARD_NOT_HERE,
        )
    return share


def options(user: User, circle: Circle) -> list[CardOption]:
    """What the member may share in this circle now, by card type."""
    found: list[CardOption] = []
    for card_type in card_types():
        pick = _TYPES[card_type].pick
        if pick is None:
            continue
        rows = [o for o in pick(user, circle) if circle.store_id in (None, o.store_id)]
        found.extend(rows[:MAX_OPTIONS])
    return found


def sells_for(user: User, store_id: str) -> bool:
    """Whether `user` posts for the store: its owner and staff, or someone a registered check
    names (its promoters). Their product and campaign cards are commercial."""
    if StoreStaff.objects.filter(store_id=store_id, user=user).exists():
        return True
    return any(check(user, store_id) for check in _SELLERS.values())
