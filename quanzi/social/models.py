"""The social graph (follows of people and stores, blocks, privacy), notes (笔记) with their
likes, collects and comments, and the feed's activity entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Product
from quanzi.core.models import PublicModel
from quanzi.stores.models import Store


class Follow(models.Model):
    """`follower` follows a person (`followee`) or a store (`store`), never both. Two people
    following each other are friends."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="following",
        verbose_name=_("follower"),
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
        verbose_name=_("followee"),
    )
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
        verbose_name=_("store"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(followee__isnull=False, store__isnull=True)
                    | Q(followee__isnull=True, store__isnull=False)
                ),
                name="follow_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(follower=models.F("followee")), name="follow_not_self"
            ),
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_person_once"),
            models.UniqueConstraint(fields=["follower", "store"], name="follow_store_once"),
        ]
        indexes = [
            models.Index(fields=["followee", "-created_at"]),
            models.Index(fields=["store", "-created_at"]),
            models.Index(fields=["follower", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followee_id or self.store_id}"


class Block(models.Model):
    """`blocker` blocked `blocked`: the blocked person can neither see nor reach the blocker
    (no follow, no comment, no notes in either direction)."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks",
        verbose_name=_("blocker"),
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocked_by",
        verbose_name=_("blocked"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"


class PrivacySettings(models.Model):
    """What a person lets friends see in their feed. Purchases are private by default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="privacy",
        primary_key=True,
        verbose_name=_("user"),
    )
    share_purchases = models.BooleanField(_("show my purchases to friends"), default=False)
    share_reviews = models.BooleanField(_("show my reviews to friends"), default=True)
    # When the person answered, after a purchase, whether friends may see their purchases: the
    # question is asked once (the privacy page changes the answer any time).
    purchases_asked_at = models.DateTimeField(
        _("asked about sharing purchases"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return f"privacy of {self.user_id}"


class Note(PublicModel):
    """A shopping note (笔记, Xiaohongshu-style): text, up to 9 images, tagged products. Written
    by a person, or by a store's staff in the store's name (`store` set)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("author"),
    )
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("store"),
    )
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"), max_length=5000, blank=True)
    products = models.ManyToManyField(
        Product, blank=True, related_name="notes", verbose_name=_("products")
    )
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    collect_count = models.PositiveIntegerField(_("saves"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    is_hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["store", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class NoteImage(PublicModel):
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="images", verbose_name=_("note")
    )
    image = models.ImageField(_("image"), upload_to="notes/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="notes/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("note image")
        verbose_name_plural = _("note images")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["note", "position"], name="note_image_position_once"),
            models.CheckConstraint(condition=Q(position__lt=9), name="note_at_most_9_images"),
        ]

    def __str__(self) -> str:
        return f"{self.note_id} #{self.position}"


class NoteLike(models.Model):
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="likes", verbose_name=_("note")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("note like")
        verbose_name_plural = _("note likes")
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="note_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.note_id}"


class NoteCollect(models.Model):
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="collects", verbose_name=_("note")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="collected_notes",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved note")
        verbose_name_plural = _("saved notes")
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="note_collect_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ☆ {self.note_id}"


class NoteComment(PublicModel):
    """One level of comments: a comment may answer another comment of the same note
    (`reply_to`), but replies are shown flat under the note."""

    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="comments", verbose_name=_("note")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.CharField(_("text"), max_length=500)
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reply to"),
    )
    is_hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        verbose_name = _("note comment")
        verbose_name_plural = _("note comments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"comment on {self.note_id}"


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    PURCHASE = "purchase", _("Purchase")
    REVIEW = "review", _("Review")


class FeedEntry(models.Model):
    """One item of one person's home feed (fan-out on write): written when a note is published,
    a friend's purchase is paid or a friend's review is written, for each follower allowed to
    see it. See docs/feed.md for the design and its reasons."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_entries",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("actor"),
    )
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("store"),
    )
    note = models.ForeignKey(
        Note,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("note"),
    )
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product"),
    )
    review_id = models.CharField(_("review ID"), max_length=16, blank=True)
    # Newest first with a boost for friends' activity: rank = created time + boost seconds.
    rank = models.DateTimeField(_("rank"), db_index=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        indexes = [models.Index(fields=["owner", "-rank", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.owner_id}"
