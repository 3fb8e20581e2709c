"""The product page's way into the campaigns running on a product: `{% load campaigns_offers %}`
then `{% product_campaigns product %}` — its live group buy (with the lowest group price) and
bargain (with its floor price), each linking to its campaign page. Two queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Min
from django.utils import timezone

from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.catalog.models import Product

register = template.Library()


@register.inclusion_tag("offers/_product_campaigns.html")
def product_campaigns(product: Product) -> dict[str, Any]:
    now = timezone.now()
    live = {"is_active": True, "starts_at__lte": now, "ends_at__gt": now}
    group = (
        GroupCampaign.objects.filter(product=product, **live)
        .annotate(lowest=Min("prices__price"))
        .order_by("ends_at")
        .first()
    )
    bargain = (
        BargainCampaign.objects.filter(sku__product=product, **live).order_by("ends_at").first()
    )
    return {"group": group, "bargain": bargain}
