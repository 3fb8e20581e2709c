from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quanzi.accounts.models import User

HOME_PRODUCTS = 40


def home(request: HttpRequest) -> HttpResponse:
    """The storefront home page: the categories and the newest on-shelf products."""
    from quanzi.catalog.models import Category
    from quanzi.catalog.search import visible_products

    products = visible_products().order_by("-created_at", "id")[:HOME_PRODUCTS]
    categories = Category.objects.filter(parent=None)
    return render(request, "core/home.html", {"products": products, "categories": categories})


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view behind `login_required` (typed for the services it calls)."""
    user = request.user
    assert isinstance(user, User), "signed_in_user needs login_required"
    return user
