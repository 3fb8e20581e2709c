"""The sandbox gateway's own records — what a real provider keeps on its side.

They are deliberately separate from the platform's Payment, Refund and Payout: the platform only
learns about a charge, a refund or a payout through the provider's API answers and its signed
webhooks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class ChargeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the payer")
    SUCCEEDED = "succeeded", _("Paid")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Closed by the merchant")


class SandboxCharge(PublicModel):
    """A charge the platform asked the sandbox to collect; paid on the hosted pay page."""

    merchant_reference = models.CharField(_("merchant reference"), max_length=64, db_index=True)
    amount = models.BigIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3)
    # What the hosted page shows: [{"merchant", "order_id", "order_number", "amount", "items"}]
    summary = models.JSONField(_("summary"), default=list)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payer"),
    )
    return_url = models.CharField(_("return URL"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    expires_at = models.DateTimeField(_("expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sandbox_charge_amount_pos")
        ]

    def __str__(self) -> str:
        return f"sandbox charge {self.id} ({self.status})"


class SandboxRefund(PublicModel):
    """A refund of (part of) a sandbox charge; one per platform refund id."""

    charge = models.ForeignKey(
        SandboxCharge, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("charge")
    )
    merchant_reference = models.CharField(_("merchant reference"), max_length=64)
    amount = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sandbox_refund_amount_pos"),
            models.UniqueConstraint(
                fields=["charge", "merchant_reference"], name="sandbox_refund_once"
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox refund {self.id} of {self.charge_id}"


class SandboxPayout(PublicModel):
    """Money the sandbox sent out for the platform; one per platform payout id."""

    merchant_reference = models.CharField(_("merchant reference"), max_length=64, unique=True)
    recipient_ref = models.CharField(_("recipient reference"), max_length=64)
    amount = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("sandbox payout")
        verbose_name_plural = _("sandbox payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sandbox_payout_amount_pos")
        ]

    def __str__(self) -> str:
        return f"sandbox payout {self.id} of {self.amount} to {self.recipient_ref}"


class SandboxEvent(PublicModel):
    """A webhook event the sandbox sends to the platform, kept so retries send the same event."""

    type = models.CharField(_("type"), max_length=40)
    body = models.TextField(_("body"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sandbox event")
        verbose_name_plural = _("sandbox events")

    def __str__(self) -> str:
        return f"sandbox event {self.id} {self.type}"
