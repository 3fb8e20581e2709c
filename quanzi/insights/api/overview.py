"""/api/v1/insights/{store}/overview, /funnel, /sources and /people: the figures of the first
three tabs, money in fen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH
from quanzi.core.schemas import Schema
from quanzi.insights import figures
from quanzi.insights.api.common import PeriodOut, PeriodQuery, insights_store, period_out
from quanzi.insights.dividend import Dividend, campaign_dividends, product_dividends
from quanzi.insights.engine import engine

router = Router()


class TotalsOut(Schema):
    sales: int = Field(description="fen: paid orders less refunds")
    orders: int
    buyers: int
    average_order: int = Field(description="fen")
    visitors: int


class DayOut(Schema):
    day: date
    sales: int = Field(description="fen")
    orders: int
    buyers: int
    visitors: int


class OverviewOut(Schema):
    period: PeriodOut
    totals: TotalsOut
    previous: TotalsOut
    days: list[DayOut]
    previous_days: list[DayOut]


def _totals(t: figures.Totals) -> TotalsOut:
    return TotalsOut(
        sales=t.sales,
        orders=t.orders,
        buyers=t.buyers,
        average_order=t.average_order,
        visitors=t.visitors,
    )


@router.get("/{store_id}/overview", auth=AUTH, response=OverviewOut)
def overview(request: HttpRequest, store_id: str, q: Query[PeriodQuery]) -> OverviewOut:
    """Sales, orders, buyers, average order and visitors of the period and the one before,
    with the day-by-day trend of both."""
    store = insights_store(request, store_id)
    period = q.parse()
    before = period.previous()
    return OverviewOut(
        period=period_out(period),
        totals=_totals(engine().totals(store, period)),
        previous=_totals(engine().totals(store, before)),
        days=[DayOut(**row) for row in engine().daily(store, period)],
        previous_days=[DayOut(**row) for row in engine().daily(store, before)],
    )


class FunnelRow(Schema):
    source: str = Field(description="share, chat, note, feed, search, campaign or direct")
    visit: int
    cart: int
    checkout: int
    paid: int
    conversion: float | None = Field(description="paid / visit, 0..1; null with no visits")


class FunnelOut(Schema):
    period: PeriodOut
    sources: list[FunnelRow]


@router.get("/{store_id}/funnel", auth=AUTH, response=FunnelOut)
def funnel(request: HttpRequest, store_id: str, q: Query[PeriodQuery]) -> FunnelOut:
    """People who visited, added to the cart, checked out and paid, per source."""
    store = insights_store(request, store_id)
    period = q.parse()
    rows = [
        FunnelRow(
            source=r["key"],
            visit=r["visit"],
            cart=r["cart"],
            checkout=r["checkout"],
            paid=r["paid"],
            conversion=r["conversion"],
        )
        for r in engine().funnel(store, period)
    ]
    return FunnelOut(period=period_out(period), sources=rows)


class SourceRow(Schema):
    source: str
    last_touch_gmv: int = Field(description="fen")
    last_touch_orders: int
    last_touch_new_customers: int
    first_touch_gmv: int = Field(description="fen")
    first_touch_orders: int
    first_touch_new_customers: int


class SourcesOut(Schema):
    period: PeriodOut
    sales: int = Field(description="fen; each touch column sums to it")
    sources: list[SourceRow]


@router.get("/{store_id}/sources", auth=AUTH, response=SourcesOut)
def sources(request: HttpRequest, store_id: str, q: Query[PeriodQuery]) -> SourcesOut:
    """GMV, orders and new customers by source, last touch and first touch side by side."""
    store = insights_store(request, store_id)
    period = q.parse()
    rows = [
        SourceRow(
            source=r["key"],
            last_touch_gmv=r["last_gmv"],
            last_touch_orders=r["last_orders"],
            last_touch_new_customers=r["last_new"],
            first_touch_gmv=r["first_gmv"],
            first_touch_orders=r["first_orders"],
            first_touch_new_customers=r["first_new"],
        )
        for r in engine().by_source(store, period)
    ]
    return SourcesOut(
        period=period_out(period), sales=engine().totals(store, period).sales, sources=rows
    )


class SharerRow(Schema):
    name: str
    gmv: int = Field(description="fen brought, less refunds")
    orders: int
    new_customers: int | None = None
    commission: int | None = Field(default=None, description="fen kept (not reversed)")


class PeopleOut(Schema):
    period: PeriodOut
    sharers: list[SharerRow]
    promoters: list[SharerRow]
    note_authors: list[SharerRow]


def _people(rows: list[dict[str, Any]]) -> list[SharerRow]:
    return [
        SharerRow(
            name=str(r["name"]),
            gmv=int(r["gmv"]),
            orders=int(r["orders"]),
            new_customers=r.get("new"),
            commission=r.get("commission"),
        )
        for r in rows
    ]


@router.get("/{store_id}/people", auth=AUTH, response=PeopleOut)
def people(request: HttpRequest, store_id: str, q: Query[PeriodQuery]) -> PeopleOut:
    """Who brought the period's buyers: sharers, promoters and note authors."""
    store = insights_store(request, store_id)
    period = q.parse()
    return PeopleOut(
        period=period_out(period),
        sharers=_people(engine().top_sharers(store, period)),
        promoters=_people(engine().top_promoters(store, period)),
        note_authors=_people(engine().top_note_authors(store, period)),
    )


class DividendRow(Schema):
    kind: str = Field(description="product, groupbuy or bargain")
    id: str
    title: str
    reach: int = Field(description="people reached through relationships")
    virality: float = Field(description="structural virality of its share cascades")
    interactions: int
    score: float = Field(description="log2(1 + reach) × (1 + virality) × log2(1 + interactions)")
    gmv: int = Field(description="fen, less refunds")
    k_factor: float | None = Field(
        default=None, description="campaigns: invitations per sharer × conversion"
    )
    cycle_hours: float | None = Field(
        default=None, description="campaigns: median hours from a share to its reshares"
    )


class DividendOut(Schema):
    period: PeriodOut
    products: list[DividendRow]
    campaigns: list[DividendRow]


def _dividends(found: list[Dividend]) -> list[DividendRow]:
    return [
        DividendRow(
            kind=d.kind,
            id=d.id,
            title=d.title,
            reach=d.score.reach,
            virality=round(d.score.virality, 4),
            interactions=d.score.interactions,
            score=d.score.value,
            gmv=d.gmv,
            k_factor=round(d.k.k, 4) if d.k else None,
            cycle_hours=round(d.k.cycle_hours, 2) if d.k and d.k.cycle_hours is not None else None,
        )
        for d in found
    ]


@router.get("/{store_id}/dividend", auth=AUTH, response=DividendOut)
def dividend(request: HttpRequest, store_id: str, q: Query[PeriodQuery]) -> DividendOut:
    """The social dividend of each product and campaign, beside the GMV it earned."""
    store = insights_store(request, store_id)
    period = q.parse()
    return DividendOut(
        period=period_out(period),
        products=_dividends(product_dividends(store, period)),
        campaigns=_dividends(campaign_dividends(store, period)),
    )
