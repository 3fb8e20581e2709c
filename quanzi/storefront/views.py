"""The pages that compose several domains, so they sit above all of them: the home page, the
product page (reviews, notes, campaign offers, share button), the store page (products, follow
button, promoter link) and the merchant console's dashboard (the store's orders). Thin: each
domain's services and selectors do the work and check the permissions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.catalog.models import Category
from quanzi.catalog.search import search_products
from quanzi.catalog.services import access_product_with_role, sku_image
from quanzi.circles.selectors import circles_of_store
from quanzi.orders.selectors import dashboard
from quanzi.reviews.selectors import highlighted_reviews, rating_breakdown
from quanzi.social.services.notes import notes_for_product
from quanzi.storefront.home import home_page
from quanzi.stores.services import access_store, role_in
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record_visit
from quanzi.trust.services.indicator import store_trust

PRODUCTS_PER_PAGE = 20


def home(request: HttpRequest) -> HttpResponse:
    """首页: what is happening around the member, then products for them (storefront/home)."""
    categories = Category.objects.filter(parent=None)
    return render(
        request,
        "storefront/home.html",
        {"home": home_page(page_user(request)), "categories": categories},
    )


@require_GET
def product(request: HttpRequest, product_id: str) -> HttpResponse:
    """The product page: gallery, price, SKU picker, buy buttons, store, description, reviews."""
    found, role = access_product_with_role(page_user(request), product_id, need="read")
    if role is None:  # the store's own people are not visitors
        record_visit(request, EventKind.PRODUCT_VIEW, store_id=found.store_id, ref=found.pk)
    skus = list(found.skus.filter(is_active=True))
    for sku in skus:
        sku.product = found
    images = list(found.images.order_by("position", "created_at"))
    # 规格图片: a variant's photo is shown in the gallery when it is chosen (its index there).
    shown = {img.pk: i for i, img in enumerate(images)}
    picker = [
        {
            "id": s.pk,
            "values": s.spec_values,
            "price": s.price,
            "stock": s.stock,
            "label": s.label,
            "image": shown[image.pk] if (image := sku_image(s, images)) else None,
        }
        for s in skus
    ]
    prices = [s.price for s in skus]
    return render(
        request,
        "storefront/product.html",
        {
            "product": found,
            "role": role,
            "skus": skus,
            "images": images,
            "picker": picker,
            "specs": found.specs,
            "min_price": min(prices, default=0),
            "max_price": max(prices, default=0),
            "total_stock": sum(s.stock for s in skus),
            "reviews": highlighted_reviews(found.pk, limit=5, viewer=page_user(request)),
            "review_counts": rating_breakdown(found.pk) if found.rating_count else None,
            "notes": notes_for_product(found.pk, limit=4, viewer=page_user(request)),
            "trust": store_trust(found.store_id),
        },
    )


@require_GET
def store(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's page: logo, description, policies and its on-shelf products."""
    user = page_user(request)
    found = access_store(user, store_id, need="read")
    products = search_products("", store=found.pk, sort=request.GET.get("sort", "newest"))
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(number)  # type: ignore[arg-type]
    role = role_in(user, found)
    if role is None:
        record_visit(request, EventKind.STORE_VIEW, store_id=found.pk)
    return render(
        request,
        "storefront/store.html",
        {
            "store": found,
            "page": page,
            "role": role,
            "circles": circles_of_store(found.pk),
            "trust": store_trust(found.pk),
        },
    )


@login_required
@require_GET
def console_dashboard(request: HttpRequest, store_id: str) -> HttpResponse:
    """The merchant console's home for one store: today's orders and sales, what to ship."""
    found = access_store(signed_in_user(request), store_id)
    return render(
        request,
        "storefront/console_dashboard.html",
        {
            "store": found,
            "console_tab": "dashboard",
            "stats": dashboard(found),
            "role": role_in(signed_in_user(request), found),
        },
    )
