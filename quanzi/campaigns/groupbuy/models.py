"""Group buying (拼团): a campaign on a product's SKUs, the groups people open and join, and
their seats. A seat is taken when its order is placed and counts until the order is cancelled
or refunded, so a group never has more than `team_size` reserved and paid seats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel

CAMPAIGN_KIND = "group"  # Order.campaign of a group's orders; campaign_ref is the group id


class GroupCampaign(PublicModel):
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="group_campaigns",
        verbose_name=_("store"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="group_campaigns",
        verbose_name=_("product"),
    )
    team_size = models.PositiveSmallIntegerField(_("team size"))
    hours = models.PositiveSmallIntegerField(_("hours to fill a group"), default=24)
    per_user_limit = models.PositiveSmallIntegerField(_("seats per person"), default=1)
    per_order_limit = models.PositiveSmallIntegerField(_("units per order"), default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    complete_at_percent = models.PositiveSmallIntegerField(
        _("complete at percent filled"), null=True, blank=True
    )
    leader_points = models.PositiveIntegerField(_("leader reward (points)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group-buy campaign")
        verbose_name_plural = _("group-buy campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(team_size__gte=2), name="groupbuy_team_size_2"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="groupbuy_hours_pos"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="groupbuy_user_pos"),
            models.CheckConstraint(condition=Q(per_order_limit__gte=1), name="groupbuy_order_pos"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="groupbuy_window"),
            models.CheckConstraint(
                condition=Q(complete_at_percent__isnull=True)
                | Q(complete_at_percent__gte=1, complete_at_percent__lte=99),
                name="groupbuy_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ×{self.team_size}"


class GroupPrice(models.Model):
    """The group price of one SKU of the campaign's product (fen)."""

    campaign = models.ForeignKey(
        GroupCampaign, on_delete=models.CASCADE, related_name="prices", verbose_name=_("campaign")
    )
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU")
    )
    price = models.BigIntegerField(_("group price (fen)"))

    class Meta:
        verbose_name = _("group-buy price")
        verbose_name_plural = _("group-buy prices")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="groupbuy_price_once"),
            models.CheckConstraint(condition=Q(price__gt=0), name="groupbuy_price_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.price}"


class GroupStatus(models.TextChoices):
    OPEN = "open", _("open")
    COMPLETE = "complete", _("complete")
    FAILED = "failed", _("failed")


class Group(PublicModel):
    """One group (团). `seats_taken` counts reserved and paid seats, `paid_count` the paid ones;
    both change only under the group's row lock. Team size, the completion threshold and the
    percent are copied from the campaign when the group opens."""

    campaign = models.ForeignKey(
        GroupCampaign, on_delete=models.CASCADE, related_name="groups", verbose_name=_("campaign")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("leader"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.OPEN
    )
    team_size = models.PositiveSmallIntegerField(_("team size"))
    complete_at_percent = models.PositiveSmallIntegerField(
        _("completes at (percent of seats)"), null=True, blank=True
    )
    opened_at = models.DateTimeField(_("opened at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    seats_taken = models.PositiveSmallIntegerField(_("seats taken"), default=0)
    paid_count = models.PositiveSmallIntegerField(_("paid members"), default=0)

    class Meta:
        verbose_name = _("group-buy group")
        verbose_name_plural = _("group-buy groups")
        ordering = ["expires_at"]
        indexes = [models.Index(fields=["campaign", "status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("team_size")), name="groupbuy_seats_le_team"
            ),
            models.CheckConstraint(
                condition=Q(paid_count__lte=F("seats_taken")), name="groupbuy_paid_le_seats"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status} {self.paid_count}/{self.team_size}"


class SeatState(models.TextChoices):
    RESERVED = "reserved", _("waiting for payment")
    PAID = "paid", _("paid")
    REFUNDED = "refunded", _("refunded")
    RELEASED = "released", _("order cancelled")


ACTIVE_SEATS = (SeatState.RESERVED, SeatState.PAID)


class GroupMember(PublicModel):
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="members", verbose_name=_("group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_seats",
        verbose_name=_("user"),
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="group_seat", verbose_name=_("order")
    )
    state = models.CharField(
        _("seat"), max_length=10, choices=SeatState.choices, default=SeatState.RESERVED
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("group-buy member")
        verbose_name_plural = _("group-buy members")
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(state__in=["reserved", "paid"]),
                name="groupbuy_one_active_seat",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.user_id} {self.state}"
