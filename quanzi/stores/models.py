"""Stores, their staff and their commerce policies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class Store(PublicModel):
    """A merchant's store. Any user can open one and becomes its owner."""

    name = models.CharField(_("store name"), max_length=60)
    logo = models.ImageField(_("logo"), upload_to="stores/%Y/%m/", blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    shipping_policy = models.TextField(_("shipping policy"), max_length=2000, blank=True)
    after_sales_policy = models.TextField(_("after-sales policy"), max_length=2000, blank=True)
    # Shipping rule: a flat fee per order, free at or above a threshold (0 = never free).
    shipping_fee = models.BigIntegerField(_("shipping fee (fen)"), default=0)
    free_shipping_threshold = models.BigIntegerField(_("free shipping from (fen)"), default=0)
    # Order timers (minutes / days), per store.
    payment_window_minutes = models.PositiveIntegerField(
        _("unpaid order window (minutes)"), default=30
    )
    auto_receive_days = models.PositiveIntegerField(_("auto-receive after (days)"), default=7)
    after_sales_days = models.PositiveIntegerField(_("after-sales window (days)"), default=7)
    # Referrals (issue 4): an order within this many days of a share-link visit is attributed.
    attribution_days = models.PositiveIntegerField(_("attribution window (days)"), default=7)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(shipping_fee__gte=0), name="store_fee_nonneg"),
            models.CheckConstraint(
                condition=Q(free_shipping_threshold__gte=0), name="store_threshold_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(payment_window_minutes__gte=1), name="store_payment_window_pos"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def shipping_for(self, subtotal: int) -> int:
        """Shipping fee in fen for an order of `subtotal` fen under this store's rule."""
        if self.free_shipping_threshold and subtotal >= self.free_shipping_threshold:
            return 0
        return self.shipping_fee


class StaffRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class StoreStaff(models.Model):
    """A person who works a store, as owner or staff."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="staff", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="store_roles",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=StaffRole.choices)
    # The owner always sees the insights (sales, sources, commissions); a staff member only when
    # the owner lets them.
    sees_insights = models.BooleanField(_("sees the insights"), default=False)
    # Customer profiles, segments and outreach name people: a right of its own, the owner's to give.
    sees_customers = models.BooleanField(_("sees the customers"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("store staff member")
        verbose_name_plural = _("store staff members")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="staff_once_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.role})"
