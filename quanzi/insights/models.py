"""What the insights keep of their own: each paid order's first and last touch.

The raw events are pruned after the retention (quanzi/tracking), so where a buyer came from
is decided soon after the payment, while the events are still there, and kept here. Money is
never kept here: GMV is read from the orders (total − refunded), so a refund next month is
taken out of the month it was paid in, and the sums equal the ledger's to the fen.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderTouch(models.Model):
    """Where one paid order's buyer came from: the first and the last visit with a source in
    the window before paying (direct when none), and whether it was the buyer's first paid
    order at the store (a new customer)."""

    # A key without a database constraint: the insights read orders (one join for the sources)
    # and never stop an order from changing; orders are never deleted.
    order = models.OneToOneField(
        "orders.Order",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="touch",
        verbose_name=_("order"),
    )
    store_id = models.CharField(_("store"), max_length=16)
    buyer_id = models.CharField(_("buyer"), max_length=16)
    paid_at = models.DateTimeField(_("paid at"))
    first_source = models.CharField(_("first touch"), max_length=10)
    first_ref = models.CharField(_("first touch reference"), max_length=32, blank=True)
    last_source = models.CharField(_("last touch"), max_length=10)
    last_ref = models.CharField(_("last touch reference"), max_length=32, blank=True)
    new_customer = models.BooleanField(_("new customer"), default=False)

    class Meta:
        verbose_name = _("order touch")
        verbose_name_plural = _("order touches")
        indexes = [models.Index(fields=["store_id", "paid_at"], name="insights_touch_paid")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.first_source} → {self.last_source}"
