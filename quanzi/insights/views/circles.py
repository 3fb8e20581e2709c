"""The circle-health tab: /insights/console/<store>/circles/ (definitions in
quanzi/insights/circles.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from quanzi.insights import score
from quanzi.insights.circles import CircleHealth, circle_health
from quanzi.insights.periods import Period
from quanzi.insights.tables import Column, Table
from quanzi.insights.views.page import insights_page
from quanzi.stores.models import Store

TREND_CIRCLES = 5  # the members-per-day chart draws the biggest circles


def summary_table(health: list[CircleHealth]) -> Table:
    return Table(
        id="circles",
        title=_("Circles"),
        columns=[
            Column("name", _("Circle"), "text"),
            Column("members", _("Members")),
            Column("joins", _("Joined")),
            Column("leaves", _("Left")),
            Column("dau", _("Daily active")),
            Column("wau", _("Weekly active")),
            Column("mau", _("Monthly active")),
            Column("messages", _("Messages")),
            Column("per_active", _("Messages per active member"), "ratio"),
            Column("lurkers", _("Share of lurkers"), "pct"),
            Column("commercial", _("Commercial share"), "pct"),
            Column("orders", _("Members' paid orders")),
            Column("gmv", _("Members' GMV"), "fen"),
            Column("score", _("Social dividend"), "ratio"),
        ],
        rows=[
            {
                "name": h.name,
                "members": h.members,
                "joins": h.joins,
                "leaves": h.leaves,
                "dau": h.dau,
                "wau": h.wau,
                "mau": h.mau,
                "messages": h.messages,
                "per_active": h.messages_per_active,
                "lurkers": h.lurker_share,
                "commercial": h.commercial_share,
                "orders": h.orders,
                "gmv": h.gmv,
                "score": h.score.value,
            }
            for h in health
        ],
        chart="bar",
        x="name",
        series=("members", "mau", "wau", "dau"),
        help=_(
            "Active: members who sent at least one message on the period's last day, in its "
            "last 7 days or in its last 28 days. Lurkers: members who joined before those 28 "
            "days and sent nothing in them, out of all such members. Orders and GMV: paid "
            "orders of the circle's members at the store in the period, refunds taken out."
        ),
    )


def trend_table(health: list[CircleHealth]) -> Table:
    shown = health[:TREND_CIRCLES]
    columns = [Column("day", _("Day"), "date")] + [
        Column(f"c{i}", h.name, "int") for i, h in enumerate(shown)
    ]
    days = [day for day, _count in shown[0].members_by_day] if shown else []
    rows = [
        {"day": day, **{f"c{i}": h.members_by_day[d][1] for i, h in enumerate(shown)}}
        for d, day in enumerate(days)
    ]
    return Table(
        id="members",
        title=_("Members at the end of each day"),
        columns=columns,
        rows=rows,
        chart="line",
        x="day",
        series=[c.key for c in columns[1:]],
        help=_(
            "Counted back from today's members with the joins and leaves of each day; the "
            "store's staff are left out of the joins and leaves."
        ),
    )


def activity_table(health: list[CircleHealth]) -> Table:
    return Table(
        id="circle-activity",
        title=_("Lurkers and commercial messages"),
        columns=[
            Column("name", _("Circle"), "text"),
            Column("lurkers", _("Share of lurkers"), "pct"),
            Column("commercial", _("Commercial share"), "pct"),
        ],
        rows=[
            {"name": h.name, "lurkers": h.lurker_share, "commercial": h.commercial_share}
            for h in health
        ],
        chart="bar",
        x="name",
        series=("lurkers", "commercial"),
    )


def score_table(health: list[CircleHealth]) -> Table:
    return Table(
        id="circle-score",
        title=_("Social dividend"),
        columns=[
            Column("name", _("Circle"), "text"),
            Column("reach", _("People who talked")),
            Column("messages", _("Messages")),
            Column("score", _("Social dividend"), "ratio"),
            Column("gmv", _("Members' GMV"), "fen"),
        ],
        rows=[
            {
                "name": h.name,
                "reach": h.score.reach,
                "messages": h.score.interactions,
                "score": h.score.value,
                "gmv": h.gmv,
            }
            for h in health
        ],
        chart="bar",
        x="name",
        series=("score",),
        help=str(score.HELP),
    )


def build(store: Store, period: Period) -> dict[str, Any]:
    health = circle_health(store, period)
    return {
        "health": health,
        "tables": [
            summary_table(health),
            trend_table(health),
            activity_table(health),
            score_table(health),
        ],
        "score_help": score.HELP,
    }


@login_required
def circles_page(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="circles", template="insights/circles.html", build=build
    )
