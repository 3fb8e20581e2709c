"""After-sales: the buyer asks for a refund (or a return and refund) and may withdraw it; the
store rejects it or approves it, and an approved refund is asked of payments (`paying`) and
completes when payments tells orders (`payment_events.on_refund_succeeded`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.money import format_fen
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import AfterSale, AfterSaleKind, AfterSaleStatus, Order, OrderStatus
from quanzi.orders.services import payment_events
from quanzi.orders.services.access import access_order
from quanzi.orders.services.inputs import MAX_REASON, clean_text
from quanzi.orders.services.paying import refund_order
from quanzi.orders.services.state import (
    REFUSE_DECIDE,
    leave_after_sales,
    move_or_refuse,
    record_event,
    transition_refused,
)

S = OrderStatus

NOTE_APPROVED = gettext_noop("After-sales request approved: refunding")
NOTE_WITHDRAWN = gettext_noop("After-sales request withdrawn by the buyer")

REFUSE_AFTER_SALES = _(
    "After-sales can be requested only for a paid, shipped or received order; "
    "this one is “%(status)s”."
)
AFTER_SALES_FROM = (S.PAID, S.SHIPPED, S.RECEIVED)


def request_after_sale(
    user: User,
    order_id: str,
    *,
    kind: str,
    amount: int,
    reason: str,
    return_tracking_number: str = "",
) -> AfterSale:
    """The buyer asks for a refund (before or after shipping) or a return and refund (after
    shipping) of at most what is left to refund; the order waits in after-sales."""
    order = access_order(user, order_id, need="buyer")
    if order.status not in AFTER_SALES_FROM:
        raise transition_refused(REFUSE_AFTER_SALES, order)
    if kind not in AfterSaleKind.values:
        raise InvalidInput(_("Choose refund only or return and refund."), field="kind")
    if kind == AfterSaleKind.RETURN_REFUND and order.status == S.PAID:
        raise Conflict(
            _("The order has not shipped yet: ask for a refund only."), code=OrderCode.NOT_SHIPPED
        )
    remaining = order.total - order.refunded_amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= remaining:
        raise InvalidInput(
            _("The refund amount must be more than ¥0 and at most %(max)s.")
            % {"max": format_fen(remaining)},
            code=CoreCode.INVALID_AMOUNT,
            field="amount",
        )
    reason = clean_text(reason, MAX_REASON, field="reason", required=True)
    tracking = clean_text(return_tracking_number, 60, field="return_tracking_number")
    with transaction.atomic():
        previous = order.status
        move_or_refuse(
            order,
            S.AFTER_SALES,
            allowed=AFTER_SALES_FROM,
            refusal=REFUSE_AFTER_SALES,
            actor=user,
            note=reason,
            status_before_after_sales=previous,
        )
        return AfterSale.objects.create(
            order=order, kind=kind, amount=amount, reason=reason, return_tracking_number=tracking
        )


def _after_sale_of(order: Order, after_sale_id: str) -> AfterSale:
    found = None
    if is_public_id(after_sale_id):
        found = AfterSale.objects.filter(pk=after_sale_id, order=order).first()
    if found is None:
        raise NotFound(_("After-sales request not found."), code=OrderCode.AFTER_SALE_NOT_FOUND)
    return found


def _decide(after_sale: AfterSale, to: str, user: User, reply: str = "") -> None:
    """Close a waiting request; Conflict if it was decided (or withdrawn) meanwhile."""
    won = AfterSale.objects.filter(pk=after_sale.pk, status=AfterSaleStatus.REQUESTED).update(
        status=to,
        merchant_reply=reply,
        decided_at=timezone.now(),
        decided_by=user,
        updated_at=timezone.now(),
    )
    if won != 1:
        raise Conflict(
            _("This after-sales request was already decided."), code=OrderCode.ALREADY_DECIDED
        )
    after_sale.status = to
    after_sale.merchant_reply = reply


def withdraw_after_sale(user: User, order_id: str, after_sale_id: str) -> AfterSale:
    """The buyer withdraws a request the merchant has not decided yet."""
    order = access_order(user, order_id, need="buyer")
    after_sale = _after_sale_of(order, after_sale_id)
    with transaction.atomic():
        won = AfterSale.objects.filter(pk=after_sale.pk, status=AfterSaleStatus.REQUESTED).update(
            status=AfterSaleStatus.WITHDRAWN, updated_at=timezone.now()
        )
        if won != 1:
            raise Conflict(
                _("This after-sales request was already decided."), code=OrderCode.ALREADY_DECIDED
            )
        after_sale.status = AfterSaleStatus.WITHDRAWN
        leave_after_sales(order, actor=user, note=NOTE_WITHDRAWN, refunded=False)
    return after_sale


def reject_after_sale(user: User, order_id: str, after_sale_id: str, reason: str) -> AfterSale:
    """The merchant rejects a request with a reason; the order returns to where it was."""
    order = access_order(user, order_id, need="store")
    after_sale = _after_sale_of(order, after_sale_id)
    reason = clean_text(reason, MAX_REASON, field="reason", required=True)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.REJECTED, user, reason)
        leave_after_sales(order, actor=user, note=reason, refunded=False)
    return after_sale


def approve_after_sale(user: User, order_id: str, after_sale_id: str) -> AfterSale:
    """The merchant approves; the refund is asked of the payment provider (outside our
    transaction) and completes when payments tells orders (`on_refund_succeeded`)."""
    order = access_order(user, order_id, need="store")
    after_sale = _after_sale_of(order, after_sale_id)
    if order.status != S.AFTER_SALES:
        raise transition_refused(REFUSE_DECIDE, order)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.APPROVED, user)
        record_event(order, S.AFTER_SALES, S.AFTER_SALES, user, NOTE_APPROVED)
    try:
        refund_order(
            order, after_sale.amount, reason=after_sale.reason, after_sale_id=after_sale.pk
        )
    except BaseException:
        payment_events.on_refund_failed(order.pk, after_sale.pk)
        raise
    after_sale.refresh_from_db()
    return after_sale
