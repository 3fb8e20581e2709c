"""Verified-purchase reviews: one per order item, with photos and the merchant's reply."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Product
from quanzi.core.models import PublicModel
from quanzi.orders.models import OrderItem
from quanzi.stores.models import Store

MAX_STARS = 5
MAX_TEXT = 1000
MAX_REPLY = 500
MAX_PHOTOS = 6


class Moderation(models.TextChoices):
    """Where a review stands: shown, held out of view and rating while a suspected-fraud case is
    decided (its author still sees it, marked as under review), or hidden by moderation."""

    VISIBLE = "visible", _("visible")
    HELD = "held", _("under review")
    HIDDEN = "hidden", _("hidden by moderation")


class Review(PublicModel):
    """A buyer's review of one purchased item. The database allows one per order item, so a
    double submit or a race can never count twice in the product's rating."""

    order_item = models.ForeignKey(
        OrderItem, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("order item")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product")
    )
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("store")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("author"),
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("review"), max_length=MAX_TEXT, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    merchant_reply = models.TextField(_("merchant's reply"), max_length=MAX_REPLY, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replied by"),
    )
    is_hidden = models.BooleanField(
        _("out of view"),
        default=False,
        help_text=_(
            "Held or hidden reviews are not shown to others and do not count in the product rating."
        ),
    )
    # Kept by `services.set_moderation` together with `is_hidden` (true unless visible).
    moderation = models.CharField(
        _("moderation"), max_length=8, choices=Moderation.choices, default=Moderation.VISIBLE
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(fields=["product", "is_hidden", "-created_at"]),
            models.Index(fields=["store", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order_item"], name="review_once_per_item"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=MAX_STARS), name="review_stars_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(is_hidden=False, moderation="visible")
                | (Q(is_hidden=True) & ~Q(moderation="visible")),
                name="review_hidden_unless_visible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.stars}★"

    @property
    def author_name(self) -> str:
        """The name shown publicly: never the account of an anonymous reviewer."""
        if self.is_anonymous:
            return str(_("Anonymous buyer"))
        return self.author.display_name

    @property
    def author_avatar_url(self) -> str | None:
        if self.is_anonymous or not self.author.avatar:
            return None
        return self.author.avatar.url

    @property
    def is_held(self) -> bool:
        """Held out of view while a suspected-fraud case is decided."""
        return self.moderation == Moderation.HELD

    @property
    def star_glyphs(self) -> str:
        """'★★★★☆' for four stars."""
        return "★" * self.stars + "☆" * (MAX_STARS - self.stars)


class ReviewPhoto(PublicModel):
    """A photo of a review; positions 0–5, so the database itself caps a review at 6."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("review")
    )
    image = models.ImageField(_("image"), upload_to="reviews/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="reviews/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="review_photo_position"),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_PHOTOS), name="review_photo_at_most_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_id} #{self.position}"
