"""Cleaning what buyers and merchants type: quantities, SKU ids, checkout lines, free text and
checkout keys. Every refusal is a 400 (a 404 for an id that cannot exist), before anything is
read or written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from quanzi.core import validation
from quanzi.core.errors import CoreCode, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.errors import OrderCode

MAX_QUANTITY = 99
MAX_CHECKOUT_LINES = 50
MAX_NOTE = 200
MAX_REASON = 300


def clean_quantity(value: object) -> int:
    """A quantity from 1 to 99; anything else (0, negative, huge, not a number) is a 400."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a quantity from 1 to 99."), code=OrderCode.INVALID_QUANTITY)
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidInput(
            _("Enter a quantity from 1 to 99."), code=OrderCode.INVALID_QUANTITY
        ) from exc
    if not 1 <= number <= MAX_QUANTITY:
        raise InvalidInput(_("Enter a quantity from 1 to 99."), code=OrderCode.INVALID_QUANTITY)
    return number


def clean_sku_id(value: object) -> str:
    if not is_public_id(value):
        raise NotFound(_("This product option does not exist."), code=OrderCode.UNKNOWN_SKU)
    return value


def clean_lines(lines: Iterable[tuple[str, int | str]]) -> dict[str, int]:
    """Lines merged by SKU: {sku_id: quantity}, each quantity within 1..99."""
    merged: dict[str, int] = defaultdict(int)
    try:
        pairs = list(lines)
    except TypeError as exc:
        raise InvalidInput(_("Choose at least one item."), code=OrderCode.NO_ITEMS) from exc
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidInput(_("Each line needs a product option and a quantity."))
        merged[clean_sku_id(pair[0])] += clean_quantity(pair[1])
    if not merged:
        raise InvalidInput(_("Choose at least one item."), code=OrderCode.NO_ITEMS)
    if len(merged) > MAX_CHECKOUT_LINES:
        raise InvalidInput(
            _("At most %(n)d different items per checkout.") % {"n": MAX_CHECKOUT_LINES}
        )
    for quantity in merged.values():
        clean_quantity(quantity)
    return dict(merged)


def clean_text(value: object, limit: int, *, field: str, required: bool = False) -> str:
    return validation.clean_text(
        value,
        field=field,
        max_length=limit,
        required=required,
        missing_code=CoreCode.REQUIRED,
        too_long_code=CoreCode.TOO_LONG,
    )


def clean_checkout_key(value: str) -> str:
    if len(value) > 64 or not value.isprintable():
        raise InvalidInput(_("The checkout key is malformed."))
    return value
