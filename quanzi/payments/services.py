"""Payment actions: start a payment for a buyer's orders, refund an order, pay money out to a
person, permission checks.

The provider is called outside the row locks where the caller allows it; its answers about money
(captures, refunds) only count when they arrive as signed webhooks (see webhooks.py).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.payments.models import (
    PartOutcome,
    Payment,
    PaymentOrder,
    PaymentPurpose,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
)
from quanzi.payments.providers import get_provider
from quanzi.payments.providers.base import ProviderError
from quanzi.payments.signals import payout_settled

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.orders.models import Order

logger = logging.getLogger(__name__)

MAX_ORDERS_PER_PAYMENT = 50
ORDER_NOT_FOUND = _("Order not found.")
PAYMENT_IN_PROGRESS = _(
    "Another payment of this order was just made and is being confirmed; "
    "check the order again in a moment."
)


def access_payment(user: User, payment_id: str) -> Payment:
    """The payment, for its payer or for staff of a store whose order it pays; else 404."""
    if not is_public_id(payment_id):
        raise NotFound(_("Payment not found."))
    visible = Payment.objects.filter(
        Q(payer=user) | Q(parts__order__store__staff__user=user), pk=payment_id
    )
    payment = Payment.objects.filter(pk__in=visible.values("pk")).first()
    if payment is None:
        raise NotFound(_("Payment not found."))
    return payment


def _return_url(order_ids: list[str]) -> str:
    orders_url = reverse("orders:my_orders")
    return f"{orders_url}{order_ids[0]}/" if len(order_ids) == 1 else orders_url


def _lock_payable(user: User, order_ids: list[str]) -> list[Order]:
    """The user's orders, locked in id order, each waiting for payment and still in time."""
    from quanzi.orders.models import Order, OrderStatus

    orders = list(
        Order.objects.select_for_update(of=("self",))
        .filter(pk__in=order_ids, buyer=user)
        .order_by("pk")
    )
    if len(orders) != len(order_ids):
        raise NotFound(ORDER_NOT_FOUND)
    now = timezone.now()
    for order in orders:
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict(
                _("Order %(id)s is not waiting for payment.") % {"id": order.pk},
                code="not_payable",
            )
        if order.pay_deadline <= now:
            raise Conflict(
                _("The time to pay order %(id)s has passed.") % {"id": order.pk},
                code="payment_window_passed",
            )
        if order.total <= 0:
            raise Conflict(_("There is nothing to pay."), code="nothing_to_pay")
    return orders


def _close_overlapping(order_ids: list[str], keep: str | None = None) -> list[Payment]:
    """Cancel the open payments that include any of these orders (at most one open payment per
    order, so an order is never charged twice by two live pay pages). Their provider charges are
    closed by the caller once the transaction commits (`close_charges`)."""
    overlapping = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, parts__order_id__in=order_ids)
        .exclude(pk=keep)
        .distinct()
    )
    Payment.objects.filter(pk__in=[p.pk for p in overlapping], status=PaymentStatus.PENDING).update(
        status=PaymentStatus.CANCELLED, closed_at=timezone.now()
    )
    return overlapping


def close_charges(payments: list[Payment]) -> None:
    """Close the provider charges of payments the platform cancelled (outside any lock). A
    charge the payer paid meanwhile stays paid: its capture arrives and is refunded."""
    for payment in payments:
        if not payment.provider_ref:
            continue
        try:
            get_provider(payment.provider).cancel_charge(payment.provider_ref)
        except ProviderError as exc:
            logger.warning("charge %s of %s not closed: %s", payment.provider_ref, payment.pk, exc)


def close_open_charges(user: User, order_ids: list[str], keep: str | None = None) -> None:
    """Before `user` pays these orders, close at the provider every other open payment of
    theirs that includes one of them, and cancel it (only the buyer pays an order, so only the
    buyer's payments are looked at: nobody closes another person's pay page).

    Conflict ("payment_in_progress") when the provider says one was already paid: its capture
    is on its way and will pay the order, so no second payment is taken (the payer, who just
    confirmed the other pay page, is told to wait a moment). The provider is asked outside any
    lock; a payment opened concurrently is closed under the lock by `_close_overlapping`."""
    overlapping = (
        Payment.objects.filter(
            payer=user, status=PaymentStatus.PENDING, parts__order_id__in=order_ids
        )
        .exclude(pk=keep)
        .distinct()
    )
    for payment in overlapping:
        if payment.provider_ref:
            try:
                closed = get_provider(payment.provider).cancel_charge(payment.provider_ref)
            except ProviderError:
                closed = False
            if not closed:
                raise Conflict(PAYMENT_IN_PROGRESS, code="payment_in_progress")
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED, closed_at=timezone.now()
        )


def void_order_payments(order_ids: list[str]) -> None:
    """The orders can no longer be paid (cancelled, expired): cancel their open payments now and
    close the provider charges once the caller's transaction commits, so an old pay page refuses
    to charge instead of charging and refunding (a charge paid meanwhile is refunded on capture).
    """
    stale = _close_overlapping(order_ids)
    if stale:
        transaction.on_commit(partial(close_charges, stale), robust=True)


def start_payment(user: User, orders: list[Order]) -> Payment:
    """Open (or reuse) a payment for exactly these orders of `user`; `pay_url` is where to pay.

    NotFound when an order is not the user's; Conflict when one is not waiting for payment or
    its pay deadline has passed. An open payment for the same set of orders is reused; other
    open payments touching these orders are cancelled (and their provider charges closed).
    """
    order_ids = sorted({order.pk for order in orders})
    if not all(is_public_id(order_id) for order_id in order_ids):
        raise NotFound(ORDER_NOT_FOUND)
    if not order_ids:
        raise InvalidInput(_("Choose at least one order to pay."))
    if len(order_ids) > MAX_ORDERS_PER_PAYMENT:
        raise InvalidInput(_("Too many orders in one payment."))
    provider = get_provider()
    key = ",".join(order_ids)
    reusable = Payment.objects.filter(
        payer=user, orders_key=key, status=PaymentStatus.PENDING, provider=provider.name
    ).first()
    close_open_charges(user, order_ids, keep=reusable.pk if reusable else None)
    with transaction.atomic():
        locked = _lock_payable(user, order_ids)
        payment = Payment.objects.filter(
            payer=user, orders_key=key, status=PaymentStatus.PENDING, provider=provider.name
        ).first()
        stale = _close_overlapping(order_ids, keep=payment.pk if payment else None)
        if payment is None:
            payment = Payment.objects.create(
                payer=user,
                orders_key=key,
                amount=sum(order.total for order in locked),
                provider=provider.name,
                return_url=_return_url(order_ids),
            )
            PaymentOrder.objects.bulk_create(
                PaymentOrder(payment=payment, order=order, amount=order.total) for order in locked
            )
    close_charges(stale)
    if not payment.provider_ref:
        _open_charge(payment)
    return payment


def start_wallet_topup(user: User, amount: int, *, return_url: str) -> Payment:
    """Open a payment of `amount` fen that `user` makes into their own wallet; `pay_url` is the
    provider's pay page. The wallets' app checks the amount's range and credits the wallet when
    the capture arrives (the `wallet_topup_captured` signal)."""
    if type(amount) is not int or amount <= 0:
        raise InvalidInput(_("A payment amount must be positive."))
    payment = Payment.objects.create(
        purpose=PaymentPurpose.WALLET_TOPUP,
        payer=user,
        orders_key="",
        amount=amount,
        provider=get_provider().name,
        return_url=return_url,
    )
    _open_charge(payment)
    return payment


def _open_charge(payment: Payment) -> None:
    charge = get_provider(payment.provider).create_charge(payment)
    payment.provider_ref, payment.redirect_url = charge.reference, charge.redirect_url
    Payment.objects.filter(pk=payment.pk).update(
        provider_ref=charge.reference, redirect_url=charge.redirect_url
    )


def _refundable(part: PaymentOrder) -> int:
    taken = (
        Refund.objects.filter(payment_id=part.payment_id, order_id=part.order_id)
        .exclude(status=RefundStatus.FAILED)
        .aggregate(s=Sum("amount"))["s"]
        or 0
    )
    return part.amount - taken


def refund_order(
    order: Order, amount: int, *, reason: str, after_sale_id: str | None = None
) -> Refund:
    """Refund `amount` fen of the captured payment that paid `order`.

    Conflict when the order has no captured payment or `amount` is more than what is left of it
    (captured minus refunds not failed). The provider is asked once the transaction commits; its
    refund.succeeded webhook completes the refund. Idempotent per `after_sale_id`.
    """
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(_("A refund amount must be positive."))
    with transaction.atomic():
        if after_sale_id:
            existing = (
                Refund.objects.filter(after_sale_id=after_sale_id)
                .exclude(status=RefundStatus.FAILED)
                .first()
            )
            if existing is not None:
                return existing
        part = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .filter(order_id=order.pk, outcome=PartOutcome.PAID)
            .first()
        )
        if part is None:
            raise Conflict(_("This order has no captured payment to refund."), code="not_paid")
        return _refund_part(part, amount, reason=reason, after_sale_id=after_sale_id)


def _refund_part(
    part: PaymentOrder, amount: int, *, reason: str, after_sale_id: str | None = None
) -> Refund:
    """Create the refund of a locked payment part and submit it on commit."""
    left = _refundable(part)
    if amount > left:
        raise Conflict(
            _("At most %(left)s fen of this order can still be refunded.") % {"left": left},
            code="refund_too_large",
        )
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                payment_id=part.payment_id,
                order_id=part.order_id,
                amount=amount,
                reason=reason[:300],
                after_sale_id=after_sale_id or None,
            )
    except IntegrityError as exc:  # the same after-sales request refunded concurrently
        raise Conflict(_("This request is already being refunded."), code="refund_exists") from exc
    transaction.on_commit(partial(submit_refund, refund.pk))
    return refund


def refund_late_capture(part: PaymentOrder) -> Refund:
    """Give back a payment part that its order refused (it was cancelled before the money came)."""
    PaymentOrder.objects.filter(pk=part.pk).update(outcome=PartOutcome.REFUNDED)
    return _refund_part(
        part, part.amount, reason="Paid after the order was closed: refunded automatically."
    )


def submit_refund(refund_id: str) -> None:
    """Ask the provider to refund (after commit, outside any lock). A refusal marks it failed."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING or refund.provider_ref:
        return
    provider = get_provider(refund.payment.provider)
    try:
        reference = provider.refund(refund.payment.provider_ref, refund.amount, refund.pk)
    except ProviderError as exc:
        logger.error("refund %s refused by %s: %s", refund.pk, provider.name, exc.message)
        mark_refund_failed(refund, str(exc.message))
        return
    Refund.objects.filter(pk=refund.pk, provider_ref="").update(provider_ref=reference)


def mark_refund_failed(refund: Refund, reason: str) -> None:
    """A pending refund failed: record it and tell orders once (the after-sales request waits
    for the merchant again)."""
    from quanzi.orders.services import on_refund_failed

    with transaction.atomic():
        failed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED, failure_reason=reason[:300]
        )
        if failed:
            on_refund_failed(refund.order_id, refund.after_sale_id)


# --- Payouts ---------------------------------------------------------------------------------


def start_payout(*, recipient: User, amount: int, purpose: str, reference: str) -> Payout:
    """Record a payout of `amount` fen to `recipient` and ask the provider for it once the
    current transaction commits (outside the caller's row locks).

    One payout per (purpose, reference): asking again returns the first. The outcome comes back
    through `payout_settled` (see `settle_payout`)."""
    if type(amount) is not int or amount <= 0:
        raise InvalidInput(_("A payout amount must be positive."))
    existing = Payout.objects.filter(purpose=purpose, reference=reference).first()
    if existing is not None:
        return existing
    payout = Payout.objects.create(
        provider=get_provider().name,
        recipient=recipient,
        amount=amount,
        purpose=purpose,
        reference=reference,
    )
    transaction.on_commit(partial(submit_payout, payout.pk))
    return payout


def submit_payout(payout_id: str) -> None:
    """Ask the provider to pay (after commit, outside any lock); a refusal settles the payout as
    failed. Safe to call again for a payout still pending: the provider pays once per payout id,
    so this is also how a payout whose submission was lost (a crash after commit) is resumed."""
    payout = Payout.objects.select_related("recipient").get(pk=payout_id)
    if payout.status != PayoutStatus.PENDING or payout.provider_ref:
        return
    provider = get_provider(payout.provider)
    try:
        reference = provider.payout(payout.pk, payout.amount, payout.recipient.public_id)
    except ProviderError as exc:
        logger.error("payout %s refused by %s: %s", payout.pk, provider.name, exc.message)
        settle_payout(payout.pk, succeeded=False, reason=str(exc.message))
        return
    Payout.objects.filter(pk=payout.pk, provider_ref="").update(provider_ref=reference[:64])


def settle_payout(
    payout_id: str, *, succeeded: bool, reason: str = "", provider_ref: str = ""
) -> bool:
    """Mark a pending payout succeeded or failed and send `payout_settled`, in one transaction.

    False (and nothing changes) when the payout was settled before: a replayed or contradicting
    later event never settles it twice."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING:
            return False
        payout.status = PayoutStatus.SUCCEEDED if succeeded else PayoutStatus.FAILED
        payout.settled_at = timezone.now()
        payout.failure_reason = "" if succeeded else reason[:300]
        payout.provider_ref = payout.provider_ref or provider_ref[:64]
        payout.save(
            update_fields=["status", "settled_at", "failure_reason", "provider_ref", "updated_at"]
        )
        payout_settled.send(sender=Payout, payout=payout, succeeded=succeeded, reason=reason)
    return True
