"""Checks of typed-in values shared by several domains' services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput


def whole_number(value: Any, low: int, high: int, *, field: str) -> int:
    """`value` (an int or the text of one, as forms and JSON send it) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a whole number."), field=field)
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidInput(_("Enter a whole number."), field=field) from exc
    if not low <= number <= high:
        raise InvalidInput(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field=field,
        )
    return number


def exact_whole_number(value: Any, low: int, high: int, *, field: str) -> int:
    """`value` as JSON sends a number: an int (not a bool, not text) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(field)s must be a whole number from %(low)s to %(high)s.")
            % {"field": field, "low": low, "high": high},
            field=field,
        )
    return value
