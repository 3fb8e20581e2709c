"""What every insights endpoint shares: the caller must see the store's insights, and the
period is asked as the pages ask it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field

from quanzi.accounts.auth import current_user
from quanzi.core.schemas import Schema
from quanzi.insights.periods import Period, parse_period
from quanzi.stores.models import Store
from quanzi.stores.services import access_store


class PeriodQuery(Schema):
    period: Literal["today", "7d", "30d", "custom"] = Field(
        default="7d", description="today, the last 7 or 30 days, or custom start..end"
    )
    start: date | None = Field(default=None, description="custom: the first day (included)")
    end: date | None = Field(default=None, description="custom: the last day (included)")

    def parse(self) -> Period:
        return parse_period(
            {
                "period": self.period,
                "start": self.start.isoformat() if self.start else "",
                "end": self.end.isoformat() if self.end else "",
            }
        )


class PeriodOut(Schema):
    key: str = Field(description="today, 7d, 30d or custom")
    start: date
    end: date
    previous_start: date
    previous_end: date


def period_out(period: Period) -> PeriodOut:
    before = period.previous()
    return PeriodOut(
        key=period.key,
        start=period.start,
        end=period.end,
        previous_start=before.start,
        previous_end=before.end,
    )


def insights_store(request: HttpRequest, store_id: str) -> Store:
    return access_store(current_user(request), store_id, need="insights")
