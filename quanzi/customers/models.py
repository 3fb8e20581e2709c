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
