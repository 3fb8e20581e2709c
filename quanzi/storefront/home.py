"""首页 is social: what is happening around the member comes first, then products for them.

In order: the member's circles that are talking (unread), launches counting down and red
packets waiting in them; what friends and followed people bought, reviewed and wrote; group
buys with open seats started by those people, bargains they asked help with, flash sales on
now or about to start; then products, those most friends bought first. Every card carries its
reason ("3 位好友买过", "你的圈子在聊"). Someone with no circle and no friend yet (and a visitor)
gets circles to join, popular notes and the store's highlights instead of empty sections.

Each read belongs to its domain (selectors there); this module only composes them, in a
constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from quanzi.accounts.models import User
from quanzi.campaigns.bargains.models import Bargain
from quanzi.campaigns.bargains.selectors import asking_for_help
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.flashsales.selectors import starting_soon
from quanzi.campaigns.groupbuy.models import Group
from quanzi.campaigns.groupbuy.selectors import open_groups_led_by
from quanzi.campaigns.redpackets.models import RedPacket
from quanzi.campaigns.redpackets.selectors import waiting_for
from quanzi.catalog.models import Product
from quanzi.catalog.search import visible_products
from quanzi.circles.models import Announcement, Circle, Membership
from quanzi.circles.selectors import launches_coming
from quanzi.circles.services.membership import discover, my_circles
from quanzi.social.models import Note
from quanzi.social.services.feed import FeedItem, friends_bought, home_feed
from quanzi.social.services.graph import followed_ids, friend_ids
from quanzi.social.services.notes import popular_notes

CIRCLES_SHOWN = 4
FRIENDS_ACTIVITY = 6
PRODUCTS = 20
SUGGESTED_CIRCLES = 4
POPULAR_NOTES = 4


@dataclass
class HomePage:
    circles: list[Membership] = field(default_factory=list)
    launches: list[Announcement] = field(default_factory=list)
    packets: list[RedPacket] = field(default_factory=list)
    activity: list[FeedItem] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    bargains: list[Bargain] = field(default_factory=list)
    flash_sales: list[FlashSale] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)  # each with `friends_count`
    circles_to_join: list[Circle] = field(default_factory=list)
    popular: list[Note] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        """Nothing social around the person yet: show them the ways in."""
        return not (self.circles or self.activity)


def home_page(user: User | None) -> HomePage:
    page = HomePage(flash_sales=starting_soon())
    joined: set[str] = set()
    if user is not None:
        memberships = my_circles(user)
        joined = {m.circle_id for m in memberships}
        page.circles = _talking_first(memberships)[:CIRCLES_SHOWN]
        page.launches = launches_coming(joined)
        page.packets = waiting_for(user.pk, joined)
        page.activity = home_feed(user, None, FRIENDS_ACTIVITY).items
        people = friend_ids(user) | followed_ids(user)
        page.groups = open_groups_led_by(people, viewer_id=user.pk)
        page.bargains = asking_for_help(people, helper_id=user.pk)
    page.products = products_for(user)
    if page.is_new:
        page.circles_to_join = list(discover().exclude(pk__in=joined)[:SUGGESTED_CIRCLES])
        page.popular = list(popular_notes(user, 1, POPULAR_NOTES).items)
    return page


def _unread(membership: Membership) -> int:
    return int(getattr(membership, "unread", 0))  # set by my_circles


def _talking_first(memberships: list[Membership]) -> list[Membership]:
    """Circles with unread messages first (most unread first), then the most recently active
    (the order my_circles gives, which the stable sort keeps)."""
    return sorted(memberships, key=lambda m: (_unread(m) == 0, -_unread(m)))


def products_for(user: User | None) -> list[Product]:
    """The products most of the person's friends bought, then the newest; each carries
    `friends_count` (0 when no friend bought it)."""
    counts = friends_bought(user)
    chosen = list(visible_products().filter(pk__in=list(counts)))
    chosen.sort(key=lambda p: (-counts[p.pk], p.pk))
    newest = visible_products().exclude(pk__in=list(counts)).order_by("-created_at", "id")
    chosen += list(newest[: max(0, PRODUCTS - len(chosen))])
    for product in chosen:
        product.friends_count = counts.get(product.pk, 0)  # type: ignore[attr-defined]
    return chosen[:PRODUCTS]
