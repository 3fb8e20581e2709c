"""How a coupon reads to a person: its value, its condition, its validity (pages and API)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from quanzi.core.money import format_fen
from quanzi.coupons.models import Coupon, CouponKind, UserCoupon, Validity

SHANGHAI = ZoneInfo("Asia/Shanghai")


def value_label(coupon: Coupon) -> str:
    """'¥10 off' / '12% off' (zh: 8.8折)."""
    if coupon.kind == CouponKind.PERCENT:
        zhe = f"{100 - coupon.percent_off:02d}".rstrip("0")
        zhe = f"{zhe[0]}.{zhe[1:]}" if len(zhe) > 1 else zhe
        # Translators: %(zhe)s is the same discount as a Chinese 折 figure (12% off = 8.8).
        return _("%(percent)d%% off") % {"percent": coupon.percent_off, "zhe": zhe}
    return _("%(amount)s off") % {"amount": format_fen(coupon.amount_off)}


def condition_label(coupon: Coupon) -> str:
    """'On orders from ¥99 · at most ¥20 off' / 'No minimum spend'."""
    parts = []
    if coupon.min_spend:
        parts.append(_("On goods from %(amount)s") % {"amount": format_fen(coupon.min_spend)})
    else:
        parts.append(_("No minimum spend"))
    if coupon.kind == CouponKind.PERCENT and coupon.max_off:
        parts.append(_("at most %(amount)s off") % {"amount": format_fen(coupon.max_off)})
    return " · ".join(parts)


def _day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def validity_label(coupon: Coupon) -> str:
    """When a coupon can be used, before anyone holds it."""
    if coupon.validity == Validity.DAYS:
        return _("Valid for %(n)d days after you get it") % {"n": coupon.valid_days}
    assert coupon.valid_from is not None and coupon.valid_until is not None
    return f"{_day(coupon.valid_from)} – {_day(coupon.valid_until)}"


def copy_validity_label(copy: UserCoupon) -> str:
    """When a held copy can be used."""
    return f"{_day(copy.valid_from)} – {_day(copy.expires_at)}"
