from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The storefront home page."""
    from quanzi.catalog.models import Product

    products = (
        Product.objects.filter(on_shelf=True, store__is_active=True)
        .select_related("store")
        .prefetch_related("images")[:40]
    )
    return render(request, "core/home.html", {"products": products})
