"""The operators' thresholds (one `TrustSettings` row, pk 1).

A minimal version written beside the case queue so that its settings page and API have the
service they call; the pipeline's own version (the detectors read these thresholds) replaces it
when the branches meet, keeping `update(operator, TrustSettingsChange)`."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.trust.access import require_operator
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import TrustSettings

# field → (lowest, highest) it may be set to
LIMITS: dict[str, tuple[float, float]] = {
    "review_flag": (0, 100),
    "account_flag": (0, 100),
    "hold": (0, 100),
    "alert_window_minutes": (1, 24 * 60),
    "alert_min_complaints": (1, 1000),
    "alert_ratio": (1.0, 100.0),
    "alert_baseline_days": (1, 365),
}


@dataclass(frozen=True)
class TrustSettingsChange:
    """A change of the thresholds; a field left None stays as it is."""

    review_flag: int | str | None = None
    account_flag: int | str | None = None
    hold: int | str | None = None
    alert_window_minutes: int | str | None = None
    alert_min_complaints: int | str | None = None
    alert_ratio: float | str | None = None
    alert_baseline_days: int | str | None = None


def current() -> TrustSettings:
    """The thresholds in force (the defaults, unsaved, until an operator changes them)."""
    return TrustSettings.objects.filter(pk=1).first() or TrustSettings(pk=1)


def _clean(name: str, value: Any) -> int | float:
    low, high = LIMITS[name]
    number: int | float
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value) if name == "alert_ratio" else int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("Enter a number."), code=TrustCode.INVALID_THRESHOLD, field=name
        ) from None
    if not low <= number <= high:
        raise InvalidInput(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            code=TrustCode.INVALID_THRESHOLD,
            field=name,
        )
    return number


def update(operator: object, change: TrustSettingsChange) -> TrustSettings:
    """Change the thresholds (operators only; anyone else 404); fields left None stay."""
    user = require_operator(operator)
    cleaned = {
        f.name: _clean(f.name, getattr(change, f.name))
        for f in fields(change)
        if getattr(change, f.name) is not None
    }
    with transaction.atomic():
        row, _created = TrustSettings.objects.get_or_create(pk=1)
        for name, value in cleaned.items():
            setattr(row, name, value)
        row.updated_by = user
        row.save()
    return row
