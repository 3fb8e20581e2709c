"""Share links, visits through them, the share tree, and attributions of orders to sharers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel

CODE_LENGTH = 8


class TargetKind(models.TextChoices):
    PRODUCT = "product", _("product")
    NOTE = "note", _("note")
    CIRCLE = "circle", _("circle")
    STORE = "store", _("store")
    GROUP = "group", _("group buy")
    BARGAIN = "bargain", _("bargain")


class ShareLink(PublicModel):
    """A short link carrying its sharer. `parent` is the link through which the sharer arrived
    themself: the links form a share tree (cascade) kept for analytics."""

    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="share_links",
        verbose_name=_("sharer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    target_id = models.CharField(_("target ID"), max_length=16)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sharer", "kind", "target_id", "parent"],
                name="sharelink_once_per_parent",
            ),
            models.UniqueConstraint(
                fields=["sharer", "kind", "target_id"],
                condition=models.Q(parent__isnull=True),
                name="sharelink_once_without_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Visit(PublicModel):
    """One visit through a share link; `visitor` is filled at login for anonymous visitors."""

    link = models.ForeignKey(
        ShareLink, on_delete=models.CASCADE, related_name="visits", verbose_name=_("link")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="share_visits",
        verbose_name=_("visitor"),
    )
    session_key = models.CharField(_("session key"), max_length=40, blank=True, db_index=True)
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("share link visit")
        verbose_name_plural = _("share link visits")
        ordering = ["-created_at"]


class Attribution(PublicModel):
    """An order credited to the sharer whose link was the buyer's last touch in the window."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="attribution",
        verbose_name=_("order"),
    )
    link = models.ForeignKey(
        ShareLink, on_delete=models.CASCADE, related_name="attributions", verbose_name=_("link")
    )
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attributions",
        verbose_name=_("sharer"),
    )

    class Meta:
        verbose_name = _("order attribution")
        verbose_name_plural = _("order attributions")
        ordering = ["-created_at"]


# --- Distribution (分销), issue 4 point 6 -------------------------------------------------------


class BindingMode(models.TextChoices):
    PERMANENT = "permanent", _("permanent (first binder)")
    TIME_LIMITED = "time_limited", _("time-limited")
    LAST_TOUCH = "last_touch", _("last touch")


class PromoterRule(models.TextChoices):
    EVERYONE = "everyone", _("everyone")
    APPROVED = "approved", _("approved applicants")
    SPENDERS = "spenders", _("customers above a spend threshold")


class DistributionConfig(models.Model):
    """A store's distribution settings. Rates are basis points of the order total
    (1000 = 10 %), together at most 10000; level 2 is the promoter's own promoter, never
    deeper."""

    store = models.OneToOneField(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="distribution",
        verbose_name=_("store"),
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    level1_rate_bp = models.PositiveIntegerField(_("level 1 rate (basis points)"), default=0)
    level2_rate_bp = models.PositiveIntegerField(_("level 2 rate (basis points)"), default=0)
    binding_mode = models.CharField(
        _("binding mode"),
        max_length=12,
        choices=BindingMode.choices,
        default=BindingMode.PERMANENT,
    )
    binding_days = models.PositiveIntegerField(_("binding days (time-limited)"), default=30)
    promoters = models.CharField(
        _("who can be a promoter"),
        max_length=12,
        choices=PromoterRule.choices,
        default=PromoterRule.EVERYONE,
    )
    spend_threshold = models.BigIntegerField(
        _("spend threshold (fen)"),
        default=0,
        help_text=_("With 'customers above a spend threshold': completed spending that qualifies."),
    )
    min_withdrawal = models.BigIntegerField(_("minimum withdrawal (fen)"), default=100)
    withdrawal_fee_bp = models.PositiveIntegerField(_("withdrawal fee (basis points)"), default=0)

    class Meta:
        verbose_name = _("distribution settings")
        verbose_name_plural = _("distribution settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    level1_rate_bp__lte=models.Value(10000) - models.F("level2_rate_bp")
                ),
                name="distribution_rates_at_most_total",
            ),
            models.CheckConstraint(
                condition=models.Q(spend_threshold__gte=0), name="distribution_threshold_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(min_withdrawal__gte=1), name="distribution_min_withdrawal_pos"
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawal_fee_bp__lt=10000), name="distribution_fee_below_all"
            ),
        ]

    def __str__(self) -> str:
        return f"distribution of {self.store_id}"


class Binding(models.Model):
    """A customer bound to a promoter within one store; `expires_at` is set in time-limited
    mode only (None: no expiry)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="promoter_bindings",
        verbose_name=_("customer"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="bindings", verbose_name=_("store")
    )
    promoter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bound_customers",
        verbose_name=_("promoter"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer binding")
        verbose_name_plural = _("customer bindings")
        constraints = [
            models.UniqueConstraint(fields=["customer", "store"], name="binding_once_per_store"),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("promoter")), name="binding_not_self"
            ),
        ]
        indexes = [models.Index(fields=["store", "promoter"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.promoter_id} @ {self.store_id}"


class CommissionStatus(models.TextChoices):
    FROZEN = "frozen", _("frozen")
    AVAILABLE = "available", _("available")
    REVERSED = "reversed", _("reversed")


class Commission(PublicModel):
    """A promoter's commission on one order at one level (1 or 2), in fen. `reversed_amount`
    grows with refunds (each reversal is its own ledger transaction); the ledger is the truth,
    this row is the promoter's view of it."""

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="commissions",
        verbose_name=_("order"),
    )
    promoter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="commissions",
        verbose_name=_("promoter"),
    )
    level = models.PositiveSmallIntegerField(_("level"))
    amount = models.PositiveIntegerField(_("amount (fen)"))
    reversed_amount = models.PositiveIntegerField(_("reversed (fen)"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommissionStatus.choices,
        default=CommissionStatus.FROZEN,
    )
    release_at = models.DateTimeField(_("release at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "promoter", "level"], name="commission_once_per_level"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=[1, 2]), name="commission_level_1_or_2"
            ),
            models.CheckConstraint(
                condition=models.Q(reversed_amount__lte=models.F("amount")),
                name="commission_reversed_at_most_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.level} {self.amount} on {self.order_id}"


class ProductCommission(models.Model):
    """A product's own commission rates, overriding the store's (basis points of what was paid
    for the product)."""

    product = models.OneToOneField(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="commission_rates",
        verbose_name=_("product"),
    )
    level1_rate_bp = models.PositiveIntegerField(_("level 1 rate (basis points)"))
    level2_rate_bp = models.PositiveIntegerField(_("level 2 rate (basis points)"))

    class Meta:
        verbose_name = _("product commission rates")
        verbose_name_plural = _("product commission rates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    level1_rate_bp__lte=models.Value(10000) - models.F("level2_rate_bp")
                ),
                name="product_commission_at_most_total",
            )
        ]

    def __str__(self) -> str:
        return f"commission rates of {self.product_id}"


class PromoterStatus(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    REVOKED = "revoked", _("revoked")


class Promoter(PublicModel):
    """A person's standing as a store's promoter: an application (with 'approved applicants'),
    or the merchant's decision to approve or revoke someone under any rule."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="promoters", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="promoter_of",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PromoterStatus.choices, default=PromoterStatus.PENDING
    )
    reason = models.CharField(_("application note"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("promoter")
        verbose_name_plural = _("promoters")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="promoter_once_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.store_id}: {self.status}"


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    PAYING = "paying", _("approved, paying out")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")
    FAILED = "failed", _("payout failed")


class Withdrawal(PublicModel):
    """A promoter's request to take `amount` fen of available commission out of a store's
    programme; `fee` stays with the store, `amount - fee` is paid out through the provider."""

    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="withdrawals",
        verbose_name=_("store"),
    )
    promoter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="withdrawals",
        verbose_name=_("promoter"),
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    fee = models.BigIntegerField(_("fee (fen)"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    payout_ref = models.CharField(_("payout reference"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="withdrawal_positive"),
            models.CheckConstraint(
                condition=models.Q(fee__gte=0) & models.Q(fee__lt=models.F("amount")),
                name="withdrawal_fee_below_amount",
            ),
        ]
        indexes = [models.Index(fields=["store", "status"])]

    def __str__(self) -> str:
        return f"withdrawal {self.pk}: {self.amount} ({self.status})"

    @property
    def net(self) -> int:
        return self.amount - self.fee


class CommissionSuspension(models.Model):
    """A promoter's commissions at a store suspended (trust and safety: a suspected 刷单 ring):
    while `suspended`, their frozen commissions stay frozen when orders complete and they may not
    withdraw; lifting it releases those whose orders completed meanwhile. `holders` are who
    suspended them (each trust case, say): the suspension lasts while any holds it."""

    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="commission_suspensions",
        verbose_name=_("store"),
    )
    promoter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commission_suspensions",
        verbose_name=_("promoter"),
    )
    suspended = models.BooleanField(_("suspended"), default=False)
    holders = models.JSONField(_("held by"), default=list, blank=True)
    reason = models.CharField(_("why"), max_length=500, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("commission suspension")
        verbose_name_plural = _("commission suspensions")
        constraints = [
            models.UniqueConstraint(fields=["store", "promoter"], name="commission_suspension_once")
        ]
        indexes = [models.Index(fields=["store", "suspended"])]

    def __str__(self) -> str:
        state = "suspended" if self.suspended else "lifted"
        return f"{self.promoter_id} @ {self.store_id}: {state}"


# --- Points (积分) and share rewards (转发有礼), issue 4 point 7 ---------------------------------


class PointsReason(models.TextChoices):
    SHARE_REWARD = "share_reward", _("share reward")


class PointsEntry(models.Model):
    """One change of a customer's points in a store. Append-only: a correction is a new entry.
    (store, user, reason, reference) is unique, so a grant that is replayed changes nothing."""

    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="points_entries",
        verbose_name=_("store"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="points_entries",
        verbose_name=_("user"),
    )
    delta = models.BigIntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=20, choices=PointsReason.choices)
    reference = models.CharField(_("reference"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user", "reason", "reference"], name="points_entry_once"
            ),
            models.CheckConstraint(condition=~models.Q(delta=0), name="points_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["store", "user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.delta:+d} points for {self.user_id} @ {self.store_id} ({self.reason})"


class PointsBalance(models.Model):
    """The sum of a customer's points entries in a store, kept in the entries' transaction."""

    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="points_balances",
        verbose_name=_("store"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="points_balances",
        verbose_name=_("user"),
    )
    balance = models.BigIntegerField(_("points"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="points_balance_once"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="points_balance_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.balance} points for {self.user_id} @ {self.store_id}"


class RewardTrigger(models.TextChoices):
    NEW_MEMBER = "new_member", _("a new circle member")
    FIRST_ORDER = "first_order", _("a first order")


class RewardKind(models.TextChoices):
    POINTS = "points", _("points")
    COUPON = "coupon", _("a coupon")


class ShareRewardRule(models.Model):
    """A store's share reward for one trigger (one rule per trigger): what a sharer earns when
    their share brings a new circle member or a customer's first order, at most `daily_cap`
    times per sharer per day (Asia/Shanghai days)."""

    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.CASCADE,
        related_name="share_reward_rules",
        verbose_name=_("store"),
    )
    trigger = models.CharField(_("trigger"), max_length=12, choices=RewardTrigger.choices)
    reward = models.CharField(
        _("reward"), max_length=10, choices=RewardKind.choices, default=RewardKind.POINTS
    )
    points = models.PositiveIntegerField(_("points per reward"), default=0)
    coupon = models.ForeignKey(
        "campaigns.Coupon",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="share_reward_rules",
        verbose_name=_("coupon"),
    )
    daily_cap = models.PositiveIntegerField(_("rewards per sharer per day"), default=5)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("share reward rule")
        verbose_name_plural = _("share reward rules")
        constraints = [
            models.UniqueConstraint(fields=["store", "trigger"], name="share_reward_rule_once"),
            models.CheckConstraint(
                condition=models.Q(daily_cap__gte=1), name="share_reward_rule_cap_pos"
            ),
            models.CheckConstraint(
                condition=~models.Q(reward="points") | models.Q(points__gte=1),
                name="share_reward_rule_points_pos",
            ),
            models.CheckConstraint(
                condition=~models.Q(reward="coupon") | models.Q(coupon__isnull=False),
                name="share_reward_rule_coupon_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} reward @ {self.store_id}"


class ShareReward(PublicModel):
    """One reward given: `sharer` brought `member` (the new circle member or the buyer) and got
    `points` or `user_coupon`, their copy of the rule's coupon; `reference` names the trigger
    (the circle joined, the order paid). A trigger rewards once, and a customer's first order
    once per store; `day` (Asia/Shanghai) counts the daily cap."""

    rule = models.ForeignKey(
        ShareRewardRule, on_delete=models.CASCADE, related_name="rewards", verbose_name=_("rule")
    )
    trigger = models.CharField(_("trigger"), max_length=12, choices=RewardTrigger.choices)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="share_rewards",
        verbose_name=_("sharer"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    reference = models.CharField(_("reference"), max_length=64)
    points = models.PositiveIntegerField(_("points"), default=0)
    user_coupon = models.ForeignKey(
        "campaigns.UserCoupon",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("coupon given"),
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("share reward")
        verbose_name_plural = _("share rewards")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "member", "reference"], name="share_reward_once"
            ),
            models.UniqueConstraint(
                fields=["rule", "member"],
                condition=models.Q(trigger="first_order"),
                name="share_reward_first_order_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(sharer=models.F("member")), name="share_reward_not_self"
            ),
        ]
        indexes = [models.Index(fields=["rule", "sharer", "day"])]

    def __str__(self) -> str:
        return f"{self.trigger} reward to {self.sharer_id} for {self.member_id}"
