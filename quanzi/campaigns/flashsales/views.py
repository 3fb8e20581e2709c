"""Flash-sale pages: buying from the product page's countdown, and the merchant console's slots
(mounted at /flash/)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.campaigns.flashsales import services
from quanzi.catalog.models import Sku
from quanzi.core.errors import DomainError, NotFound
from quanzi.core.money import yuan_to_fen
from quanzi.core.validation import form_whole_number, local_datetime
from quanzi.orders.views import _pay_or_show
from quanzi.referrals.services.links import attribute_orders
from quanzi.stores.services import access_store


@require_POST
def buy(request: HttpRequest, slot_id: str) -> HttpResponse:
    """POST quantity (the product page's flash-sale button): the order, then the pay page."""
    user = page_user(request)
    if user is None:
        back = request.POST.get("next") or "/"
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")
    sale = services.access_flash_sale(user, slot_id)
    back = reverse("catalog:detail", args=[sale.sku.product_id])
    try:
        order = services.buy_flash_sale(user, sale.pk, request.POST.get("quantity", "1"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if exc.code == "no_default_address":
            return redirect(f"{reverse('accounts:address_new')}?{urlencode({'next': back})}")
        return redirect(back)
    attribute_orders(request, [order])  # referrals (issue 4): last-touch attribution
    return _pay_or_show(request, [order])


def _slot_fields(post: QueryDict) -> services.FlashSaleFields:
    """The form's fields for the services: yuan become fen, Beijing times become datetimes."""
    fields: dict[str, Any] = {"sku_id": post.get("sku", ""), "title": post.get("title", "")}
    fields["flash_price"] = yuan_to_fen(post.get("flash_price", ""), field="flash_price")
    for name in ("stock", "per_user_limit"):
        fields[name] = form_whole_number(post.get(name, ""), field=name, max_digits=9)
    for name in ("starts_at", "ends_at"):
        fields[name] = local_datetime(post.get(name, ""), field=name)
    return services.FlashSaleFields(**fields)


@login_required
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's flash sales and the form that adds one (owner and staff)."""
    user = signed_in_user(request)
    store = access_store(user, store_id, need="staff")
    error: DomainError | None = None
    if request.method == "POST":
        try:
            services.create_flash_sale(user, store.pk, _slot_fields(request.POST))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Flash sale created."))
            return redirect("flashsales:console", store_id=store.pk)
    skus = Sku.objects.filter(product__store=store, is_active=True).select_related("product")
    return render(
        request,
        "flashsales/console.html",
        {
            "store": store,
            "console_tab": "flash",
            "slots": services.console_slots(user, store.pk),
            "skus": skus.order_by("product__title", "id"),
            "error": error,
            "form": request.POST if error else {},
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def console_toggle(request: HttpRequest, store_id: str, slot_id: str) -> HttpResponse:
    """Switch a slot off, or on again."""
    user = signed_in_user(request)
    sale = services.access_flash_sale(user, slot_id, need="staff")
    if sale.store_id != store_id:
        raise NotFound(_("Flash sale not found."))
    services.set_flash_sale_active(user, sale.pk, not sale.is_active)
    messages.success(
        request,
        _("Flash sale switched on.") if not sale.is_active else _("Flash sale switched off."),
    )
    return redirect("flashsales:console", store_id=store_id)
