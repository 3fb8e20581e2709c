"""Campaigns (营销活动). Coupons (优惠券): a store's coupon, the copies customers hold, the
store's campaign settings and coupons attached to circle announcements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class CouponKind(models.TextChoices):
    FIXED = "fixed", _("Fixed amount off")
    PERCENT = "percent", _("Percentage off")
    THRESHOLD = "threshold", _("Spend X, get Y off")


class Validity(models.TextChoices):
    WINDOW = "window", _("Between two dates")
    DAYS = "days", _("For some days after it is received")


class Coupon(PublicModel):
    """A store's coupon. Amounts in fen. `issued` counts the copies handed out (claimed or
    granted); at most `total`. The discount terms cannot change once a copy is out."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="coupons", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=CouponKind.choices)
    amount_off = models.BigIntegerField(_("amount off (fen)"), default=0)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), default=0)
    max_off = models.BigIntegerField(_("at most off (fen, 0 = no cap)"), default=0)
    min_spend = models.BigIntegerField(_("minimum spend (fen)"), default=0)
    validity = models.CharField(_("validity"), max_length=10, choices=Validity.choices)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("valid for (days)"), default=0)
    total = models.PositiveIntegerField(_("quantity"))
    issued = models.PositiveIntegerField(_("handed out"), default=0)
    per_user_limit = models.PositiveSmallIntegerField(_("per person"), default=1)
    # False: only the system hands it out (join cashback, share rewards), nobody claims it.
    claimable = models.BooleanField(_("customers can claim it"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "is_active", "claimable"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=1), name="coupon_total_pos"),
            models.CheckConstraint(
                condition=Q(issued__gte=0) & Q(issued__lte=F("total")),
                name="coupon_issued_within_total",
            ),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="coupon_limit_pos"),
            models.CheckConstraint(
                condition=Q(amount_off__gte=0)
                & Q(max_off__gte=0)
                & Q(min_spend__gte=0)
                & Q(percent_off__lte=99),
                name="coupon_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=(Q(kind=CouponKind.FIXED) & Q(amount_off__gte=1) & Q(percent_off=0))
                | (
                    Q(kind=CouponKind.PERCENT)
                    & Q(percent_off__gte=1)
                    & Q(percent_off__lte=99)
                    & Q(amount_off=0)
                )
                | (
                    Q(kind=CouponKind.THRESHOLD)
                    & Q(amount_off__gte=1)
                    & Q(min_spend__gte=F("amount_off"))
                    & Q(percent_off=0)
                ),
                name="coupon_kind_terms",
            ),
            models.CheckConstraint(
                condition=(
                    Q(validity=Validity.WINDOW)
                    & Q(valid_from__isnull=False)
                    & Q(valid_until__gt=F("valid_from"))
                )
                | (Q(validity=Validity.DAYS) & Q(valid_days__gte=1)),
                name="coupon_validity_terms",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def left(self) -> int:
        return self.total - self.issued


class UserCouponStatus(models.TextChoices):
    """Stored states; "expired" is not stored but read from `expires_at` (see `state`)."""

    UNUSED = "unused", _("Unused")
    USED = "used", _("Used")
    RETURNED = "returned", _("Returned from a cancelled order")


EXPIRED = "expired"
HELD = (UserCouponStatus.UNUSED, UserCouponStatus.RETURNED)


class CouponSource(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    JOIN_CASHBACK = "join_cashback", _("Joining the store's circle")
    SHARE_REWARD = "share_reward", _("Share reward")
    GRANTED = "granted", _("Given by the store")


class UserCoupon(PublicModel):
    """A copy of a coupon held by one customer, with its own validity (fixed at hand-out) and,
    once used, the order it was used on."""

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="copies", verbose_name=_("coupon")
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupons",
        verbose_name=_("user"),
    )
    # 1..per_user_limit: the unique (coupon, user, number) makes concurrent claims of one
    # person take distinct numbers, so nobody holds more than the limit.
    number = models.PositiveSmallIntegerField(_("coupon number"), default=1)
    source = models.CharField(_("source"), max_length=20, choices=CouponSource.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=UserCouponStatus.choices,
        default=UserCouponStatus.UNUSED,
    )
    valid_from = models.DateTimeField(_("valid from"))
    expires_at = models.DateTimeField(_("expires at"))
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("order"),
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user coupon")
        verbose_name_plural = _("user coupons")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "status", "expires_at"]),
            models.Index(fields=["user", "store", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "user", "number"], name="user_coupon_number_once"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="user_coupon_number_pos"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("valid_from")), name="user_coupon_validity"
            ),
            models.CheckConstraint(
                condition=(Q(status=UserCouponStatus.USED) & Q(order__isnull=False))
                | (~Q(status=UserCouponStatus.USED) & Q(order__isnull=True)),
                name="user_coupon_used_on_order",
            ),
            # Join cashback (加入社群返现): once per person per store, ever.
            models.UniqueConstraint(
                fields=["store", "user"],
                condition=Q(source=CouponSource.JOIN_CASHBACK),
                name="join_cashback_once_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} × {self.user_id} ({self.status})"


class StoreCampaignSettings(models.Model):
    """A store's campaign settings (one row per store, created on first change)."""

    store = models.OneToOneField(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="campaign_settings",
        verbose_name=_("store"),
    )
    # Whether a coupon's discount also covers items sold at a campaign price (group buying,
    # flash sales…). Off: those items do not count towards the coupon.
    coupons_on_campaign_price = models.BooleanField(
        _("coupons can be used on campaign-priced items"), default=False
    )
    # 加入社群返现: given to each person joining one of the store's circles, once per person.
    join_cashback = models.ForeignKey(
        Coupon,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("join cashback coupon"),
    )

    class Meta:
        verbose_name = _("store campaign settings")
        verbose_name_plural = _("store campaign settings")

    def __str__(self) -> str:
        return f"campaign settings of {self.store_id}"


class AnnouncementCoupon(models.Model):
    """A coupon carried by a store circle's announcement, claimable right under it."""

    announcement = models.OneToOneField(
        "circles.Announcement",
        on_delete=models.CASCADE,
        related_name="coupon_link",
        verbose_name=_("announcement"),
    )
    coupon = models.ForeignKey(
        Coupon, on_delete=models.CASCADE, related_name="+", verbose_name=_("coupon")
    )

    class Meta:
        verbose_name = _("announcement coupon")
        verbose_name_plural = _("announcement coupons")

    def __str__(self) -> str:
        return f"{self.coupon_id} on {self.announcement_id}"
