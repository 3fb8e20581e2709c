"""The seam where the insights' questions meet the database that answers them.

Pages and the API never query on their own: they ask `engine()`, which is the module named by
`settings.INSIGHTS_FIGURES` (default `quanzi.insights.figures`, on the project's PostgreSQL or
SQLite). A columnar engine (ClickHouse, say) answers the same `Figures` protocol from its own
tables, fed by the same events and order changes; switching is one setting (docs/insights.md,
"When one PostgreSQL is outgrown").
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, Protocol, cast

from django.conf import settings

from quanzi.insights.periods import Period
from quanzi.stores.models import Store


class Figures(Protocol):
    """What every engine answers, for one store and period; money in fen, net of refunds."""

    def totals(self, store: Store, period: Period) -> Any: ...

    def daily(self, store: Store, period: Period) -> list[dict[str, Any]]: ...

    def funnel(self, store: Store, period: Period) -> list[dict[str, Any]]: ...

    def by_source(self, store: Store, period: Period) -> list[dict[str, Any]]: ...

    def top_sharers(
        self, store: Store, period: Period, limit: int = 20
    ) -> list[dict[str, Any]]: ...

    def top_promoters(
        self, store: Store, period: Period, limit: int = 20
    ) -> list[dict[str, Any]]: ...

    def top_note_authors(
        self, store: Store, period: Period, limit: int = 20
    ) -> list[dict[str, Any]]: ...


@cache
def _load(name: str) -> Figures:
    return cast(Figures, importlib.import_module(name))


def engine() -> Figures:
    return _load(getattr(settings, "INSIGHTS_FIGURES", "quanzi.insights.figures"))
