"""The insights' first three tabs: the overview (trends and the funnel), where buyers came
from (by source, last and first touch) and who brought them (sharers, promoters, authors)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from quanzi.insights import figures
from quanzi.insights.periods import Period
from quanzi.insights.tables import Column, Table
from quanzi.insights.views.page import insights_page
from quanzi.stores.models import Store

DAY = Column("day", _("Day"), "date")


def trend_tables(store: Store, period: Period) -> list[Table]:
    now = figures.daily(store, period)
    before = figures.daily(store, period.previous())
    return [
        Table(
            id="sales",
            title=_("Sales by day"),
            columns=[DAY, Column("sales", _("Sales"), "fen"), Column("orders", _("Orders"))],
            rows=now,
            compare=before,
            chart="line",
            x="day",
            series=["sales"],
            help=_(
                "Paid orders less refunds, on the day they were paid; dashed: the period before."
            ),
        ),
        Table(
            id="traffic",
            title=_("Orders, buyers and visitors by day"),
            columns=[
                DAY,
                Column("orders", _("Orders")),
                Column("buyers", _("Buyers")),
                Column("visitors", _("Visitors")),
            ],
            rows=now,
            chart="line",
            x="day",
            series=["visitors", "buyers", "orders"],
        ),
    ]


def funnel_table(store: Store, period: Period) -> Table:
    return Table(
        id="funnel",
        title=_("Funnel by source"),
        columns=[
            Column("source", _("Source"), "text"),
            Column("visit", _("Visited")),
            Column("cart", _("Added to cart")),
            Column("checkout", _("Checked out")),
            Column("paid", _("Paid")),
            Column("conversion", _("Visit → paid"), "pct"),
        ],
        rows=figures.funnel(store, period),
        chart="bar",
        x="source",
        series=["visit", "cart", "checkout", "paid"],
        help=_(
            "People, each counted once per source: a visitor's source is where their first "
            "visit of the day came from."
        ),
    )


def _overview(store: Store, period: Period) -> dict[str, Any]:
    now = figures.totals(store, period)
    before = figures.totals(store, period.previous())
    return {
        "kpis": figures.kpis(now, before),
        "tables": [*trend_tables(store, period), funnel_table(store, period)],
    }


def sources_tables(store: Store, period: Period) -> list[Table]:
    rows = figures.by_source(store, period)
    columns = [
        Column("source", _("Source"), "text"),
        Column("last_gmv", _("GMV (last touch)"), "fen"),
        Column("last_orders", _("Orders (last touch)")),
        Column("last_new", _("New customers (last touch)")),
        Column("first_gmv", _("GMV (first touch)"), "fen"),
        Column("first_orders", _("Orders (first touch)")),
        Column("first_new", _("New customers (first touch)")),
    ]
    return [
        Table(
            id="sources",
            title=_("GMV by source, last touch and first touch"),
            columns=columns,
            rows=rows,
            chart="bar",
            x="source",
            series=["last_gmv", "first_gmv"],
            help=_(
                "Each paid order counts once under each rule: the last touch is the last visit "
                "with a source before paying (a share link the order was attributed to wins), "
                "the first touch the first one in the 30 days before. Both columns add up to "
                "the period's sales."
            ),
        ),
        Table(
            id="sources-share",
            title=_("Share of GMV by source (last touch)"),
            columns=columns[:2],
            rows=rows,
            chart="doughnut",
            x="source",
            series=["last_gmv"],
        ),
    ]


def _sources(store: Store, period: Period) -> dict[str, Any]:
    tables = sources_tables(store, period)
    totals = figures.totals(store, period)
    return {"tables": tables, "sales": totals.sales, "orders": totals.orders}


PERSON = Column("name", _("Person"), "text")
GMV = Column("gmv", _("GMV brought"), "fen")
ORDERS = Column("orders", _("Orders"))
NEW = Column("new", _("New customers"))


def people_tables(store: Store, period: Period) -> list[Table]:
    return [
        Table(
            id="sharers",
            title=_("Top sharers"),
            columns=[PERSON, GMV, ORDERS, NEW, Column("commission", _("Commission kept"), "fen")],
            rows=figures.top_sharers(store, period),
            chart="bar",
            x="name",
            series=["gmv"],
            help=_("Orders attributed to their share links (last touch), less refunds."),
        ),
        Table(
            id="promoters",
            title=_("Top promoters"),
            columns=[PERSON, GMV, ORDERS, Column("commission", _("Commission kept"), "fen")],
            rows=figures.top_promoters(store, period),
            chart="bar",
            x="name",
            series=["commission"],
        ),
        Table(
            id="authors",
            title=_("Top note authors"),
            columns=[PERSON, GMV, ORDERS, NEW],
            rows=figures.top_note_authors(store, period),
            chart="bar",
            x="name",
            series=["gmv"],
            help=_("Orders whose last touch was a note of theirs."),
        ),
    ]


def _people(store: Store, period: Period) -> dict[str, Any]:
    return {"tables": people_tables(store, period)}


@login_required
def overview(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="overview", template="insights/overview.html", build=_overview
    )


@login_required
def sources(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="sources", template="insights/tables.html", build=_sources
    )


@login_required
def people(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="people", template="insights/tables.html", build=_people
    )
