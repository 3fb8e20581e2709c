"""Social pages: notes (thin; services do the work)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.catalog.models import Product
from quanzi.core.errors import DomainError
from quanzi.core.pagination import page_number
from quanzi.social.services import notes as services
from quanzi.stores.services import access_store


def _choices(request: HttpRequest, chosen: Iterable[Product]) -> list[Product]:
    """The picker's products: those chosen, then recent purchases, then search results."""
    seen: dict[str, Product] = {}
    recent = services.recent_bought_products(signed_in_user(request))
    found = services.search_products(request.GET.get("q", ""))
    for product in [*chosen, *found, *recent]:
        seen.setdefault(product.id, product)
    return list(seen.values())


def _form_context(
    request: HttpRequest, chosen: Iterable[Product], chosen_ids: Iterable[str]
) -> dict[str, Any]:
    return {
        "query": request.GET.get("q", ""),
        "choices": _choices(request, chosen),
        "chosen_ids": set(chosen_ids),
        "max_images": services.MAX_IMAGES,
        "max_products": services.MAX_PRODUCTS,
        "max_title": services.MAX_TITLE,
        "max_body": services.MAX_BODY,
    }


def _posted_products(request: HttpRequest) -> tuple[list[str], list[Product]]:
    ids = request.POST.getlist("product_ids")
    return ids, list(Product.objects.filter(pk__in=ids[:20]).select_related("store"))


@login_required
def note_new(request: HttpRequest) -> HttpResponse:
    """Write a note; `?store=<id>` writes it in the name of a store one works for."""
    user = signed_in_user(request)
    store_id = request.GET.get("store") or request.POST.get("store_id") or ""
    store = access_store(user, store_id, need="staff") if store_id else None
    error = None
    ids: list[str] = []
    chosen: list[Product] = []
    if request.method == "POST":
        ids, chosen = _posted_products(request)
        try:
            note = services.create_note(
                user,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                product_ids=ids,
                images=request.FILES.getlist("images"),
                store_id=store.id if store else None,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your note is published."))
            return redirect("social:note", note.id)
    context = {
        **_form_context(request, chosen, ids),
        "store": store,
        "error": error,
        "form": request.POST,
        "is_new": True,
    }
    return render(request, "social/notes_form.html", context, status=error.status if error else 200)


@login_required
def note_edit(request: HttpRequest, note_id: str) -> HttpResponse:
    """Edit the title, text and tagged products of one's note."""
    user = signed_in_user(request)
    note = services.editable_note(user, note_id)
    error = None
    chosen = list(note.products.select_related("store"))
    ids = [p.id for p in chosen]
    form: Any = {"title": note.title, "body": note.body}
    if request.method == "POST":
        ids, chosen = _posted_products(request)
        form = request.POST
        try:
            services.update_note(
                user,
                note_id,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                product_ids=ids,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your note is saved."))
            return redirect("social:note", note.id)
    context = {
        **_form_context(request, chosen, ids),
        "note": note,
        "store": note.store,
        "error": error,
        "form": form,
        "is_new": False,
    }
    return render(request, "social/notes_form.html", context, status=error.status if error else 200)


def note_page(request: HttpRequest, note_id: str) -> HttpResponse:
    """A note: images, text, tagged products with buy buttons, likes, collects, comments."""
    viewer = page_user(request)
    note = services.note_detail(viewer, note_id)
    comments = services.note_comments(viewer, note_id, page_number(request))
    images = list(note.images.all())
    products = [(p, services.single_active_sku(p)) for p in note.products.all()]
    context = {
        "note": note,
        "images": images,
        "products": products,
        "comments": comments,
        "page": comments,
        "can_manage": services.can_manage(viewer, note),
        "is_author": viewer is not None and note.author_id == viewer.pk,
        "og_image": request.build_absolute_uri(images[0].image.url) if images else "",
        "max_comment": services.MAX_COMMENT,
        "reply_to": request.GET.get("reply", ""),
    }
    return render(request, "social/notes_detail.html", context)


def _back_to_note(note_id: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("social:note", args=[note_id]) + anchor)


def _on(request: HttpRequest) -> bool:
    return request.POST.get("on", "1") == "1"


@require_POST
@login_required
def note_like(request: HttpRequest, note_id: str) -> HttpResponse:
    """POST on=1 likes, on=0 unlikes (an explicit value keeps double clicks harmless)."""
    services.set_like(signed_in_user(request), note_id, _on(request))
    return _mark_response(request, note_id)


@require_POST
@login_required
def note_collect(request: HttpRequest, note_id: str) -> HttpResponse:
    """POST on=1 collects, on=0 uncollects."""
    services.set_collect(signed_in_user(request), note_id, _on(request))
    return _mark_response(request, note_id)


def _mark_response(request: HttpRequest, note_id: str) -> HttpResponse:
    """HTMX swaps the like/collect bar; a plain form goes back to the note."""
    if request.headers.get("HX-Request"):
        note = services.note_detail(signed_in_user(request), note_id)
        return render(request, "social/notes_actions.html", {"note": note})
    return _back_to_note(note_id, "#actions")


@require_POST
@login_required
def note_delete(request: HttpRequest, note_id: str) -> HttpResponse:
    services.delete_note(signed_in_user(request), note_id)
    messages.success(request, _("The note is deleted."))
    return redirect("core:home")


@require_POST
@login_required
def comment_add(request: HttpRequest, note_id: str) -> HttpResponse:
    try:
        services.add_comment(
            signed_in_user(request),
            note_id,
            request.POST.get("text", ""),
            request.POST.get("reply_to") or None,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    return _back_to_note(note_id, "#comments")


@require_POST
@login_required
def comment_delete(request: HttpRequest, note_id: str, comment_id: str) -> HttpResponse:
    services.delete_comment(signed_in_user(request), note_id, comment_id)
    return _back_to_note(note_id, "#comments")


@login_required
def collections(request: HttpRequest) -> HttpResponse:
    """My collected notes."""
    page = services.collected_notes(signed_in_user(request), page_number(request))
    return render(request, "social/notes_collections.html", {"page": page})


urlpatterns: list[URLPattern | URLResolver] = [
    path("notes/new/", note_new, name="note_new"),
    path("collections/", collections, name="collections"),
    path("notes/<str:note_id>/", note_page, name="note"),
    path("notes/<str:note_id>/edit/", note_edit, name="note_edit"),
    path("notes/<str:note_id>/delete/", note_delete, name="note_delete"),
    path("notes/<str:note_id>/like/", note_like, name="note_like"),
    path("notes/<str:note_id>/collect/", note_collect, name="note_collect"),
    path("notes/<str:note_id>/comments/", comment_add, name="note_comment"),
    path(
        "notes/<str:note_id>/comments/<str:comment_id>/delete/",
        comment_delete,
        name="note_comment_delete",
    ),
]
