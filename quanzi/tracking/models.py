"""What the merchant insights count: raw events, their daily rollups and the rollup's mark.

Raw events are cheap rows written in batches after the requests that made them (see
`recorder`); a task rolls them up into `DailyCount` (one row per day, store, kind, source and
reference) and `DailyVisitor` (who came, once per day and store) and prunes the old raw rows.
The pages read the rollups, never scan the raw events. Ids of other domains are kept as plain
strings: an event outlives what it counted (a deleted product's views still happened), and
tracking sits below the domains that record (it imports none of them).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    PRODUCT_VIEW = "product_view", _("Product viewed")
    STORE_VIEW = "store_view", _("Store viewed")
    SHARE_CREATED = "share_created", _("Share link made")
    SHARE_VISIT = "share_visit", _("Share link opened")
    CIRCLE_JOIN = "circle_join", _("Joined a circle")
    CIRCLE_LEAVE = "circle_leave", _("Left a circle")
    MESSAGE = "message", _("Chat message")
    LIKE = "like", _("Like")
    COMMENT = "comment", _("Comment")
    ADD_TO_CART = "add_to_cart", _("Added to cart")
    CHECKOUT = "checkout", _("Checkout started")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")


class Source(models.TextChoices):
    """Where a visit came from (the page's link said so, or a share link's session did)."""

    SHARE = "share", _("Share link")
    CHAT = "chat", _("Circle chat card")
    NOTE = "note", _("Note")
    FEED = "feed", _("Feed")
    SEARCH = "search", _("Search")
    CAMPAIGN = "campaign", _("Campaign page")
    DIRECT = "direct", _("Direct")


class Event(models.Model):
    """One thing that happened, for counting. `visitor` is who did it: the account's id, or a
    hash of an anonymous session (never the session key itself)."""

    id = models.BigAutoField(_("ID"), primary_key=True)
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    store_id = models.CharField(_("store"), max_length=16, blank=True)
    user_id = models.CharField(_("account"), max_length=16, blank=True)
    visitor = models.CharField(_("visitor"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    ref = models.CharField(_("reference"), max_length=32, blank=True)
    # What brought the visit, by its id: the share link's code, the note, the circle whose chat
    # card was opened (the link's `via`); the insights credit it (first and last touch).
    via = models.CharField(_("brought by"), max_length=32, blank=True)
    amount = models.BigIntegerField(_("amount (fen)"), default=0)
    # Set by the database when the row is written: the rollup reads only rows written a while
    # ago, so a batch still committing (with smaller ids) is never skipped.
    written_at = models.DateTimeField(_("written at"), db_default=Now())

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["at"], name="tracking_event_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.store_id} {self.at:%Y-%m-%d %H:%M}"


class DailyCount(models.Model):
    """The events of one day (Asia/Shanghai, or the site's zone), store, kind, source and
    reference: how many and the amount they carried. Staff of the store are not counted."""

    day = models.DateField(_("day"))
    store_id = models.CharField(_("store"), max_length=16, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    source = models.CharField(_("source"), max_length=10, blank=True)
    ref = models.CharField(_("reference"), max_length=32, blank=True)
    count = models.BigIntegerField(_("count"), default=0)
    amount = models.BigIntegerField(_("amount (fen)"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "day", "kind", "source", "ref"], name="tracking_daily_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id} {self.kind}: {self.count}"


class DailyVisitor(models.Model):
    """A visitor seen on a day at a store (a product or store view), once: unique visitors
    of any period are counted from these rows, exactly."""

    day = models.DateField(_("day"))
    store_id = models.CharField(_("store"), max_length=16)
    visitor = models.CharField(_("visitor"), max_length=32)
    source = models.CharField(_("first source of the day"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("daily visitor")
        verbose_name_plural = _("daily visitors")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "day", "visitor"], name="tracking_visitor_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id} {self.visitor}"


class FunnelStep(models.TextChoices):
    CART = "cart", _("Added to cart")
    CHECKOUT = "checkout", _("Checkout started")
    PAID = "paid", _("Paid")


class DailyStep(models.Model):
    """A visitor who went a step down the funnel (cart, checkout, paid) on a day at a store,
    once, under the source they came from that day (their first visit's; direct when they
    did not visit first): the funnel of any period counts people, exactly."""

    day = models.DateField(_("day"))
    store_id = models.CharField(_("store"), max_length=16)
    visitor = models.CharField(_("visitor"), max_length=32)
    step = models.CharField(_("step"), max_length=10, choices=FunnelStep.choices)
    source = models.CharField(_("source"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("daily funnel step")
        verbose_name_plural = _("daily funnel steps")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "day", "step", "visitor"], name="tracking_step_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id} {self.visitor} {self.step}"


class RollupMark(models.Model):
    """How far the rollup has read the raw events (one row): events with a greater id are not
    counted yet."""

    name = models.CharField(_("name"), max_length=20, primary_key=True)
    last_event_id = models.BigIntegerField(_("last event rolled up"), default=0)
    rolled_at = models.DateTimeField(_("rolled up at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup mark")
        verbose_name_plural = _("rollup marks")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"
