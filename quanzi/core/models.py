"""Shared model bases and the idempotency record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quanzi.core.ids import ID_LENGTH, new_id


class PublicModel(models.Model):
    """A model whose primary key is a random, non-sequential string id used in URLs and APIs."""

    id = models.CharField(
        _("ID"), primary_key=True, max_length=ID_LENGTH, default=new_id, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed for repeats.

    One row per (user, scope, key); the unique constraint is what makes two concurrent requests
    with one key produce one result.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    scope = models.CharField(_("scope"), max_length=64)
    key = models.CharField(_("key"), max_length=128)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    response = models.JSONField(_("response"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
