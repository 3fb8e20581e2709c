"""The needs pages' periods: `?period=7d|30d|90d|custom` (30 days when none is asked); the
period itself and the custom dates are `quanzi.core.periods`, shared with the insights."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from quanzi.core.periods import Period
from quanzi.core.periods import parse_period as parse

__all__ = ["PERIODS", "Period", "parse_period"]

LENGTHS = {"7d": 7, "30d": 30, "90d": 90}
PERIODS = (*LENGTHS, "custom")


def parse_period(params: Mapping[str, str], today: date | None = None) -> Period:
    """The period in a query string (30 days when none is asked); a clear 400 for a bad one."""
    choose = _("Choose 7, 30 or 90 days or custom dates.")
    return parse(params, lengths=LENGTHS, default="30d", choose=choose, today=today)
