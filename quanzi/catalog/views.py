"""Catalog pages (search, product detail)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from quanzi.catalog.models import Product


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"products": []})


def detail(request: HttpRequest, product_id: str) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id, on_shelf=True)
    return render(request, "core/home.html", {"products": [product]})
