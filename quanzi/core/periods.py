"""The period a page or an API call asks about, and the one before it to compare with.

`?period=<key>|custom` (custom with `start` and `end`, ISO dates, both included), where each
domain names its own keys and their lengths in days (the insights: today, 7d, 30d; needs: 7d,
30d, 90d); the days are the site's local days, the same days the tracking rollups count in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.core.errors import InvalidInput

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    key: str  # one of the domain's keys, or custom
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterator[date]:
        for i in range(self.days):
            yield self.start + timedelta(days=i)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(self.key, end - timedelta(days=self.days - 1), end)

    @property
    def since(self) -> datetime:
        """The first moment of the period (aware, local midnight)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def query(self) -> str:
        """The query string that asks for this period again."""
        if self.key == "custom":
            return f"period=custom&start={self.start.isoformat()}&end={self.end.isoformat()}"
        return f"period={self.key}"


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("Enter a date like 2026-12-01."), field=field) from None


def parse_period(
    params: Mapping[str, str],
    *,
    lengths: Mapping[str, int],
    default: str,
    choose: str,
    today: date | None = None,
) -> Period:
    """The period in a query string (`default` when none is asked): a key of `lengths` is that
    many days up to today; "custom" takes `start` and `end`. A clear 400 (`choose`, the domain's
    own words for its choices) for anything else."""
    today = today or timezone.localdate()
    key = params.get("period") or default
    if key in lengths:
        return Period(key, today - timedelta(days=lengths[key] - 1), today)
    if key != "custom":
        raise InvalidInput(choose, field="period")
    start = _day(params.get("start", ""), "start")
    end = _day(params.get("end", ""), "end")
    if end < start:
        raise InvalidInput(_("The end date comes before the start date."), field="end")
    if end > today:
        raise InvalidInput(_("The end date is in the future."), field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(_("A period is at most %(n)d days.") % {"n": MAX_DAYS}, field="start")
    return Period(key, start, end)
