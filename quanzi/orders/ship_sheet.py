"""Shipping from a spreadsheet (批量发货): the store downloads a sheet of its orders waiting to
ship, fills in the tracking numbers, uploads it, sees what each row will do, then applies it.

Columns: 订单号 (the order number, or its id), 快递公司 (a courier's code or name; a name that
is no known courier's is another courier), 快递单号 (the tracking number). Headers are written
in the reader's language and read in any language Quanzi speaks, as the usual Chinese names or
as the column keys; the downloaded sheet's other columns (recipient, items) help the merchant
and are not read. A row without a tracking number is skipped: the downloaded sheet lists every
order waiting, and the merchant fills in those they ship now. Only .xlsx files, at most
MAX_FILE_BYTES and MAX_ROWS rows.

The previewed file is kept (in the media storage, under a random name of ours, for at most
STAGE_HOURS) until it is applied or cancelled; applying reads it again and checks every row
again, since the orders may have changed meanwhile, then ships each row that can ship in its
own transaction (`batch_shipping.ship_lines`).
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from quanzi.accounts.models import User
from quanzi.core.errors import DomainError, InvalidInput, NotFound, PayloadTooLarge
from quanzi.core.ids import is_public_id, new_id
from quanzi.orders import carriers, selectors
from quanzi.orders.errors import OrderCode
from quanzi.orders.services.batch_shipping import (
    MAX_LINES,
    LineCheck,
    LineResult,
    ShipmentLine,
    check_lines,
    ship_lines,
)
from quanzi.stores.services import access_store

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # what the file's parts may unpack to, all together
MAX_ROWS = MAX_LINES
MAX_SCANNED_ROWS = 10 * MAX_ROWS  # blank rows included: a sheet of empty rows ends here
STAGE_HOURS = 2
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAGIC = b"PK\x03\x04"
TEXT_FORMAT = "@"  # a text cell: order numbers have 16 digits, more than a number keeps
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

READ = ("order", "carrier", "tracking_number")
WRITTEN = (*READ, "recipient", "items")
HEADERS = {
    "order": pgettext_lazy("shipping sheet", "Order number"),
    "carrier": pgettext_lazy("shipping sheet", "Courier"),
    "tracking_number": pgettext_lazy("shipping sheet", "Tracking number"),
    "recipient": pgettext_lazy("shipping sheet", "Recipient"),
    "items": pgettext_lazy("shipping sheet", "Items"),
}
# The headers merchants write in Chinese, besides the translated ones (a file format).
HEADER_ALIASES = {
    "订单号": "order",
    "订单编号": "order",
    "订单": "order",
    "快递公司": "carrier",
    "物流公司": "carrier",
    "快递": "carrier",
    "承运商": "carrier",
    "快递单号": "tracking_number",
    "运单号": "tracking_number",
    "运单编号": "tracking_number",
    "物流单号": "tracking_number",
}
WIDTHS = {"order": 20, "carrier": 14, "tracking_number": 22, "recipient": 12, "items": 40}


# --- The downloaded sheet ---------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a buyer's text as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _items(order: Any) -> str:
    return "；".join(
        f"{item.title}{f' ({item.sku_label})' if item.sku_label else ''} × {item.quantity}"
        for item in order.items.all()
    )


def sheet_template(user: User, store_id: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the sheet to fill in: the headers, then the
    store's orders waiting to ship (at most MAX_ROWS, longest waiting first) with the courier
    the store used last, the tracking numbers left to fill. A second sheet lists the couriers."""
    store = access_store(user, store_id)
    default = carriers.carrier_label(selectors.last_carrier(store))
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = str(pgettext_lazy("shipping sheet", "Shipments"))[:31]
    sheet.append([str(HEADERS[key]) for key in WRITTEN])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, order in enumerate(selectors.to_ship(store, limit=MAX_ROWS), start=2):
        sheet.append(
            [
                order.number,
                default,
                None,
                _safe_cell(str((order.address or {}).get("recipient", ""))),
                _safe_cell(_items(order)),
            ]
        )
        for column in (1, 3):
            sheet.cell(row=number, column=column).number_format = TEXT_FORMAT
    for index, key in enumerate(WRITTEN):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = WIDTHS[key]
    sheet.freeze_panes = "A2"
    # The courier column offers the list, and still takes another courier's name.
    offered = DataValidation(
        type="list",
        formula1='"' + ",".join(str(c.name) for c in carriers.CARRIERS) + '"',
        allow_blank=True,
        showErrorMessage=False,
    )
    sheet.add_data_validation(offered)
    offered.add(f"B2:B{MAX_ROWS + 1}")
    _couriers_sheet(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), XLSX_TYPE, "shipping-sheet.xlsx"


def _couriers_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(str(pgettext_lazy("shipping sheet", "Couriers"))[:31])
    sheet.append(
        [
            str(pgettext_lazy("shipping sheet", "Code")),
            str(HEADERS["carrier"]),
            str(pgettext_lazy("shipping sheet", "Tracking number looks like")),
            str(pgettext_lazy("shipping sheet", "Example")),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for carrier in carriers.CARRIERS:
        sheet.append([carrier.code, str(carrier.name), str(carrier.shape), carrier.example])
    sheet.append(
        [
            "",
            str(_("Another courier: write its name")),
            str(_("letters, digits and '-'")),
            "",
        ]
    )
    for letter, width in zip("ABCD", (12, 16, 44, 20), strict=True):
        sheet.column_dimensions[letter].width = width


# --- Reading an uploaded sheet ----------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """A row of the uploaded sheet with something in it, and its row number in the sheet."""

    row: int
    order: str
    carrier: str
    tracking_number: str

    @property
    def skipped(self) -> bool:
        """A row without a tracking number is not shipped now (nor is it an error)."""
        return not self.tracking_number

    def line(self) -> ShipmentLine:
        return ShipmentLine(
            order=self.order,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            row=self.row,
        )


def _unreadable() -> InvalidInput:
    return InvalidInput(
        _("Upload the sheet as an .xlsx file (Excel 2007 or later, WPS), as downloaded."),
        code=OrderCode.SHEET_UNREADABLE,
    )


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _("The file is too large: at most %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20},
        code=OrderCode.SHEET_TOO_LARGE,
    )


def _too_many_rows() -> InvalidInput:
    return InvalidInput(
        _("The sheet has too many rows: at most %(n)d orders at once.") % {"n": MAX_ROWS},
        code=OrderCode.TOO_MANY_SHIPMENTS,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)).normalize())
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def _header_map(header: Sequence[Any]) -> dict[str, int]:
    names: dict[str, str] = {alias.casefold(): key for alias, key in HEADER_ALIASES.items()}
    for key in READ:
        names[key] = key
        for language, _label in settings.LANGUAGES:
            with translation.override(language):
                names[str(HEADERS[key]).strip().casefold()] = key
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = names.get(_cell_text(cell).casefold())
        if column and column not in positions:
            positions[column] = index
    missing = [str(HEADERS[key]) for key in READ if key not in positions]
    if missing:
        raise InvalidInput(
            _("The first row must name the columns; missing: %(cols)s.")
            % {"cols": ", ".join(missing)},
            code=OrderCode.SHEET_UNREADABLE,
        )
    return positions


def _check_package(upload: Any) -> None:
    """An .xlsx is a zip of XML parts: refuse one whose parts unpack to more than
    MAX_UNPACKED_BYTES before reading any (a small file can unpack to gigabytes)."""
    try:
        with zipfile.ZipFile(upload) as package:
            unpacked = sum(part.file_size for part in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable() from exc
    finally:
        upload.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_large()


def _sheet_rows(upload: Any) -> Iterator[list[Any]]:
    book = load_workbook(upload, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for count, row in enumerate(sheet.iter_rows(values_only=True, max_col=20)):
            if count > MAX_SCANNED_ROWS:
                raise _too_many_rows()
            yield list(row)
    finally:
        book.close()


def read_sheet(upload: Any) -> list[SheetRow]:
    """The rows with something in them of an uploaded .xlsx sheet. A file that is too large,
    not an .xlsx, without the columns or with more than MAX_ROWS rows is a clear 4xx."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_FILE_BYTES:
        raise _too_large()
    head = upload.read(len(XLSX_MAGIC))
    upload.seek(0)
    if head != XLSX_MAGIC:
        raise _unreadable()
    _check_package(upload)
    rows: list[SheetRow] = []
    try:
        reader = _sheet_rows(upload)
        header = next(reader, None)
        if header is None:
            raise InvalidInput(_("The sheet is empty."), code=OrderCode.SHEET_UNREADABLE)
        positions = _header_map(header)
        for number, cells in enumerate(reader, start=2):
            values = {
                key: _cell_text(cells[index]) if index < len(cells) else ""
                for key, index in positions.items()
            }
            if not any(values.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows()
            rows.append(
                SheetRow(number, values["order"], values["carrier"], values["tracking_number"])
            )
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error on a broken file
        raise _unreadable() from exc
    return rows


# --- Preview and apply ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowOutcome:
    """A row of the sheet and what it will do (preview) or did (applied): `check` is the
    preview's, `result` the shipping's; neither for a skipped row."""

    row: SheetRow
    check: LineCheck | None = None
    result: LineResult | None = None

    @property
    def error(self) -> DomainError | None:
        if self.result is not None:
            return self.result.error
        return self.check.error if self.check is not None else None

    @property
    def status(self) -> str:
        """ "skipped", "error", "ready" (preview) or "shipped" (applied)."""
        if self.check is None and self.result is None:
            return "skipped"
        if self.error is not None:
            return "error"
        return "shipped" if self.result is not None else "ready"

    @property
    def order(self) -> Any:
        if self.result is not None:
            return self.result.order
        return self.check.order if self.check is not None else None


@dataclass(frozen=True)
class SheetOutcome:
    rows: list[RowOutcome]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _to_ship(rows: list[SheetRow]) -> list[SheetRow]:
    shipping = [row for row in rows if not row.skipped]
    if not shipping:
        raise InvalidInput(
            _("No row has a tracking number: fill them in, then upload the sheet again."),
            code=OrderCode.NO_SHIPMENTS,
        )
    return shipping


def preview_sheet(user: User, store_id: str, upload: Any) -> SheetOutcome:
    """What each row of the sheet would do (store staff; nothing written)."""
    access_store(user, store_id)
    rows = read_sheet(upload)
    shipping = _to_ship(rows)
    checks = dict(
        zip(
            (r.row for r in shipping),
            check_lines(user, store_id, [r.line() for r in shipping]),
            strict=True,
        )
    )
    return SheetOutcome([RowOutcome(row, check=checks.get(row.row)) for row in rows])


def apply_sheet(user: User, store_id: str, upload: Any) -> SheetOutcome:
    """Ship the rows that can ship, each in its own transaction; the others are left with
    their reason."""
    access_store(user, store_id)
    rows = read_sheet(upload)
    shipping = _to_ship(rows)
    results = dict(
        zip(
            (r.row for r in shipping),
            ship_lines(user, store_id, [r.line() for r in shipping]),
            strict=True,
        )
    )
    return SheetOutcome([RowOutcome(row, result=results.get(row.row)) for row in rows])


# --- The file kept between preview and apply -----------------------------------------------


def _path(store_id: str, token: str) -> str:
    return f"shipments/{store_id}/{token}.xlsx"


def stage(store_id: str, upload: Any) -> str:
    """Keep the upload (read and checked by the caller) until it is applied; its token."""
    upload.seek(0)
    token = new_id()
    default_storage.save(_path(store_id, token), ContentFile(upload.read()))
    return token


def _gone() -> NotFound:
    return NotFound(
        _("This sheet is no longer waiting: upload it again."), code=OrderCode.SHEET_GONE
    )


def staged(store_id: str, token: str) -> ContentFile[bytes]:
    """The staged sheet; NotFound once applied, cancelled, or older than STAGE_HOURS."""
    if not (is_public_id(store_id) and is_public_id(token)):
        raise _gone()
    path = _path(store_id, token)
    if not default_storage.exists(path):
        raise _gone()
    if default_storage.get_created_time(path) < timezone.now() - timedelta(hours=STAGE_HOURS):
        default_storage.delete(path)
        raise _gone()
    with default_storage.open(path, "rb") as handle:
        return ContentFile(handle.read(), name=f"{token}.xlsx")


def discard(store_id: str, token: str) -> None:
    if is_public_id(store_id) and is_public_id(token):
        with contextlib.suppress(OSError):
            default_storage.delete(_path(store_id, token))
