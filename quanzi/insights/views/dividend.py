"""The social-dividend tab: each product's and campaign's score beside the GMV it earned."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from quanzi.insights.dividend import Dividend, campaign_dividends, product_dividends
from quanzi.insights.periods import Period
from quanzi.insights.score import HELP
from quanzi.insights.tables import Column, Table
from quanzi.insights.views.page import insights_page
from quanzi.stores.models import Store

KINDS = {"product": _("Product"), "groupbuy": _("Group buy"), "bargain": _("Bargain")}


def dividend_rows(found: list[Dividend]) -> list[dict[str, Any]]:
    return [
        {
            "title": d.title,
            "kind": KINDS.get(d.kind, d.kind),
            "reach": d.score.reach,
            "virality": d.score.virality,
            "interactions": d.score.interactions,
            "score": d.score.value,
            "gmv": d.gmv,
            "k": d.k.k if d.k else None,
            "cycle": d.k.cycle_hours if d.k else None,
        }
        for d in found
    ]


def _columns(first: Any) -> list[Column]:
    return [
        Column("title", first, "text"),
        Column("reach", _("Reached through relationships")),
        Column("virality", _("Structural virality"), "ratio"),
        Column("interactions", _("Interactions")),
        Column("score", _("Social dividend"), "ratio"),
        Column("gmv", _("GMV"), "fen"),
    ]


def dividend_tables(store: Store, period: Period) -> list[Table]:
    campaigns = _columns(_("Campaign"))
    campaigns.insert(1, Column("kind", _("Kind"), "text"))
    campaigns += [
        Column("k", _("K-factor"), "ratio"),
        Column("cycle", _("Cycle time (hours)"), "ratio"),
    ]
    return [
        Table(
            id="dividend-products",
            title=_("Social dividend by product"),
            columns=_columns(_("Product")),
            rows=dividend_rows(product_dividends(store, period)),
            chart="bar",
            x="title",
            series=["score"],
            help=HELP,
        ),
        Table(
            id="dividend-campaigns",
            title=_("Social dividend by campaign"),
            columns=campaigns,
            rows=dividend_rows(campaign_dividends(store, period)),
            chart="bar",
            x="title",
            series=["score"],
            help=_(
                "Reach: people who opened its groups' or bargains' share links; interactions: "
                "the seats others took in its groups, or the helps its bargains got. K-factor: "
                "invitations per sharer × the share of invitees who bought or reshared."
            ),
        ),
    ]


def _dividend(store: Store, period: Period) -> dict[str, Any]:
    return {"tables": dividend_tables(store, period)}


@login_required
def dividend(request: HttpRequest, store_id: str) -> HttpResponse:
    return insights_page(
        request, store_id, tab="dividend", template="insights/tables.html", build=_dividend
    )
