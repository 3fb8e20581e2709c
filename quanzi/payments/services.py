"""Payment actions — payments' public API: open a payment and its charge, capture it, refund a
part of it, void the open payments of orders, pay money out to a person, permission checks.

Payments sits below the domains that use it and imports none of them: the domain a payment is
for locks and checks its own rows (orders: the buyer's unpaid orders, in time), then calls
`open_payment` with the parts; outcomes go back to it through its purpose's handler
(`quanzi.payments.purposes`), inside the transaction that records them.

The provider is called outside the row locks where the caller allows it; its answers about money
(captures, refunds) only count when they arrive as signed webhooks (see webhooks.py) — or, for a
provider that captures at once (the wallet), inside the caller's transaction.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, DomainError, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.payments import locks
from quanzi.payments.errors import PaymentCode
from quanzi.payments.models import (
    CURRENCY,
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
from quanzi.payments.purposes import Capture, PaymentPart, RefundOutcome, handler_for
from quanzi.payments.signals import payout_settled

if TYPE_CHECKING:
    from quanzi.accounts.models import User

logger = logging.getLogger(__name__)

MAX_ORDERS_PER_PAYMENT = 50
PAYMENT_IN_PROGRESS = _(
    "Another payment of this order was just made and is being confirmed; "
    "check the order again in a moment."
)


class WebhookRefused(DomainError):
    """A provider's outcome (a verified event) the platform cannot accept as it is."""

    status = 422
    code = PaymentCode.WEBHOOK_REFUSED
    default_message = _("The event does not match the platform's records.")


def access_payment(user: User, payment_id: str) -> Payment:
    """The payment, for its payer or for whom its purpose lets read it (for orders: staff of a
    store whose order it pays); else 404."""
    payment = Payment.objects.filter(pk=payment_id).first() if is_public_id(payment_id) else None
    if payment is None or (
        payment.payer_id != user.pk and not handler_for(payment.purpose).may_view(user, payment)
    ):
        raise NotFound(_("Payment not found."))
    return payment


# --- Opening a payment -----------------------------------------------------------------------


def _orders_key(order_ids: Sequence[str]) -> str:
    return ",".join(sorted(order_ids))


def _close_overlapping(order_ids: Sequence[str], keep: str | None = None) -> list[Payment]:
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


def _reusable(payer: User, order_ids: Sequence[str], provider: str, purpose: str) -> Payment | None:
    """The payer's open payment of this purpose for exactly these orders at this provider."""
    return Payment.objects.filter(
        purpose=purpose,
        payer=payer,
        orders_key=_orders_key(order_ids),
        status=PaymentStatus.PENDING,
        provider=provider,
    ).first()


def close_open_payments(
    payer: User,
    order_ids: Sequence[str],
    *,
    purpose: str = PaymentPurpose.ORDERS,
    provider: str | None = None,
) -> None:
    """Before `payer` pays these orders (call it before locking them): close at the provider
    every other open payment of theirs that includes one of them, and cancel it. An open payment
    of the same purpose for exactly these orders at the same provider is kept, to be reused.
    Only the buyer pays an order, so only the payer's payments are looked at: nobody closes
    another person's pay page.

    InvalidInput for no order or too many; Conflict ("payment_in_progress") when the provider
    says one was already paid: its capture is on its way and will pay the order, so no second
    payment is taken (the payer, who just confirmed the other pay page, is told to wait a
    moment). The provider is asked outside any lock; a payment opened concurrently is closed
    under the lock by `open_payment`."""
    if not order_ids:
        raise InvalidInput(_("Choose at least one order to pay."))
    if len(set(order_ids)) > MAX_ORDERS_PER_PAYMENT:
        raise InvalidInput(_("Too many orders in one payment."))
    reusable = _reusable(payer, order_ids, get_provider(provider).name, purpose)
    overlapping = (
        Payment.objects.filter(
            payer=payer, status=PaymentStatus.PENDING, parts__order_id__in=order_ids
        )
        .exclude(pk=reusable.pk if reusable else None)
        .distinct()
    )
    for payment in overlapping:
        if payment.provider_ref:
            try:
                closed = get_provider(payment.provider).cancel_charge(payment.provider_ref)
            except ProviderError:
                closed = False
            if not closed:
                raise Conflict(PAYMENT_IN_PROGRESS, code=PaymentCode.PAYMENT_IN_PROGRESS)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED, closed_at=timezone.now()
        )


def open_payment(
    payer: User,
    parts: Sequence[PaymentPart],
    *,
    return_url: str,
    purpose: str = PaymentPurpose.ORDERS,
    provider: str | None = None,
) -> Payment:
    """Open (or reuse) `payer`'s payment of exactly these parts at `provider` (the configured
    one by default), inside the caller's transaction, once the caller has locked and checked
    the parts' orders. Other open payments touching these orders are cancelled (their provider
    charges closed once the transaction commits).

    A provider that captures at once (the wallet) charges here and the payment is captured in
    this transaction (the purpose's handler is told); for the others, `open_charge` asks the
    provider for its pay page, outside the locks."""
    gateway = get_provider(provider)
    order_ids = sorted(part.order_id for part in parts)
    with transaction.atomic():
        payment = _reusable(payer, order_ids, gateway.name, purpose)
        stale = _close_overlapping(order_ids, keep=payment.pk if payment else None)
        if payment is None:
            payment = Payment.objects.create(
                purpose=purpose,
                payer=payer,
                orders_key=_orders_key(order_ids),
                amount=sum(part.amount for part in parts),
                provider=gateway.name,
                return_url=return_url,
            )
            PaymentOrder.objects.bulk_create(
                PaymentOrder(payment=payment, order_id=part.order_id, amount=part.amount)
                for part in parts
            )
        if stale:
            transaction.on_commit(partial(close_charges, stale), robust=True)
        if gateway.captures_at_once:
            open_charge(payment)
    return payment


def open_amount_payment(payer: User, amount: int, *, purpose: str, return_url: str) -> Payment:
    """Open a payment of `amount` fen that pays no order (a wallet top-up) at the configured
    provider, with its charge; `pay_url` is the provider's pay page. The purpose's handler
    checks what it accepts and books the money when the capture arrives."""
    if type(amount) is not int or amount <= 0:
        raise InvalidInput(_("A payment amount must be positive."))
    payment = Payment.objects.create(
        purpose=purpose,
        payer=payer,
        orders_key="",
        amount=amount,
        provider=get_provider().name,
        return_url=return_url,
    )
    return open_charge(payment)


def open_charge(payment: Payment) -> Payment:
    """Ask the payment's provider for its charge (the pay page), unless it has one. Call it
    outside row locks: a gateway is a remote call. A provider that captures at once captures
    the payment here (see `open_payment`)."""
    if payment.provider_ref:
        return payment
    gateway = get_provider(payment.provider)
    charge = gateway.create_charge(payment)
    payment.provider_ref, payment.redirect_url = charge.reference, charge.redirect_url
    Payment.objects.filter(pk=payment.pk).update(
        provider_ref=charge.reference, redirect_url=charge.redirect_url
    )
    if gateway.captures_at_once:
        capture(gateway.name, payment.pk, charge_ref=charge.reference, amount=payment.amount)
        payment.refresh_from_db()
    return payment


def void_payments(order_ids: Sequence[str]) -> None:
    """The orders can no longer be paid (cancelled, expired): cancel their open payments now and
    close the provider charges once the caller's transaction commits, so an old pay page refuses
    to charge instead of charging and refunding (a charge paid meanwhile is refunded on capture).
    """
    stale = _close_overlapping(order_ids)
    if stale:
        transaction.on_commit(partial(close_charges, stale), robust=True)


# --- Outcomes: captures (from webhooks, or at once) ------------------------------------------


def check_amount(expected: int, amount: object, currency: object) -> None:
    """WebhookRefused unless an outcome's amount and currency are what the platform expects."""
    if type(amount) is not int or amount != expected or currency != CURRENCY:
        raise WebhookRefused(
            _("The event's amount %(amount)s %(currency)s does not match %(expected)s CNY.")
            % {"amount": amount, "currency": currency, "expected": expected},
            code=PaymentCode.AMOUNT_MISMATCH,
        )


def lock_payment(
    provider: str, payment_id: str, *, charge_ref: str, amount: object, currency: object
) -> Payment:
    """The payment of this provider's charge, locked; WebhookRefused when unknown or when the
    amount or currency differs."""
    payment = locks.lock_payment(payment_id, provider=provider, charge_ref=charge_ref)
    if payment is None:
        raise WebhookRefused(
            _("The event names an unknown payment."), code=PaymentCode.UNKNOWN_PAYMENT
        )
    check_amount(payment.amount, amount, currency)
    return payment


def capture(
    provider: str, payment_id: str, *, charge_ref: str, amount: object, currency: object = CURRENCY
) -> bool:
    """The provider took the money: the payment is captured and its purpose's handler books it,
    once (False when it was captured before, under another event).

    The handler answers which parts their orders accept (orders are told before the ledger is
    posted, so that locks are taken orders first, then ledger accounts); a refused part (its
    order was cancelled when its window passed, or another payment paid it first) is refunded in
    full automatically. A capture of a payment the platform had cancelled is money taken all
    the same, and is handled the same way."""
    with transaction.atomic():
        payment = lock_payment(
            provider, payment_id, charge_ref=charge_ref, amount=amount, currency=currency
        )
        updated = Payment.objects.filter(pk=payment.pk).exclude(status=PaymentStatus.CAPTURED)
        if not updated.update(status=PaymentStatus.CAPTURED, captured_at=timezone.now()):
            return False  # captured before, under another event id
        parts = list(payment.parts.order_by("order_id"))
        accepted = handler_for(payment.purpose).captured(
            Capture(
                payment_id=payment.pk,
                provider=provider,
                payer=payment.payer,
                amount=payment.amount,
                parts=tuple(PaymentPart(part.order_id, part.amount) for part in parts),
            )
        )
        for part in parts:
            part.outcome = PartOutcome.PAID if part.order_id in accepted else PartOutcome.REFUNDED
            part.save(update_fields=["outcome"])
        for part in parts:
            if part.outcome == PartOutcome.REFUNDED:
                _refund_part(
                    part,
                    part.amount,
                    reason="Paid after the order was closed: refunded automatically.",
                )
    return True


def fail_payment(
    provider: str, payment_id: str, *, charge_ref: str, amount: object, currency: object
) -> None:
    """The payer declined at the provider: a pending payment fails; its orders keep waiting."""
    payment = lock_payment(
        provider, payment_id, charge_ref=charge_ref, amount=amount, currency=currency
    )
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED, closed_at=timezone.now()
    )


# --- Refunds ---------------------------------------------------------------------------------


def _refundable(part: PaymentOrder) -> int:
    taken = (
        Refund.objects.filter(payment_id=part.payment_id, order_id=part.order_id)
        .exclude(status=RefundStatus.FAILED)
        .aggregate(s=Sum("amount"))["s"]
        or 0
    )
    return part.amount - taken


def refund(order_id: str, amount: int, *, reason: str, after_sale_id: str | None = None) -> Refund:
    """Refund `amount` fen of the captured payment part that paid order `order_id`.

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
        part = locks.lock_paid_part(order_id)
        if part is None:
            raise Conflict(
                _("This order has no captured payment to refund."), code=PaymentCode.NOT_PAID
            )
        return _refund_part(part, amount, reason=reason, after_sale_id=after_sale_id)


def _refund_part(
    part: PaymentOrder, amount: int, *, reason: str, after_sale_id: str | None = None
) -> Refund:
    """Create the refund of a locked payment part and submit it on commit."""
    left = _refundable(part)
    if amount > left:
        raise Conflict(
            _("At most %(left)s fen of this order can still be refunded.") % {"left": left},
            code=PaymentCode.REFUND_TOO_LARGE,
        )
    try:
        with transaction.atomic():
            created = Refund.objects.create(
                payment_id=part.payment_id,
                order_id=part.order_id,
                amount=amount,
                reason=reason[:300],
                after_sale_id=after_sale_id or None,
            )
    except IntegrityError as exc:  # the same after-sales request refunded concurrently
        raise Conflict(
            _("This request is already being refunded."), code=PaymentCode.REFUND_EXISTS
        ) from exc
    transaction.on_commit(partial(submit_refund, created.pk))
    return created


def submit_refund(refund_id: str) -> None:
    """Ask the provider to refund (after commit, outside any lock). A refusal marks it failed."""
    pending = Refund.objects.select_related("payment").get(pk=refund_id)
    if pending.status != RefundStatus.PENDING or pending.provider_ref:
        return
    gateway = get_provider(pending.payment.provider)
    try:
        reference = gateway.refund(pending.payment.provider_ref, pending.amount, pending.pk)
    except ProviderError as exc:
        logger.error("refund %s refused by %s: %s", pending.pk, gateway.name, exc.message)
        fail_refund(pending, str(exc.message))
        return
    Refund.objects.filter(pk=pending.pk, provider_ref="").update(provider_ref=reference)


def _outcome(locked: Refund) -> RefundOutcome:
    return RefundOutcome(
        refund_id=locked.pk,
        payment_id=locked.payment_id,
        provider=locked.payment.provider,
        order_id=locked.order_id,
        amount=locked.amount,
        after_sale_id=locked.after_sale_id,
    )


def lock_refund(
    provider: str, refund_id: str, *, charge_ref: object, amount: object, currency: object
) -> Refund:
    """The refund of this provider's charge, locked; WebhookRefused when unknown or when the
    amount or currency differs."""
    found = locks.lock_refund(refund_id, provider=provider)
    if found is None or found.payment.provider_ref != charge_ref:
        raise WebhookRefused(
            _("The event names an unknown refund."), code=PaymentCode.UNKNOWN_REFUND
        )
    check_amount(found.amount, amount, currency)
    return found


def complete_refund(
    provider: str,
    refund_id: str,
    *,
    charge_ref: object,
    amount: object,
    currency: object = CURRENCY,
    provider_ref: str = "",
) -> bool:
    """The money went back: the refund succeeds and its purpose's handler books it, once
    (False when it had succeeded before, under another event).

    A refund changes an order only when it gives back money the order was paid with (its part
    of the payment was accepted, `PartOutcome.PAID`): the handler's `refund_succeeded`. The
    refund of a capture the order refused (it came after a cancellation, or after another
    payment had paid the order) returns unapplied money: `late_payment_returned`."""
    with transaction.atomic():
        locked = lock_refund(
            provider, refund_id, charge_ref=charge_ref, amount=amount, currency=currency
        )
        done = Refund.objects.filter(
            pk=locked.pk, status__in=[RefundStatus.PENDING, RefundStatus.FAILED]
        ).update(
            status=RefundStatus.SUCCEEDED,
            succeeded_at=timezone.now(),
            provider_ref=provider_ref[:64],
            failure_reason="",
        )
        if not done:
            return False  # completed before, under another event id
        applied = PaymentOrder.objects.filter(
            payment_id=locked.payment_id, order_id=locked.order_id, outcome=PartOutcome.PAID
        ).exists()
        handler = handler_for(locked.payment.purpose)
        if applied:
            handler.refund_succeeded(_outcome(locked))
        else:
            handler.late_payment_returned(_outcome(locked))
    return True


def fail_refund(pending: Refund, reason: str) -> None:
    """A pending refund failed: record it and tell its purpose's handler once (for orders, the
    after-sales request waits for the merchant again)."""
    with transaction.atomic():
        failed = Refund.objects.filter(pk=pending.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED, failure_reason=reason[:300]
        )
        if failed:
            handler_for(pending.payment.purpose).refund_failed(_outcome(pending))


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
    gateway = get_provider(payout.provider)
    try:
        reference = gateway.payout(payout.pk, payout.amount, payout.recipient.public_id)
    except ProviderError as exc:
        logger.error("payout %s refused by %s: %s", payout.pk, gateway.name, exc.message)
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
        payout = locks.lock_payout(payout_id)
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


# --- What a history names ------------------------------------------------------------------


def _titles(paid: Mapping[str, tuple[str, list[str]]]) -> dict[str, str]:
    """{key: (purpose, order ids)} → {key: text}, each purpose's handler asked once."""
    by_purpose: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for key, (purpose, order_ids) in paid.items():
        by_purpose[purpose][key] = order_ids
    titles: dict[str, str] = {}
    for purpose, orders_of in by_purpose.items():
        titles.update(handler_for(purpose).titles(orders_of))
    return titles


def payment_titles(payment_ids: Collection[str]) -> dict[str, str]:
    """What each payment paid, as its payer's history names it (its purpose's handler says)."""
    parts: dict[str, list[str]] = defaultdict(list)
    rows = PaymentOrder.objects.filter(payment_id__in=list(payment_ids)).order_by("order_id")
    for payment_id, order_id in rows.values_list("payment_id", "order_id"):
        parts[payment_id].append(order_id)
    purposes = Payment.objects.filter(pk__in=list(payment_ids)).values_list("pk", "purpose")
    return _titles({pk: (purpose, parts[pk]) for pk, purpose in purposes})


def refund_titles(refund_ids: Collection[str]) -> dict[str, str]:
    """What each refund gave back, as its payer's history names it: the order it was for."""
    rows = Refund.objects.filter(pk__in=list(refund_ids)).values_list(
        "pk", "payment__purpose", "order_id"
    )
    return _titles({pk: (purpose, [order_id]) for pk, purpose, order_id in rows})
