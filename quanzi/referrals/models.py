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


class ShareLink(PublicModel):
    """A short link carrying its sharer. `parent` is the link through which the sharer arrived
    themself: the links form a share tree (cascade) kept for analytics."""

    code = models.CharField(max_length=CODE_LENGTH, unique=True)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    target_id = models.CharField(max_length=16)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
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

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="share_visits",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Attribution(PublicModel):
    """An order credited to the sharer whose link was the buyer's last touch in the window."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="attribution"
    )
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="attributions")
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attributions"
    )

    class Meta:
        ordering = ["-created_at"]
