"""Bargaining (砍价): a store's campaign on one SKU, the bargains customers start on it, and the
helps (cuts) their friends give. Money is integer fen.

A bargain copies the campaign's prices and helpers needed when it starts, so the database can
check its own invariants (never below the floor, never more helps than needed) whatever
happens to the campaign later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Sku
from quanzi.core.models import PublicModel
from quanzi.stores.models import Store


class BargainCampaign(PublicModel):
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="bargain_campaigns", verbose_name=_("store")
    )
    sku = models.ForeignKey(
        Sku, on_delete=models.PROTECT, related_name="bargain_campaigns", verbose_name=_("SKU")
    )
    title = models.CharField(_("title"), max_length=60)
    start_price = models.BigIntegerField(_("start price (fen)"))
    floor_price = models.BigIntegerField(_("floor price (fen)"))
    helpers_needed = models.PositiveIntegerField(_("helpers needed"))
    hours = models.PositiveIntegerField(_("time limit (hours)"))
    allow_above_floor = models.BooleanField(_("buying above the floor allowed"), default=False)
    max_helps_per_user = models.PositiveIntegerField(_("helps per person in this campaign"))
    spread_percent = models.PositiveIntegerField(
        _("cut spread (% around the even share)"), default=50
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bargain campaign")
        verbose_name_plural = _("bargain campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(floor_price__gte=1), name="bargain_floor_positive"),
            models.CheckConstraint(
                condition=Q(start_price__gte=F("floor_price") + F("helpers_needed")),
                name="bargain_room_for_every_helper",
            ),
            models.CheckConstraint(condition=Q(helpers_needed__gte=1), name="bargain_helpers_1"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="bargain_hours_1"),
            models.CheckConstraint(condition=Q(max_helps_per_user__gte=1), name="bargain_k_1"),
            models.CheckConstraint(condition=Q(spread_percent__lte=100), name="bargain_spread"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bargain_window"),
        ]

    def __str__(self) -> str:
        return self.title


class BargainStatus(models.TextChoices):
    OPEN = "open", _("Bargaining")
    FLOOR_REACHED = "floor_reached", _("Floor price reached")
    BOUGHT = "bought", _("Bought")
    EXPIRED = "expired", _("Expired")


LIVE = (BargainStatus.OPEN, BargainStatus.FLOOR_REACHED)


class Bargain(PublicModel):
    campaign = models.ForeignKey(
        BargainCampaign,
        on_delete=models.CASCADE,
        related_name="bargains",
        verbose_name=_("campaign"),
    )
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bargains",
        verbose_name=_("starter"),
    )
    start_price = models.BigIntegerField(_("start price (fen)"))
    floor_price = models.BigIntegerField(_("floor price (fen)"))
    helpers_needed = models.PositiveIntegerField(_("helpers needed"))
    current_price = models.BigIntegerField(_("current price (fen)"))
    helps_count = models.PositiveIntegerField(_("helps"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=BargainStatus.choices, default="open"
    )
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order"),
    )
    bought_at = models.DateTimeField(_("bought at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bargain")
        verbose_name_plural = _("bargains")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_price__gte=F("floor_price")), name="bargain_never_below_floor"
            ),
            models.CheckConstraint(
                condition=Q(current_price__lte=F("start_price")), name="bargain_not_above_start"
            ),
            models.CheckConstraint(
                condition=Q(helps_count__lte=F("helpers_needed")), name="bargain_helps_at_most_n"
            ),
            models.UniqueConstraint(
                fields=["campaign", "starter"],
                condition=Q(status__in=["open", "floor_reached"]),
                name="bargain_one_live_per_starter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.starter_id}"

    @property
    def left_to_floor(self) -> int:
        """The true amount still to cut, in fen (never rounded)."""
        return self.current_price - self.floor_price


class BargainHelp(models.Model):
    """One helper's cut. `number` is the helper's n-th help in the campaign: unique per
    (campaign, helper), so concurrent helps by one person on different bargains cannot both
    take the same slot and pass the per-person cap."""

    bargain = models.ForeignKey(
        Bargain, on_delete=models.CASCADE, related_name="helps", verbose_name=_("bargain")
    )
    campaign = models.ForeignKey(
        BargainCampaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bargain_helps",
        verbose_name=_("helper"),
    )
    number = models.PositiveIntegerField(_("help number"))
    amount = models.BigIntegerField(_("amount cut (fen)"))
    price_after = models.BigIntegerField(_("price after (fen)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bargain help")
        verbose_name_plural = _("bargain helps")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bargain", "helper"], name="bargain_help_once"),
            models.UniqueConstraint(
                fields=["campaign", "helper", "number"], name="bargain_help_slot"
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="bargain_cut_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="bargain_help_number"),
        ]

    def __str__(self) -> str:
        return f"{self.bargain_id}:{self.helper_id}:{self.amount}"
