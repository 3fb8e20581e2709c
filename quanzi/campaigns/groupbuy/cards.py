"""Group buys as live chat cards (circles' card registry, `quanzi.circles.services.cards`).

A member shares into a circle a group that still has seats (card type "group": the price, the
seats still missing — 还差 N 人 —, the countdown to the group's deadline and the members'
avatars, with 参团) or the whole campaign ("groupbuy": group and normal price, the team size,
the groups forming now, with a link to start or join one). Every seat change, completion and
failure redraws the group's cards and its campaign's after it commits (`refresh_group`).

The cards' `version` only grows, so a late redraw never undoes a newer one: it counts what only
ever moves forward — each seat ever taken (reserved 1, then paid or released 2, refunded 3) and
each group closed. Each card is made from the rows its version counts, read no earlier than
them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy.errors import GroupBuyCode
from quanzi.campaigns.groupbuy.models import (
    ACTIVE_SEATS,
    Group,
    GroupCampaign,
    GroupMember,
    GroupStatus,
    SeatState,
)
from quanzi.campaigns.groupbuy.services import (
    access_campaign,
    check_live,
    get_group,
    lowest_group_price,
)
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle
from quanzi.circles.services.cards import CardOption, CardShare, register_card
from quanzi.core.errors import Conflict
from quanzi.core.money import format_fen

GROUP = "group"
CAMPAIGN = "groupbuy"
MAX_AVATARS = 10


def _image(product: Product) -> str | None:
    first = product.images.first()
    return first.thumbnail.url if first is not None and first.thumbnail else None


def _avatar(user: User) -> str | None:
    return user.avatar.url if user.avatar else None


# What a seat adds to a version: its state only moves forward (reserved → paid → refunded;
# reserved → released; reserved → refunded when the payment came after the group failed).
SEAT_RANK: dict[str, int] = {
    SeatState.RESERVED: 1,
    SeatState.PAID: 2,
    SeatState.RELEASED: 2,
    SeatState.REFUNDED: 3,
}


def _seat_counts(**filters: Any) -> int:
    """SEAT_RANK summed over the seats matching `filters`, in one query."""
    row = GroupMember.objects.filter(**filters).aggregate(
        seats=Count("pk"),
        moved=Count("pk", filter=~Q(state=SeatState.RESERVED)),
        refunded=Count("pk", filter=Q(state=SeatState.REFUNDED)),
    )
    return int(row["seats"] + row["moved"] + row["refunded"])


# --- A group -------------------------------------------------------------------------------


def group_card(group: Group) -> dict[str, Any]:
    """A group as its chat card shows it (needs its campaign, product and store loaded): made
    from the group's row and one read of all its seats, which its version counts."""
    campaign = group.campaign
    seats = list(
        GroupMember.objects.filter(group=group).select_related("user").order_by("joined_at", "pk")
    )
    version = sum(SEAT_RANK[s.state] for s in seats) + int(group.status != GroupStatus.OPEN)
    active = [s for s in seats if s.state in ACTIVE_SEATS]
    return {
        "type": GROUP,
        "version": version,
        "group_id": group.pk,
        "campaign_id": campaign.pk,
        "store": campaign.store.name,
        "title": campaign.product.title,
        "image": _image(campaign.product),
        "price": lowest_group_price(campaign),
        "original_price": campaign.product.min_price,
        "team_size": group.team_size,
        "seats_left": max(0, group.team_size - len(active)),
        "status": group.status,
        "expires_at": group.expires_at.isoformat(),
        "members": [
            {
                "name": s.user.display_name,
                "avatar": _avatar(s.user),
                "paid": s.state == SeatState.PAID,
            }
            for s in active[:MAX_AVATARS]
        ],
        "url": f"/groupbuy/g/{group.pk}/",
    }


def group_ref(group_id: str) -> str:
    return f"{GROUP}:{group_id}"


def share_group(user: User, circle: Circle, group_id: str) -> CardShare:
    """A group that still takes members, of a live campaign (its link is public: any member
    may share it). Unknown → 404; closed, full or ended → 409."""
    group = get_group(group_id)
    check_live(group.campaign, timezone.now())
    if group.status != GroupStatus.OPEN or group.expires_at <= timezone.now():
        raise Conflict(_("This group is closed."), code=GroupBuyCode.GROUP_CLOSED)
    if group.seats_taken >= group.team_size:
        raise Conflict(_("This group is full."), code=GroupBuyCode.GROUP_FULL)
    return CardShare(group_card(group), group_ref(group.pk), group.campaign.store_id)


def group_options(user: User, circle: Circle) -> list[CardOption]:
    """Open groups with seats left: the member's own first, then (in a store's circle) the
    store's groups with a paid leader, soonest to close first."""
    now = timezone.now()
    live = Group.objects.filter(
        status=GroupStatus.OPEN,
        expires_at__gt=now,
        campaign__is_active=True,
        campaign__store__is_active=True,
        campaign__starts_at__lte=now,
        campaign__ends_at__gt=now,
    ).select_related("campaign__product", "campaign__store")
    mine = live.filter(members__user=user, members__state__in=ACTIVE_SEATS)
    if circle.store_id is not None:
        mine = mine.filter(campaign__store_id=circle.store_id)
    found = list(mine.order_by("expires_at")[:10])
    if circle.store_id is not None:
        others = live.filter(campaign__store_id=circle.store_id, paid_count__gte=1).exclude(
            pk__in=[g.pk for g in found]
        )
        found += list(others.order_by("expires_at")[:10])
    return [
        CardOption(
            card_type=GROUP,
            target_id=g.pk,
            store_id=g.campaign.store_id,
            title=g.campaign.product.title,
            detail=_("%(n)d of %(size)d seats taken") % {"n": g.seats_taken, "size": g.team_size},
            image=_image(g.campaign.product),
        )
        for g in found
        if g.seats_taken < g.team_size
    ]


# --- A campaign ----------------------------------------------------------------------------


def campaign_card(campaign: GroupCampaign) -> dict[str, Any]:
    """A group buy as its chat card shows it (needs its product and store loaded). The seats are
    counted before the groups are read, so the version is never newer than what it shows."""
    seats = _seat_counts(group__campaign=campaign)
    groups = Group.objects.filter(campaign=campaign).aggregate(
        closed=Count("pk", filter=~Q(status=GroupStatus.OPEN), distinct=True),
        complete=Count("pk", filter=Q(status=GroupStatus.COMPLETE), distinct=True),
        forming=Count(
            "pk",
            filter=Q(status=GroupStatus.OPEN, members__state=SeatState.PAID),
            distinct=True,
        ),
    )
    return {
        "type": CAMPAIGN,
        "version": seats + groups["closed"],
        "campaign_id": campaign.pk,
        "store": campaign.store.name,
        "title": campaign.product.title,
        "image": _image(campaign.product),
        "price": lowest_group_price(campaign),
        "original_price": campaign.product.min_price,
        "team_size": campaign.team_size,
        "groups_forming": groups["forming"],
        "groups_complete": groups["complete"],
        "starts_at": campaign.starts_at.isoformat(),
        "ends_at": campaign.ends_at.isoformat(),
        "url": f"/groupbuy/c/{campaign.pk}/",
    }


def campaign_ref(campaign_id: str) -> str:
    return f"{CAMPAIGN}:{campaign_id}"


def share_campaign(user: User, circle: Circle, campaign_id: str) -> CardShare:
    """A live group buy of an open store. Unknown or hidden → 404; not started or ended → 409."""
    campaign = access_campaign(user, campaign_id)
    check_live(campaign, timezone.now())
    return CardShare(campaign_card(campaign), campaign_ref(campaign.pk), campaign.store_id)


def campaign_options(user: User, circle: Circle) -> list[CardOption]:
    """The store circle's live group buys, ending soonest first."""
    if circle.store_id is None:
        return []
    now = timezone.now()
    rows = (
        GroupCampaign.objects.filter(
            store_id=circle.store_id,
            store__is_active=True,
            is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("product", "store")
        .order_by("ends_at")[:20]
    )
    options = []
    for campaign in rows:
        low = lowest_group_price(campaign)
        detail = _("A group of %(n)s") % {"n": campaign.team_size}
        if low is not None:
            detail = f"{format_fen(low)} · {detail}"
        options.append(
            CardOption(
                card_type=CAMPAIGN,
                target_id=campaign.pk,
                store_id=campaign.store_id,
                title=campaign.product.title,
                detail=detail,
                image=_image(campaign.product),
            )
        )
    return options


# --- Redrawing -----------------------------------------------------------------------------


def refresh_group(group_id: str) -> int:
    """Redraw the group's chat cards and its campaign's with the state committed now (run
    after each change commits); answers how many messages changed."""
    from quanzi.circles.services import chat

    group = (
        Group.objects.select_related("campaign__product", "campaign__store")
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        return 0
    changed = chat.refresh_cards(group_ref(group.pk), lambda: group_card(group), version="version")
    return changed + chat.refresh_cards(
        campaign_ref(group.campaign_id), lambda: campaign_card(group.campaign), version="version"
    )


def connect() -> None:
    register_card(GROUP, share_group, group_options)
    register_card(CAMPAIGN, share_campaign, campaign_options)
