"""The merchant's distribution console: programme settings, promoters, per-product rates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.catalog.models import Product
from quanzi.core.errors import DomainError, InvalidInput
from quanzi.core.money import bp_to_percent_str, fen_to_yuan_str, yuan_to_fen
from quanzi.referrals.models import BindingMode, DistributionConfig, PromoterRule
from quanzi.referrals.services import programme
from quanzi.referrals.services.distribution import config_for
from quanzi.stores.services import access_store

PERCENT_FIELDS = ("level1_rate_bp", "level2_rate_bp", "withdrawal_fee_bp")
YUAN_FIELDS = ("spend_threshold", "min_withdrawal")


def percent_to_bp(raw: str, field: str) -> int:
    """A percentage typed by a person ("10", "10.5", "10.25") as basis points."""
    try:
        value = Decimal(raw.strip().rstrip("%").strip())
    except InvalidOperation as exc:
        raise InvalidInput(
            gettext_lazy("Enter a percentage, e.g. 10 or 2.5."), field=field
        ) from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise InvalidInput(gettext_lazy("Enter a percentage from 0 to 100."), field=field)
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(gettext_lazy("Use at most two decimals, e.g. 2.55."), field=field)
    return int(value * 100)


def _config_fields(post: QueryDict) -> programme.DistributionChange:
    fields: dict[str, Any] = {
        "enabled": post.get("enabled") == "on",
        "binding_mode": post.get("binding_mode"),
        "promoters": post.get("promoters"),
        "binding_days": post.get("binding_days") or None,
    }
    for name in PERCENT_FIELDS:
        fields[name] = percent_to_bp(post.get(name, "0") or "0", name)
    for name in YUAN_FIELDS:
        fields[name] = yuan_to_fen(post.get(name, "") or "0", field=name)
    return programme.DistributionChange(**fields)


def _form_values(config: DistributionConfig) -> dict[str, Any]:
    values: dict[str, Any] = {
        "enabled": config.enabled,
        "binding_mode": config.binding_mode,
        "promoters": config.promoters,
        "binding_days": config.binding_days,
    }
    values.update({name: bp_to_percent_str(getattr(config, name)) for name in PERCENT_FIELDS})
    values.update({name: fen_to_yuan_str(getattr(config, name)) for name in YUAN_FIELDS})
    return values


@login_required
def settings(request: HttpRequest, store_id: str) -> HttpResponse:
    """Programme settings (owner saves; staff may look), promoters and product rates."""
    store = access_store(signed_in_user(request), store_id)
    error = None
    if request.method == "POST":
        try:
            programme.configure(signed_in_user(request), store.pk, _config_fields(request.POST))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Settings saved."))
            return redirect("promote:console", store.pk)
    config = config_for(store)
    context = {
        "store": store,
        "console_tab": "distribution",
        "error": error,
        "values": request.POST.dict() if error else _form_values(config),
        "binding_modes": BindingMode.choices,
        "promoter_rules": PromoterRule.choices,
        "promoters": list(programme.promoters_of(store)[: programme.MAX_LIST]),
        "product_rates": list(programme.product_rates(store)[: programme.MAX_LIST]),
        "products": list(
            Product.objects.filter(store=store).order_by("title").only("id", "title")[:500]
        ),
    }
    return render(
        request,
        "referrals/console_distribution.html",
        context,
        status=error.status if error else 200,
    )


@login_required
@require_POST
def decide(request: HttpRequest, store_id: str, user_id: str) -> HttpResponse:
    try:
        programme.decide(
            signed_in_user(request), store_id, user_id, request.POST.get("decision", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Decision saved."))
    return redirect("promote:console", store_id)


@login_required
@require_POST
def product_rates(request: HttpRequest, store_id: str) -> HttpResponse:
    """Set (or, with "clear", remove) one product's own rates, typed as percentages."""
    product_id = request.POST.get("product_id", "")
    try:
        if request.POST.get("clear"):
            programme.clear_product_rates(signed_in_user(request), store_id, product_id)
        else:
            programme.set_product_rates(
                signed_in_user(request),
                store_id,
                product_id,
                percent_to_bp(request.POST.get("level1", ""), "level1_rate_bp"),
                percent_to_bp(request.POST.get("level2", ""), "level2_rate_bp"),
            )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Product rates saved."))
    return redirect("promote:console", store_id)
