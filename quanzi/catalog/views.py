"""Catalog pages: search, and the merchant console's product editor, list, images, shelf
toggle, import and export (thin: the services do the work). The product page composes upper
domains (reviews, notes, campaigns): it is quanzi.storefront's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.catalog import console, forms, import_staging, services, transfer
from quanzi.catalog.errors import CatalogCode
from quanzi.catalog.models import Category, Product
from quanzi.catalog.search import SORTS, search_products
from quanzi.core.errors import DomainError, InvalidInput, NotFound
from quanzi.core.images import validate_image
from quanzi.core.money import yuan_to_fen
from quanzi.core.pagination import page_number
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

PAGE_SIZE = 20
CONSOLE_PAGE_SIZE = 30


def _yuan_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return max(yuan_to_fen(raw), 0)
    except InvalidInput:
        return None


# --- Storefront ------------------------------------------------------------------------------


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search results with filters (category, price range in yuan) and sorting, paginated."""
    query = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "relevance")
    results = search_products(
        query,
        category=request.GET.get("category") or None,
        store=request.GET.get("store") or None,
        sort=sort if sort in SORTS else "relevance",
        min_price=_yuan_param(request, "min_price"),
        max_price=_yuan_param(request, "max_price"),
    )
    page = Paginator(results, PAGE_SIZE).get_page(page_number(request))  # type: ignore[arg-type]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "sort": sort,
            "sorts": _sort_choices(),
            "page": page,
            "categories": Category.objects.filter(parent=None),
            "category": request.GET.get("category", ""),
            "params": params.urlencode(),
        },
    )


def _sort_choices() -> list[tuple[str, str]]:
    return [
        ("relevance", _("Best match")),
        ("newest", _("Newest")),
        ("sales", _("Best selling")),
        ("price_asc", _("Price: low to high")),
        ("price_desc", _("Price: high to low")),
    ]


# --- Console ---------------------------------------------------------------------------------


def _console_product(request: HttpRequest, store: Store, product_id: str) -> Product:
    product = services.access_product(signed_in_user(request), product_id)
    if product.store_id != store.pk:
        raise NotFound(_("Product not found."))
    return product


def _console_context(store: Store, **extra: Any) -> dict[str, Any]:
    return {"store": store, "console_tab": "products", **extra}


@login_required
@require_GET
def console_products(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's products, on and off the shelf, searched, filtered and sorted, with import
    and export."""
    store = access_store(signed_in_user(request), store_id)
    query = console.ConsoleQuery.of(
        request.GET.get("q", ""), request.GET.get("shelf", ""), request.GET.get("sort", "")
    )
    listed = console.console_products(store, query)
    page = Paginator(listed, CONSOLE_PAGE_SIZE).get_page(page_number(request))
    rows = console.console_rows(list(page.object_list))
    context = _console_context(store, page=page, rows=rows, query=query, low=console.LOW_STOCK)
    return render(request, "catalog/console_products.html", context)


def _editor(
    request: HttpRequest,
    store: Store,
    product: Product | None,
    form: forms.EditorForm,
    status: int = 200,
) -> HttpResponse:
    context = _console_context(
        store,
        product=product,
        categories=Category.objects.all(),
        images=list(product.images.order_by("position", "created_at")) if product else [],
        max_images=services.MAX_IMAGES,
        variant_spec=services.variant_spec(product) if product else None,
        **forms.editor_context(form),
    )
    return render(request, "catalog/console_editor.html", context, status=status)


@login_required
def console_new(request: HttpRequest, store_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    if request.method != "POST":
        return _editor(request, store, None, forms.form_for_product(None))
    return _save(request, store, None)


@login_required
def console_edit(request: HttpRequest, store_id: str, product_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    if request.method != "POST":
        return _editor(request, store, product, forms.form_for_product(product))
    return _save(request, store, product)


def _save(request: HttpRequest, store: Store, product: Product | None) -> HttpResponse:
    """Regenerate the matrix ("generate SKUs") or save the product and its new images."""
    existing = list(product.skus.all()) if product else []
    form, specs = forms.form_from_post(request.POST, existing)
    if request.POST.get("action") == "generate":
        return _editor(request, store, product, form)
    user = signed_in_user(request)
    uploads = request.FILES.getlist("images")
    try:
        data = forms.product_input(form, specs)
        _check_uploads(uploads, product)
        with transaction.atomic():
            if product is None:
                product = services.create_product(user, store.pk, data)
            else:
                services.update_product(user, product.pk, data)
            for upload in uploads:
                services.add_image(user, product.pk, upload)
    except DomainError as exc:
        form.errors.insert(0, str(exc.message))
        product = Product.objects.filter(pk=product.pk).first() if product else None
        return _editor(request, store, product, form, status=exc.status)
    messages.success(request, _("Product saved."))
    return redirect("catalog:console_edit", store.pk, product.pk)


def _check_uploads(uploads: list[Any], product: Product | None) -> None:
    """Refuse bad images before anything is written (the product save and the images are one
    transaction, but files are better not stored at all)."""
    have = product.images.count() if product else 0
    if have + len(uploads) > services.MAX_IMAGES:
        raise InvalidInput(
            _("A product has at most %(n)d images.") % {"n": services.MAX_IMAGES},
            code=CatalogCode.TOO_MANY_IMAGES,
        )
    for upload in uploads:
        validate_image(upload)


@login_required
@require_POST
def console_shelf(request: HttpRequest, store_id: str, product_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    want = request.POST.get("on_shelf") == "1"
    try:
        services.set_shelf(signed_in_user(request), product.pk, want)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Now on the shelf.") if want else _("Taken off the shelf."))
    return _back(request, f"/products/console/{store.pk}/{product.pk}/")


@login_required
@require_POST
def console_delete(request: HttpRequest, store_id: str, product_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    try:
        services.delete_product(signed_in_user(request), product.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("catalog:console_edit", store.pk, product.pk)
    messages.success(request, _("Product deleted."))
    return redirect("catalog:console_products", store.pk)


@login_required
@require_POST
def console_image_delete(
    request: HttpRequest, store_id: str, product_id: str, image_id: str
) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    services.delete_image(signed_in_user(request), product.pk, image_id)
    return redirect("catalog:console_edit", store.pk, product.pk)


@login_required
@require_POST
def console_image_move(
    request: HttpRequest, store_id: str, product_id: str, image_id: str
) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.move_image(signed_in_user(request), product.pk, image_id, step)
    return redirect("catalog:console_edit", store.pk, product.pk)


@login_required
@require_POST
def console_image_variant(
    request: HttpRequest, store_id: str, product_id: str, image_id: str
) -> HttpResponse:
    """规格图片: the photo shows the variants with one value of the first spec (or none)."""
    store = access_store(signed_in_user(request), store_id)
    product = _console_product(request, store, product_id)
    try:
        services.set_image_variant(
            signed_in_user(request), product.pk, image_id, request.POST.get("spec_value", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Photo saved."))
    return redirect("catalog:console_edit", store.pk, product.pk)


@login_required
@require_POST
def console_import(request: HttpRequest, store_id: str) -> HttpResponse:
    """Import a spreadsheet in two steps: the file is checked and its changes previewed
    (nothing written), then applied — or cancelled. On errors, every invalid row is shown."""
    user = signed_in_user(request)
    store = access_store(user, store_id)
    token = request.POST.get("token", "")
    try:
        if token and request.POST.get("action") == "cancel":
            import_staging.discard(store.pk, token)
            messages.info(request, _("Import cancelled: nothing was changed."))
            return redirect("catalog:console_products", store.pk)
        if token:
            return _apply_import(request, store, token)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("Choose an .xlsx or .csv file."), code=CatalogCode.BAD_FILE)
        plan = transfer.plan_import(user, store.pk, upload)
        token = import_staging.stage(store.pk, upload)
    except DomainError as exc:
        errors = list(exc.extra.get("errors", []))
        context = _console_context(store, error=str(exc.message), errors=errors)
        return render(request, "catalog/console_import.html", context, status=exc.status)
    counts = {
        "new_products": sum(1 for group in plan.groups if group.product is None),
        "new_skus": plan.count("new_sku"),
        "updates": plan.count("update"),
        "unchanged": plan.count("unchanged"),
    }
    context = _console_context(store, plan=plan, token=token, counts=counts)
    return render(request, "catalog/console_import_preview.html", context)


def _apply_import(request: HttpRequest, store: Store, token: str) -> HttpResponse:
    """Apply a previewed file, checked again against the products as they are now."""
    plan = transfer.plan_import(
        signed_in_user(request), store.pk, import_staging.staged(store.pk, token)
    )
    result = transfer.apply_plan(plan)
    import_staging.discard(store.pk, token)
    messages.success(
        request,
        _("Imported: %(c)d new and %(u)d updated products.")
        % {"c": result.products_created, "u": result.products_updated},
    )
    return redirect("catalog:console_products", store.pk)


@login_required
@require_GET
def console_export(request: HttpRequest, store_id: str) -> HttpResponse:
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content, content_type, name = transfer.export_products(signed_in_user(request), store_id, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(default)
