"""The report in words a merchant reads: what the outreach brought, with its 95 % interval, and
whether it is clear yet (an interval that covers 0 is "not significant yet")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from quanzi.core.money import format_fen
from quanzi.outreach.stats import Interval, Lift


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def points(value: float) -> str:
    """A difference of rates in percentage points, with its sign."""
    return f"{value * 100:+.1f}"


def fen(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    rounded = round(value)
    return ("-" if rounded < 0 else "") + format_fen(abs(rounded))


@dataclass(frozen=True)
class Sentence:
    text: str
    significant: bool


def _verdict(interval: Interval) -> bool:
    return not interval.covers_zero and math.isfinite(interval.low)


def lift_sentences(lift: Lift) -> dict[str, Any]:
    conv = lift.conversion
    buyers = lift.incremental_converters
    gmv = lift.incremental_gmv
    per = lift.gmv_per_member
    return {
        "buyers": Sentence(
            _("It brought %(n)s more buyers than without it (95%% interval %(low)s to %(high)s).")
            % {
                "n": f"{buyers.estimate:.0f}",
                "low": f"{buyers.low:.0f}",
                "high": f"{buyers.high:.0f}",
            },
            _verdict(conv),
        ),
        "conversion": Sentence(
            _(
                "Conversion %(d)s percentage points against the held-out members "
                "(95%% interval %(low)s to %(high)s)."
            )
            % {"d": points(conv.estimate), "low": points(conv.low), "high": points(conv.high)},
            _verdict(conv),
        ),
        "gmv": Sentence(
            _("It brought %(gmv)s more sales (95%% interval %(low)s to %(high)s).")
            % {"gmv": fen(gmv.estimate), "low": fen(gmv.low), "high": fen(gmv.high)},
            _verdict(per),
        ),
        "gmv_per_member": Sentence(
            _("%(d)s per member against the held-out members (95%% interval %(low)s to %(high)s).")
            % {"d": fen(per.estimate), "low": fen(per.low), "high": fen(per.high)},
            _verdict(per),
        ),
    }
