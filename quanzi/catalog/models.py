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
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(PublicModel):
    """A product of a store. `specs` lists its spec attributes, e.g.
    [{"name": "颜色", "values": ["红", "蓝"]}, {"name": "尺码", "values": ["S", "M"]}];
    each SKU holds one value per attribute."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    title = models.CharField(_("title"), max_length=120)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=20000, blank=True)
    specs = models.JSONField(_("spec attributes"), default=list, blank=True)
    on_shelf = models.BooleanField(_("on shelf"), default=False, db_index=True)
    # Denormalised for lists and search ranking; kept up to date by catalog.services.
    min_price = models.BigIntegerField(_("lowest price (fen)"), default=0)
    sales_count = models.PositiveIntegerField(_("sold"), default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "on_shelf", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class Sku(PublicModel):
    """A sellable variant. Stock is only ever changed by a conditional update (see services)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    spec_values = models.JSONField(_("spec values"), default=dict, blank=True)
    code = models.CharField(_("SKU code"), max_length=64, blank=True)
    price = models.BigIntegerField(_("price (fen)"))
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_nonneg"),
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.label}"

    @property
    def label(self) -> str:
        return " / ".join(str(v) for v in self.spec_values.values())


class ProductImage(PublicModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(upload_to="products/thumbs/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "created_at"]
