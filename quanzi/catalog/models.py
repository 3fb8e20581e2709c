"""Categories, products, their SKUs built from spec attributes, and images."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel
from quanzi.stores.models import Store


class Category(PublicModel):
    name = models.CharField(_("name"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(PublicModel):
    """A product of a store. `specs` lists its spec attributes, e.g.
    [{"name": "颜色", "values": ["红", "蓝"]}, {"name": "尺码", "values": ["S", "M"]}];
    each SKU holds one value per attribute."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="products", verbose_name=_("store")
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=120)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=20000, blank=True)
    specs = models.JSONField(_("spec attributes"), default=list, blank=True)
    on_shelf = models.BooleanField(_("on shelf"), default=False, db_index=True)
    # Denormalised for lists and search ranking; kept up to date by catalog.services.
    min_price = models.BigIntegerField(_("lowest price (fen)"), default=0)
    sales_count = models.PositiveIntegerField(_("sold"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    # Search tokens (jieba, space-joined) of the title alone and of everything searchable; the
    # title is weighted higher in ranking. Written by catalog.search.index_product.
    search_title = models.TextField(_("search title"), blank=True, editable=False)
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "on_shelf", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        """Visible to everyone: on the shelf in an open store (needs `store` loaded)."""
        return self.on_shelf and self.store.is_active

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class Sku(PublicModel):
    """A sellable variant. Stock is only ever changed by a conditional update (see services)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("product")
    )
    spec_values = models.JSONField(_("spec values"), default=dict, blank=True)
    code = models.CharField(_("SKU code"), max_length=64, blank=True)
    price = models.BigIntegerField(_("price (fen)"))
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_nonneg"),
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.label}"

    @property
    def label(self) -> str:
        """The spec values in the product's attribute order: '红 / S'."""
        return " / ".join(v for _, v in self.spec_pairs())

    @property
    def spec_text(self) -> str:
        """The spec values as written in import/export files: '颜色:红;尺码:S'."""
        return ";".join(f"{k}:{v}" for k, v in self.spec_pairs())

    def spec_pairs(self) -> list[tuple[str, str]]:
        """(attribute, value) pairs in the product's attribute order when the product is loaded
        (PostgreSQL's jsonb does not keep the key order of `spec_values`)."""
        names: list[str] = list(self.spec_values)
        if Sku.product.is_cached(self):
            ordered = [str(s.get("name")) for s in self.product.specs if isinstance(s, dict)]
            names = [n for n in ordered if n in self.spec_values] + [
                n for n in names if n not in ordered
            ]
        return [(n, str(self.spec_values[n])) for n in names]


class ProductImage(PublicModel):
    """A product photo (at most MAX_IMAGES per product) and its JPEG thumbnail."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="products/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveIntegerField(_("position"), default=0)
    # 规格图片: the value of the product's first spec this photo shows (e.g. "红色"), so the
    # variants with that value show it when chosen; empty for a photo of the whole product.
    spec_value = models.CharField(_("shows the variant"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "created_at"]
