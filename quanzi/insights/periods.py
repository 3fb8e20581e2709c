"""The insights' periods: `?period=today|7d|30d|custom` (7 days when none is asked); the
period itself and the custom dates are `quanzi.core.periods`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from quanzi.core.periods import Period
from quanzi.core.periods import parse_period as parse

__all__ = ["PERIODS", "Period", "parse_period"]

LENGTHS = {"today": 1, "7d": 7, "30d": 30}
PERIODS = (*LENGTHS, "custom")


def parse_period(params: Mapping[str, str], today: date | None = None) -> Period:
    """The period in a query string (7 days when none is asked); a clear 400 for a bad one."""
    choose = _("Choose today, 7 days, 30 days or custom dates.")
    return parse(params, lengths=LENGTHS, default="7d", choose=choose, today=today)
