"""Catalog API: public product list, search and detail, categories; console endpoints for the
store's people (products, SKUs, shelf, images, import and export)."""

from __future__ import annotations

from typing import Literal

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Status, UploadedFile

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.accounts.models import User
from quanzi.catalog import services, transfer
from quanzi.catalog.models import Category, Product, ProductImage
from quanzi.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    ImageOrderIn,
    ImportOut,
    ProductDetail,
    ProductImageOut,
    ProductIn,
    ProductPage,
    ShelfIn,
    ShelfOut,
    SkuOut,
    SkuPatch,
    card_out,
    category_out,
    detail_out,
    image_out,
    sku_out,
)
from quanzi.catalog.search import RankedProducts, search_products
from quanzi.core.schemas import Schema
from quanzi.stores.services import access_store

router = Router()

MAX_PAGE_SIZE = 100
Sort = Literal["relevance", "newest", "price_asc", "price_desc", "sales"]


class ProductFilters(Schema):
    q: str = Field(default="", max_length=100, description="search words (Chinese is segmented)")
    category: str | None = Field(default=None, max_length=16)
    store: str | None = Field(default=None, max_length=16)
    min_price: int | None = Field(default=None, ge=0, description="fen")
    max_price: int | None = Field(default=None, ge=0, description="fen")
    sort: Sort = "relevance"
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class ConsoleFilters(Schema):
    on_shelf: bool | None = None
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


def _page(
    results: QuerySet[Product] | RankedProducts, count: int, page: int, page_size: int
) -> ProductPage:
    pages = max(1, -(-count // page_size))
    start = (min(page, pages) - 1) * page_size
    items = list(results[start : start + page_size]) if count else []
    return ProductPage(
        items=[card_out(p) for p in items],
        count=count,
        page=min(page, pages),
        page_size=page_size,
        pages=pages,
    )


@router.get("/products", response=ProductPage)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> ProductPage:
    """On-shelf products of open stores, searched (`q`), filtered and sorted; page by page."""
    results = search_products(
        filters.q,
        category=filters.category,
        store=filters.store,
        sort=filters.sort,
        min_price=filters.min_price,
        max_price=filters.max_price,
    )
    return _page(results, results.count(), filters.page, filters.page_size)


def _detail(user: User | None, product_id: str, need: str = "staff") -> ProductDetail:
    product, role = services.access_product_with_role(user, product_id, need=need)
    prefetch_related_objects(
        [product],
        "skus",
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at")),
    )
    return detail_out(product, staff=role is not None)


@router.get("/products/{product_id}", response=ProductDetail)
def get_product(request: HttpRequest, product_id: str) -> ProductDetail:
    """A product with its specs, SKUs, images, store, rating; off-shelf only for its store."""
    return _detail(optional_user(request), product_id, need="read")


@router.get("/categories", response=list[CategoryOut])
def list_categories(request: HttpRequest) -> list[CategoryOut | None]:
    return [category_out(c) for c in Category.objects.all()]


@router.post("/categories", auth=AUTH, response={201: CategoryOut})
def create_category(request: HttpRequest, data: CategoryIn) -> Status[CategoryOut | None]:
    """Platform operators only."""
    category = services.create_category(current_user(request), data.name, data.parent_id)
    return Status(201, category_out(category))


# --- Console ---------------------------------------------------------------------------------


@router.get("/stores/{store_id}/products", auth=AUTH, response=ProductPage)
def store_products(
    request: HttpRequest, store_id: str, filters: Query[ConsoleFilters]
) -> ProductPage:
    """All products of the store, on and off the shelf (the store's people)."""
    store = access_store(current_user(request), store_id)
    products = (
        Product.objects.filter(store=store)
        .select_related("store", "category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at"))
        )
        .order_by("-created_at", "id")
    )
    if filters.on_shelf is not None:
        products = products.filter(on_shelf=filters.on_shelf)
    return _page(products, products.count(), filters.page, filters.page_size)


@router.post("/stores/{store_id}/products", auth=AUTH, response={201: ProductDetail})
def create_product(request: HttpRequest, store_id: str, data: ProductIn) -> Status[ProductDetail]:
    """A new product (off the shelf) with its spec attributes and SKU matrix; prices in fen."""
    user = current_user(request)
    product = services.create_product(user, store_id, data.to_input())
    return Status(201, _detail(user, product.pk))


@router.put("/products/{product_id}", auth=AUTH, response=ProductDetail)
def update_product(request: HttpRequest, product_id: str, data: ProductIn) -> ProductDetail:
    """Replace fields, specs and SKUs: kept combinations keep their SKU, removed ones are
    deactivated, new ones are created."""
    user = current_user(request)
    services.update_product(user, product_id, data.to_input())
    return _detail(user, product_id)


@router.delete("/products/{product_id}", auth=AUTH, response={204: None})
def delete_product(request: HttpRequest, product_id: str) -> Status[None]:
    """Only a product that was never ordered; otherwise take it off the shelf (409)."""
    services.delete_product(current_user(request), product_id)
    return Status(204, None)


@router.post("/products/{product_id}/shelf", auth=AUTH, response=ShelfOut)
def set_shelf(request: HttpRequest, product_id: str, data: ShelfIn) -> ShelfOut:
    product = services.set_shelf(current_user(request), product_id, data.on_shelf)
    return ShelfOut(id=product.pk, on_shelf=product.on_shelf)


@router.patch("/skus/{sku_id}", auth=AUTH, response=SkuOut)
def update_sku(request: HttpRequest, sku_id: str, data: SkuPatch) -> SkuOut:
    """Set the price (fen) and the stock, or change the stock by `stock_delta`."""
    sku = services.update_sku(
        current_user(request),
        sku_id,
        price=data.price,
        stock=data.stock,
        stock_delta=data.stock_delta,
    )
    return sku_out(sku, staff=True)


@router.post("/products/{product_id}/images", auth=AUTH, response={201: ProductImageOut})
def upload_image(
    request: HttpRequest, product_id: str, file: File[UploadedFile]
) -> Status[ProductImageOut]:
    """A JPEG, PNG, WebP or GIF photo up to 5 MB and 6000 × 6000 pixels; 9 per product."""
    image = services.add_image(current_user(request), product_id, file)
    return Status(201, image_out(image))


@router.put("/products/{product_id}/images/order", auth=AUTH, response=list[ProductImageOut])
def reorder_images(
    request: HttpRequest, product_id: str, data: ImageOrderIn
) -> list[ProductImageOut]:
    images = services.reorder_images(current_user(request), product_id, data.ids)
    return [image_out(i) for i in images]


@router.delete("/products/{product_id}/images/{image_id}", auth=AUTH, response={204: None})
def delete_image(request: HttpRequest, product_id: str, image_id: str) -> Status[None]:
    services.delete_image(current_user(request), product_id, image_id)
    return Status(204, None)


@router.post("/stores/{store_id}/import", auth=AUTH, response=ImportOut)
def import_products(request: HttpRequest, store_id: str, file: File[UploadedFile]) -> ImportOut:
    """Create and update products from .xlsx or .csv (one row per SKU), all rows or none; a 400
    `import_invalid` lists `errors` as {row, message}."""
    result = transfer.import_products(current_user(request), store_id, file)
    return ImportOut(**result.__dict__)


SPREADSHEET = {"schema": {"type": "string", "format": "binary"}}
EXPORTED = {
    "description": "The spreadsheet, as an attachment",
    "content": {transfer.XLSX_TYPE: SPREADSHEET, "text/csv": SPREADSHEET},
}


@router.get("/stores/{store_id}/export", auth=AUTH, openapi_extra={"responses": {200: EXPORTED}})
def export_products(
    request: HttpRequest, store_id: str, format: Literal["xlsx", "csv"] = "xlsx"
) -> HttpResponse:
    """The store's products as a spreadsheet, one row per active SKU, in the import format."""
    content, content_type, name = transfer.export_products(current_user(request), store_id, format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
