"""The operator's thresholds (`TrustSettings`, one row): read by the analysis and the alerts,
changed by platform operators only.

- `review_flag`, `account_flag`, `hold`: scores from 0 to 100; a ring's reviews are held from
  `hold`, which is never below `review_flag` (a ring is flagged before it is held);
- `alert_window_minutes` (1 minute to a week), `alert_min_complaints` (at least 1),
  `alert_ratio` (at least 1: "as usual" never alerts), `alert_baseline_days` (1 to 365)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.core.validation import whole_number
from quanzi.trust.access import require_operator
from quanzi.trust.detect.records import Thresholds
from quanzi.trust.errors import TrustCode
from quanzi.trust.locks import lock_settings
from quanzi.trust.models import TrustSettings

SCORES = ("review_flag", "account_flag", "hold")
# field → (lowest, highest) of the whole-number settings
RANGES: dict[str, tuple[int, int]] = {
    **dict.fromkeys(SCORES, (0, 100)),
    "alert_window_minutes": (1, 7 * 24 * 60),
    "alert_min_complaints": (1, 10_000),
    "alert_baseline_days": (1, 365),
}
MAX_RATIO = 100.0


@dataclass(frozen=True)
class TrustSettingsChange:
    """What an operator changes; None leaves a setting as it is. Numbers may come as the text
    of a form field: every value is checked here."""

    review_flag: int | str | None = None
    account_flag: int | str | None = None
    hold: int | str | None = None
    alert_window_minutes: int | str | None = None
    alert_min_complaints: int | str | None = None
    alert_ratio: float | int | str | None = None
    alert_baseline_days: int | str | None = None


# What an operator may change, in the order forms show them.
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TrustSettingsChange))


def current() -> TrustSettings:
    """The settings, created with the defaults on first read."""
    found, _created = TrustSettings.objects.get_or_create(pk=1)
    return found


def thresholds(of: TrustSettings | None = None) -> Thresholds:
    """What the detectors are told (`detect.records.Thresholds`)."""
    row = of or current()
    return Thresholds(review_flag=row.review_flag, account_flag=row.account_flag, hold=row.hold)


def update(operator: object, change: TrustSettingsChange) -> TrustSettings:
    """Apply an operator's change (404 to anyone else) and answer the settings as they are now.
    A refused value changes nothing (400 `invalid_threshold`, naming the field)."""
    user = require_operator(operator)
    with transaction.atomic():
        row = lock_settings()
        values = checked(row, change)
        if values:
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_by = user
            row.save(update_fields=[*values, "updated_by", "updated_at"])
    return row


def checked(row: TrustSettings, change: TrustSettingsChange) -> dict[str, Any]:
    """The change's values, each checked, and together with what is kept; the admin's form
    checks with this too."""
    values: dict[str, Any] = {}
    for field in fields(change):
        given = getattr(change, field.name)
        if given is None:
            continue
        if field.name == "alert_ratio":
            values[field.name] = _ratio(given)
        else:
            low, high = RANGES[field.name]
            values[field.name] = _whole(given, low, high, field.name)
    review_flag = values.get("review_flag", row.review_flag)
    hold = values.get("hold", row.hold)
    if hold < review_flag:
        raise InvalidInput(
            _("Holding starts at a score no lower than flagging (%(flag)d).")
            % {"flag": review_flag},
            code=TrustCode.INVALID_THRESHOLD,
            field="hold" if "hold" in values else "review_flag",
        )
    return {k: v for k, v in values.items() if getattr(row, k) != v}


def _whole(value: object, low: int, high: int, field: str) -> int:
    try:
        return whole_number(
            value.strip() if isinstance(value, str) else value, low, high, field=field
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code=TrustCode.INVALID_THRESHOLD, field=field) from exc


def _ratio(value: object) -> float:
    message = _("Enter a number from 1 to %(high)d.") % {"high": int(MAX_RATIO)}
    refused = InvalidInput(message, code=TrustCode.INVALID_THRESHOLD, field="alert_ratio")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise refused
    try:
        ratio = float(value)
    except ValueError:
        raise refused from None
    if not math.isfinite(ratio) or not 1.0 <= ratio <= MAX_RATIO:
        raise refused
    return ratio
