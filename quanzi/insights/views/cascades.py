"""How far it travelled: the store's share cascades, and one cascade as a tree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quanzi.insights.cascades import Cascade, CascadeNode, cascade_of, cascades_of, target_k_factor
from quanzi.insights.periods import Period
from quanzi.insights.tables import Column, Table
from quanzi.insights.views.page import insights_page
from quanzi.stores.models import Store

VIRALITY_HELP = gettext_lazy(
    "Structural virality: the mean number of reshare steps between any two people of a "
    "cascade — 0 when nobody reshared, about 2 for one person sharing to many, higher when a "
    "share travelled from person to person."
)


def cascade_row(rank: int, cascade: Cascade) -> dict[str, Any]:
    return {
        "label": f"{rank}. {cascade.root.sharer} · {cascade.code}",
        "target": cascade.target,
        "sharer": cascade.root.sharer,
        "started": cascade.root.created_at.date(),
        "size": cascade.metrics.size,
        "depth": cascade.metrics.depth,
        "breadth": cascade.metrics.max_breadth,
        "virality": cascade.metrics.virality,
        "visits": cascade.visits,
        "orders": cascade.orders,
        "gmv": cascade.gmv,
        "new_customers": cascade.new_customers,
    }


def cascades_table(found: list[Cascade]) -> Table:
    return Table(
        id="cascades",
        title=_("The biggest cascades"),
        columns=[
            Column("label", _("Cascade"), "text"),
            Column("target", _("Shared"), "text"),
            Column("started", _("Started"), "date"),
            Column("size", _("Links")),
            Column("depth", _("Depth")),
            Column("breadth", _("Widest level")),
            Column("virality", _("Structural virality"), "ratio"),
            Column("visits", _("Visitors")),
            Column("orders", _("Orders")),
            Column("gmv", _("GMV"), "fen"),
            Column("new_customers", _("New customers")),
        ],
        rows=[cascade_row(i, c) for i, c in enumerate(found, start=1)],
        chart="bar",
        x="label",
        series=["size"],
        help=str(VIRALITY_HELP),
    )


def _list(store: Store, period: Period) -> dict[str, Any]:
    found = cascades_of(store, period)
    return {
        "cascades": [
            {
                "cascade": c,
                "url": reverse("insights:cascade", args=[store.pk, c.code]),
            }
            for c in found
        ],
        "table": cascades_table(found),
    }


def node_rows(cascade: Cascade) -> list[dict[str, Any]]:
    return [
        {
            "code": node.code,
            "parent": node.parent or "",
            "sharer": node.sharer,
            "level": node.level,
            "created": node.created_at.date(),
            "visits": node.visits,
            "orders": node.orders,
            "gmv": node.gmv,
            "new_customers": node.new_customers,
            "reshares": len(node.children),
        }
        for node in cascade.nodes
    ]


def tree_tokens(root: CascadeNode) -> list[dict[str, Any]]:
    """The tree as a flat run of nested-list pieces (a node opens an item; "ul" and "/ul" open
    and close its children; "/li" closes it), so the template draws a chain of any depth
    without recursive includes."""
    out: list[dict[str, Any]] = []
    stack: list[tuple[bool, CascadeNode]] = [(True, root)]
    while stack:
        entering, node = stack.pop()
        if not entering:
            out += [{"t": "/ul"}, {"t": "/li"}]
            continue
        out.append({"t": "node", "node": node})
        if node.children:
            out.append({"t": "ul"})
            stack.append((False, node))
            stack.extend((True, child) for child in reversed(node.children))
        else:
            out.append({"t": "/li"})
    return out


def _one(store: Store, code: str) -> dict[str, Any]:
    cascade = cascade_of(store, code)
    levels = Table(
        id="levels",
        title=_("Breadth per level"),
        columns=[Column("level", _("Level")), Column("nodes", _("Links"))],
        rows=[{"level": i, "nodes": n} for i, n in enumerate(cascade.metrics.levels)],
        chart="bar",
        x="level",
        series=["nodes"],
        help=_("Level 0 is the first share; level 1 the reshares of it, and so on."),
    )
    nodes = Table(
        id="nodes",
        title=_("Every link of the cascade"),
        columns=[
            Column("code", _("Link"), "text"),
            Column("parent", _("Reshared from"), "text"),
            Column("sharer", _("Sharer"), "text"),
            Column("level", _("Level")),
            Column("created", _("Shared on"), "date"),
            Column("visits", _("Visitors")),
            Column("reshares", _("Reshares")),
            Column("orders", _("Orders")),
            Column("gmv", _("GMV"), "fen"),
            Column("new_customers", _("New customers")),
        ],
        rows=node_rows(cascade),
        chart="none",
    )
    return {
        "cascade": cascade,
        "k": cascade.k_factor(),
        "target_k": target_k_factor(store, cascade.root.kind, cascade.root.target_id),
        "tree": tree_tokens(cascade.root),
        "levels_table": levels,
        "nodes_table": nodes,
        "virality_help": VIRALITY_HELP,
    }


@login_required
def cascades(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="cascades", template="insights/cascades.html", build=_list
    )


@login_required
def cascade(request: HttpRequest, store_id: str, code: str) -> HttpResponse:
    return insights_page(
        request,
        store_id,
        tab="cascades",
        template="insights/cascade.html",
        build=lambda store, period: _one(store, code),
    )
