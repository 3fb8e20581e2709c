"""What the store's community said, analysed: one `TextItem` per message, note, comment, review
or after-sales reason about the store, the wishes found in them (`Wish`, each mention a
`WishMention`), and each member's choice about being profiled (`ProfilingPreference`).

Only the store's own circles and content about its products become items; a member's private
messages and other stores' circles are never read (docs/needs.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class Source(models.TextChoices):
    CHAT = "chat", _("Circle chat")
    NOTE = "note", _("Note")
    COMMENT = "comment", _("Note comment")
    REVIEW = "review", _("Review")
    AFTER_SALE = "after_sale", _("After-sales reason")


class TextItem(models.Model):
    """One piece of the store's community text and what the text model made of it (empty
    `sentiment` until it is analysed, after the writer's transaction commits)."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_id = models.CharField(_("source ID"), max_length=32)
    circle = models.ForeignKey(
        "circles.Circle",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("circle"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=5000)
    written_at = models.DateTimeField(_("written at"))
    sentiment = models.CharField(_("sentiment"), max_length=10, blank=True)
    sentiment_score = models.FloatField(_("sentiment score"), default=0.0)
    motives = models.JSONField(_("motives"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)
    model = models.CharField(_("model"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("community text")
        verbose_name_plural = _("community texts")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "source", "source_id"], name="text_item_once_per_store"
            )
        ]
        indexes = [
            models.Index(fields=["store", "written_at"], name="text_item_store_time"),
            models.Index(fields=["store", "circle", "written_at"], name="text_item_circle_time"),
            models.Index(fields=["store", "product", "written_at"], name="text_item_product_time"),
            models.Index(fields=["store", "author", "written_at"], name="text_item_author_time"),
            models.Index(fields=["analysed_at"], name="text_item_analysed"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.source_id}"


class Wish(PublicModel):
    """An explicit ask ("希望有无糖款"), its paraphrases merged: `label` is its most common
    phrasing; the counts are kept by the services as mentions arrive."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    label = models.CharField(_("wish"), max_length=60)
    mention_count = models.PositiveIntegerField(_("mentions"), default=0)
    asker_count = models.PositiveIntegerField(_("people who asked"), default=0)
    first_at = models.DateTimeField(_("first asked"), null=True, blank=True)
    last_at = models.DateTimeField(_("last asked"), null=True, blank=True)

    class Meta:
        verbose_name = _("wish")
        verbose_name_plural = _("wishes")
        indexes = [models.Index(fields=["store", "-mention_count"], name="wish_store_count")]

    def __str__(self) -> str:
        return self.label


class WishMention(models.Model):
    """One ask in one text: the span [start, end) of the item's text."""

    wish = models.ForeignKey(
        Wish, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("wish")
    )
    item = models.ForeignKey(
        TextItem, on_delete=models.CASCADE, related_name="wishes", verbose_name=_("text")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("asked by"),
    )
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    text = models.CharField(_("words"), max_length=60)
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("wish mention")
        verbose_name_plural = _("wish mentions")
        constraints = [models.UniqueConstraint(fields=["item", "start"], name="wish_mention_once")]
        indexes = [
            models.Index(fields=["wish", "written_at"], name="wish_mention_time"),
            models.Index(fields=["user", "wish"], name="wish_mention_user"),
        ]

    def __str__(self) -> str:
        return self.text


class ProfilingPreference(models.Model):
    """A member's choice: `profiled` False keeps them out of profiles, tags built from their
    words and segments; `in_aggregates` False also keeps their text out of the anonymous
    counts. No row means both are allowed (the circle rules say so)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profiling",
        verbose_name=_("member"),
    )
    profiled = models.BooleanField(_("may be profiled"), default=True)
    in_aggregates = models.BooleanField(_("counts in anonymous totals"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profiling preference")
        verbose_name_plural = _("profiling preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: profiled={self.profiled}"


class Digest(PublicModel):
    """The weekly digest of one store: the week [week_start, week_start + 7 days) in local days,
    what the merchant should read of it (`content`: top wishes, rising topics, the sentiment
    change against the week before, the questions left unanswered in chat), built once by the
    weekly sweep and kept."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    week_start = models.DateField(_("week starting"))
    content = models.JSONField(_("content"), default=dict)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["store", "week_start"], name="digest_once_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.week_start}"


class NeedsMark(models.Model):
    """How far a sweep of needs got (`digest`: the last week whose digests were built), so
    the sweep that runs every minute does its work once."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    day = models.DateField(_("day"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("needs sweep mark")
        verbose_name_plural = _("needs sweep marks")

    def __str__(self) -> str:
        return f"{self.name}: {self.day}"
