"""What every insights page shares: who may see it, the period it asks about, the tabs, and
the export of any of its tables (`?export=<table id>&format=csv|xlsx`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quanzi.accounts.auth import signed_in_user
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.insights.periods import Period, parse_period
from quanzi.insights.tables import EXPORTS, Table, export
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

Build = Callable[[Store, Period], dict[str, Any]]

# The tabs of the insights, in order: (key, URL name in the "insights" namespace, label).
TABS: list[tuple[str, str, Any]] = [
    ("overview", "insights:overview", gettext_lazy("Overview")),
    ("sources", "insights:sources", gettext_lazy("Where buyers came from")),
    ("people", "insights:people", gettext_lazy("Who brought them")),
    ("dividend", "insights:dividend", gettext_lazy("Social dividend")),
    ("cascades", "insights:cascades", gettext_lazy("How far it travelled")),
    ("circles", "insights:circles", gettext_lazy("Circle health")),
    ("campaigns", "insights:campaigns", gettext_lazy("Campaign results")),
]


def tabs_of(store: Store) -> list[dict[str, Any]]:
    """The tabs whose page is mounted (a tab lands with its page)."""
    shown = []
    for key, name, label in TABS:
        try:
            url = reverse(name, args=[store.pk])
        except NoReverseMatch:
            continue
        shown.append({"key": key, "url": url, "label": label})
    return shown


def insights_store(request: HttpRequest, store_id: str) -> Store:
    """The store, when the signed-in person is its owner or staff let see the insights."""
    return access_store(signed_in_user(request), store_id, need="insights")


def tables_in(context: dict[str, Any]) -> list[Table]:
    found: list[Table] = list(context.get("tables", []))
    for value in context.values():
        if isinstance(value, Table):
            found.append(value)
    return found


def insights_page(
    request: HttpRequest, store_id: str, *, tab: str, template: str, build: Build
) -> HttpResponse:
    store = insights_store(request, store_id)
    period = parse_period(request.GET)
    context = build(store, period)
    wanted = request.GET.get("export")
    if wanted:
        fmt = request.GET.get("format", "csv")
        if fmt not in EXPORTS:
            raise InvalidInput(_("Export as csv or xlsx."), field="format")
        table = next((t for t in tables_in(context) if t.id == wanted), None)
        if table is None:
            raise NotFound(_("No such table on this page."))
        return export(table, fmt, f"{store.pk}-{table.id}-{period.start}-{period.end}")
    context.update(
        {
            "store": store,
            "console_tab": "insights",
            "insights_tab": tab,
            "insights_tabs": tabs_of(store),
            "period": period,
            "previous": period.previous(),
            "period_choices": [
                ("today", _("Today")),
                ("7d", _("7 days")),
                ("30d", _("30 days")),
            ],
        }
    )
    return render(request, template, context)
