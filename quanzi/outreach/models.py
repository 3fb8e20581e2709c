"""Outreach: a store reaches a segment with a coupon, a circle announcement or a private
notification, and keeps a random holdout so the report shows the lift (docs/outreach.md).

An `Outreach` is a draft until it is sent; sending freezes its audience (`OutreachMember`, one
row per member with the group drawn and, for the reached, what delivery did) and never runs
again. `OutreachOptOut` is a member's choice to hear nothing more from a store's outreach."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel

DEFAULT_HOLDOUT = 10
MIN_HOLDOUT = 5
MAX_HOLDOUT = 50
DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 30


class Channel(models.TextChoices):
    COUPON = "coupon", _("Coupon")
    ANNOUNCEMENT = "announcement", _("Circle announcement")
    NOTIFICATION = "notification", _("Private notification")


class OutreachState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class Group(models.TextChoices):
    REACHED = "reached", _("Reached")
    HOLDOUT = "holdout", _("Held out")


class Delivery(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered")
    SKIPPED = "skipped", _("Not delivered")
    HELD = "held", _("Held out: nothing sent")


class SkipReason(models.TextChoices):
    MUTED = "muted", _("Muted the circle")
    OPTED_OUT = "opted_out", _("Turned off this store's messages")
    NOT_IN_CIRCLE = "not_in_circle", _("Not in the circle")
    OUT_OF_STOCK = "out_of_stock", _("Coupon all taken")
    COUPON_REFUSED = "coupon_refused", _("Coupon could not be given (ended or limit reached)")
    INACTIVE = "inactive", _("Account closed")


class Outreach(PublicModel):
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=60)
    segment = models.ForeignKey(
        "customers.Segment",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("segment"),
    )
    segment_name = models.CharField(_("segment name when sent"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    coupon = models.ForeignKey(
        "campaigns.Coupon",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coupon"),
    )
    circle = models.ForeignKey(
        "circles.Circle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("circle"),
    )
    title = models.CharField(_("title"), max_length=80, blank=True)
    body = models.TextField(_("body"), blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    text = models.CharField(_("notification text"), max_length=200, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    announcement = models.ForeignKey(
        "circles.Announcement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("announcement published"),
    )
    holdout_percent = models.PositiveSmallIntegerField(_("holdout (%)"), default=DEFAULT_HOLDOUT)
    seed = models.BigIntegerField(_("random seed"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=OutreachState.choices, default=OutreachState.DRAFT
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery finished at"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), default=DEFAULT_WINDOW_DAYS
    )
    reached_count = models.PositiveIntegerField(_("reached members"), default=0)
    holdout_count = models.PositiveIntegerField(_("held-out members"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("outreach")
        verbose_name_plural = _("outreaches")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "-created_at"], name="outreach_store_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_percent__gte=MIN_HOLDOUT, holdout_percent__lte=MAX_HOLDOUT),
                name="outreach_holdout_range",
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1, window_days__lte=MAX_WINDOW_DAYS),
                name="outreach_window_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutreachMember(models.Model):
    """One member of an outreach's frozen audience: the group drawn, and what delivery did."""

    outreach = models.ForeignKey(
        Outreach, on_delete=models.CASCADE, related_name="members", verbose_name=_("outreach")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    skip_reason = models.CharField(
        _("why not delivered"), max_length=20, choices=SkipReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("outreach member")
        verbose_name_plural = _("outreach members")
        constraints = [
            models.UniqueConstraint(fields=["outreach", "user"], name="outreach_member_once")
        ]
        indexes = [
            models.Index(fields=["outreach", "delivery"], name="outreach_member_delivery"),
            models.Index(fields=["user", "outreach"], name="outreach_member_user"),
        ]

    def __str__(self) -> str:
        return f"{self.outreach_id} · {self.user_id} · {self.group}"


class OutreachOptOut(models.Model):
    """A member turned off a store's outreach: no coupon, announcement notice or message from
    its outreaches reaches them (they still count in the audience, as assigned)."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outreach opt-out")
        verbose_name_plural = _("outreach opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="outreach_optout_once")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} · {self.user_id}"
