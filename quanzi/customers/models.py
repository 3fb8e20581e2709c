"""The store's customers as the store knows them: tags, RFM scores and segments.

A `Segment` is a saved rule over tags, RFM, circles, purchases and wishes (its `definition`,
written and read by `services.segments`); its members are worked out when it is used, never
stored, so a segment is always current."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class Segment(PublicModel):
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=40)
    definition = models.JSONField(_("definition"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class TagGroup(PublicModel):
    """A shelf of tags ("兴趣", "生命周期"): a name and an order, nothing else."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("tag group")
        verbose_name_plural = _("tag groups")
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="tag_group_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class TagKind(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Automatic (rule)")


class Tag(PublicModel):
    """A label on customers: put on by hand (`manual`) or by its `rule` (`rule`: the JSON
    condition of `services.rules`, re-checked on each event and in the nightly sweep)."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    group = models.ForeignKey(
        TagGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tags",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=TagKind.choices)
    rule = models.JSONField(_("rule"), default=dict, blank=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="tag_name_once")]
        indexes = [models.Index(fields=["store", "kind"], name="tag_store_kind")]

    def __str__(self) -> str:
        return self.name


class CustomerTag(models.Model):
    """A customer carries a tag since `since`; `source` says who put it there."""

    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="holders", verbose_name=_("tag")
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    source = models.CharField(_("source"), max_length=10, choices=TagKind.choices)
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag of a customer")
        verbose_name_plural = _("tags of customers")
        constraints = [models.UniqueConstraint(fields=["tag", "user"], name="customer_tag_once")]
        indexes = [models.Index(fields=["store", "user"], name="customer_tag_store_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.tag_id}"


class CustomerSettings(models.Model):
    """A store's choices: the RFM window and breaks (empty: quintiles), the lifecycle day
    thresholds, and the day of the last nightly sweep."""

    store = models.OneToOneField(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    rfm_window_days = models.PositiveIntegerField(_("RFM window (days)"), default=365)
    recency_breaks = models.JSONField(_("recency breaks (days)"), default=list, blank=True)
    frequency_breaks = models.JSONField(_("frequency breaks (orders)"), default=list, blank=True)
    monetary_breaks = models.JSONField(_("monetary breaks (fen)"), default=list, blank=True)
    new_days = models.PositiveIntegerField(_("new: first order within (days)"), default=30)
    sleeping_days = models.PositiveIntegerField(_("sleeping: no order for (days)"), default=90)
    swept_on = models.DateField(_("last nightly sweep"), null=True, blank=True)
    rfm_computed_at = models.DateTimeField(_("RFM computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer settings")
        verbose_name_plural = _("customer settings")

    def __str__(self) -> str:
        return f"customer settings of {self.store_id}"


class RfmSegment(models.TextChoices):
    IMPORTANT_VALUE = "important_value", _("Important value")
    IMPORTANT_DEVELOP = "important_develop", _("Important to develop")
    IMPORTANT_KEEP = "important_keep", _("Important to keep")
    IMPORTANT_WINBACK = "important_winback", _("Important to win back")
    GENERAL_VALUE = "general_value", _("General value")
    GENERAL_DEVELOP = "general_develop", _("General to develop")
    GENERAL_KEEP = "general_keep", _("General to keep")
    GENERAL_WINBACK = "general_winback", _("General to win back")


class CustomerRfm(models.Model):
    """A customer's RFM over the store's window: the raw values, the 1–5 scores and the
    named segment (scores ≥ 3 are "high")."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    recency_days = models.PositiveIntegerField(_("days since the last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.BigIntegerField(_("spend (fen)"))
    r = models.PositiveSmallIntegerField(_("R (recency score)"))
    f = models.PositiveSmallIntegerField(_("F (frequency score)"))
    m = models.PositiveSmallIntegerField(_("M (monetary score)"))
    segment = models.CharField(_("segment"), max_length=20, choices=RfmSegment.choices)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("RFM score")
        verbose_name_plural = _("RFM scores")
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="rfm_once")]
        indexes = [models.Index(fields=["store", "segment"], name="rfm_store_segment")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.r}{self.f}{self.m}"
