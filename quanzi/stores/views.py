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


def _number(post: QueryDict, name: str) -> str | None:
    """A number field's text for the service to check; None when left blank."""
    return post.get(name, "").strip() or None


def _fen(post: QueryDict, name: str) -> int | None:
    """An amount typed in yuan, in fen; None when left blank."""
    raw = post.get(name, "").strip()
    return yuan_to_fen(raw, field=name) if raw else None


def _store_input(post: QueryDict) -> services.StoreInput:
    """The form of a new store; a blank number is the store's default."""
    return services.StoreInput(
        name=post.get("name", ""),
        description=post.get("description", ""),
        shipping_policy=post.get("shipping_policy", ""),
        after_sales_policy=post.get("after_sales_policy", ""),
        shipping_fee=_fen(post, "shipping_fee"),
        free_shipping_threshold=_fen(post, "free_shipping_threshold"),
        payment_window_minutes=_number(post, "payment_window_minutes"),
        auto_receive_days=_number(post, "auto_receive_days"),
        after_sales_days=_number(post, "after_sales_days"),
    )


def _store_change(post: QueryDict) -> services.StoreChange:
    """The settings form; a field not sent, or a blank number, stays as it is."""
    return services.StoreChange(
        name=post.get("name"),
        description=post.get("description"),
        shipping_policy=post.get("shipping_policy"),
        after_sales_policy=post.get("after_sales_policy"),
        shipping_fee=_fen(post, "shipping_fee"),
        free_shipping_threshold=_fen(post, "free_shipping_threshold"),
        payment_window_minutes=_number(post, "payment_window_minutes"),
        auto_receive_days=_number(post, "auto_receive_days"),
        after_sales_days=_number(post, "after_sales_days"),
    )


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
                signed_in_user(request), _store_input(request.POST), logo=request.FILES.get("logo")
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
                _store_change(request.POST),
                logo=request.FILES.get("logo"),
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
def console_staff_right(
    request: HttpRequest, store_id: str, user_id: str, right: str = "insights"
) -> HttpResponse:
    """The owner lets a staff member see the insights or the customers, or stops them."""
    allowed = request.POST.get("allowed") == "1"
    try:
        services.set_staff_right(signed_in_user(request), store_id, user_id, right, allowed)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        done = {
            ("insights", True): _("They now see the insights."),
            ("insights", False): _("They no longer see the insights."),
            ("customers", True): _("They now see the customers."),
            ("customers", False): _("They no longer see the customers."),
        }[(right, allowed)]
        messages.success(request, done)
    return redirect("stores:console_staff", store_id)


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
