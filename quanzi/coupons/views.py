"""Coupon pages (mounted at /coupons/): claim, my coupons, the merchant console (list, new,
edit, deactivate, campaign settings). Thin: the services do the work and check the
permissions. The coupon of a circle announcement is chosen in circles (quanzi.circles)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.core.errors import DomainError, InvalidInput, NotFound
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.core.pagination import page_number
from quanzi.core.validation import local_datetime, local_input
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, CouponKind, Validity
from quanzi.stores.models import StaffRole, Store
from quanzi.stores.services import role_in

YUAN_FIELDS = ("amount_off", "max_off", "min_spend")
CLEARABLE_YUAN_FIELDS = ("max_off", "min_spend")
NUMBER_FIELDS = ("percent_off", "valid_days", "total", "per_user_limit")


def _next(request: HttpRequest, default: str) -> str:
    """The page to go back to (posted `next`), if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- Customers -------------------------------------------------------------------------------


@require_POST
def claim(request: HttpRequest, coupon_id: str) -> HttpResponse:
    """领取 from a product, circle or announcement: back to that page with the outcome."""
    back = _next(request, reverse("coupons:mine"))
    user = page_user(request)
    if user is None:
        return redirect_to_login(back)
    try:
        coupons.claim_coupon(user, coupon_id)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Coupon claimed: find it under My coupons."))
    return redirect(back)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My coupons: usable (soonest to expire first), used, expired."""
    tab = request.GET.get("status", "usable")
    tab = tab if tab in coupons.TABS else "usable"
    page = coupons.my_coupons(signed_in_user(request), tab, page_number(request))
    tabs = [
        ("usable", _("Usable")),
        ("used", _("Used")),
        ("expired", _("Expired")),
    ]
    return render(request, "coupons/my_coupons.html", {"page": page, "tab": tab, "tabs": tabs})


# --- Merchant console ------------------------------------------------------------------------


def _coupon_fields(post: QueryDict) -> coupons.CouponFields:
    """The coupon form's fields for the services: yuan become fen, Beijing times become
    datetimes; a field the form did not send (frozen terms) stays as it is."""
    fields: dict[str, Any] = {}
    for name in ("name", "kind", "validity"):
        if name in post:
            fields[name] = post.get(name, "")
    for name in NUMBER_FIELDS:
        raw = post.get(name, "").strip()
        if raw:
            fields[name] = raw
    for name in YUAN_FIELDS:
        raw = post.get(name, "").strip()
        if raw:
            fields[name] = yuan_to_fen(raw, field=name)
        elif name in CLEARABLE_YUAN_FIELDS and name in post:
            fields[name] = 0  # "empty or 0 = none": emptying the field clears it
    for name in ("valid_from", "valid_until"):
        raw = post.get(name, "").strip()
        if raw:
            fields[name] = local_datetime(raw, field=name)
    fields["claimable"] = post.get("claimable") == "1"
    return coupons.CouponFields(**fields)


def _form_values(coupon: Coupon | None, post: QueryDict | None) -> dict[str, Any]:
    """What the form shows: the posted text after an error, else the coupon's values."""
    if post is not None:
        # Frozen terms are not posted: show them as they are.
        shown = _form_values(coupon, None) if coupon else {}
        return shown | post.dict() | {"claimable": post.get("claimable", "")}
    if coupon is None:
        return {
            "kind": CouponKind.THRESHOLD,
            "validity": Validity.DAYS,
            "valid_days": 7,
            "total": 100,
            "per_user_limit": 1,
            "claimable": "1",
        }
    values: dict[str, Any] = {
        name: getattr(coupon, name) for name in ("name", "kind", "validity", *NUMBER_FIELDS)
    }
    values |= {name: fen_to_yuan_str(getattr(coupon, name)) for name in YUAN_FIELDS}
    values |= {
        "valid_from": local_input(coupon.valid_from),
        "valid_until": local_input(coupon.valid_until),
    }
    values["claimable"] = "1" if coupon.claimable else ""
    return values


def _console_store(request: HttpRequest, store_id: str) -> Store:
    return coupons.store_for_staff(signed_in_user(request), store_id)


@login_required
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's coupons and its campaign settings (join cashback, campaign prices)."""
    store, rows = coupons.store_coupons(signed_in_user(request), store_id)
    return render(
        request,
        "coupons/console_coupons.html",
        {
            "store": store,
            "console_tab": "coupons",
            "coupons": rows,
            "settings": coupons.campaign_settings(store),
            "is_owner": role_in(signed_in_user(request), store) == StaffRole.OWNER,
        },
    )


def _render_form(
    request: HttpRequest, store: Store, coupon: Coupon | None, error: DomainError | None = None
) -> HttpResponse:
    return render(
        request,
        "coupons/console_coupon_form.html",
        {
            "store": store,
            "console_tab": "coupons",
            "coupon": coupon,
            "frozen": bool(coupon and coupon.issued),
            "form": _form_values(coupon, request.POST if error else None),
            "kinds": CouponKind.choices,
            "validities": Validity.choices,
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
def console_new(request: HttpRequest, store_id: str) -> HttpResponse:
    store = _console_store(request, store_id)
    if request.method == "POST":
        try:
            coupons.create_coupon(signed_in_user(request), store.pk, _coupon_fields(request.POST))
        except DomainError as exc:
            return _render_form(request, store, None, exc)
        messages.success(request, _("Coupon created."))
        return redirect("coupons:console", store_id=store.pk)
    return _render_form(request, store, None)


def _console_coupon(request: HttpRequest, store_id: str, coupon_id: str) -> Coupon:
    coupon = coupons.access_coupon(signed_in_user(request), coupon_id, need="staff")
    if coupon.store_id != store_id:
        raise NotFound(_("Coupon not found."))
    return coupon


@login_required
def console_edit(request: HttpRequest, store_id: str, coupon_id: str) -> HttpResponse:
    coupon = _console_coupon(request, store_id, coupon_id)
    if request.method == "POST":
        try:
            coupons.update_coupon(signed_in_user(request), coupon.pk, _coupon_fields(request.POST))
        except DomainError as exc:
            return _render_form(request, coupon.store, coupon, exc)
        messages.success(request, _("Coupon saved."))
        return redirect("coupons:console", store_id=store_id)
    return _render_form(request, coupon.store, coupon)


@login_required
@require_POST
def console_deactivate(request: HttpRequest, store_id: str, coupon_id: str) -> HttpResponse:
    coupon = _console_coupon(request, store_id, coupon_id)
    coupons.deactivate_coupon(signed_in_user(request), coupon.pk)
    messages.success(request, _("Coupon deactivated: nobody can claim it any more."))
    return redirect("coupons:console", store_id=store_id)


@login_required
@require_POST
def console_settings(request: HttpRequest, store_id: str) -> HttpResponse:
    try:
        coupons.update_campaign_settings(
            signed_in_user(request),
            store_id,
            coupons_on_campaign_price=request.POST.get("coupons_on_campaign_price") == "1",
            join_cashback_id=request.POST.get("join_cashback") or None,
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Settings saved."))
    return redirect("coupons:console", store_id=store_id)
