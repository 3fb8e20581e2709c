"""Red packets (红包) sent in circles, split into pre-cut shares at creation.

Each share is a row; a grab claims the first free share with a conditional update, so concurrent
grabs never take one share twice, and (packet, claimed_by) is unique, so nobody grabs twice.
The money sits in the ledger account redpacket:<id> until grabbed or refunded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class PacketKind(models.TextChoices):
    RANDOM = "random", _("Lucky draw (拼手气)")
    EQUAL = "equal", _("Equal shares")


class RedPacket(PublicModel):
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.CASCADE, related_name="+", verbose_name=_("circle")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sender"),
    )
    # Set for a packet paid from a store's available balance (sent by its staff).
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("store"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PacketKind.choices)
    total = models.BigIntegerField(_("total (fen)"))
    count = models.PositiveIntegerField(_("shares"))
    greeting = models.CharField(_("greeting"), max_length=60, blank=True)
    visible_at = models.DateTimeField(_("appears at"))
    expires_at = models.DateTimeField(_("expires at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    message = models.ForeignKey(
        "circles.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refunded_amount = models.BigIntegerField(_("refunded (fen)"), default=0)

    class Meta:
        verbose_name = _("red packet")
        verbose_name_plural = _("red packets")
        ordering = ["-visible_at"]
        indexes = [models.Index(fields=["circle", "visible_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(total__gte=models.F("count")),
                name="redpacket_total_covers_shares",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.total} fen / {self.count})"


class Share(models.Model):
    packet = models.ForeignKey(
        RedPacket, on_delete=models.CASCADE, related_name="shares", verbose_name=_("packet")
    )
    index = models.PositiveIntegerField(_("share number"))
    amount = models.BigIntegerField(_("amount (fen)"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    refunded = models.BooleanField(_("returned to the sender"), default=False)

    class Meta:
        verbose_name = _("red packet share")
        verbose_name_plural = _("red packet shares")
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["packet", "index"], name="redpacket_share_index"),
            models.UniqueConstraint(fields=["packet", "claimed_by"], name="redpacket_grab_once"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="redpacket_share_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.packet_id}#{self.index} ({self.amount} fen)"
