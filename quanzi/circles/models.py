"""Circles (社群): communities with members and roles, real-time chat, announcements and launch
countdowns, notifications, moderation and a commercial-message budget."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Product
from quanzi.core.models import PublicModel
from quanzi.stores.models import Store


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Anyone can join")
    APPROVAL = "approval", _("Join by approval")
    INVITE = "invite", _("Invite only")


class Circle(PublicModel):
    """A community. A store circle belongs to a store (its products can be shared as cards);
    an interest circle has no store."""

    name = models.CharField(_("name"), max_length=40)
    avatar = models.ImageField(_("avatar"), upload_to="circles/%Y/%m/", blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    rules = models.TextField(_("rules"), max_length=4000, blank=True)
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="circles",
        verbose_name=_("store"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_circles",
        verbose_name=_("owner"),
    )
    join_policy = models.CharField(
        _("who can join"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    # The secret of the join link / QR code; rotating it invalidates old links.
    invite_code = models.CharField(_("invite code"), max_length=24, unique=True)
    is_listed = models.BooleanField(_("shown in discovery"), default=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    # Commercial-message budget: at most this share (percent) of the circle's messages over a
    # rolling 7 days may be commercial, and at most this many per day.
    commercial_share_percent = models.PositiveSmallIntegerField(
        _("commercial share cap (%)"), default=20
    )
    commercial_daily_cap = models.PositiveSmallIntegerField(
        _("commercial messages per day"), default=10
    )
    # Flood control: at most this many messages per member per minute.
    flood_per_minute = models.PositiveSmallIntegerField(
        _("messages per member per minute"), default=20
    )
    # An ordinary member's product and campaign cards are not commercial, but each member may
    # share at most this many in a rolling 24 hours (the store's people and promoters count
    # against the commercial budget instead).
    member_share_daily_limit = models.PositiveSmallIntegerField(
        _("cards a member may share a day"), default=3
    )
    blocked_words = models.JSONField(_("blocked words"), default=list, blank=True)
    last_message_seq = models.BigIntegerField(_("last message number"), default=0)

    class Meta:
        verbose_name = _("circle")
        verbose_name_plural = _("circles")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commercial_share_percent__lte=100), name="circle_share_le_100"
            ),
            models.CheckConstraint(
                condition=Q(member_share_daily_limit__gte=1), name="circle_member_shares_ge_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


class MemberState(models.TextChoices):
    ACTIVE = "active", _("Member")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")
    BANNED = "banned", _("Banned")


class Membership(models.Model):
    """A person in a circle: role, state, mute, read position and per-circle notification mute.
    One row per (circle, user) for life: leaving, removal and bans change its state."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("circle")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="circle_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(
        _("state"), max_length=10, choices=MemberState.choices, default=MemberState.ACTIVE
    )
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    notifications_muted = models.BooleanField(_("notifications muted"), default=False)
    last_read_seq = models.BigIntegerField(_("last read message number"), default=0)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["circle", "user"], name="membership_once")]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.circle} ({self.role}, {self.state})"


class JoinRequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class JoinRequest(PublicModel):
    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("circle")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    message = models.CharField(_("message"), max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=JoinRequestState.choices,
        default=JoinRequestState.PENDING,
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

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "user"],
                condition=Q(state="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.circle} ({self.state})"


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    PRODUCT = "product", _("Product card")
    ORDER = "order", _("Order card")
    REVIEW = "review", _("Review card")
    CAMPAIGN = "campaign", _("Campaign card")
    ANNOUNCEMENT = "announcement", _("Announcement")
    SYSTEM = "system", _("System")


# Cards that sell: commercial (the circle's budget) when the store's people or its promoters
# post them; an ordinary member's share counts against the member's own daily limit instead.
COMMERCIAL_KINDS = (MessageKind.PRODUCT, MessageKind.CAMPAIGN)


class Message(PublicModel):
    """A chat message. `seq` orders a circle's messages without gaps or repeats: a client that
    reconnects asks for everything after the last seq it saw. `client_id` (generated by the
    sender's client) makes a resent message one message."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="messages", verbose_name=_("circle")
    )
    seq = models.BigIntegerField(_("message number"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sender"),
    )
    client_id = models.CharField(_("client ID"), max_length=64, blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=MessageKind.choices, default=MessageKind.TEXT
    )
    text = models.TextField(_("text"), max_length=2000, blank=True)
    image = models.ImageField(_("image"), upload_to="circles/chat/%Y/%m/", blank=True)
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="circles/chat/thumbs/%Y/%m/", blank=True
    )
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    # Order and review cards keep a snapshot of what they show (title, amount, stars…).
    card = models.JSONField(_("card"), default=dict, blank=True)
    # What a live card shows (a group buy's group, a bargain, a coupon: "group:<id>"): its
    # domain redraws every message of it when its state changes (chat.refresh_cards).
    card_ref = models.CharField(_("card of"), max_length=40, blank=True)
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reply to"),
    )
    mentions = models.JSONField(
        _("mentions"), default=list, blank=True
    )  # public ids of mentioned users
    is_commercial = models.BooleanField(_("commercial"), default=False)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("removed by"),
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "seq"], name="message_seq_once"),
            models.UniqueConstraint(
                fields=["circle", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["circle", "is_commercial", "created_at"]),
            models.Index(fields=["circle", "sender", "created_at"], name="message_sender_recent"),
            models.Index(fields=["card_ref"], condition=~Q(card_ref=""), name="message_card_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.circle_id}#{self.seq}"


class MessageReport(PublicModel):
    """A member reports a message; admins work the queue."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reports", verbose_name=_("message")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, blank=True
    )  # "removed" / "dismissed"

    class Meta:
        verbose_name = _("message report")
        verbose_name_plural = _("message reports")
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="report_once")]

    def __str__(self) -> str:
        return f"report on {self.message_id}"


class Announcement(PublicModel):
    """A pinned notice, optionally a launch countdown linked to a product: when `launch_at`
    comes, the product goes on shelf (if it was off) and members are notified."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("circle")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("body"), max_length=4000, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=True)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    launch_at = models.DateTimeField(_("launch at"), null=True, blank=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-is_pinned", "-created_at"]

    def __str__(self) -> str:
        return self.title


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    REPLY = "reply", _("Reply")
    ANNOUNCEMENT = "announcement", _("Announcement")
    LAUNCH = "launch", _("Launch")
    JOIN_REQUEST = "join_request", _("Join request")
    JOIN_DECIDED = "join_decided", _("Join request answered")
    GROUP_COMPLETE = "group_complete", _("Group buy complete")
    GROUP_FAILED = "group_failed", _("Group buy failed")
    AFTER_SALES = "after_sales", _("After-sales")
    OUTREACH = "outreach", _("From a store")
    DIGEST = "digest", _("Weekly digest")
    TRUST = "trust", _("Trust and safety")


class Notification(PublicModel):
    """The in-app notification centre: one row per person per event, read or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    circle = models.ForeignKey(
        Circle,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("circle"),
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("URL"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class ModerationAction(models.TextChoices):
    MUTE = "mute", _("Muted")
    UNMUTE = "unmute", _("Unmuted")
    REMOVE = "remove", _("Removed")
    BAN = "ban", _("Banned")
    UNBAN = "unban", _("Unbanned")
    PROMOTE = "promote", _("Made admin")
    DEMOTE = "demote", _("No longer admin")
    TRANSFER = "transfer", _("Ownership transferred")
    APPROVE = "approve", _("Join request approved")
    REJECT = "reject", _("Join request rejected")
    ROTATE_INVITE = "rotate_invite", _("Join link renewed")


class ModerationLog(PublicModel):
    """Who did what to whom in a circle (membership area): every moderation and role change."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="moderation_log", verbose_name=_("circle")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("target"),
    )
    action = models.CharField(_("action"), max_length=20, choices=ModerationAction.choices)
    until = models.DateTimeField(_("until"), null=True, blank=True)  # the end of a mute

    class Meta:
        verbose_name = _("moderation log")
        verbose_name_plural = _("moderation logs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["circle", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} in {self.circle_id}"
