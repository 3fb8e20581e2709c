"""How far a share travelled: the share cascades of a store, their shape and what they earned.

Share links form trees through `ShareLink.parent` (the link through which the sharer arrived).
The links of a store's targets — the store itself, its products, its group buys' groups and its
bargains — form a forest; each link whose parent is not one of them starts a cascade.

**Shape** (`tree_metrics`, a pure function of a parent map):

- size: the nodes (links) of the tree;
- depth: the longest distance from the root (a lone link is 0);
- maximum breadth: the most nodes on one level;
- structural virality (Goel, Anderson, Hofman and Watts, 2016): the mean shortest-path
  distance over all pairs of nodes, from the Wiener index W = Σ over edges s·(n − s) (s the
  size of the subtree below the edge), so in O(n): ν = 2W / (n(n − 1)); 0 for a lone link,
  2 − 2/n for a star, (n + 1)/3 for a chain.

**Figures of a node**: distinct visitors through the link (a signed-in visitor by person, an
anonymous one by session); orders attributed to the link at this store that were paid, and
their GMV net of refunds (Σ total − refunded; a cancelled order counts for nothing, a fully
refunded one for 0 and not as an order); new customers (such an order is the buyer's first
paid order at the store). A cascade's visitors are the distinct people across its links.

**The period**: a cascade belongs to the period its root link was created in; its figures are
its whole life, so a cascade started last week keeps growing in last week's list. A single
cascade is shown whole, whatever the period.

**K-factor** (`k_factor`): K = invitations per sharer × conversion, where a sharer's
invitations are the distinct people who visited through their links, and an invitee converted
when they bought through one of that sharer's links or reshared it (made a child link of one of
them). Cycle time is the median time from a link's creation to its child links' creation.

Queries are bounded whatever the size of the trees: the links in one query, their visits in
one, their attributed orders in one (and the targets' titles in one per kind). Only the links of
the cascades asked for are read: the trees below the period's roots (or above and below one
link) are found by a recursive query in the database, not by loading the store's share history.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from quanzi.campaigns.bargains.models import Bargain
from quanzi.campaigns.groupbuy.models import Group
from quanzi.catalog.models import Product
from quanzi.core.errors import NotFound
from quanzi.insights.periods import Period
from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.models import CODE_LENGTH, Attribution, ShareLink, TargetKind, Visit
from quanzi.stores.models import Store

N = TypeVar("N", bound=Hashable)

LIST_LIMIT = 50


# --- The shape of a tree ------------------------------------------------------------------


@dataclass(frozen=True)
class TreeMetrics:
    size: int
    depth: int
    max_breadth: int
    virality: float
    levels: tuple[int, ...]  # nodes per level, the root's level first


def tree_metrics(parents: Mapping[N, N | None]) -> TreeMetrics:
    """The shape of one tree given as {node: its parent, or None for the root}. Raises
    ValueError unless it is exactly one tree (one root, every parent a node, no cycle)."""
    if not parents:
        raise ValueError("an empty tree")
    children: dict[N, list[N]] = defaultdict(list)
    roots: list[N] = []
    for node, parent in parents.items():
        if parent is None:
            roots.append(node)
        elif parent not in parents:
            raise ValueError(f"the parent of {node!r} is not a node")
        else:
            children[parent].append(node)
    if len(roots) != 1:
        raise ValueError(f"a tree has one root, not {len(roots)}")
    order: list[N] = []  # breadth first, so every node comes after its parent
    levels: list[int] = []
    queue: deque[tuple[N, int]] = deque([(roots[0], 0)])
    while queue:
        node, level = queue.popleft()
        order.append(node)
        if level == len(levels):
            levels.append(0)
        levels[level] += 1
        queue.extend((child, level + 1) for child in children[node])
    n = len(parents)
    if len(order) != n:
        raise ValueError("a cycle: some nodes do not hang from the root")
    below: dict[N, int] = {}
    wiener = 0
    for node in reversed(order):
        s = 1 + sum(below[child] for child in children[node])
        below[node] = s
        if parents[node] is not None:
            wiener += s * (n - s)
    virality = 2 * wiener / (n * (n - 1)) if n > 1 else 0.0
    return TreeMetrics(
        size=n,
        depth=len(levels) - 1,
        max_breadth=max(levels),
        virality=virality,
        levels=tuple(levels),
    )


# --- K-factor -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkFacts:
    """What the K-factor needs of a link: person keys are "u:<user id>" or "s:<session>"."""

    code: str
    sharer: str
    parent: str | None  # the parent link's code
    created_at: datetime
    visitors: frozenset[str] = frozenset()
    buyers: frozenset[str] = frozenset()  # who bought through it (paid, not cancelled)


@dataclass(frozen=True)
class KFactor:
    sharers: int
    invitations: int
    converted: int
    cycle_time: timedelta | None

    @property
    def invitations_per_sharer(self) -> float:
        return self.invitations / self.sharers if self.sharers else 0.0

    @property
    def conversion(self) -> float:
        return self.converted / self.invitations if self.invitations else 0.0

    @property
    def conversion_pct(self) -> str:
        return f"{self.conversion * 100:.0f}"

    @property
    def k(self) -> float:
        return self.invitations_per_sharer * self.conversion

    @property
    def cycle_hours(self) -> float | None:
        return None if self.cycle_time is None else self.cycle_time.total_seconds() / 3600


def k_factor(links: Iterable[LinkFacts]) -> KFactor:
    """K = invitations per sharer × conversion over these links (see the module's text)."""
    links = list(links)
    by_code = {link.code: link for link in links}
    invited: dict[str, set[str]] = defaultdict(set)
    won: dict[str, set[str]] = defaultdict(set)  # who bought or reshared, per sharer
    gaps: list[timedelta] = []
    for link in links:
        invited[link.sharer] |= link.visitors
        won[link.sharer] |= link.buyers
        parent = by_code.get(link.parent) if link.parent else None
        if parent is not None:
            won[parent.sharer].add(link.sharer)
            gaps.append(link.created_at - parent.created_at)
    invitations = sum(len(people) for people in invited.values())
    converted = sum(len(people & won[sharer]) for sharer, people in invited.items())
    return KFactor(len(invited), invitations, converted, _median(gaps))


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- Cascades from the database -------------------------------------------------------------


@dataclass
class CascadeNode:
    code: str
    sharer: str  # the sharer's display name (text a person wrote: escaped where shown)
    sharer_key: str
    kind: str
    target_id: str
    parent: str | None
    created_at: datetime
    level: int = 0
    visitors: set[str] = field(default_factory=set)
    buyers: set[str] = field(default_factory=set)
    orders: int = 0
    gmv: int = 0  # fen, net of refunds
    new_customers: int = 0
    children: list[CascadeNode] = field(default_factory=list)

    @property
    def visits(self) -> int:
        return len(self.visitors)

    def facts(self) -> LinkFacts:
        return LinkFacts(
            self.code,
            self.sharer_key,
            self.parent,
            self.created_at,
            frozenset(self.visitors),
            frozenset(self.buyers),
        )


@dataclass
class Cascade:
    root: CascadeNode
    nodes: list[CascadeNode]  # breadth first, the root first
    metrics: TreeMetrics
    target: str = ""  # what was shared, as people read it

    @property
    def code(self) -> str:
        return self.root.code

    @property
    def visits(self) -> int:
        return len(set().union(*(node.visitors for node in self.nodes)))

    @property
    def orders(self) -> int:
        return sum(node.orders for node in self.nodes)

    @property
    def gmv(self) -> int:
        return sum(node.gmv for node in self.nodes)

    @property
    def new_customers(self) -> int:
        return sum(node.new_customers for node in self.nodes)

    @property
    def sharers(self) -> int:
        return len({node.sharer_key for node in self.nodes})

    def k_factor(self) -> KFactor:
        return k_factor(node.facts() for node in self.nodes)


def store_links(store: Store) -> QuerySet[ShareLink]:
    """The share links of everything of the store one can share (one query when read)."""
    return ShareLink.objects.filter(
        Q(kind=TargetKind.STORE, target_id=store.pk)
        | Q(kind=TargetKind.PRODUCT, target_id__in=Product.objects.filter(store=store).values("pk"))
        | Q(
            kind=TargetKind.GROUP,
            target_id__in=Group.objects.filter(campaign__store=store).values("pk"),
        )
        | Q(
            kind=TargetKind.BARGAIN,
            target_id__in=Bargain.objects.filter(campaign__store=store).values("pk"),
        )
    )


def campaign_links(store: Store, kind: str, campaign_id: str) -> QuerySet[ShareLink]:
    """The share links of a group-buy campaign's groups or a bargain campaign's bargains."""
    ids: QuerySet[Any, Any]
    if kind == TargetKind.GROUP:
        ids = Group.objects.filter(campaign_id=campaign_id, campaign__store=store).values("pk")
    elif kind == TargetKind.BARGAIN:
        ids = Bargain.objects.filter(campaign_id=campaign_id, campaign__store=store).values("pk")
    else:
        raise NotFound(_("No such campaign."))
    return ShareLink.objects.filter(kind=kind, target_id__in=ids)


def _nodes(links: QuerySet[ShareLink]) -> dict[str, CascadeNode]:
    """The links as nodes keyed by link id, children attached (one query)."""
    rows = links.order_by("created_at", "pk").values_list(
        "pk",
        "code",
        "sharer_id",
        "sharer__nickname",
        "sharer__username",
        "kind",
        "target_id",
        "parent_id",
        "parent__code",
        "created_at",
    )
    nodes: dict[str, CascadeNode] = {}
    parent_of: dict[str, str | None] = {}
    for (
        pk,
        code,
        sharer_id,
        nickname,
        username,
        kind,
        target_id,
        parent_id,
        parent_code,
        at,
    ) in rows:
        nodes[pk] = CascadeNode(
            code=code,
            sharer=nickname or username,
            sharer_key=f"u:{sharer_id}",
            kind=kind,
            target_id=target_id,
            parent=parent_code,
            created_at=at,
        )
        parent_of[pk] = parent_id
    for pk, up in parent_of.items():
        if up is None or up not in nodes:  # a parent outside these links starts a cascade
            nodes[pk].parent = None
        else:
            nodes[up].children.append(nodes[pk])
    return nodes


def _add_figures(store: Store, nodes: dict[str, CascadeNode], links: Any) -> None:
    """Visitors and attributed orders of the nodes; `links` is a query or a list of link ids."""
    visits = (
        Visit.objects.filter(link_id__in=links)
        .values_list("link_id", "visitor_id", "session_key")
        .distinct()
    )
    for link_id, visitor_id, session_key in visits:
        node = nodes.get(link_id)
        if node is None:
            continue
        if visitor_id is not None:
            node.visitors.add(f"u:{visitor_id}")
        elif session_key:
            node.visitors.add(f"s:{session_key}")
    earlier = Order.objects.filter(
        store_id=OuterRef("order__store_id"),
        buyer_id=OuterRef("order__buyer_id"),
        paid_at__isnull=False,
        paid_at__lt=OuterRef("order__paid_at"),
    )
    orders = (
        Attribution.objects.filter(
            link_id__in=links, order__store=store, order__paid_at__isnull=False
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(returning=Exists(earlier))
        .values_list(
            "link_id", "order__buyer_id", "order__total", "order__refunded_amount", "returning"
        )
    )
    for link_id, buyer_id, total, refunded, returning in orders:
        node = nodes.get(link_id)
        if node is None:
            continue
        net = max(total - refunded, 0)
        node.gmv += net
        if net > 0:
            node.orders += 1
            node.buyers.add(f"u:{buyer_id}")
            if not returning:
                node.new_customers += 1


def _cascade(root: CascadeNode) -> Cascade:
    nodes: list[CascadeNode] = []
    queue: deque[tuple[CascadeNode, int]] = deque([(root, 0)])
    while queue:
        node, level = queue.popleft()
        node.level = level
        nodes.append(node)
        queue.extend((child, level + 1) for child in node.children)
    metrics = tree_metrics({node.code: node.parent if node is not root else None for node in nodes})
    return Cascade(root=root, nodes=nodes, metrics=metrics)


def _titles(cascades: Sequence[Cascade]) -> None:
    """What each cascade shared, as people read it (one query per kind of target)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for cascade in cascades:
        wanted[cascade.root.kind].add(cascade.root.target_id)
    titles: dict[tuple[str, str], str] = {}
    if TargetKind.PRODUCT in wanted:
        for pk, title in Product.objects.filter(pk__in=wanted[TargetKind.PRODUCT]).values_list(
            "pk", "title"
        ):
            titles[(TargetKind.PRODUCT, pk)] = title
    if TargetKind.GROUP in wanted:
        for pk, title in Group.objects.filter(pk__in=wanted[TargetKind.GROUP]).values_list(
            "pk", "campaign__product__title"
        ):
            titles[(TargetKind.GROUP, pk)] = _("Group buy · %(title)s") % {"title": title}
    if TargetKind.BARGAIN in wanted:
        for pk, title in Bargain.objects.filter(pk__in=wanted[TargetKind.BARGAIN]).values_list(
            "pk", "campaign__title"
        ):
            titles[(TargetKind.BARGAIN, pk)] = _("Bargain · %(title)s") % {"title": title}
    for cascade in cascades:
        key = (cascade.root.kind, cascade.root.target_id)
        cascade.target = titles.get(key) or (
            _("The store") if cascade.root.kind == TargetKind.STORE else str(cascade.root.kind)
        )


def _below(root_ids: Sequence[str]) -> RawSQL:
    """The ids of these links and of every link reshared below them (a recursive query)."""
    table = ShareLink._meta.db_table
    marks = ", ".join(["%s"] * len(root_ids))
    return RawSQL(
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id IN ({marks}) "
        f"UNION SELECT l.id FROM {table} l JOIN tree t ON l.parent_id = t.id) "
        "SELECT id FROM tree",
        tuple(root_ids),
    )


def _above(link_id: str) -> list[str]:
    """This link's id and its ancestors' ids, the link first (a recursive query)."""
    table = ShareLink._meta.db_table
    sql = (
        f"WITH RECURSIVE up(id, parent_id, depth) AS ("
        f"SELECT id, parent_id, 0 FROM {table} WHERE id = %s "
        f"UNION ALL SELECT l.id, l.parent_id, up.depth + 1 FROM {table} l "
        "JOIN up ON l.id = up.parent_id WHERE up.depth < 100000) "
        "SELECT id FROM up ORDER BY depth"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [link_id])
        return [row[0] for row in cursor.fetchall()]


def cascades_of(store: Store, period: Period, limit: int = LIST_LIMIT) -> list[Cascade]:
    """The store's biggest cascades started in the period: by size, then visitors, then GMV."""
    mine = store_links(store)
    started = list(
        mine.filter(created_at__gte=period.since, created_at__lt=period.until)
        .filter(Q(parent__isnull=True) | ~Q(parent__in=store_links(store)))
        .values_list("pk", flat=True)
    )
    if not started:
        return []
    links = mine.filter(pk__in=_below(started))
    nodes = _nodes(links)
    roots = [
        node
        for node in nodes.values()
        if node.parent is None and period.since <= node.created_at < period.until
    ]
    if not roots:
        return []
    _add_figures(store, nodes, links.values("pk"))
    found = [_cascade(root) for root in roots]
    found.sort(key=lambda c: (-c.metrics.size, -c.visits, -c.gmv, c.root.created_at))
    found = found[:limit]
    _titles(found)
    return found


def cascade_of(store: Store, code: str) -> Cascade:
    """The whole cascade a link of the store belongs to (from its root); NotFound for a code
    that is no link of this store's."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        raise NotFound(_("This share link does not exist."))
    mine = store_links(store)
    found = mine.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("This share link does not exist."))
    # its root: the highest of its ancestors reached through the store's own links
    chain = _above(found)
    ours = set(mine.filter(pk__in=chain).values_list("pk", flat=True))
    top = found
    for link_id in chain[1:]:
        if link_id not in ours:
            break
        top = link_id
    nodes = _nodes(mine.filter(pk__in=_below([top])))
    by_code = {node.code: node for node in nodes.values()}
    node = by_code[code]
    while node.parent is not None:
        node = by_code[node.parent]
    cascade = _cascade(node)
    inside = {node.code for node in cascade.nodes}
    ids = [pk for pk, n in nodes.items() if n.code in inside]
    _add_figures(store, nodes, ids)
    _titles([cascade])
    return cascade


def target_k_factor(store: Store, kind: str, target_id: str) -> KFactor:
    """The K-factor of one of the store's share targets (all its cascades together)."""
    links = store_links(store).filter(kind=kind, target_id=target_id)
    return _k_of(store, links)


def campaign_k_factor(store: Store, kind: str, campaign_id: str) -> KFactor:
    """The K-factor of a group-buy or bargain campaign (the links of all its groups or
    bargains together)."""
    return _k_of(store, campaign_links(store, kind, campaign_id))


def k_factors_by(
    store: Store, links: QuerySet[ShareLink], key: Callable[[CascadeNode], str]
) -> dict[str, KFactor]:
    """The K-factor of each group of these links (`key` names a link's group: its campaign,
    say), in the same bounded queries as one."""
    nodes = _nodes(links)
    _add_figures(store, nodes, list(nodes))
    groups: dict[str, list[LinkFacts]] = defaultdict(list)
    for node in nodes.values():
        groups[key(node)].append(node.facts())
    return {name: k_factor(facts) for name, facts in groups.items()}


def _k_of(store: Store, links: QuerySet[ShareLink]) -> KFactor:
    nodes = _nodes(links)
    _add_figures(store, nodes, list(nodes))
    return k_factor(node.facts() for node in nodes.values())
