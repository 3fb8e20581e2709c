"""`{% flash_slots product as slots %}`: the product's upcoming and running flash sales."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from quanzi.campaigns.flashsales import services

register = template.Library()


@register.simple_tag
def flash_slots(product: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {"sale": sale, "phase": sale.phase(now)} for sale in services.slots_for_product(product.pk)
    ]
