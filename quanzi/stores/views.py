"""The merchant console's store pages (home, open a store, settings, staff). Thin: the services
do the work and check the permissions. The public store page and the dashboard compose upper
domains (catalog, social, referrals, orders): they are quanzi.storefront's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.core.errors import Conflict, DomainError
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.stores import services
from quanzi.stores.models import Store

YUAN_FIELDS = ("shipping_fee", "free_shipping_threshold")
STORE_TEXT_FIELDS = ("name", "description", "shipping_policy", "after_sales_policy")
STORE_NUMBER_FIELDS = ("payment_window_minutes", "auto_receive_days", "after_sales_days")


def _store_fields(post: QueryDict) -> dict[str, Any]:
    """The store form's fields for the services; amounts typed in yuan become fen."""
    fields: dict[str, Any] = {name: post.get(name) for name in STORE_TEXT_FIELDS if name in post}
    for name in STORE_NUMBER_FIELDS:
        number = str(post.get(name, "")).strip()
        if number:
            fields[name] = number
    for name in YUAN_FIELDS:
        raw = str(post.get(name, "")).strip()
        if not raw:
            continue
        fields[name] = yuan_to_fen(raw, field=name)
    return fields


def _form_values(store: Store | None, post: QueryDict | None) -> dict[str, Any]:
    """What the store form shows: the posted text after an error, else the saved values."""
    if post is not None:
        return post.dict()
    if store is None:
        return {"payment_window_minutes": 30, "auto_receive_days": 7, "after_sales_days": 7}
    values: dict[str, Any] = {name: getattr(store, name) for name in STORE_TEXT_FIELDS}
    values.update({name: getattr(store, name) for name in STORE_NUMBER_FIELDS})
    values.update({name: fen_to_yuan_str(getattr(store, name)) for name in YUAN_FIELDS})
    return values


# --- Console ---------------------------------------------------------------------------------


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    """The stores one works for; straight to the dashboard when there is only one."""
    memberships = services.memberships(signed_in_user(request))
    if len(memberships) == 1:
        return redirect("stores:console_dashboard", memberships[0].store_id)
    return render(
        request,
        "stores/console_home.html",
        {"memberships": memberships, "values": _form_values(None, None)},
    )


@login_required
def open_store(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            store = services.open_store(
                signed_in_user(request),
                logo=request.FILES.get("logo"),
                **_store_fields(request.POST),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your store is open. Add your first product!"))
            return redirect("stores:console_dashboard", store.pk)
    return render(
        request,
        "stores/open.html",
        {"error": error, "values": _form_values(None, request.POST if error else None)},
        status=error.status if error else 200,
    )


@login_required
def console_settings(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's profile, shipping rule, order windows and logo (owner)."""
    store = services.access_store(signed_in_user(request), store_id, need="owner")
    error = None
    if request.method == "POST":
        try:
            services.update_store(
                signed_in_user(request),
                store.pk,
                logo=request.FILES.get("logo"),
                **_store_fields(request.POST),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Settings saved."))
            return redirect("stores:console_settings", store.pk)
    return render(
        request,
        "stores/console_settings.html",
        {
            "store": store,
            "console_tab": "settings",
            "error": error,
            "values": _form_values(store, request.POST if error else None),
        },
        status=error.status if error else 200,
    )


@login_required
def console_staff(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's people; the owner adds staff by username or phone number."""
    store = services.access_store(signed_in_user(request), store_id, need="owner")
    error = None
    if request.method == "POST":
        try:
            staff = services.add_staff(
                signed_in_user(request), store.pk, request.POST.get("identifier", "")
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request, _("%(name)s now works for the store.") % {"name": staff.user.display_name}
            )
            return redirect("stores:console_staff", store.pk)
    return render(
        request,
        "stores/console_staff.html",
        {
            "store": store,
            "console_tab": "settings",
            "staff": services.staff_of(store),
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def console_staff_remove(request: HttpRequest, store_id: str, user_id: str) -> HttpResponse:
    try:
        services.remove_staff(signed_in_user(request), store_id, user_id)
    except Conflict as exc:  # the owner; other refusals become the error page
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Removed from the store."))
    return redirect("stores:console_staff", store_id)
