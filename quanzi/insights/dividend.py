"""The social dividend of each product and campaign (group buy, bargain), beside the GMV it
earned — the score of quanzi.insights.score with these inputs, over the period:

- **products**: reach = the product's page views that came through a relationship (a share
  link, a circle's chat card, a note, the friends' feed); virality = the structural virality of
  the product's share cascades started in the period (their mean, weighted by size);
  interactions = likes and comments on notes about the product, and chat messages carrying
  its card. GMV: the product's items in the period's paid orders, each item's share of its
  order's refunds taken out.
- **campaigns** (group buys and bargains running in the period): reach = the distinct people
  who visited its groups' or bargains' share links in the period; virality = as above, over
  those links' cascades; interactions = the seats others took in its groups, or the helps its
  bargains got. GMV: its orders paid in the period, less refunds. Beside it, the campaign's
  K-factor and cycle time over all its share links (quanzi.insights.cascades.k_factor).

Each list is read in a fixed number of queries, whatever the number of products or campaigns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainHelp
from quanzi.campaigns.bargains.services import CAMPAIGN as BARGAIN_ORDERS
from quanzi.campaigns.groupbuy.models import CAMPAIGN_KIND as GROUP_ORDERS
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign, GroupMember
from quanzi.catalog.models import Product
from quanzi.circles.models import Message
from quanzi.insights.cascades import KFactor, k_factors_by, tree_metrics
from quanzi.insights.figures import NET, paid_orders
from quanzi.insights.periods import Period
from quanzi.insights.score import Score, social_dividend
from quanzi.orders.models import OrderItem
from quanzi.referrals.models import ShareLink, TargetKind, Visit
from quanzi.social.models import Note
from quanzi.stores.models import Store
from quanzi.tracking.models import DailyCount, EventKind, Source

RELATION_SOURCES = (Source.SHARE, Source.CHAT, Source.NOTE, Source.FEED)
LinkRow = tuple[str, str | None, str]  # link id, parent id, what it counts for


@dataclass(frozen=True)
class Dividend:
    kind: str  # product, groupbuy or bargain
    id: str
    title: str
    score: Score
    gmv: int  # fen
    k: KFactor | None = None  # campaigns: invitations per sharer × conversion, cycle time


def weighted_virality(rows: Sequence[LinkRow]) -> dict[str, float]:
    """Per key, the structural virality of the key's cascades, their mean weighted by size.
    A link whose parent is not among the rows is a root; a cascade counts for its root's key."""
    ids = {link for link, _, _ in rows}
    parent_of = {link: (parent if parent in ids else None) for link, parent, _ in rows}
    key_of = {link: key for link, _, key in rows}
    root_of: dict[str, str] = {}
    for start in ids:
        path, link = [], start
        while link not in root_of and parent_of[link] is not None:
            path.append(link)
            link = parent_of[link] or link
        top = root_of.get(link, link)
        for step in (*path, link):
            root_of[step] = top
    trees: dict[str, dict[str, str | None]] = defaultdict(dict)
    for link in ids:
        trees[root_of[link]][link] = parent_of[link]
    weight: dict[str, float] = defaultdict(float)
    size: dict[str, int] = defaultdict(int)
    for top, tree in trees.items():
        metrics = tree_metrics(tree)
        weight[key_of[top]] += metrics.virality * metrics.size
        size[key_of[top]] += metrics.size
    return {key: weight[key] / size[key] for key in size}


def product_dividends(store: Store, period: Period, limit: int = 20) -> list[Dividend]:
    days = {"store_id": store.pk, "day__gte": period.start, "day__lte": period.end}
    inside = {"created_at__gte": period.since, "created_at__lt": period.until}
    reach: dict[str, int] = defaultdict(int)
    for ref, n in (
        DailyCount.objects.filter(**days, kind=EventKind.PRODUCT_VIEW, source__in=RELATION_SOURCES)
        .values("ref")
        .annotate(n=Sum("count"))
        .values_list("ref", "n")
    ):
        reach[ref] += n or 0
    talk: dict[str, int] = defaultdict(int)
    on_notes = dict(
        DailyCount.objects.filter(**days, kind__in=[EventKind.LIKE, EventKind.COMMENT])
        .values("ref")
        .annotate(n=Sum("count"))
        .values_list("ref", "n")
    )
    if on_notes:
        for note_id, product_id in Note.products.through.objects.filter(
            note_id__in=list(on_notes), product__store=store
        ).values_list("note_id", "product_id"):
            talk[product_id] += on_notes[note_id] or 0
    for product_id, n in (
        Message.objects.filter(product__store=store, **inside)
        .values("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    ):
        talk[product_id] += n
    net_share = (
        F("unit_price") * F("quantity") * (F("order__total") - F("order__refunded_amount"))
    ) / F("order__total")
    gmv = dict(
        OrderItem.objects.filter(order__in=paid_orders(store, period), order__total__gt=0)
        .values("product_id")
        .annotate(net=Sum(net_share))
        .values_list("product_id", "net")
    )
    products = Product.objects.filter(store=store)
    links = ShareLink.objects.filter(
        kind=TargetKind.PRODUCT, target_id__in=products.values("pk"), created_at__lt=period.until
    ).values_list("pk", "parent_id", "target_id", "created_at")
    # products shared in the period: the cascades of their links (older links included, a
    # reshare in the period hangs under them)
    shared = {target for _, _, target, at in links if at >= period.since}
    rows = [(pk, parent, target) for pk, parent, target, _ in links]
    viral = {key: v for key, v in weighted_virality(rows).items() if key in shared}
    ids = set(reach) | set(talk) | set(gmv) | set(viral)
    titles = dict(products.filter(pk__in=ids).values_list("pk", "title"))
    found = [
        Dividend(
            "product",
            pid,
            titles[pid],
            social_dividend(reach.get(pid, 0), viral.get(pid, 0.0), talk.get(pid, 0)),
            int(gmv.get(pid) or 0),
        )
        for pid in ids
        if pid in titles
    ]
    found.sort(key=lambda d: (-d.score.value, -d.gmv, d.title))
    return found[:limit]


def campaign_dividends(store: Store, period: Period, limit: int = 20) -> list[Dividend]:
    running = {"store": store, "starts_at__lt": period.until, "ends_at__gt": period.since}
    inside = {"created_at__gte": period.since, "created_at__lt": period.until}
    titles: dict[str, str] = {}
    for pk, title in GroupCampaign.objects.filter(**running).values_list("pk", "product__title"):
        titles[f"groupbuy:{pk}"] = title
    for pk, title in BargainCampaign.objects.filter(**running).values_list("pk", "title"):
        titles[f"bargain:{pk}"] = title
    group_ids = [k.split(":", 1)[1] for k in titles if k.startswith("groupbuy:")]
    bargain_ids = [k.split(":", 1)[1] for k in titles if k.startswith("bargain:")]
    owner: dict[str, str] = {}  # a group's or bargain's id → its campaign's key
    for pk, campaign in Group.objects.filter(campaign_id__in=group_ids).values_list(
        "pk", "campaign_id"
    ):
        owner[pk] = f"groupbuy:{campaign}"
    for pk, campaign in Bargain.objects.filter(campaign_id__in=bargain_ids).values_list(
        "pk", "campaign_id"
    ):
        owner[pk] = f"bargain:{campaign}"
    shared = ShareLink.objects.filter(
        Q(kind=TargetKind.GROUP) | Q(kind=TargetKind.BARGAIN),
        target_id__in=list(owner),
        created_at__lt=period.until,
    )
    links = list(shared.values_list("pk", "parent_id", "target_id"))
    k_of = k_factors_by(store, shared, lambda node: owner[node.target_id])
    viral = weighted_virality([(pk, parent, owner[target]) for pk, parent, target in links])
    campaign_of_link = {pk: owner[target] for pk, _, target in links}
    people: dict[str, set[str]] = defaultdict(set)
    for link, visitor, session in Visit.objects.filter(
        link_id__in=list(campaign_of_link), **inside
    ).values_list("link_id", "visitor_id", "session_key"):
        people[campaign_of_link[link]].add(f"u{visitor}" if visitor else f"s{session}")
    talk: dict[str, int] = defaultdict(int)
    for group, n in (
        GroupMember.objects.filter(group_id__in=list(owner), joined_at__gte=period.since)
        .filter(joined_at__lt=period.until)
        .exclude(user_id=F("group__leader_id"))
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    ):
        talk[owner[group]] += n
    for bargain, n in (
        BargainHelp.objects.filter(bargain_id__in=list(owner), **inside)
        .values("bargain_id")
        .annotate(n=Count("pk"))
        .values_list("bargain_id", "n")
    ):
        talk[owner[bargain]] += n
    gmv: dict[str, int] = defaultdict(int)
    for ref, net in (
        paid_orders(store, period)
        .filter(campaign__in=[GROUP_ORDERS, BARGAIN_ORDERS], campaign_ref__in=list(owner))
        .values("campaign_ref")
        .annotate(net=Sum(NET))
        .values_list("campaign_ref", "net")
    ):
        gmv[owner[ref]] += net or 0
    found = [
        Dividend(
            key.split(":", 1)[0],
            key.split(":", 1)[1],
            title,
            social_dividend(len(people[key]), viral.get(key, 0.0), talk[key]),
            gmv[key],
            k_of.get(key),
        )
        for key, title in titles.items()
    ]
    found.sort(key=lambda d: (-d.score.value, -d.gmv, d.title))
    return found[:limit]
