"""Review pages (thin; services and selectors do the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, DomainError
from quanzi.reviews import selectors, services
from quanzi.reviews.models import MAX_PHOTOS, MAX_REPLY, MAX_TEXT
from quanzi.stores.services import access_store


def _int_param(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _product_anchor(product_id: str) -> str:
    return reverse("catalog:detail", args=[product_id]) + "#reviews"


@login_required
def new_review(request: HttpRequest, order_id: str, item_id: str) -> HttpResponse:
    """The review form of one purchased item; on success, back to the product's reviews."""
    user: User = signed_in_user(request)
    try:
        item = services.reviewable_item(user, order_id, item_id)
    except Conflict as exc:
        if exc.code != "already_reviewed":
            raise
        # A double submit or a second visit: the review exists, show it where it lives.
        item = services.buyer_item(user, order_id, item_id)
        messages.info(request, str(exc.message))
        return redirect(_product_anchor(item.product_id))
    error = None
    if request.method == "POST":
        try:
            review = services.write_review(
                user,
                order_id,
                item_id,
                request.POST.get("stars", ""),
                request.POST.get("text", ""),
                photos=request.FILES.getlist("photos"),
                anonymous=bool(request.POST.get("anonymous")),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Thank you! Your review is published."))
            return redirect(_product_anchor(review.product_id))
    context = {
        "item": item,
        "error": error,
        "form": request.POST,
        "star_choices": range(1, 6),
        "max_photos": MAX_PHOTOS,
        "max_text": MAX_TEXT,
    }
    return render(request, "reviews/new.html", context, status=error.status if error else 200)


def product_reviews(request: HttpRequest, product_id: str) -> HttpResponse:
    """All visible reviews of a product, paginated, with stars and 'with photos' filters; the
    viewer's own reviews under review are listed to them, marked."""
    product = selectors.public_product(product_id)
    stars = _int_param(request.GET.get("stars"))
    with_photos = request.GET.get("photos") == "1"
    page = selectors.product_reviews(
        product.id,
        stars=stars,
        with_photos=with_photos,
        page=_int_param(request.GET.get("page")),
        viewer=page_user(request),
    )
    context = {
        "product": product,
        "page": page,
        "breakdown": selectors.rating_breakdown(product.id),
        "stars": stars,
        "with_photos": with_photos,
    }
    return render(request, "reviews/product_reviews.html", context)


@login_required
def console_reviews(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's reviews with a reply form each (store owner and staff)."""
    user: User = signed_in_user(request)
    error = None
    replying_to = request.POST.get("review_id", "")
    if request.method == "POST":
        access_store(user, store_id)  # the console itself is for the store's staff only
        try:
            services.reply(user, replying_to, request.POST.get("text", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your reply is published."))
            return redirect(f"{request.get_full_path()}#review-{replying_to}")
    store, page = selectors.store_reviews(
        user,
        store_id,
        stars=_int_param(request.GET.get("stars")),
        unreplied=request.GET.get("unreplied") == "1",
        page=_int_param(request.GET.get("page")),
    )
    context = {
        "store": store,
        "console_tab": "reviews",
        "page": page,
        "stars": _int_param(request.GET.get("stars")),
        "unreplied": request.GET.get("unreplied") == "1",
        "error": error,
        "replying_to": replying_to,
        "reply_text": request.POST.get("text", ""),
        "max_reply": MAX_REPLY,
    }
    return render(
        request, "reviews/console_reviews.html", context, status=error.status if error else 200
    )
