"""Money is integer fen everywhere below the template layer; these helpers format it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput


def fen_to_yuan_str(fen: int) -> str:
    """12345 → '123.45'; -5 → '-0.05'."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_fen(fen: int) -> str:
    """12345 → '¥123.45'."""
    s = fen_to_yuan_str(fen)
    return f"-¥{s[1:]}" if s.startswith("-") else f"¥{s}"


def yuan_to_fen(value: str | int | float | Decimal, *, field: str | None = None) -> int:
    """Parse a yuan amount typed by a person ('12.5', '12.50') into fen; at most 2 decimals.
    Anything else is an InvalidInput in the user's language, naming `field` when given."""
    bad = InvalidInput(_("Enter an amount in yuan, e.g. 8 or 8.50."), field=field)
    try:
        d = Decimal(str(value).strip().replace("¥", "").replace(",", ""))
        # quantize raises InvalidOperation on too many digits (1e30): not an amount either
        exact = d.is_finite() and d == d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise bad from exc
    if not exact:
        raise bad
    return int((d * 100).to_integral_value())


def bp_to_percent_str(basis_points: int) -> str:
    """Basis points as a percentage number without trailing zeros: 1000 → '10', 1050 → '10.5',
    255 → '2.55'."""
    whole, part = divmod(int(basis_points), 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") if part else str(whole)
