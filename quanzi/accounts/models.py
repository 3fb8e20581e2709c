"""Users, their shipping addresses and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from quanzi.core.ids import new_id
from quanzi.core.models import PublicModel


class User(AbstractUser):
    """A person: customer, merchant, staff or operator. Logs in by username or phone."""

    public_id = models.CharField(_("public ID"), max_length=16, unique=True, editable=False)
    phone = models.CharField(_("phone number"), max_length=20, null=True, blank=True, unique=True)
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)

    class Meta(AbstractUser.Meta):
        # Logins match usernames in any case (`username__iexact`): an index on the same
        # expression keeps that a look-up rather than a scan of every account.
        indexes = [models.Index(Upper("username"), name="user_username_upper")]

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = new_id()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


class Address(PublicModel):
    """A shipping address (收货地址). At most one default per user (a partial unique index)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=_("user"),
    )
    recipient = models.CharField(_("recipient"), max_length=40)
    phone = models.CharField(_("phone number"), max_length=20)
    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=40)
    district = models.CharField(_("district"), max_length=40, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address"
            )
        ]

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        return (
            f"{self.recipient} {self.phone} {self.province}{self.city}{self.district}{self.detail}"
        )

    def snapshot(self) -> dict[str, str]:
        """The address as copied onto an order, so later edits do not change past orders."""
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
        }


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once.

    It expires QUANZI_TOKEN_TTL_DAYS after its last use (sliding; `last_used_at` is written at
    most every few minutes) and can be revoked. A revoked row is kept so that its holder is told
    why it no longer works."""

    public_id = models.CharField(
        _("public ID"), max_length=16, unique=True, default=new_id, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or 'token'}"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = "qz_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, key_hash=_hash_token(raw), name=name), raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        return cls.objects.select_related("user").filter(key_hash=_hash_token(raw)).first()

    @staticmethod
    def lifetime() -> timedelta:
        return timedelta(days=settings.QUANZI_TOKEN_TTL_DAYS)

    @property
    def expires_at(self) -> datetime:
        return (self.last_used_at or self.created_at) + self.lifetime()

    @classmethod
    def live(cls, now: datetime) -> models.QuerySet[ApiToken]:
        """Tokens neither revoked nor expired at `now`."""
        return cls.objects.filter(revoked_at=None).filter(
            Q(last_used_at__gt=now - cls.lifetime())
            | Q(last_used_at=None, created_at__gt=now - cls.lifetime())
        )
