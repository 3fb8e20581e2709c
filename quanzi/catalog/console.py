"""The merchant console's product list: searched (title, subtitle or SKU code), filtered by
shelf state or stock, sorted by newest, sales or stock, with each row's SKUs, total stock and
cover — in a constant number of queries per page. The caller checked the store's access."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from quanzi.catalog.models import Product, ProductImage, Sku
from quanzi.stores.models import Store

SHELF_FILTERS = ("all", "on", "off", "sold_out", "low")
SORTS = {
    "newest": ("-created_at", "id"),
    "sales": ("-sales_count", "-created_at", "id"),
    "stock": ("stock_total", "-created_at", "id"),
}
LOW_STOCK = 5
MAX_QUERY = 50


@dataclass(frozen=True)
class ConsoleQuery:
    q: str = ""
    shelf: str = "all"
    sort: str = "newest"

    @classmethod
    def of(cls, q: str, shelf: str, sort: str) -> ConsoleQuery:
        """The list's choices from the page's query string; anything unknown means the default."""
        return cls(
            q=q.strip()[:MAX_QUERY],
            shelf=shelf if shelf in SHELF_FILTERS else "all",
            sort=sort if sort in SORTS else "newest",
        )


@dataclass
class ConsoleRow:
    product: Product
    skus: list[Sku]
    stock: int
    cover: ProductImage | None


def console_products(store: Store, query: ConsoleQuery) -> QuerySet[Product]:
    active = Sku.objects.filter(product=OuterRef("pk"), is_active=True)
    products = (
        Product.objects.filter(store=store)
        .annotate(stock_total=Sum("skus__stock", filter=Q(skus__is_active=True), default=0))
        .select_related("store", "category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at")),
            Prefetch("skus", queryset=Sku.objects.filter(is_active=True)),
        )
    )
    if query.q:
        code = Sku.objects.filter(product=OuterRef("pk"), code__icontains=query.q)
        products = products.filter(
            Q(title__icontains=query.q) | Q(subtitle__icontains=query.q) | Exists(code)
        )
    if query.shelf == "on":
        products = products.filter(on_shelf=True)
    elif query.shelf == "off":
        products = products.filter(on_shelf=False)
    elif query.shelf == "sold_out":
        products = products.filter(Exists(active), stock_total=0)
    elif query.shelf == "low":
        products = products.filter(stock_total__gt=0, stock_total__lte=LOW_STOCK)
    return products.order_by(*SORTS[query.sort])


def console_rows(products: list[Product]) -> list[ConsoleRow]:
    rows = []
    for product in products:
        skus = list(product.skus.all())
        images = list(product.images.all())
        rows.append(
            ConsoleRow(product, skus, sum(s.stock for s in skus), images[0] if images else None)
        )
    return rows
