"""Shipping many orders of a store at once (批量发货): from the console's table of orders to
ship, from a spreadsheet, or through the API.

A batch is a list of lines, each naming an order (its number, or its id), a courier and a
tracking number. `check_lines` says of every line what shipping it would do, or why it cannot
(nothing written: the spreadsheet's preview); `ship_lines` ships the lines that can, each with
`transitions.ship_order` in its own transaction, so a refused line leaves the others shipped
and the others leave it unshipped, with its reason. Only the staff of the store may ship its
orders; an order of another store is not found, unless the person works for that store too
(then the line says whose order it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import CoreCode, DomainError, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.carriers import Shipment, clean_shipment
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import ORDER_NUMBER_DIGITS, Order
from quanzi.orders.services.timers import refresh_orders
from quanzi.orders.services.transitions import ship_order, ship_refusal
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, stores_of

MAX_LINES = 500
NUMBER_LENGTH = 8 + ORDER_NUMBER_DIGITS  # the date, then the random digits


@dataclass(frozen=True)
class ShipmentLine:
    """One order of a batch: its number (or id), the courier (a code, a name, or "other" with
    `carrier_name`) and the tracking number, as the merchant gave them."""

    order: str
    carrier: str
    tracking_number: str
    carrier_name: str = ""
    row: int = 0  # what a refusal calls the line: its spreadsheet row (else its position)


@dataclass(frozen=True)
class LineCheck:
    """What a line would do: ship `order` with `shipment`, or be refused with `error`."""

    line: ShipmentLine
    order: Order | None
    shipment: Shipment | None
    error: DomainError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class LineResult:
    """What a line did: `order` shipped (ok) or left as it was with `error`."""

    line: ShipmentLine
    order: Order | None
    error: DomainError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _may_be_order(ref: str) -> bool:
    return (ref.isdigit() and len(ref) == NUMBER_LENGTH) or is_public_id(ref)


def _clean_lines(lines: Sequence[ShipmentLine]) -> list[ShipmentLine]:
    if not lines:
        raise InvalidInput(_("Choose at least one order to ship."), code=OrderCode.NO_SHIPMENTS)
    if len(lines) > MAX_LINES:
        raise InvalidInput(
            _("At most %(n)d orders can be shipped at once.") % {"n": MAX_LINES},
            code=OrderCode.TOO_MANY_SHIPMENTS,
        )
    return [
        ShipmentLine(
            order=line.order.strip(),
            carrier=line.carrier,
            tracking_number=line.tracking_number,
            carrier_name=line.carrier_name,
            row=line.row or position,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _find_orders(refs: set[str]) -> dict[str, Order]:
    """{number or id: order} of the orders `refs` name, with their timers applied (one query)."""
    wanted = {ref for ref in refs if _may_be_order(ref)}
    if not wanted:
        return {}
    found = list(
        Order.objects.select_related("store", "buyer").filter(
            Q(number__in=wanted) | Q(pk__in=wanted)
        )
    )
    refresh_orders(found)
    by_ref: dict[str, Order] = {order.pk: order for order in found}
    by_ref.update({order.number: order for order in found})  # a number wins over an id
    return by_ref


def _not_found() -> NotFound:
    return NotFound(_("No order with this number."), code=OrderCode.ORDER_NOT_FOUND)


def _check(store: Store, line: ShipmentLine, order: Order | None, mine: set[str]) -> LineCheck:
    if not line.order:
        missing = InvalidInput(_("The order number is missing."), code=CoreCode.REQUIRED)
        return LineCheck(line, None, None, missing)
    if order is None or (order.store_id != store.pk and order.store_id not in mine):
        return LineCheck(line, None, None, _not_found())
    if order.store_id != store.pk:
        error: DomainError = InvalidInput(
            _("This order is of your store “%(store)s”, not of this one.")
            % {"store": order.store.name},
            code=OrderCode.OTHER_STORE,
        )
        return LineCheck(line, order, None, error)
    refusal = ship_refusal(order)
    if refusal is not None:
        return LineCheck(line, order, None, refusal)
    try:
        shipment = clean_shipment(line.carrier, line.tracking_number, line.carrier_name)
    except DomainError as exc:
        return LineCheck(line, order, None, exc)
    return LineCheck(line, order, shipment, None)


def check_lines(user: User, store_id: str, lines: Sequence[ShipmentLine]) -> list[LineCheck]:
    """What shipping each line would do, in the lines' order (store staff; nothing written).
    More than MAX_LINES lines, or none, is a 400; a line's own problem is its `error`."""
    store = access_store(user, store_id)
    cleaned = _clean_lines(lines)
    orders = _find_orders({line.order for line in cleaned})
    mine = {s.pk for s in stores_of(user)}
    checks: list[LineCheck] = []
    seen: dict[str, int] = {}
    for line in cleaned:
        check = _check(store, line, orders.get(line.order), mine)
        if check.order is not None and check.order.pk in seen:
            duplicate = InvalidInput(
                _("This order is already on row %(n)d.") % {"n": seen[check.order.pk]},
                code=OrderCode.DUPLICATE_ORDER,
            )
            check = LineCheck(line, check.order, None, duplicate)
        elif check.order is not None:
            seen[check.order.pk] = line.row
        checks.append(check)
    return checks


def ship_lines(user: User, store_id: str, lines: Sequence[ShipmentLine]) -> list[LineResult]:
    """Ship every line that can ship, each in its own transaction (`ship_order` checks it
    again: the orders may have changed since a preview); the others are left unshipped with
    their reason. The results come in the lines' order."""
    results: list[LineResult] = []
    for check in check_lines(user, store_id, lines):
        if check.order is None or check.shipment is None or check.error is not None:
            results.append(LineResult(check.line, check.order, check.error))
            continue
        try:
            shipped = ship_order(
                user,
                check.order.pk,
                check.line.carrier,
                check.line.tracking_number,
                carrier_name=check.line.carrier_name,
            )
        except DomainError as exc:
            results.append(LineResult(check.line, check.order, exc))
        else:
            results.append(LineResult(check.line, shipped, None))
    return results
