"""Flash sales (秒杀): time slots selling a SKU at a flash price from a campaign stock of their
own (the SKU's normal stock is not touched), with a per-user limit.

Both limits have a database backstop: `FlashSale.stock` cannot go below zero and a user's
`FlashQuota.claimed` cannot exceed its limit (CheckConstraints), and both are only ever changed
by conditional updates. `FlashClaim` records each order's share, so a cancelled order gives its
units back exactly once.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Sku
from quanzi.core.models import PublicModel
from quanzi.orders.models import Order
from quanzi.stores.models import Store


class FlashSale(PublicModel):
    """One slot: `stock` of `total_stock` units left at `flash_price`, between the times."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="flash_sales", verbose_name=_("store")
    )
    sku = models.ForeignKey(
        Sku, on_delete=models.CASCADE, related_name="flash_sales", verbose_name=_("SKU")
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    flash_price = models.BigIntegerField(_("flash price (fen)"))
    total_stock = models.IntegerField(_("campaign stock"))
    stock = models.IntegerField(_("campaign stock left"))
    per_user_limit = models.IntegerField(_("limit per person"), default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("flash sale")
        verbose_name_plural = _("flash sales")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["sku", "is_active", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="flash_stock_nonneg"),
            models.CheckConstraint(
                condition=Q(stock__lte=F("total_stock")), name="flash_stock_le_total"
            ),
            models.CheckConstraint(condition=Q(flash_price__gt=0), name="flash_price_pos"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="flash_limit_pos"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="flash_window"),
        ]

    def __str__(self) -> str:
        return self.title or self.pk

    @property
    def sold(self) -> int:
        return self.total_stock - self.stock

    def phase(self, now: datetime | None = None) -> str:
        """'upcoming', 'running' or 'ended' (an inactive slot is 'ended')."""
        at = now or timezone.now()
        if not self.is_active or at >= self.ends_at:
            return "ended"
        return "upcoming" if at < self.starts_at else "running"


class FlashQuota(models.Model):
    """How many units one user holds in one slot; `limit` is the slot's per-user limit."""

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("sale")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    claimed = models.IntegerField(_("claimed"), default=0)
    limit = models.IntegerField(_("limit per buyer"))

    class Meta:
        verbose_name = _("flash sale quota")
        verbose_name_plural = _("flash sale quotas")
        constraints = [
            models.UniqueConstraint(fields=["sale", "user"], name="flash_quota_once"),
            models.CheckConstraint(condition=Q(claimed__gte=0), name="flash_quota_nonneg"),
            models.CheckConstraint(
                condition=Q(claimed__lte=F("limit")), name="flash_quota_le_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id}/{self.user_id}: {self.claimed}/{self.limit}"


class FlashClaim(PublicModel):
    """One flash-sale order's units; `returned` once a cancellation gave them back."""

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="claims", verbose_name=_("sale")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    quantity = models.IntegerField(_("quantity"))
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="flash_claim", verbose_name=_("order")
    )
    returned = models.BooleanField(_("returned"), default=False)

    class Meta:
        verbose_name = _("flash sale claim")
        verbose_name_plural = _("flash sale claims")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="flash_claim_pos"),
        ]
