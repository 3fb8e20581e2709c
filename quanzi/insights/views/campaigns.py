"""The campaign-results tab: /insights/console/<store>/campaigns/ (definitions in
quanzi/insights/campaigns.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.insights import score
from quanzi.insights.campaigns import CampaignResults, campaign_results
from quanzi.insights.periods import Period
from quanzi.insights.tables import Column, Table
from quanzi.insights.views.page import insights_page
from quanzi.stores.models import Store


def _when(at: Any) -> str:
    return timezone.localtime(at).strftime("%m-%d %H:%M")


def tables_of(results: CampaignResults) -> list[Table]:
    return [
        Table(
            id="group-buys",
            title=_("Group buys"),
            columns=[
                Column("name", _("Campaign"), "text"),
                Column("ended", _("Groups ended")),
                Column("filled", _("Groups filled")),
                Column("rate", _("Fill rate"), "pct"),
                Column("hours", _("Median hours to fill"), "ratio"),
            ],
            rows=[
                {
                    "name": r.name,
                    "ended": r.ended,
                    "filled": r.filled,
                    "rate": r.fill_rate,
                    "hours": r.median_hours_to_fill,
                }
                for r in results.group_buys
            ],
            x="name",
            series=("rate",),
            help=_("Groups that closed in the period; fill rate = filled ÷ ended."),
        ),
        Table(
            id="bargains",
            title=_("Bargains"),
            columns=[
                Column("name", _("Campaign"), "text"),
                Column("ended", _("Bargains ended")),
                Column("bought", _("Bought")),
                Column("rate", _("Completion rate"), "pct"),
            ],
            rows=[
                {"name": r.name, "ended": r.ended, "bought": r.bought, "rate": r.completion_rate}
                for r in results.bargains
            ],
            x="name",
            series=("rate",),
            help=_(
                "Bargains bought or run out of time in the period; completion = bought ÷ ended."
            ),
        ),
        Table(
            id="flash-sales",
            title=_("Flash sales"),
            columns=[
                Column("name", _("Slot"), "text"),
                Column("starts", _("Starts"), "text"),
                Column("offered", _("Stock offered")),
                Column("sold", _("Sold")),
                Column("rate", _("Sell-through"), "pct"),
                Column("hours", _("Hours to sell out"), "ratio"),
            ],
            rows=[
                {
                    "name": r.name,
                    "starts": _when(r.starts_at),
                    "offered": r.offered,
                    "sold": r.sold,
                    "rate": r.sell_through,
                    "hours": r.hours_to_sell_out,
                }
                for r in results.flash_sales
            ],
            x="name",
            series=("rate",),
            help=_("Sell-through = units sold ÷ stock offered; cancelled orders give theirs back."),
        ),
        Table(
            id="red-packets",
            title=_("Red packets"),
            columns=[
                Column("name", _("Red packet"), "text"),
                Column("published", _("Sent"), "text"),
                Column("shares", _("Shares")),
                Column("grabbed", _("Grabbed")),
                Column("rate", _("Grab rate"), "pct"),
                Column("total", _("Amount"), "fen"),
                Column("grabbed_amount", _("Amount grabbed"), "fen"),
                Column("orders", _("Orders within 24 h")),
                Column("gmv", _("GMV within 24 h"), "fen"),
            ],
            rows=[
                {
                    "name": r.name,
                    "published": _when(r.published_at),
                    "shares": r.shares,
                    "grabbed": r.grabbed,
                    "rate": r.grab_rate,
                    "total": r.total,
                    "grabbed_amount": r.grabbed_amount,
                    "orders": r.orders,
                    "gmv": r.gmv,
                }
                for r in results.red_packets
            ],
            x="name",
            series=("rate",),
            help=_(
                "The store's red packets sent in the period; orders: paid orders at the store a "
                "grabber placed within 24 hours after grabbing, refunds taken out."
            ),
        ),
        Table(
            id="coupons",
            title=_("Coupons"),
            columns=[
                Column("name", _("Coupon"), "text"),
                Column("handed_out", _("Handed out")),
                Column("used", _("Used")),
                Column("rate", _("Redemption"), "pct"),
            ],
            rows=[
                {"name": r.name, "handed_out": r.handed_out, "used": r.used, "rate": r.redemption}
                for r in results.coupons
            ],
            x="name",
            series=("rate",),
            help=_("Copies handed out in the period; redemption = used ÷ handed out."),
        ),
    ]


def build(store: Store, period: Period) -> dict[str, Any]:
    results = campaign_results(store, period)
    return {"results": results, "tables": tables_of(results), "score_help": score.HELP}


@login_required
def campaigns_page(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="campaigns", template="insights/campaigns.html", build=build
    )
