"""The platform's side of payments: payments, the orders they pay, refunds, received webhooks.

The sandbox gateway's own state (its charges, refunds and outgoing events) lives apart, in
`quanzi/payments/providers/sandbox_models.py`, as a real provider's would live on its servers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel
from quanzi.payments.providers.sandbox_models import (  # noqa: F401  (registers the models)
    SandboxCharge,
    SandboxEvent,
    SandboxPayout,
    SandboxRefund,
)

CURRENCY = "CNY"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the payer")
    CAPTURED = "captured", _("Paid")
    FAILED = "failed", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentPurpose(models.TextChoices):
    ORDERS = "orders", _("Pays orders")
    WALLET_TOPUP = "wallet_topup", _("Tops up the payer's wallet")


class Payment(PublicModel):
    """One payment attempt by a buyer for one or more of their orders (one checkout), or, with
    purpose "wallet_topup", money the payer puts into their own wallet (no orders)."""

    purpose = models.CharField(
        _("purpose"), max_length=20, choices=PaymentPurpose.choices, default=PaymentPurpose.ORDERS
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("payer"),
    )
    orders = models.ManyToManyField(
        "orders.Order", through="PaymentOrder", related_name="payments", verbose_name=_("orders")
    )
    # The sorted ids of the orders, joined: finds "an open payment for exactly these orders".
    orders_key = models.CharField(_("orders key"), max_length=2000, db_index=True)
    amount = models.BigIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    provider = models.CharField(_("provider"), max_length=20)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    redirect_url = models.CharField(_("redirect URL"), max_length=300, blank=True)
    # Where the payer lands after the pay page: the order, or the order list for several.
    return_url = models.CharField(_("return URL"), max_length=300)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["provider", "provider_ref"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def pay_url(self) -> str:
        """Where the payer confirms: the provider's hosted pay page (a path for the sandbox)."""
        return self.redirect_url


class PartOutcome(models.TextChoices):
    OPEN = "open", _("Not captured yet")
    PAID = "paid", _("Paid the order")
    REFUNDED = "refunded", _("Came too late: refunded automatically")


class PaymentOrder(models.Model):
    """The part of a payment that pays one order."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="parts", verbose_name=_("payment")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    # Set when the payment is captured: whether the order accepted it (orders' answer).
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PartOutcome.choices, default=PartOutcome.OPEN
    )

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        constraints = [
            models.UniqueConstraint(fields=["payment", "order"], name="payment_order_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_order_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.order_id}: {self.amount}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Refunding")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


class Refund(PublicModel):
    """Money given back for one order of a captured payment; completed by the provider's
    `refund.succeeded` webhook."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=300)
    after_sale_id = models.CharField(
        _("after-sales request ID"), max_length=16, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_pos"),
            # An after-sales request is refunded at most once (a failed attempt may be retried).
            models.UniqueConstraint(
                fields=["after_sale_id"],
                condition=Q(after_sale_id__isnull=False) & ~Q(status="failed"),
                name="refund_once_per_after_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} ({self.status})"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", _("Paying out")
    SUCCEEDED = "succeeded", _("Paid out")
    FAILED = "failed", _("Payout failed")


class Payout(PublicModel):
    """Money the platform sends to a person through the provider, completed by the provider's
    `payout.succeeded` or `payout.failed` webhook.

    `purpose` and `reference` name what the payout is for (e.g. "withdrawal" and the withdrawal's
    id): payments does not know the domains that use it, it tells them through the
    `payout_settled` signal. One payout per (purpose, reference)."""

    provider = models.CharField(_("provider"), max_length=20)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("recipient"),
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    purpose = models.CharField(_("purpose"), max_length=20)
    reference = models.CharField(_("reference"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_pos"),
            models.UniqueConstraint(fields=["purpose", "reference"], name="payout_once"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} to {self.recipient_id} ({self.status})"


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected")
    IGNORED = "ignored", _("Ignored")


class WebhookEvent(models.Model):
    """A provider event whose signature was verified; one row per (provider, event id)."""

    provider = models.CharField(_("provider"), max_length=20)
    event_id = models.CharField(_("event ID"), max_length=64)
    type = models.CharField(_("type"), max_length=40)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type} ({self.status})"
