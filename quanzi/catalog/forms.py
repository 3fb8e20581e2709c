"""The product editor's form: spec attributes typed as 'name' + 'comma-separated values', and
the SKU matrix, one row per combination (price in yuan, stock, code).

The matrix is rebuilt from the spec inputs on the server (the "generate SKUs" button and every
save) and in the browser (product_editor.js); rows are matched to combinations by their spec
values, so prices already typed survive a change of the specs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Product, Sku
from quanzi.catalog.services import (
    MAX_SKUS,
    MAX_SPECS,
    ProductInput,
    SkuInput,
    Spec,
    clean_specs,
    combination_label,
    combinations,
    spec_key,
)
from quanzi.core.errors import DomainError, InvalidInput
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen

VALUE_SEPARATORS = re.compile(r"[,，、]")
Key = tuple[tuple[str, str], ...]


@dataclass
class MatrixRow:
    """One row of the SKU matrix as shown in the editor (texts as typed)."""

    spec_values: dict[str, str]
    label: str
    price: str = ""
    stock: str = "0"
    code: str = ""
    stock_base: str = ""
    error: str = ""

    @property
    def spec_json(self) -> str:
        return json.dumps(self.spec_values, ensure_ascii=False)


@dataclass
class EditorForm:
    """What the editor shows: the typed fields, the spec inputs, the matrix and the errors."""

    title: str = ""
    subtitle: str = ""
    description: str = ""
    category_id: str = ""
    spec_inputs: list[tuple[str, str]] = field(default_factory=list)
    rows: list[MatrixRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def specs_for_js(self) -> list[dict[str, str]]:
        return [{"name": n, "values": v} for n, v in self.spec_inputs]


def split_values(text: str) -> list[str]:
    """'红, 蓝，绿、红' → ['红', '蓝', '绿'] (the separators a Chinese keyboard types too)."""
    return list(dict.fromkeys(v.strip() for v in VALUE_SEPARATORS.split(text or "") if v.strip()))


def _spec_inputs(post: QueryDict) -> list[tuple[str, str]]:
    inputs = [
        (post.get(f"spec_name_{i}", "").strip(), post.get(f"spec_values_{i}", "").strip())
        for i in range(MAX_SPECS)
    ]
    return inputs


def _posted_rows(post: QueryDict) -> dict[Key, MatrixRow]:
    """The matrix rows the browser sent, by combination (unknown or malformed rows dropped)."""
    try:
        count = min(int(post.get("sku_count", "0")), MAX_SKUS)
    except ValueError:
        count = 0
    rows: dict[Key, MatrixRow] = {}
    for i in range(max(count, 0)):
        try:
            values = json.loads(post.get(f"sku_spec_{i}", ""))
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        values = {str(k): str(v) for k, v in values.items()}
        rows[spec_key(values)] = MatrixRow(
            spec_values=values,
            label="",
            price=post.get(f"sku_price_{i}", "").strip(),
            stock=post.get(f"sku_stock_{i}", "").strip(),
            code=post.get(f"sku_code_{i}", "").strip(),
            stock_base=post.get(f"sku_stock_base_{i}", "").strip(),
        )
    return rows


def build_matrix(
    specs: list[Spec], posted: dict[Key, MatrixRow], existing: list[Sku]
) -> list[MatrixRow]:
    """A row per combination: what was typed, else the existing SKU's values, else empty."""
    saved = {spec_key(s.spec_values): s for s in existing if s.is_active}
    rows = []
    for combo in combinations(specs):
        key = spec_key(combo)
        row = MatrixRow(spec_values=combo, label=combination_label(combo, specs))
        if key in posted:
            typed = posted[key]
            row.price, row.stock, row.code = typed.price, typed.stock, typed.code
            row.stock_base = typed.stock_base
        elif key in saved:
            sku = saved[key]
            row.price, row.stock, row.code = fen_to_yuan_str(sku.price), str(sku.stock), sku.code
            row.stock_base = str(sku.stock)
        rows.append(row)
    return rows


def form_for_product(product: Product | None) -> EditorForm:
    """The editor filled from a saved product (or empty for a new one)."""
    if product is None:
        return EditorForm(spec_inputs=[("", "")] * MAX_SPECS, rows=build_matrix([], {}, []))
    specs = [Spec(s["name"], tuple(s["values"])) for s in product.specs]
    inputs = [(s.name, ", ".join(s.values)) for s in specs]
    inputs += [("", "")] * (MAX_SPECS - len(inputs))
    return EditorForm(
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        category_id=product.category_id or "",
        spec_inputs=inputs,
        rows=build_matrix(specs, {}, list(product.skus.all())),
    )


def form_from_post(post: QueryDict, existing: list[Sku]) -> tuple[EditorForm, list[Spec]]:
    """The editor as posted, with its matrix regenerated for the typed specs."""
    form = EditorForm(
        title=post.get("title", ""),
        subtitle=post.get("subtitle", ""),
        description=post.get("description", ""),
        category_id=post.get("category", ""),
        spec_inputs=_spec_inputs(post),
    )
    specs: list[Spec] = []
    try:
        specs = clean_specs(
            {"name": name, "values": split_values(values)} for name, values in form.spec_inputs
        )
    except DomainError as exc:
        form.errors.append(str(exc.message))
    form.rows = build_matrix(specs, _posted_rows(post), existing)
    return form, specs


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def product_input(form: EditorForm, specs: list[Spec]) -> ProductInput:
    """The service input of a posted editor; rows without a price are not for sale.

    Marks each invalid row with its error and raises InvalidInput if any row is invalid."""
    skus: list[SkuInput] = []
    for row in form.rows:
        if not row.price:
            continue
        try:
            price = yuan_to_fen(row.price)
        except InvalidInput:
            row.error = str(_("Enter a price in yuan, e.g. 59 or 59.90."))
            continue
        stock = _int_or_none(row.stock or "0")
        if stock is None:
            row.error = str(_("Enter the stock as a whole number."))
            continue
        skus.append(
            SkuInput(
                spec_values=row.spec_values,
                price=price,
                stock=stock,
                code=row.code,
                stock_base=_int_or_none(row.stock_base) if row.stock_base else None,
            )
        )
    if form.errors:
        raise InvalidInput(form.errors[0])
    if any(row.error for row in form.rows):
        raise InvalidInput(_("Some SKU rows are not valid."))
    return ProductInput(
        title=form.title,
        subtitle=form.subtitle,
        description=form.description,
        category_id=form.category_id or None,
        specs=specs,
        skus=skus,
    )


def editor_context(form: EditorForm) -> dict[str, Any]:
    return {"form": form, "spec_slots": list(enumerate(form.spec_inputs))}
