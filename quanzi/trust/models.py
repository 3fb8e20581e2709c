"""Trust and safety: the scores the detectors gave each review and account (with their reasons),
the operator's cases (a suspected ring: members, products, reviews), every action taken on a
case with who and why, appeals by reviewers and stores, the marks on accounts, where people act
from (`AccessPrint`), the operator's thresholds, and the merchants' reputation alerts.

docs/trust.md says what each signal means and who sees what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quanzi.core.models import PublicModel


class TrustSettings(models.Model):
    """The operator's thresholds: one row (pk 1), created with the defaults on first read."""

    review_flag = models.PositiveSmallIntegerField(_("flag reviews from score"), default=60)
    account_flag = models.PositiveSmallIntegerField(_("flag accounts from score"), default=60)
    hold = models.PositiveSmallIntegerField(
        _("hold a ring's reviews from score"),
        default=80,
        help_text=_("A ring scoring this much has its reviews held out of ratings at once."),
    )
    alert_window_minutes = models.PositiveSmallIntegerField(_("alert window (minutes)"), default=60)
    alert_min_complaints = models.PositiveSmallIntegerField(
        _("complaints in the window that alert"), default=5
    )
    alert_ratio = models.FloatField(_("times the usual rate that alerts"), default=3.0)
    alert_baseline_days = models.PositiveSmallIntegerField(_("baseline (days)"), default=14)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("trust settings")
        verbose_name_plural = _("trust settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_flag__lte=100) & Q(account_flag__lte=100) & Q(hold__lte=100),
                name="trust_thresholds_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(alert_window_minutes__gte=1) & Q(alert_min_complaints__gte=1),
                name="trust_alert_window_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("trust settings"))


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("trust case", "open")
    ACTIONED = "actioned", _("actioned")
    DISMISSED = "dismissed", _("dismissed")


class Case(PublicModel):
    """A suspected ring (or a single account) for an operator to decide: its members, the
    products they pushed, their reviews, the signals and the score."""

    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("store"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    density = models.FloatField(_("density"), default=0.0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # The block's members and products as the detector last saw them (a stable key finds the
    # same ring again when more of its reviews arrive).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("trust case")
        verbose_name_plural = _("trust cases")
        ordering = ["-score", "-created_at"]
        indexes = [models.Index(fields=["status", "-score"], name="trust_case_queue")]

    def __str__(self) -> str:
        return f"{self.pk} ({self.score})"


class CaseMember(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="members", verbose_name=_("case")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("case member")
        verbose_name_plural = _("case members")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="trust_case_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.user_id}"


class CaseProduct(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="products", verbose_name=_("case")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )

    class Meta:
        verbose_name = _("case product")
        verbose_name_plural = _("case products")
        constraints = [
            models.UniqueConstraint(fields=["case", "product"], name="trust_case_product_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.product_id}"


class CaseReview(models.Model):
    """A review in a case; `held` says whether this case holds it out of view and rating."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("case")
    )
    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, related_name="+", verbose_name=_("review")
    )
    held = models.BooleanField(_("held by this case"), default=False)

    class Meta:
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")
        constraints = [
            models.UniqueConstraint(fields=["case", "review"], name="trust_case_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.review_id}"


class ActionKind(models.TextChoices):
    OPENED = "opened", _("case opened by the detector")
    UPDATED = "updated", _("case updated by the detector")
    HOLD = "hold", _("held the reviews from ratings")
    RESTORE = "restore", _("restored the reviews")
    MARK = "mark", _("marked the accounts")
    UNMARK = "unmark", _("cleared the accounts")
    SUSPEND = "suspend", _("suspended the promoters' commissions")
    UNSUSPEND = "unsuspend", _("restored the promoters' commissions")
    NOTIFY = "notify", _("notified the store")
    DISMISS = "dismiss", _("dismissed the case")
    REOPEN = "reopen", _("reopened the case")
    APPEAL = "appeal", _("appeal received")
    APPEAL_UPHELD = "appeal_upheld", _("appeal upheld")
    APPEAL_REJECTED = "appeal_rejected", _("appeal rejected")


class CaseAction(models.Model):
    """Everything that happened to a case, with who (None: the detector) and why."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="actions", verbose_name=_("case")
    )
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("why"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("case action")
        verbose_name_plural = _("case actions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class ReviewScore(models.Model):
    """The detectors' score of one review, with the reasons, as of `computed_at`."""

    review = models.OneToOneField(
        "reviews.Review",
        on_delete=models.CASCADE,
        related_name="trust_score",
        verbose_name=_("review"),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("review score")
        verbose_name_plural = _("review scores")
        indexes = [models.Index(fields=["-score"], name="trust_review_score")]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.score}"


class AccountScore(models.Model):
    """The detectors' score of one account, with the reasons."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="trust_score",
        verbose_name=_("user"),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("account score")
        verbose_name_plural = _("account scores")
        indexes = [models.Index(fields=["-score"], name="trust_account_score")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.score}"


class MarkKind(models.TextChoices):
    SUSPECTED = "suspected", _("suspected fake")
    CONFIRMED = "confirmed", _("confirmed fake")
    CLEARED = "cleared", _("cleared")


class AccountMark(models.Model):
    """An operator's mark on an account; the newest one is the account's standing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="trust_marks",
        verbose_name=_("user"),
    )
    mark = models.CharField(_("mark"), max_length=10, choices=MarkKind.choices)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("why"), max_length=500)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account mark")
        verbose_name_plural = _("account marks")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="trust_mark_latest")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.mark}"


class AppealBy(models.TextChoices):
    REVIEWER = "reviewer", _("reviewer")
    STORE = "store", _("store")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("waiting for a decision")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


class Appeal(PublicModel):
    """A reviewer's appeal of a held review, or a store's appeal of a case about it."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("case")
    )
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("review"),
    )
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("store"),
    )
    by_role = models.CharField(_("appeal by"), max_length=10, choices=AppealBy.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("appeal"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        constraints = [
            # One open appeal per reviewer's review, and per store and case.
            models.UniqueConstraint(
                fields=["case", "review"],
                condition=Q(status="open", by_role="reviewer"),
                name="trust_appeal_open_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["case", "store"],
                condition=Q(status="open", by_role="store"),
                name="trust_appeal_open_once_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.by_role} {self.status}"


class AccessPrint(models.Model):
    """Where a person acted from (sign-in, checkout): the IP prefix and a hash of the device,
    first and last seen. Kept for the overlap signal only, pruned after `PRINT_DAYS`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    ip_prefix = models.CharField(_("IP prefix"), max_length=48)
    device = models.CharField(_("device"), max_length=16)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)
    times = models.PositiveIntegerField(_("times"), default=1)

    class Meta:
        verbose_name = _("access print")
        verbose_name_plural = _("access prints")
        constraints = [
            models.UniqueConstraint(fields=["user", "ip_prefix", "device"], name="trust_print_once")
        ]
        indexes = [
            models.Index(fields=["ip_prefix"], name="trust_print_prefix"),
            models.Index(fields=["device"], name="trust_print_device"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.ip_prefix}"


class AlertKind(models.TextChoices):
    PRODUCT = "product", _("complaints about a product")
    STORE = "store", _("complaints about the store")
    RESHARED = "reshared", _("a complaint shared across circles")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("waiting for an answer")
    ANSWERED = "answered", _("answered")
    RESOLVED = "resolved", _("resolved")


class ReputationAlert(PublicModel):
    """A spike of negative messages and reviews about a store or one of its products, against
    its own recent baseline; with the messages to answer and the time to first response and
    resolution."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    negative_count = models.PositiveIntegerField(_("negative items in the window"), default=0)
    baseline_per_window = models.FloatField(_("usual count per window"), default=0.0)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    suggestions = models.JSONField(_("suggested responses"), default=list, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reputation alert")
        verbose_name_plural = _("reputation alerts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="trust_alert_store")
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.kind} ({self.negative_count})"


class AlertItem(models.Model):
    """A negative message or review behind an alert (one of the messages to answer)."""

    alert = models.ForeignKey(
        ReputationAlert, on_delete=models.CASCADE, related_name="items", verbose_name=_("alert")
    )
    item = models.ForeignKey(
        "needs.TextItem", on_delete=models.CASCADE, related_name="+", verbose_name=_("text")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert item")
        verbose_name_plural = _("alert items")
        constraints = [
            models.UniqueConstraint(fields=["alert", "item"], name="trust_alert_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.item_id}"
