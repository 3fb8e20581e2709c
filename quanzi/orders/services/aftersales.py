"""After-sales: the buyer asks for a refund (or a return and refund), with up to 6 photos, may
send the return's tracking number and may withdraw the request; the store rejects it or
approves it, and an approved refund is asked of payments (`paying`) and completes when payments
tells orders (`payment_events.on_refund_succeeded`). Each step is a system line of the
request's thread (`thread`), written in the step's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, CoreCode, InvalidInput
from quanzi.core.images import delete_files
from quanzi.core.money import format_fen
from quanzi.orders.carriers import clean_tracking_number
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleKind,
    AfterSaleStatus,
    OrderStatus,
)
from quanzi.orders.services import payment_events, thread
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
E = AfterSaleEvent

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
    photos: Sequence[UploadedFile] = (),
) -> AfterSale:
    """The buyer asks for a refund (before or after shipping) or a return and refund (after
    shipping) of at most what is left to refund, with up to 6 photos; the order waits in
    after-sales. The request opens its thread with its system line (the reason, the photos)."""
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
    if tracking:
        tracking = clean_tracking_number(tracking, field="return_tracking_number")
    prepared = thread.prepare_photos(list(photos))
    written: list[str] = []
    try:
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
            after_sale = AfterSale.objects.create(
                order=order,
                kind=kind,
                amount=amount,
                reason=reason,
                return_tracking_number=tracking,
            )
            thread.record(
                after_sale,
                E.REQUESTED,
                author=user,
                params={"kind": kind, "amount": amount},
                text=reason,
                photos=prepared,
                written=written,
            )
            if tracking:
                thread.record(
                    after_sale, E.RETURN_TRACKING, author=user, params={"number": tracking}
                )
    except BaseException:
        delete_files(written)
        raise
    return after_sale


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
    after_sale = thread.after_sale_of(order, after_sale_id)
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
        thread.record(after_sale, E.WITHDRAWN, author=user)
    return after_sale


def send_return_tracking(
    user: User, order_id: str, after_sale_id: str, tracking_number: str
) -> AfterSale:
    """The buyer of a return and refund tells the merchant the tracking number of the goods
    sent back, while the request waits for the merchant (sending again corrects it)."""
    order = access_order(user, order_id, need="buyer")
    after_sale = thread.after_sale_of(order, after_sale_id)
    number = clean_tracking_number(tracking_number)
    if after_sale.kind != AfterSaleKind.RETURN_REFUND:
        raise Conflict(
            _("This request is for a refund only: there are no goods to send back."),
            code=OrderCode.NOT_A_RETURN,
        )
    with transaction.atomic():
        won = AfterSale.objects.filter(pk=after_sale.pk, status=AfterSaleStatus.REQUESTED).update(
            return_tracking_number=number, updated_at=timezone.now()
        )
        if won != 1:
            after_sale.refresh_from_db(fields=["status"])
            if not thread.is_open(after_sale):
                raise thread.closed_error(after_sale)
            raise Conflict(
                _("This after-sales request was already decided."), code=OrderCode.ALREADY_DECIDED
            )
        after_sale.return_tracking_number = number
        thread.record(after_sale, E.RETURN_TRACKING, author=user, params={"number": number})
    return after_sale


def reject_after_sale(user: User, order_id: str, after_sale_id: str, reason: str) -> AfterSale:
    """The merchant rejects a request with a reason; the order returns to where it was."""
    order = access_order(user, order_id, need="store")
    after_sale = thread.after_sale_of(order, after_sale_id)
    reason = clean_text(reason, MAX_REASON, field="reason", required=True)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.REJECTED, user, reason)
        leave_after_sales(order, actor=user, note=reason, refunded=False)
        thread.record(after_sale, E.REJECTED, author=user, text=reason)
    return after_sale


def approve_after_sale(user: User, order_id: str, after_sale_id: str) -> AfterSale:
    """The merchant approves; the refund is asked of the payment provider (outside our
    transaction) and completes when payments tells orders (`on_refund_succeeded`)."""
    order = access_order(user, order_id, need="store")
    after_sale = thread.after_sale_of(order, after_sale_id)
    if order.status != S.AFTER_SALES:
        raise transition_refused(REFUSE_DECIDE, order)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.APPROVED, user)
        record_event(order, S.AFTER_SALES, S.AFTER_SALES, user, NOTE_APPROVED)
        thread.record(after_sale, E.APPROVED, author=user, params={"amount": after_sale.amount})
    try:
        refund_order(
            order, after_sale.amount, reason=after_sale.reason, after_sale_id=after_sale.pk
        )
    except BaseException:
        payment_events.on_refund_failed(order.pk, after_sale.pk)
        raise
    after_sale.refresh_from_db()
    return after_sale
