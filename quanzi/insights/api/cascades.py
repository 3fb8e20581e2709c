"""How far it travelled, for programs: the store's share cascades and one cascade's tree
(the figures of `quanzi.insights.cascades`; money in fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH
from quanzi.core.schemas import Schema
from quanzi.insights.api.common import PeriodOut, PeriodQuery, insights_store, period_out
from quanzi.insights.cascades import Cascade, KFactor, cascade_of, cascades_of, target_k_factor

router = Router()


class CascadeOut(Schema):
    code: str = Field(description="the root link's code")
    kind: str = Field(description="what was shared: product, store, group or bargain")
    target_id: str
    target: str = Field(description="what was shared, as people read it")
    sharer: str = Field(description="the first sharer's display name")
    started_at: datetime
    size: int = Field(description="links in the cascade")
    depth: int = Field(description="longest reshare chain from the first share (0: none)")
    max_breadth: int = Field(description="most links on one level")
    structural_virality: float = Field(
        description="mean reshare distance over all pairs of links (Goel et al. 2016)"
    )
    visitors: int = Field(description="distinct people who visited through its links")
    orders: int = Field(description="attributed paid orders, fully refunded ones left out")
    gmv: int = Field(description="fen: Σ total − refunded of those orders")
    new_customers: int = Field(description="orders that were the buyer's first at the store")


class CascadeListOut(Schema):
    period: PeriodOut
    cascades: list[CascadeOut]


class NodeOut(Schema):
    code: str
    parent_code: str | None = Field(description="the link it was reshared from (null: root)")
    level: int
    sharer: str
    created_at: datetime
    visitors: int
    orders: int
    gmv: int = Field(description="fen, net of refunds")
    new_customers: int


class KFactorOut(Schema):
    k: float = Field(description="invitations per sharer × conversion")
    sharers: int
    invitations: int = Field(description="distinct visitors through each sharer's links")
    converted: int = Field(description="invitees who bought through the links or reshared")
    invitations_per_sharer: float
    conversion: float = Field(description="a fraction, 0 to 1")
    cycle_time_hours: float | None = Field(
        description="median hours from a link's creation to its reshares' (null: none)"
    )


class CascadeTreeOut(CascadeOut):
    levels: list[int] = Field(description="links per level, the first share's level first")
    nodes: list[NodeOut] = Field(description="breadth first, the root first")
    k_factor: KFactorOut = Field(description="of this cascade")
    target_k_factor: KFactorOut = Field(description="of every cascade of the same page")


def _cascade_out(cascade: Cascade) -> dict[str, Any]:
    return {
        "code": cascade.code,
        "kind": cascade.root.kind,
        "target_id": cascade.root.target_id,
        "target": cascade.target,
        "sharer": cascade.root.sharer,
        "started_at": cascade.root.created_at,
        "size": cascade.metrics.size,
        "depth": cascade.metrics.depth,
        "max_breadth": cascade.metrics.max_breadth,
        "structural_virality": round(cascade.metrics.virality, 4),
        "visitors": cascade.visits,
        "orders": cascade.orders,
        "gmv": cascade.gmv,
        "new_customers": cascade.new_customers,
    }


def _k_out(k: KFactor) -> KFactorOut:
    return KFactorOut(
        k=round(k.k, 4),
        sharers=k.sharers,
        invitations=k.invitations,
        converted=k.converted,
        invitations_per_sharer=round(k.invitations_per_sharer, 4),
        conversion=round(k.conversion, 4),
        cycle_time_hours=None if k.cycle_hours is None else round(k.cycle_hours, 2),
    )


@router.get("/{store_id}/cascades", auth=AUTH, response=CascadeListOut)
def list_cascades(request: HttpRequest, store_id: str, when: Query[PeriodQuery]) -> CascadeListOut:
    """The store's biggest share cascades started in the period (by size), each with its
    shape, visitors, orders and GMV over its whole life. The owner and staff let see the
    insights only."""
    store = insights_store(request, store_id)
    period = when.parse()
    found = cascades_of(store, period)
    return CascadeListOut(
        period=period_out(period),
        cascades=[CascadeOut(**_cascade_out(c)) for c in found],
    )


@router.get("/{store_id}/cascades/{code}", auth=AUTH, response=CascadeTreeOut)
def get_cascade(
    request: HttpRequest, store_id: str, code: str, when: Query[PeriodQuery]
) -> CascadeTreeOut:
    """The whole cascade a link of the store belongs to, from its first share: every link
    with its figures, the breadth per level and the K-factor. The period is checked like
    everywhere else but the tree is always whole. Another store's link is 404."""
    store = insights_store(request, store_id)
    when.parse()
    cascade = cascade_of(store, code)
    return CascadeTreeOut(
        **_cascade_out(cascade),
        levels=list(cascade.metrics.levels),
        nodes=[
            NodeOut(
                code=n.code,
                parent_code=n.parent,
                level=n.level,
                sharer=n.sharer,
                created_at=n.created_at,
                visitors=n.visits,
                orders=n.orders,
                gmv=n.gmv,
                new_customers=n.new_customers,
            )
            for n in cascade.nodes
        ],
        k_factor=_k_out(cascade.k_factor()),
        target_k_factor=_k_out(target_k_factor(store, cascade.root.kind, cascade.root.target_id)),
    )
