"""Carts, orders, their items, their recorded transitions and after-sales requests."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.models import Product, Sku
from quanzi.core.models import PublicModel
from quanzi.stores.models import Store


class CartItem(models.Model):
    """A line in a user's cart (the cart is the set of a user's lines)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cart_items",
        verbose_name=_("user"),
    )
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "sku"], name="cart_line_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_qty_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.user} × {self.quantity} {self.sku_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid, awaiting shipment")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    AFTER_SALES = "after_sales", _("After-sales in progress")
    REFUNDED = "refunded", _("Refunded")


# The day of an order's number is a day in Asia/Shanghai, wherever the buyer is.
ORDER_NUMBER_TZ = ZoneInfo("Asia/Shanghai")
ORDER_NUMBER_DIGITS = 8


def new_order_number(at: datetime | None = None) -> str:
    """The number a person reads for an order placed `at` (now): its Asia/Shanghai date and
    8 random digits, e.g. "2026120204718356". Random, so it tells nobody how many orders a store
    or the platform takes; unique (checkout draws again on the rare repeat)."""
    day = timezone.localdate(at or timezone.now(), ORDER_NUMBER_TZ)
    return f"{day:%Y%m%d}{secrets.randbelow(10**ORDER_NUMBER_DIGITS):0{ORDER_NUMBER_DIGITS}d}"


class Order(PublicModel):
    """One order per store per checkout. Amounts in fen; the address is a snapshot.

    `number` is what people read (pages, the API, the admin, messages); the opaque `id` stays
    the order's address in URLs and APIs."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store")
    )
    number = models.CharField(
        _("order number"), max_length=16, unique=True, default=new_order_number, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    # Where the order was before after-sales started, to return there if it is rejected.
    status_before_after_sales = models.CharField(
        _("status before after-sales"), max_length=20, blank=True
    )
    subtotal = models.BigIntegerField(_("items (fen)"))
    shipping_fee = models.BigIntegerField(_("shipping (fen)"), default=0)
    discount = models.BigIntegerField(_("discount (fen)"), default=0)
    # The buyer's coupon used on this order (campaigns); `discount` is what it took off.
    user_coupon = models.ForeignKey(
        "campaigns.UserCoupon",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coupon"),
    )
    total = models.BigIntegerField(_("total (fen)"))
    # A campaign order (group buy, bargain, flash sale): its kind and the campaign object's id
    # (the group, the bargain, the flash-sale slot), for the campaign's own records.
    campaign = models.CharField(_("campaign"), max_length=12, blank=True)
    campaign_ref = models.CharField(
        _("campaign reference"), max_length=16, blank=True, db_index=True
    )
    # Paid but not to be shipped yet: a group-buy order waits for its group to fill.
    ship_hold = models.BooleanField(_("waiting before shipping"), default=False)
    refunded_amount = models.BigIntegerField(_("refunded (fen)"), default=0)
    address = models.JSONField(_("shipping address"))
    note = models.CharField(_("note to the seller"), max_length=200, blank=True)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    pay_deadline = models.DateTimeField(_("pay before"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    auto_receive_at = models.DateTimeField(
        _("receipt confirmed automatically at"), null=True, blank=True
    )
    complete_at = models.DateTimeField(_("completes at"), null=True, blank=True)
    checkout_key = models.CharField(_("checkout key"), max_length=64, blank=True, db_index=True)
    # The payment whose capture paid this order (a capture by any other payment is refused).
    payment_id = models.CharField(_("payment ID"), max_length=16, blank=True)
    # Set once by the one action that gives the stock back (cancel or full refund before shipping).
    stock_returned = models.BooleanField(_("stock returned"), default=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["store", "status", "-created_at"]),
            # The insights read a store's paid orders by payment time (quanzi/insights).
            models.Index(fields=["store", "paid_at"], name="order_store_paid_at"),
            models.Index(fields=["status", "pay_deadline"]),
            models.Index(fields=["status", "auto_receive_at"]),
            models.Index(fields=["status", "complete_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_nonneg"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_nonneg"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=models.F("subtotal")),
                name="order_discount_within_subtotal",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("subtotal") + models.F("shipping_fee") - models.F("discount")
                ),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")),
                name="order_refund_within_total",
            ),
            # A double-submitted checkout finds the orders of its first submit (one per store).
            models.UniqueConstraint(
                fields=["buyer", "checkout_key", "store"],
                condition=~Q(checkout_key=""),
                name="order_checkout_once_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"


class OrderItem(PublicModel):
    """A purchased SKU with the title, spec and price at the time of purchase."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    title = models.CharField(_("title"), max_length=120)
    sku_label = models.CharField(_("SKU specs"), max_length=200, blank=True)
    unit_price = models.BigIntegerField(_("unit price (fen)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    image_url = models.CharField(_("image URL"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_qty_pos"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class OrderEvent(models.Model):
    """A recorded transition: who moved the order, when, from which state to which."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("actor"),
    )
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class AfterSaleKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_REFUND = "return_refund", _("Return and refund")


class AfterSaleStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the merchant")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, refunding")
    REFUNDED = "refunded", _("Refunded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AfterSale(PublicModel):
    """An after-sales request on an order: refund only, or return and refund."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="after_sales", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AfterSaleKind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AfterSaleStatus.choices,
        default=AfterSaleStatus.REQUESTED,
    )
    amount = models.BigIntegerField(_("refund amount (fen)"))
    reason = models.CharField(_("reason"), max_length=300)
    merchant_reply = models.CharField(_("merchant's answer"), max_length=300, blank=True)
    return_tracking_number = models.CharField(
        _("return tracking number"), max_length=60, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="after_sale_amount_pos"),
            # At most one open request per order at a time.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["requested", "approved"]),
                name="one_open_after_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({self.status})"


class AfterSaleRole(models.TextChoices):
    """Who a line of an after-sales thread is from."""

    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")
    SYSTEM = "system", _("System")


class AfterSaleEvent(models.TextChoices):
    """What a system line of an after-sales thread records. Its words are not stored: the line
    keeps this code and its `params`, and is written in the reader's language when shown
    (`services.thread.describe`)."""

    REQUESTED = "requested", _("Request sent")
    RETURN_TRACKING = "return_tracking", _("Return tracking number sent")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REFUNDED = "refunded", _("Refunded")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


MAX_THREAD_TEXT = 500
MAX_THREAD_PHOTOS = 6  # per line: the request's evidence, or one message's


class AfterSaleMessage(PublicModel):
    """A line of an after-sales request's thread: a message of the buyer or of the store's
    staff (text and photos), or a system line recording a step of the request (`event`, its
    `params`; `text` is then the person's own words that came with it: the reason, the
    merchant's answer). Numbered from 0 in the order they were written, each under the
    request's row lock."""

    after_sale = models.ForeignKey(
        AfterSale,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("after-sales request"),
    )
    seq = models.PositiveIntegerField(_("number in the thread"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    role = models.CharField(_("from"), max_length=10, choices=AfterSaleRole.choices)
    event = models.CharField(_("event"), max_length=20, choices=AfterSaleEvent.choices, blank=True)
    params = models.JSONField(_("event details"), default=dict, blank=True)
    text = models.TextField(_("text"), max_length=MAX_THREAD_TEXT, blank=True)

    class Meta:
        verbose_name = _("after-sales message")
        verbose_name_plural = _("after-sales messages")
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["after_sale", "seq"], name="after_sale_message_seq"),
            # A system line records an event; a person's message records none.
            models.CheckConstraint(
                condition=(Q(role="system") & ~Q(event=""))
                | (Q(role__in=["buyer", "merchant"]) & Q(event="")),
                name="after_sale_message_event_iff_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.after_sale_id} #{self.seq} {self.role} {self.event}".rstrip()


class AfterSalePhoto(PublicModel):
    """A photo of a thread line (the request's evidence, or a message's): positions 0–5, so the
    database itself caps a line at 6. Stored under random names, like every upload."""

    message = models.ForeignKey(
        AfterSaleMessage,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("after-sales message"),
    )
    image = models.ImageField(_("image"), upload_to="aftersales/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="aftersales/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="after_sale_photo_position"
            ),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_THREAD_PHOTOS), name="after_sale_photo_at_most_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.position}"
