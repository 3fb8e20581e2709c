"""A bargain as a live chat card (circles' card registry, `quanzi.circles.services.cards`):
its starter asks a circle to help cut (帮砍一刀). The card shows the true current price, the
floor, the real progress from the start price to the floor, the time left and the button; each
help, the purchase, a cancelled purchase and the expiry redraw it after they commit.

The card's `version` only grows, so a late redraw never undoes a newer one: the helps (only
ever added), each order of the bargain (placed 1, cancelled 2: an order never comes back) and
the expiry (final). The orders are counted first and the bargain's row read after them, so a
card never carries a version newer than what it shows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.campaigns.bargains.errors import BargainCode
from quanzi.campaigns.bargains.models import Bargain, BargainStatus
from quanzi.campaigns.bargains.services import CAMPAIGN, access_bargain
from quanzi.circles.models import Circle
from quanzi.circles.services.cards import CardOption, CardShare, register_card
from quanzi.core.errors import Conflict, PermissionDenied
from quanzi.core.money import format_fen
from quanzi.orders.models import Order, OrderStatus

CARD_TYPE = "bargain"


def _image(bargain: Bargain) -> str | None:
    first = bargain.campaign.sku.product.images.first()
    return first.thumbnail.url if first is not None and first.thumbnail else None


def bargain_card(bargain: Bargain) -> dict[str, Any]:
    """The bargain as its chat card shows it now (needs its campaign, SKU, product, store and
    starter loaded; its state is read again here)."""
    orders = Order.objects.filter(campaign=CAMPAIGN, campaign_ref=bargain.pk).aggregate(
        placed=Count("pk"), cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED))
    )
    bargain.refresh_from_db(fields=["status", "current_price", "helps_count", "expires_at"])
    status = bargain.status
    version = (
        bargain.helps_count
        + orders["placed"]
        + orders["cancelled"]
        + (status == BargainStatus.EXPIRED)
    )
    campaign = bargain.campaign
    starter = bargain.starter
    return {
        "type": CARD_TYPE,
        "version": version,
        "bargain_id": bargain.pk,
        "campaign_id": campaign.pk,
        "store": campaign.store.name,
        "title": campaign.title,
        "product": campaign.sku.product.title,
        "image": _image(bargain),
        "starter": {
            "id": starter.public_id,
            "name": starter.display_name,
            "avatar": starter.avatar.url if starter.avatar else None,
        },
        "start_price": bargain.start_price,
        "floor_price": bargain.floor_price,
        "current_price": bargain.current_price,
        "helps_count": bargain.helps_count,
        "helpers_needed": bargain.helpers_needed,
        "status": status,
        "expires_at": bargain.expires_at.isoformat(),
        "url": f"/bargains/{bargain.pk}/",
        "help_url": f"/api/v1/bargains/{bargain.pk}/help",
    }


def card_ref(bargain_id: str) -> str:
    return f"{CARD_TYPE}:{bargain_id}"


def share_bargain(user: User, circle: Circle, bargain_id: str) -> CardShare:
    """The starter's own bargain, while friends can still help it. Unknown → 404; someone
    else's → 403; at its floor, bought or expired → 409."""
    bargain = access_bargain(user, bargain_id)
    if bargain.starter_id != user.pk:
        raise PermissionDenied(
            _("Only the person who started this bargain can share it."),
            code=BargainCode.BARGAIN_NOT_STARTER,
        )
    if bargain.status == BargainStatus.EXPIRED or bargain.expires_at <= timezone.now():
        raise Conflict(_("This bargain has expired."), code=BargainCode.BARGAIN_EXPIRED)
    if bargain.status != BargainStatus.OPEN:
        raise Conflict(
            _("This bargain has reached its floor price already."),
            code=BargainCode.BARGAIN_FLOOR_REACHED,
        )
    return CardShare(bargain_card(bargain), card_ref(bargain.pk), bargain.campaign.store_id)


def bargain_options(user: User, circle: Circle) -> list[CardOption]:
    """The member's own bargains that still need helpers, ending soonest first."""
    rows = (
        Bargain.objects.filter(
            starter=user, status=BargainStatus.OPEN, expires_at__gt=timezone.now()
        )
        .select_related("campaign__sku__product")
        .order_by("expires_at")[:20]
    )
    return [
        CardOption(
            card_type=CARD_TYPE,
            target_id=b.pk,
            store_id=b.campaign.store_id,
            title=b.campaign.title,
            detail=_("Now %(price)s · %(n)d of %(needed)d helpers")
            % {
                "price": format_fen(b.current_price),
                "n": b.helps_count,
                "needed": b.helpers_needed,
            },
            image=_image(b),
        )
        for b in rows
    ]


def refresh_bargain(bargain_id: str) -> int:
    """Redraw the bargain's chat cards with the state committed now (run after each change
    commits); answers how many messages changed."""
    from quanzi.circles.services import chat

    bargain = (
        Bargain.objects.select_related("campaign__store", "campaign__sku__product", "starter")
        .filter(pk=bargain_id)
        .first()
    )
    if bargain is None:
        return 0
    return chat.refresh_cards(
        card_ref(bargain.pk), lambda: bargain_card(bargain), version="version"
    )


def connect() -> None:
    register_card(CARD_TYPE, share_bargain, bargain_options)
