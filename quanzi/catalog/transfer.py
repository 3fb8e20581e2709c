"""Import and export of a store's products as .xlsx or .csv, one row per SKU.

Columns: product title, subtitle, category, specs ("颜色:红;尺码:S"), SKU code, price in yuan,
stock, on shelf. Headers are written in the user's language and read in any language Quanzi
speaks (or as the column keys). An import checks every row first and writes nothing unless all
rows are valid; it then creates and updates products in one transaction. A row finds its SKU by
SKU code, else by product title and spec values. Rows with the same title form one product whose
product-level columns (subtitle, category, on shelf) are read from its first row. SKUs that are
not in the file are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from quanzi.accounts.models import User
from quanzi.catalog.errors import CatalogCode
from quanzi.catalog.models import Category, Product, Sku
from quanzi.catalog.services import (
    Spec,
    clean_price,
    clean_specs,
    clean_stock,
    refresh_product,
    spec_key,
)
from quanzi.core.errors import DomainError, InvalidInput, PayloadTooLarge
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("title", "subtitle", "category", "specs", "sku_code", "price", "stock", "on_shelf")
REQUIRED = ("title", "price")
HEADERS = {
    "title": _("Product title"),
    "subtitle": _("Subtitle"),
    "category": _("Category"),
    "specs": _("Specs"),
    "sku_code": _("SKU code"),
    "price": _("Price (yuan)"),
    "stock": _("Stock"),
    "on_shelf": _("On shelf"),
}
# Headers a merchant may type in Chinese, accepted besides the translated ones (file format).
HEADER_ALIASES = {
    "商品标题": "title",
    "标题": "title",
    "商品名称": "title",
    "副标题": "subtitle",
    "类目": "category",
    "分类": "category",
    "规格": "specs",
    "sku编码": "sku_code",
    "编码": "sku_code",
    "价格": "price",
    "价格（元）": "price",
    "价格(元)": "price",
    "库存": "stock",
    "上架": "on_shelf",
    "是否上架": "on_shelf",
}
TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "上架", "√", "✓"}
FALSE_WORDS = {"", "0", "false", "no", "n", "off", "否", "下架", "×"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Export ----------------------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def export_rows(store: Store) -> Iterator[list[Any]]:
    """The header, then one row per active SKU of the store's products, oldest product first."""
    yield [str(HEADERS[c]) for c in COLUMNS]
    skus = (
        Sku.objects.filter(product__store=store, is_active=True)
        .select_related("product__category")
        .order_by("product__created_at", "product_id", "created_at", "id")
    )
    yes, no = gettext("yes"), gettext("no")
    for sku in skus.iterator(chunk_size=500):
        product = sku.product
        yield [
            _safe_cell(product.title),
            _safe_cell(product.subtitle),
            _safe_cell(product.category.name if product.category else ""),
            _safe_cell(sku.spec_text),
            _safe_cell(sku.code),
            Decimal(fen_to_yuan_str(sku.price)),
            sku.stock,
            yes if product.on_shelf else no,
        ]


def export_products(user: User, store_id: str, fmt: str) -> tuple[bytes, str, str]:
    """(file content, content type, file name) of the store's products (store staff)."""
    store = access_store(user, store_id)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        for row in export_rows(store):
            writer.writerow(row)
        # A byte-order mark makes spreadsheet programs read the Chinese text as UTF-8.
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "products.csv"
    if fmt != "xlsx":
        raise InvalidInput(_("Choose .xlsx or .csv."), field="format")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("products")
    for row in export_rows(store):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), XLSX_TYPE, "products.xlsx"


# --- Reading a file --------------------------------------------------------------------------


class ImportInvalid(InvalidInput):
    """Some rows are not valid: nothing was written. `errors` lists [{row, message}]."""

    code = CatalogCode.IMPORT_INVALID

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(
            _("Nothing was imported: %(n)d rows have errors.") % {"n": len(errors)},
            errors=errors,
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(round(Decimal(repr(value)), 6).normalize())
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def _read_xlsx(upload: Any) -> Iterator[list[Any]]:
    book = load_workbook(upload, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10):
            yield list(row)
    finally:
        book.close()


def _read_csv(upload: Any) -> Iterator[list[Any]]:
    raw = upload.read()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(_("The CSV file is not UTF-8 or GBK text."), code=CatalogCode.BAD_FILE)
    yield from csv.reader(io.StringIO(text, newline=""))


def _header_map(header: Sequence[Any]) -> dict[str, int]:
    aliases: dict[str, str] = dict(HEADER_ALIASES)
    for key in COLUMNS:
        aliases[key] = key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                aliases[str(HEADERS[key]).strip().lower()] = key
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = aliases.get(_cell_text(cell).lower())
        if column and column not in positions:
            positions[column] = index
    missing = [str(HEADERS[k]) for k in REQUIRED if k not in positions]
    if missing:
        raise InvalidInput(
            _("The first row must name the columns; missing: %(cols)s.")
            % {"cols": ", ".join(missing)},
            code=CatalogCode.BAD_HEADER,
        )
    return positions


def read_rows(upload: Any) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: text}) of each non-blank data row of the file."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_FILE_BYTES:
        raise PayloadTooLarge(
            _("The file is too large: at most %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20},
            code=CatalogCode.FILE_TOO_LARGE,
        )
    head = upload.read(4)
    upload.seek(0)
    name = str(getattr(upload, "name", "") or "").lower()
    is_xlsx = head.startswith(b"PK\x03\x04") or name.endswith(".xlsx")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        reader = _read_xlsx(upload) if is_xlsx else _read_csv(upload)
        header = next(reader, None)
        if header is None:
            raise InvalidInput(_("The file is empty."), code=CatalogCode.BAD_FILE)
        positions = _header_map(header)
        for number, cells in enumerate(reader, start=2):
            values = {
                k: _cell_text(cells[i]) if i < len(cells) else "" for k, i in positions.items()
            }
            if not any(values.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise InvalidInput(
                    _("The file has too many rows: at most %(n)d.") % {"n": MAX_ROWS},
                    code=CatalogCode.TOO_MANY_ROWS,
                )
            rows.append((number, values))
    except DomainError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            _("This is not an .xlsx or .csv file we can read."), code=CatalogCode.BAD_FILE
        ) from exc
    except csv.Error as exc:
        raise InvalidInput(_("The CSV file is malformed."), code=CatalogCode.BAD_FILE) from exc
    return rows


# --- Checking rows ---------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    title: str
    subtitle: str
    category: Category | None
    specs: list[tuple[str, str]]
    code: str
    price: int
    stock: int
    on_shelf: bool

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        return spec_key(dict(self.specs))


_SPEC_PAIR = re.compile(r"\s*([^:：]+?)\s*[:：]\s*(.+?)\s*")


def _parse_specs(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for part in re.split(r"[;；]", text):
        if not part.strip():
            continue
        match = _SPEC_PAIR.fullmatch(part)
        if match is None:
            raise InvalidInput(_("Write specs as 颜色:红;尺码:S."))
        name, value = match.groups()
        if any(n == name for n, _v in pairs):
            raise InvalidInput(_("The spec “%(name)s” is given twice.") % {"name": name})
        pairs.append((name, value))
    # Names and values follow the editor's rules (length, forbidden separators).
    clean_specs([Spec(n, (v,)) for n, v in pairs])
    return pairs


def _parse_price(text: str) -> int:
    if not text:
        raise InvalidInput(_("The price is missing."))
    try:
        amount = Decimal(text.replace("¥", "").replace(",", "").strip())
    except InvalidOperation as exc:
        raise InvalidInput(_("“%(v)s” is not a price.") % {"v": text[:20]}) from exc
    if amount.is_finite() and abs(amount - round(amount, 2)) < Decimal("0.000001"):
        amount = round(amount, 2)
    try:
        fen = yuan_to_fen(amount)
    except InvalidInput as exc:
        raise InvalidInput(
            _("“%(v)s” is not a price with at most two decimals.") % {"v": text[:20]}
        ) from exc
    return clean_price(fen)


def _parse_stock(text: str) -> int:
    try:
        number = Decimal(text or "0")
        if number != number.to_integral_value():
            raise ValueError
        return clean_stock(int(number))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("“%(v)s” is not a whole number of units.") % {"v": text[:20]}) from exc


def _parse_on_shelf(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS or word == gettext("yes").lower():
        return True
    if word in FALSE_WORDS or word == gettext("no").lower():
        return False
    raise InvalidInput(_("Write yes or no in the on-shelf column."))


def _parse_row(number: int, values: dict[str, str], categories: dict[str, Category]) -> Row:
    title = values.get("title", "")
    if not title:
        raise InvalidInput(_("The product title is missing."))
    if len(title) > 120 or len(values.get("subtitle", "")) > 200:
        raise InvalidInput(_("The title (120) or subtitle (200 characters) is too long."))
    category_name = values.get("category", "")
    category = categories.get(category_name) if category_name else None
    if category_name and category is None:
        raise InvalidInput(_("Unknown category “%(name)s”.") % {"name": category_name[:40]})
    code = values.get("sku_code", "")
    if len(code) > 64:
        raise InvalidInput(_("The SKU code is too long (at most 64 characters)."))
    return Row(
        number=number,
        title=title,
        subtitle=values.get("subtitle", ""),
        category=category,
        specs=_parse_specs(values.get("specs", "")),
        code=code,
        price=_parse_price(values.get("price", "")),
        stock=_parse_stock(values.get("stock", "")),
        on_shelf=_parse_on_shelf(values.get("on_shelf", "")),
    )


@dataclass
class Group:
    """The rows of one product (same title), and the existing product they update, if any."""

    title: str
    rows: list[Row] = field(default_factory=list)
    product: Product | None = None
    specs: list[Spec] = field(default_factory=list)


@dataclass
class ImportResult:
    products_created: int = 0
    products_updated: int = 0
    skus_created: int = 0
    skus_updated: int = 0


class _Checker:
    """Checks parsed rows against each other and against the store's products."""

    def __init__(self, store: Store, rows: list[Row], errors: list[dict[str, Any]]) -> None:
        self.store = store
        self.rows = rows
        self.errors = errors
        codes = {r.code for r in rows if r.code}
        self.by_code = {
            s.code: s
            for s in Sku.objects.filter(product__store=store, code__in=codes).order_by(
                "is_active", "created_at"
            )
        }  # an active SKU wins over an inactive one with the same code
        titles = {r.title for r in rows}
        self.by_title: dict[str, list[Product]] = {}
        for product in Product.objects.filter(store=store, title__in=titles).prefetch_related(
            "skus"
        ):
            self.by_title.setdefault(product.title, []).append(product)
        self.products = {
            p.pk: p
            for p in Product.objects.filter(
                pk__in={s.product_id for s in self.by_code.values()}
            ).prefetch_related("skus")
        }

    def error(self, row: Row, message: Any) -> None:
        self.errors.append({"row": row.number, "message": str(message)})

    def groups(self) -> list[Group]:
        groups: dict[str, Group] = {}
        seen_codes: dict[str, int] = {}
        for row in self.rows:
            if row.code and row.code in seen_codes:
                self.error(
                    row,
                    _("The SKU code “%(code)s” is already used on row %(n)d.")
                    % {"code": row.code, "n": seen_codes[row.code]},
                )
                continue
            if row.code:
                seen_codes[row.code] = row.number
            groups.setdefault(row.title, Group(title=row.title)).rows.append(row)
        for group in groups.values():
            self._match(group)
        return list(groups.values())

    def _match(self, group: Group) -> None:
        """Find the group's product (by a row's SKU code, else by title) and check its rows."""
        matched = {self.by_code[r.code].product_id for r in group.rows if r.code in self.by_code}
        if len(matched) > 1:
            self.error(group.rows[0], _("These SKU codes belong to different products."))
            return
        if matched:
            group.product = self.products[matched.pop()]
        else:
            same_title = self.by_title.get(group.title, [])
            if len(same_title) > 1:
                self.error(
                    group.rows[0],
                    _("Several products are titled “%(t)s”: give their SKU codes.")
                    % {"t": group.title[:40]},
                )
                return
            group.product = same_title[0] if same_title else None
        self._check_specs(group)

    def _check_specs(self, group: Group) -> None:
        product = group.product
        names = [n for n, _v in group.rows[0].specs]
        existing = [Spec(s["name"], tuple(s["values"])) for s in (product.specs if product else [])]
        has_skus = product is not None and any(s.is_active for s in product.skus.all())
        if (existing or has_skus) and sorted(names) != sorted(s.name for s in existing):
            wanted = ", ".join(s.name for s in existing) or gettext("no specs")
            self.error(group.rows[0], _("The specs must be: %(names)s.") % {"names": wanted})
            return
        order = [s.name for s in existing] or names
        values: dict[str, list[str]] = {s.name: list(s.values) for s in existing}
        keys: dict[tuple[tuple[str, str], ...], int] = {}
        for row in group.rows:
            if sorted(n for n, _v in row.specs) != sorted(order):
                self.error(row, _("All rows of a product need the same spec names."))
                continue
            if row.key in keys:
                self.error(
                    row, _("The same specs are already on row %(n)d.") % {"n": keys[row.key]}
                )
                continue
            keys[row.key] = row.number
            self._check_code(group, row)
            for name, value in row.specs:
                if value not in values.setdefault(name, []):
                    values[name].append(value)
        try:
            group.specs = clean_specs([Spec(n, tuple(values[n])) for n in order])
        except DomainError as exc:
            self.error(group.rows[0], exc.message)

    def _check_code(self, group: Group, row: Row) -> None:
        sku = self.by_code.get(row.code) if row.code else None
        if sku is None:
            return
        if group.product is None or sku.product_id != group.product.pk:
            self.error(
                row,
                _("The SKU code “%(code)s” belongs to another product.") % {"code": row.code},
            )
        elif spec_key(sku.spec_values) != row.key:
            self.error(
                row,
                _("The SKU code “%(code)s” belongs to the specs “%(specs)s”.")
                % {"code": row.code, "specs": sku.spec_text or "-"},
            )


# --- Writing ---------------------------------------------------------------------------------


def _write_group(store: Store, group: Group, result: ImportResult) -> None:
    first = group.rows[0]
    product = group.product
    if product is None:
        product = Product(store=store)
        result.products_created += 1
    else:
        result.products_updated += 1
    product.store = store
    product.title, product.subtitle, product.category = first.title, first.subtitle, first.category
    product.specs = [s.as_json() for s in group.specs]
    product.save()
    skus = {spec_key(s.spec_values): s for s in product.skus.order_by("is_active", "created_at")}
    order = [s.name for s in group.specs]
    for row in group.rows:
        spec_values = {n: dict(row.specs)[n] for n in order}
        sku = skus.get(row.key)
        if sku is None:
            Sku.objects.create(
                product=product,
                spec_values=spec_values,
                price=row.price,
                stock=row.stock,
                code=row.code,
            )
            result.skus_created += 1
            continue
        sku.spec_values, sku.price, sku.stock, sku.is_active = (
            spec_values,
            row.price,
            row.stock,
            True,
        )
        sku.code = row.code or sku.code
        sku.save(update_fields=["spec_values", "price", "stock", "code", "is_active", "updated_at"])
        result.skus_updated += 1
    product.on_shelf = first.on_shelf
    product.save(update_fields=["on_shelf", "updated_at"])
    refresh_product(product)


@dataclass(frozen=True)
class Change:
    """What importing one row would do, for the preview."""

    row: int
    title: str
    label: str
    action: str  # "new_product" | "new_sku" | "update" | "unchanged"
    price: tuple[int | None, int]  # (now, after)
    stock: tuple[int | None, int]
    on_shelf: tuple[bool | None, bool]


@dataclass
class ImportPlan:
    """A checked file: the groups to write and what each row changes."""

    store: Store
    groups: list[Group]
    changes: list[Change]

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def _changes(group: Group) -> list[Change]:
    product = group.product
    existing = (
        {spec_key(s.spec_values): s for s in product.skus.order_by("is_active", "created_at")}
        if product is not None
        else {}
    )
    changes = []
    for row in group.rows:
        sku = existing.get(row.key)
        label = " / ".join(value for _name, value in row.specs)
        if product is None:
            action = "new_product"
        elif sku is None:
            action = "new_sku"
        elif (sku.price, sku.stock, sku.is_active, product.on_shelf) == (
            row.price,
            row.stock,
            True,
            row.on_shelf,
        ):
            action = "unchanged"
        else:
            action = "update"
        changes.append(
            Change(
                row=row.number,
                title=row.title,
                label=label,
                action=action,
                price=(sku.price if sku else None, row.price),
                stock=(sku.stock if sku else None, row.stock),
                on_shelf=(product.on_shelf if product else None, row.on_shelf),
            )
        )
    return changes


def plan_import(user: User, store_id: str, upload: Any) -> ImportPlan:
    """Read and check a file against the store's products without writing anything (store
    staff). Raises ImportInvalid listing every invalid row (row number and reason)."""
    store = access_store(user, store_id)
    raw_rows = read_rows(upload)
    if not raw_rows:
        raise InvalidInput(_("The file has no product rows."), code=CatalogCode.BAD_FILE)
    categories = {c.name: c for c in Category.objects.all()}
    errors: list[dict[str, Any]] = []
    rows: list[Row] = []
    for number, values in raw_rows:
        try:
            rows.append(_parse_row(number, values, categories))
        except DomainError as exc:
            errors.append({"row": number, "message": str(exc.message)})
    groups = _Checker(store, rows, errors).groups()
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e["row"]))
    changes = [change for group in groups for change in _changes(group)]
    return ImportPlan(store, groups, sorted(changes, key=lambda c: c.row))


def apply_plan(plan: ImportPlan) -> ImportResult:
    """Write a checked plan, all rows or none."""
    result = ImportResult()
    with transaction.atomic():
        for group in plan.groups:
            _write_group(plan.store, group, result)
    return result


def import_products(user: User, store_id: str, upload: Any) -> ImportResult:
    """Create and update the store's products from a file, all rows or none (store staff).

    Raises ImportInvalid listing every invalid row (row number and reason) when any is."""
    return apply_plan(plan_import(user, store_id, upload))
