"""API schemas of the catalog and the functions that fill them from loaded objects.

The output schemas are plain pydantic models, filled explicitly by the `*_out` functions: ninja's
`Schema` resolves every field through its Django-aware getter, which costs a third of a product
list's time and is not needed when nothing is read from an ORM object by the schema itself.

The `*_out` functions only read what the callers loaded (select_related / prefetch_related),
so a list costs the same number of queries whatever its length."""

from __future__ import annotations

from datetime import datetime

from ninja import Field
from pydantic import BaseModel

from quanzi.catalog.models import Category, Product, ProductImage, Sku
from quanzi.catalog.services import ProductInput, SkuInput, Spec
from quanzi.core.schemas import Schema
from quanzi.stores.models import Store


class CategoryOut(BaseModel):
    id: str
    name: str
    parent_id: str | None = None


class CategoryIn(Schema):
    name: str = Field(max_length=40)
    parent_id: str | None = Field(default=None, max_length=16)


class StoreBrief(BaseModel):
    id: str
    name: str
    logo: str | None = None


class ProductImageOut(BaseModel):
    id: str
    url: str
    thumbnail: str
    width: int
    height: int
    position: int


class ProductCard(BaseModel):
    id: str
    title: str
    subtitle: str
    min_price: int = Field(description="lowest active SKU price, fen")
    cover: str | None = Field(description="thumbnail URL of the first image")
    store: StoreBrief
    category: CategoryOut | None = None
    rating: float | None = None
    rating_count: int
    sales_count: int
    on_shelf: bool


class ProductPage(BaseModel):
    items: list[ProductCard]
    count: int
    page: int
    page_size: int
    pages: int


class SpecSchema(Schema):
    name: str = Field(max_length=20)
    values: list[str] = Field(max_length=20)


class SkuOut(BaseModel):
    id: str
    spec_values: dict[str, str]
    label: str
    code: str
    price: int = Field(description="fen")
    stock: int
    is_active: bool


class ProductDetail(BaseModel):
    id: str
    title: str
    subtitle: str
    description: str
    specs: list[SpecSchema]
    skus: list[SkuOut]
    images: list[ProductImageOut]
    store: StoreBrief
    category: CategoryOut | None = None
    min_price: int
    max_price: int
    rating: float | None = None
    rating_count: int
    sales_count: int
    on_shelf: bool
    created_at: datetime


class SkuIn(Schema):
    spec_values: dict[str, str] = Field(default_factory=dict, description="attribute → value")
    price: int = Field(description="fen, at least 1")
    stock: int = 0
    code: str = Field(default="", max_length=64)


class ProductIn(Schema):
    title: str = Field(max_length=120)
    subtitle: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=20000)
    category_id: str | None = Field(default=None, max_length=16)
    specs: list[SpecSchema] = Field(default_factory=list, max_length=3)
    skus: list[SkuIn] = Field(default_factory=list, max_length=200)

    def to_input(self) -> ProductInput:
        return ProductInput(
            title=self.title,
            subtitle=self.subtitle,
            description=self.description,
            category_id=self.category_id,
            specs=[Spec(s.name, tuple(s.values)) for s in self.specs],
            skus=[
                SkuInput(spec_values=s.spec_values, price=s.price, stock=s.stock, code=s.code)
                for s in self.skus
            ],
        )


class ShelfIn(Schema):
    on_shelf: bool


class ShelfOut(Schema):
    id: str
    on_shelf: bool


class SkuPatch(Schema):
    price: int | None = Field(default=None, description="fen")
    stock: int | None = Field(default=None, description="sets the stock")
    stock_delta: int | None = Field(default=None, description="adds to the current stock")


class ImageOrderIn(Schema):
    ids: list[str] = Field(max_length=9)


class ImportOut(Schema):
    products_created: int
    products_updated: int
    skus_created: int
    skus_updated: int


def category_out(category: Category | None) -> CategoryOut | None:
    if category is None:
        return None
    return CategoryOut(id=category.pk, name=category.name, parent_id=category.parent_id)


def store_brief(store: Store) -> StoreBrief:
    return StoreBrief(id=store.pk, name=store.name, logo=store.logo.url if store.logo else None)


def image_out(image: ProductImage) -> ProductImageOut:
    return ProductImageOut(
        id=image.pk,
        url=image.image.url,
        thumbnail=image.thumbnail.url,
        width=image.width,
        height=image.height,
        position=image.position,
    )


def card_out(product: Product) -> ProductCard:
    images = list(product.images.all())
    return ProductCard(
        id=product.pk,
        title=product.title,
        subtitle=product.subtitle,
        min_price=product.min_price,
        cover=images[0].thumbnail.url if images else None,
        store=store_brief(product.store),
        category=category_out(product.category),
        rating=product.rating,
        rating_count=product.rating_count,
        sales_count=product.sales_count,
        on_shelf=product.on_shelf,
    )


def sku_out(sku: Sku, *, staff: bool) -> SkuOut:
    return SkuOut(
        id=sku.pk,
        spec_values={str(k): str(v) for k, v in sku.spec_values.items()},
        label=sku.label,
        code=sku.code if staff else "",
        price=sku.price,
        stock=sku.stock,
        is_active=sku.is_active,
    )


def detail_out(product: Product, *, staff: bool) -> ProductDetail:
    """The product page's data; inactive SKUs and SKU codes only for the store's people."""
    skus = [s for s in product.skus.all() if staff or s.is_active]
    for sku in skus:
        sku.product = product  # labels in the product's attribute order, without a query
    prices = [s.price for s in skus if s.is_active]
    return ProductDetail(
        id=product.pk,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        specs=[SpecSchema(name=s["name"], values=s["values"]) for s in product.specs],
        skus=[sku_out(s, staff=staff) for s in skus],
        images=[image_out(i) for i in product.images.all()],
        store=store_brief(product.store),
        category=category_out(product.category),
        min_price=min(prices, default=0),
        max_price=max(prices, default=0),
        rating=product.rating,
        rating_count=product.rating_count,
        sales_count=product.sales_count,
        on_shelf=product.on_shelf,
        created_at=product.created_at,
    )
