"""Django admin for platform operators: categories, and products for moderation.

Products and SKUs are edited by merchants through the services (which keep prices, stock and
the search index right); here an operator only takes a product off the shelf."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Category, Product, ProductImage, Sku
from quanzi.catalog.search import reindex_products
from quanzi.core.admin import money


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "parent", "position")
    list_editable = ("position",)
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:  # products are found by category name
            reindex_products(
                Product.objects.filter(category=obj).select_related("store", "category")
            )


class SkuInline(admin.TabularInline[Sku, Product]):
    model = Sku
    extra = 0
    can_delete = False
    price_yuan = money("price", _("price"))
    fields = ("spec_values", "code", "price_yuan", "stock", "is_active")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ImageInline(admin.TabularInline[ProductImage, Product]):
    model = ProductImage
    extra = 0
    can_delete = False
    fields = ("thumbnail", "width", "height", "position")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    min_price_yuan = money("min_price", _("lowest price"))
    list_display = ("title", "store", "category", "min_price_yuan", "on_shelf", "created_at")
    list_filter = ("on_shelf", "category")
    search_fields = ("title", "store__name")
    list_select_related = ("store", "category")
    fields = ("store", "title", "subtitle", "description", "category", "specs", "on_shelf")
    readonly_fields = ("store", "title", "subtitle", "description", "category", "specs")
    inlines = (SkuInline, ImageInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
