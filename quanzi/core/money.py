"""Money is integer fen everywhere below the template layer; these helpers format it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def yuan_to_fen(value: str | int | float | Decimal) -> int:
    """Parse a yuan amount typed by a person ('12.5', '12.50') into fen; at most 2 decimals."""
    try:
        d = Decimal(str(value).strip().replace("¥", "").replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"'{value}' is not an amount") from exc
    try:
        exact = d.is_finite() and d == d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too many digits to quantize, e.g. 1e30
        raise InvalidInput(f"'{value}' is too large an amount") from exc
    if not exact:
        raise InvalidInput(f"'{value}' is not an amount with at most two decimals")
    return int((d * 100).to_integral_value())


def bp_to_percent_str(basis_points: int) -> str:
    """Basis points as a percentage number without trailing zeros: 1000 → '10', 1050 → '10.5',
    255 → '2.55'."""
    whole, part = divmod(int(basis_points), 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") if part else str(whole)
