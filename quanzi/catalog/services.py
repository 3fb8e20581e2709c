"""Catalog actions: products with their spec attributes and SKU matrix, stock, shelf, images and
categories, and the domain's permission helper `access_product`.

These functions are the only writers of products and SKUs. Stock is only changed by conditional
updates (`take_stock`, `return_stock`, `update_sku`, `apply_skus`), never read-modify-write
by a separate read.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Min
from django.utils.translation import gettext_lazy as _
from PIL import Image

from quanzi.accounts.models import User
from quanzi.catalog.errors import CatalogCode
from quanzi.catalog.locks import lock_product, lock_product_for_delete
from quanzi.catalog.models import Category, Product, ProductImage, Sku
from quanzi.catalog.search import index_product, unindex_product
from quanzi.catalog.signals import deleting_product
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.core.images import delete_files, make_thumbnail, validate_image
from quanzi.core.money import fen_to_yuan_str
from quanzi.core.validation import FIELD_TOO_LONG, clean_text
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, role_in

MAX_SPECS = 3
MAX_SPEC_VALUES = 20
MAX_SPEC_CHARS = 20
MAX_SKUS = 200
MAX_IMAGES = 9
MAX_PRICE = 100_000_000  # fen (¥1,000,000)
MAX_STOCK = 1_000_000
MAX_CODE_CHARS = 64
# Characters that separate attributes and values in the editor and in import files.
SPEC_FORBIDDEN = re.compile(r"[:;：；,，、]")


@dataclass(frozen=True)
class Spec:
    """A spec attribute and its values, e.g. Spec("颜色", ("红", "蓝"))."""

    name: str
    values: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "values": list(self.values)}


@dataclass
class SkuInput:
    """One cell of the SKU matrix as typed by the merchant.

    `stock_base` is the stock the editor showed; when given, the difference is applied to the
    current stock, so units sold while the merchant was typing are not given back."""

    spec_values: dict[str, str]
    price: int
    stock: int = 0
    code: str = ""
    stock_base: int | None = None


@dataclass
class ProductInput:
    title: str
    subtitle: str = ""
    description: str = ""
    category_id: str | None = None
    specs: list[Spec] = field(default_factory=list)
    skus: list[SkuInput] = field(default_factory=list)


# --- Permissions -----------------------------------------------------------------------------


def access_product(user: User | None, product_id: str, *, need: str = "staff") -> Product:
    """The product if `user` may act on it as `need`.

    'staff': owner or staff of the product's store may edit it; others get 403 on a public
    product and 404 on a hidden one. 'read': anyone reads on-shelf products of open stores;
    off-shelf products exist only for the store's people (404 to everyone else)."""
    return access_product_with_role(user, product_id, need=need)[0]


def access_product_with_role(
    user: User | None, product_id: str, *, need: str = "staff"
) -> tuple[Product, str | None]:
    """`access_product` and the user's role in the product's store (None for a customer)."""
    product = Product.objects.select_related("store", "category").filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    role = role_in(user, product.store)
    if role is not None:
        return product, role
    if product.is_public:
        if need == "read":
            return product, None
        raise PermissionDenied(_("You do not work for this product's store."))
    raise NotFound(_("Product not found."))


def access_sku(user: User | None, sku_id: str) -> Sku:
    """A SKU the user may edit (staff of its store); same answers as `access_product`."""
    sku = Sku.objects.select_related("product__store").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(_("SKU not found."))
    access_product(user, sku.product_id)
    return sku


# --- Validation ------------------------------------------------------------------------------


_clean_text = partial(clean_text, too_long=FIELD_TOO_LONG)


def _clean_spec_word(word: str, *, is_name: bool) -> str:
    word = str(word).strip()
    if not word:
        raise InvalidInput(
            _("A spec name cannot be empty.") if is_name else _("A spec value cannot be empty."),
            field="specs",
        )
    if len(word) > MAX_SPEC_CHARS:
        raise InvalidInput(
            _("“%(word)s” is too long: at most %(n)d characters.")
            % {"word": word[:30], "n": MAX_SPEC_CHARS},
            field="specs",
        )
    if SPEC_FORBIDDEN.search(word):
        raise InvalidInput(
            _("“%(word)s” may not contain : ; , or 、.") % {"word": word}, field="specs"
        )
    return word


def clean_specs(raw: Iterable[Spec | Mapping[str, Any]]) -> list[Spec]:
    """Validated spec attributes: at most 3, distinct names, 1–20 distinct values each."""
    specs: list[Spec] = []
    for item in raw:
        name = item.name if isinstance(item, Spec) else str(item.get("name") or "")
        values = item.values if isinstance(item, Spec) else item.get("values") or []
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise InvalidInput(_("Spec values must be a list."), field="specs")
        if not name.strip() and not values:
            continue
        name = _clean_spec_word(name, is_name=True)
        cleaned = list(dict.fromkeys(_clean_spec_word(v, is_name=False) for v in values))
        if not cleaned:
            raise InvalidInput(
                _("Give at least one value for “%(name)s”.") % {"name": name}, field="specs"
            )
        if len(cleaned) > MAX_SPEC_VALUES:
            raise InvalidInput(
                _("“%(name)s” has too many values (at most %(n)d).")
                % {"name": name, "n": MAX_SPEC_VALUES},
                field="specs",
            )
        if any(s.name == name for s in specs):
            raise InvalidInput(
                _("The spec “%(name)s” is listed twice.") % {"name": name}, field="specs"
            )
        specs.append(Spec(name, tuple(cleaned)))
    if len(specs) > MAX_SPECS:
        raise InvalidInput(
            _("A product has at most %(n)d spec attributes.") % {"n": MAX_SPECS}, field="specs"
        )
    if len(combinations(specs)) > MAX_SKUS:
        raise InvalidInput(
            _("Too many combinations: at most %(n)d SKUs per product.") % {"n": MAX_SKUS},
            field="specs",
        )
    return specs


def combinations(specs: Sequence[Spec]) -> list[dict[str, str]]:
    """Every combination of the spec values, in matrix order; one empty combination if none."""
    names = [s.name for s in specs]
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(s.values for s in specs))
    ]


def spec_key(spec_values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """An order-independent key of a combination, to match SKUs across edits."""
    return tuple(sorted((str(k), str(v)) for k, v in spec_values.items()))


def combination_label(spec_values: Mapping[str, Any], specs: Sequence[Spec] = ()) -> str:
    names = [s.name for s in specs] or list(spec_values)
    return " / ".join(str(spec_values.get(n, "")) for n in names) or str(_("(single SKU)"))


def clean_price(price: Any, *, label: str = "") -> int:
    """A price in fen: a whole number from 1 fen to ¥1,000,000."""
    if isinstance(price, bool) or not isinstance(price, int) or not 1 <= price <= MAX_PRICE:
        values = {"label": label, "max": fen_to_yuan_str(MAX_PRICE)}
        message = (
            _("“%(label)s”: enter a price from ¥0.01 to ¥%(max)s.") % values
            if label
            else _("Enter a price from ¥0.01 to ¥%(max)s.") % values
        )
        raise InvalidInput(message, field="price")
    return price


def clean_stock(stock: Any, *, label: str = "") -> int:
    """A stock: a whole number from 0 to MAX_STOCK."""
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK:
        values = {"label": label, "max": MAX_STOCK}
        message = (
            _("“%(label)s”: enter a stock from 0 to %(max)d.") % values
            if label
            else _("Enter a stock from 0 to %(max)d.") % values
        )
        raise InvalidInput(message, field="stock")
    return stock


def _clean_skus(specs: Sequence[Spec], skus: Sequence[SkuInput]) -> list[SkuInput]:
    allowed = {spec_key(c): c for c in combinations(specs)}
    seen: set[tuple[tuple[str, str], ...]] = set()
    codes: set[str] = set()
    cleaned: list[SkuInput] = []
    for sku in skus:
        key = spec_key(sku.spec_values)
        label = combination_label(sku.spec_values, specs)
        if key not in allowed:
            raise InvalidInput(
                _("“%(label)s” is not a combination of the spec values.") % {"label": label},
                field="skus",
            )
        if key in seen:
            raise InvalidInput(_("“%(label)s” is listed twice.") % {"label": label}, field="skus")
        seen.add(key)
        code = _clean_text(sku.code, max_length=MAX_CODE_CHARS, field="code")
        if code and code in codes:
            raise InvalidInput(
                _("The SKU code “%(code)s” is used twice.") % {"code": code}, field="code"
            )
        codes.add(code)
        cleaned.append(
            SkuInput(
                spec_values=allowed[key],
                price=clean_price(sku.price, label=label),
                stock=clean_stock(sku.stock, label=label),
                code=code,
                stock_base=sku.stock_base,
            )
        )
    return cleaned


def _check_codes_free(store: Store, product: Product | None, codes: Iterable[str]) -> None:
    """SKU codes are unique among the active SKUs of a store (import matches on them)."""
    wanted = [c for c in codes if c]
    if not wanted:
        return
    taken = Sku.objects.filter(product__store=store, is_active=True, code__in=wanted)
    if product is not None and product.pk:
        taken = taken.exclude(product=product)
    clash = taken.values_list("code", flat=True).first()
    if clash:
        raise Conflict(
            _("The SKU code “%(code)s” is already used by another product of the store.")
            % {"code": clash},
            code=CatalogCode.SKU_CODE_TAKEN,
        )


def _category(category_id: str | None) -> Category | None:
    if not category_id:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise InvalidInput(_("Unknown category."), field="category")
    return category


def _apply_fields(product: Product, data: ProductInput) -> None:
    product.title = _clean_text(data.title, max_length=120, field="title", required=True)
    product.subtitle = _clean_text(data.subtitle, max_length=200, field="subtitle")
    product.description = _clean_text(data.description, max_length=20000, field="description")
    product.category = _category(data.category_id)


# --- Products and SKUs -----------------------------------------------------------------------


def create_product(user: User, store_id: str, data: ProductInput) -> Product:
    """A new off-shelf product of the store with its SKU matrix (staff of the store)."""
    store = access_store(user, store_id)
    specs = clean_specs(data.specs)
    skus = _clean_skus(specs, data.skus)
    with transaction.atomic():
        product = Product(store=store)
        _apply_fields(product, data)
        _check_codes_free(store, None, (s.code for s in skus))
        product.specs = [s.as_json() for s in specs]
        product.save()
        apply_skus(product, specs, skus)
        refresh_product(product)
    return product


def update_product(user: User, product_id: str, data: ProductInput) -> Product:
    """Replace the product's fields, specs and SKU matrix.

    SKUs whose combination still exists are kept (and reactivated); SKUs of removed values are
    deactivated, never deleted, as orders refer to them; new combinations get new SKUs."""
    product = access_product(user, product_id)
    specs = clean_specs(data.specs)
    skus = _clean_skus(specs, data.skus)
    with transaction.atomic():
        lock_product(product.pk)
        _apply_fields(product, data)
        _check_codes_free(product.store, product, (s.code for s in skus))
        product.specs = [s.as_json() for s in specs]
        product.save()
        apply_skus(product, specs, skus)
        if product.on_shelf and not product.skus.filter(is_active=True).exists():
            raise Conflict(
                _("A product on the shelf needs at least one SKU with a price."),
                code=CatalogCode.NO_SKU,
            )
        refresh_product(product)
    return product


def apply_skus(product: Product, specs: Sequence[Spec], skus: Sequence[SkuInput]) -> None:
    """Make the product's active SKUs exactly `skus` (already cleaned against `specs`)."""
    existing: dict[tuple[tuple[str, str], ...], Sku] = {}
    for sku in product.skus.order_by("is_active", "created_at"):
        existing[spec_key(sku.spec_values)] = sku  # an active SKU wins over an inactive one
    wanted = {spec_key(s.spec_values) for s in skus}
    stale = [sku.pk for key, sku in existing.items() if key not in wanted and sku.is_active]
    Sku.objects.filter(pk__in=stale).update(is_active=False)
    for item in skus:
        found = existing.get(spec_key(item.spec_values))
        if found is None:
            Sku.objects.create(
                product=product,
                spec_values=item.spec_values,
                price=item.price,
                stock=item.stock,
                code=item.code,
            )
            continue
        found.spec_values, found.price, found.code, found.is_active = (
            item.spec_values,
            item.price,
            item.code,
            True,
        )
        found.save(update_fields=["spec_values", "price", "code", "is_active", "updated_at"])
        if item.stock_base is None:
            Sku.objects.filter(pk=found.pk).update(stock=item.stock)
        elif item.stock != item.stock_base:
            _shift_stock(found, item.stock - item.stock_base)


def _shift_stock(sku: Sku, delta: int) -> None:
    changed = (
        Sku.objects.filter(pk=sku.pk, stock__gte=max(0, -delta))
        .filter(stock__lte=MAX_STOCK - max(0, delta))
        .update(stock=F("stock") + delta)
    )
    if not changed:
        raise Conflict(
            _("The stock of “%(label)s” changed meanwhile; reload and try again.")
            % {"label": sku.label},
            code=CatalogCode.STOCK_CHANGED,
        )


def refresh_product(product: Product) -> None:
    """Recompute the denormalised lowest price and the search tokens of the product."""
    lowest = product.skus.filter(is_active=True).aggregate(m=Min("price"))["m"] or 0
    Product.objects.filter(pk=product.pk).update(min_price=lowest)
    product.min_price = lowest
    index_product(product)


def set_shelf(user: User, product_id: str, on_shelf: bool) -> Product:
    """Put the product on or off the shelf; on needs at least one active SKU (with its price)."""
    product = access_product(user, product_id)
    with transaction.atomic():
        lock_product(product.pk)
        if on_shelf and not product.skus.filter(is_active=True, price__gt=0).exists():
            raise Conflict(
                _("Add at least one SKU with a price before putting the product on the shelf."),
                code=CatalogCode.NO_SKU,
            )
        Product.objects.filter(pk=product.pk).update(on_shelf=on_shelf)
        product.on_shelf = on_shelf
    return product


def update_sku(
    user: User,
    sku_id: str,
    *,
    price: int | None = None,
    stock: int | None = None,
    stock_delta: int | None = None,
) -> Sku:
    """Change a SKU's price and stock: `stock` sets it, `stock_delta` adds to (or takes from)
    the current stock atomically, refusing to go below zero."""
    sku = access_sku(user, sku_id)
    if stock is not None and stock_delta is not None:
        raise InvalidInput(_("Give either a stock or a stock change, not both."), field="stock")
    with transaction.atomic():
        if price is not None:
            sku.price = clean_price(price)
            Sku.objects.filter(pk=sku.pk).update(price=sku.price)
            refresh_product(sku.product)
        if stock is not None:
            Sku.objects.filter(pk=sku.pk).update(stock=clean_stock(stock))
        if stock_delta:
            if isinstance(stock_delta, bool) or abs(stock_delta) > MAX_STOCK:
                raise InvalidInput(_("This stock change is not valid."), field="stock_delta")
            _shift_stock(sku, stock_delta)
    sku.refresh_from_db()
    return sku


def delete_product(user: User, product_id: str) -> None:
    """Delete a product nothing holds on to: the receivers of `deleting_product` may refuse
    (an ordered product can only go off the shelf)."""
    product = access_product(user, product_id)
    with transaction.atomic():
        lock_product_for_delete(product.pk)
        deleting_product.send(sender=Product, product=product)
        files = [n for img in product.images.all() for n in (img.image.name, img.thumbnail.name)]
        unindex_product(product.pk)
        product.delete()
        transaction.on_commit(lambda: delete_files(files))


# --- Stock, for orders -----------------------------------------------------------------------


def take_stock(sku_id: str, quantity: int) -> bool:
    """Take `quantity` units of a sellable SKU in one conditional UPDATE; False if there are not
    enough units or the SKU is not for sale (inactive, off the shelf, store closed).

    The row's own condition (`stock >= quantity`) is what PostgreSQL re-checks when a
    concurrent buyer updated the row first, so stock never goes negative (a CHECK constraint
    backs this up). Call it inside the order's transaction."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(_("The quantity must be at least 1."), field="quantity")
    with transaction.atomic():
        sellable = Sku.objects.filter(
            pk=sku_id, is_active=True, product__on_shelf=True, product__store__is_active=True
        ).exists()
        if not sellable:
            return False
        taken = Sku.objects.filter(pk=sku_id, is_active=True, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
    return taken == 1


def return_stock(sku_id: str, quantity: int) -> None:
    """Give back units taken by `take_stock` (cancelled or refunded order); always succeeds,
    also for a SKU deactivated since."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(_("The quantity must be at least 1."), field="quantity")
    Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)


def record_sale(product_id: str, quantity: int) -> None:
    """Count units sold on the product (the 'sales' sort); orders call it when an order is paid."""
    if quantity > 0:
        Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)


# --- Images ----------------------------------------------------------------------------------


def add_image(user: User, product_id: str, upload: Any) -> ProductImage:
    """Validate and store a product photo with its thumbnail (at most MAX_IMAGES per product)."""
    product = access_product(user, product_id)
    ext, width, height = validate_image(upload)
    try:
        thumbnail = make_thumbnail(upload)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(
            _("This file is not an image we can read."), code=CoreCode.NOT_AN_IMAGE
        ) from exc
    with transaction.atomic():
        lock_product(product.pk)
        stats = product.images.aggregate(n=Max("position"), count=Count("id"))
        if stats["count"] >= MAX_IMAGES:
            raise Conflict(
                _("A product has at most %(n)d images.") % {"n": MAX_IMAGES},
                code=CatalogCode.TOO_MANY_IMAGES,
            )
        image = ProductImage(
            product=product,
            width=width,
            height=height,
            position=(stats["n"] + 1) if stats["n"] is not None else 0,
        )
        image.image.save(f"{image.id}.{ext}", upload, save=False)
        image.thumbnail.save(f"{image.id}.jpg", thumbnail, save=False)
        try:
            image.save()
        except Exception:
            delete_files([image.image.name, image.thumbnail.name])
            raise
    return image


def delete_image(user: User, product_id: str, image_id: str) -> None:
    product = access_product(user, product_id)
    image = ProductImage.objects.filter(pk=image_id, product=product).first()
    if image is None:
        raise NotFound(_("Image not found."))
    names: list[str | None] = [image.image.name, image.thumbnail.name]
    with transaction.atomic():
        image.delete()
        transaction.on_commit(lambda: delete_files(names))


def reorder_images(user: User, product_id: str, image_ids: Sequence[str]) -> list[ProductImage]:
    """Put the product's images in the order of `image_ids` (all of them, each once)."""
    product = access_product(user, product_id)
    with transaction.atomic():
        lock_product(product.pk)
        images = {img.pk: img for img in product.images.all()}
        if sorted(image_ids) != sorted(images):
            raise InvalidInput(_("List every image of the product exactly once."), field="ids")
        for position, image_id in enumerate(image_ids):
            images[image_id].position = position
        ProductImage.objects.bulk_update(images.values(), ["position"])
    return [images[i] for i in image_ids]


def move_image(user: User, product_id: str, image_id: str, step: int) -> None:
    """Move one image earlier (step -1) or later (step 1) in the gallery."""
    product = access_product(user, product_id)
    ids = list(product.images.order_by("position", "created_at").values_list("pk", flat=True))
    if image_id not in ids:
        raise NotFound(_("Image not found."))
    i = ids.index(image_id)
    j = min(max(i + (1 if step > 0 else -1), 0), len(ids) - 1)
    ids[i], ids[j] = ids[j], ids[i]
    reorder_images(user, product_id, ids)


def variant_spec(product: Product) -> tuple[str, tuple[str, ...]] | None:
    """The spec whose values photos can show (规格图片: the first one, as at Youzan): its name
    and values; None for a product without specs."""
    specs = product.specs or []
    if not specs or not isinstance(specs[0], dict):
        return None
    first = specs[0]
    return str(first.get("name", "")), tuple(str(v) for v in first.get("values") or [])


def set_image_variant(user: User, product_id: str, image_id: str, value: str) -> ProductImage:
    """Make a photo the picture of the variants with `value` of the first spec (one photo per
    value: the photo that showed it before no longer does), or of none with ''."""
    product = access_product(user, product_id)
    image = product.images.filter(pk=image_id).first() if is_public_id(image_id) else None
    if image is None:
        raise NotFound(_("Image not found."))
    value = value.strip() if isinstance(value, str) else ""
    spec = variant_spec(product)
    if value and (spec is None or value not in spec[1]):
        if spec is None:
            raise InvalidInput(
                _("This product has no specs: a photo shows the whole product."),
                field="spec_value",
            )
        raise InvalidInput(
            _("“%(value)s” is not a value of “%(spec)s”.") % {"value": value[:40], "spec": spec[0]},
            field="spec_value",
        )
    with transaction.atomic():
        lock_product(product.pk)
        if value:
            product.images.filter(spec_value=value).exclude(pk=image.pk).update(spec_value="")
        ProductImage.objects.filter(pk=image.pk).update(spec_value=value)
    image.spec_value = value
    return image


def variant_images(product: Product, images: Sequence[ProductImage]) -> dict[str, ProductImage]:
    """{value of the first spec: its photo} among `images` (the product's, already loaded)."""
    spec = variant_spec(product)
    if spec is None:
        return {}
    return {img.spec_value: img for img in images if img.spec_value in spec[1]}


def sku_image(sku: Sku, images: Sequence[ProductImage]) -> ProductImage | None:
    """The photo of this variant (its first spec value's), else the product's first photo."""
    spec = variant_spec(sku.product)
    if spec is not None:
        name, values = spec
        value = str(sku.spec_values.get(name, ""))
        if value in values:
            shown = next((img for img in images if img.spec_value == value), None)
            if shown is not None:
                return shown
    return images[0] if images else None


# --- Categories ------------------------------------------------------------------------------


def create_category(user: User, name: str, parent_id: str | None = None) -> Category:
    """Categories are shared by all stores: platform operators create them."""
    if not user.is_staff:
        raise PermissionDenied(_("Only platform operators manage categories."))
    name = _clean_text(name, max_length=40, field="name", required=True)
    if Category.objects.filter(name=name).exists():
        raise Conflict(_("This category exists already."), field="name")
    parent = Category.objects.filter(pk=parent_id).first() if parent_id else None
    if parent_id and parent is None:
        raise InvalidInput(_("Unknown category."), field="parent")
    return Category.objects.create(name=name, parent=parent)
