"""Provider webhooks: verify, store, deduplicate and process each event once (rule 4).

`handle_webhook` is the one path for every event, whether it arrives over HTTP
(POST /api/v1/payments/webhooks/<provider>) or in-process from the sandbox's inline delivery:

1. the provider verifies the signature (a forged or stale one raises: nothing is stored);
2. the event is stored under its (provider, event id), locked; a replay of a processed event
   answers "duplicate" and changes nothing;
3. the event is processed inside the same transaction as its "processed" mark. An event that
   contradicts the platform (unknown payment, wrong amount or currency) is refused: its business
   changes are rolled back, it is stored as rejected, and the caller gets a 422.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import DomainError, NotFound
from quanzi.payments.models import (
    CURRENCY,
    PartOutcome,
    Payment,
    PaymentOrder,
    PaymentPurpose,
    PaymentStatus,
    Payout,
    Refund,
    RefundStatus,
    WebhookEvent,
    WebhookStatus,
)
from quanzi.payments.providers import get_provider
from quanzi.payments.signals import wallet_topup_captured


class WebhookRefused(DomainError):
    """A verified event the platform cannot accept as it is."""

    status = 422
    code = "webhook_refused"
    default_message = _("The event does not match the platform's records.")


def handle_webhook(provider_name: str, headers: Mapping[str, str], body: bytes) -> str:
    """Verify and process one webhook; returns "processed", "ignored" or "duplicate".

    Raises InvalidSignature (400) for a forged, stale or malformed request and WebhookRefused
    (422) for an event that contradicts the platform's records.
    """
    try:
        provider = get_provider(provider_name)
    except LookupError as exc:
        raise NotFound(_("Unknown payment provider.")) from exc
    event = provider.verify_webhook(headers, body)
    refusal: WebhookRefused | None = None
    with transaction.atomic():
        record, _created = WebhookEvent.objects.select_for_update().get_or_create(
            provider=provider.name,
            event_id=event["id"],
            defaults={"type": event["type"], "payload": event},
        )
        if record.status == WebhookStatus.REJECTED:
            raise WebhookRefused(record.error, code="webhook_rejected_before")
        if record.status != WebhookStatus.RECEIVED:
            return "duplicate"
        try:
            with transaction.atomic():
                record.status = _dispatch(provider.name, event)
        except WebhookRefused as exc:
            refusal = exc
            record.status = WebhookStatus.REJECTED
            record.error = f"{exc.code}: {exc.message}"[:300]
        record.processed_at = timezone.now()
        record.save(update_fields=["status", "error", "processed_at"])
    if refusal is not None:
        raise refusal
    return str(record.status)


def _dispatch(provider: str, event: dict[str, Any]) -> str:
    handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
        "payment.captured": _payment_captured,
        "payment.failed": _payment_failed,
        "refund.succeeded": _refund_succeeded,
        "refund.failed": _refund_failed,
        "payout.succeeded": _payout_succeeded,
        "payout.failed": _payout_failed,
    }
    handler = handlers.get(event["type"])
    if handler is None:
        return WebhookStatus.IGNORED
    handler(provider, event["data"])
    return WebhookStatus.PROCESSED


def _check_amount(expected: int, data: dict[str, Any]) -> None:
    amount, currency = data.get("amount"), data.get("currency")
    if type(amount) is not int or amount != expected or currency != CURRENCY:
        raise WebhookRefused(
            _("The event's amount %(amount)s %(currency)s does not match %(expected)s CNY.")
            % {"amount": amount, "currency": currency, "expected": expected},
            code="amount_mismatch",
        )


def _locked_payment(provider: str, data: dict[str, Any]) -> Payment:
    payment = (
        Payment.objects.select_for_update()
        .filter(
            pk=str(data.get("payment_id", "")),
            provider=provider,
            provider_ref=str(data.get("charge", "")),
        )
        .first()
    )
    if payment is None:
        raise WebhookRefused(_("The event names an unknown payment."), code="unknown_payment")
    _check_amount(payment.amount, data)
    return payment


def _payment_captured(provider: str, data: dict[str, Any]) -> None:
    """Money was taken: the payment is captured and its orders are told, each once.

    The orders are told before the ledger is posted so that locks are taken in the house order
    (orders, then ledger accounts). An order that can no longer be paid (its window passed and it
    was cancelled, or another payment paid it first) is refunded in full automatically. A capture
    of a payment the platform had cancelled is still money taken, so it is handled the same way.
    The money of such a refused part never reaches the store: the ledger holds it as owed back to
    the payer (unapplied) until its refund completes.

    A wallet top-up has no orders: the wallets' app is told (`wallet_topup_captured`) in this
    transaction and credits the payer's wallet.
    """
    from quanzi.ledger.services import record_capture
    from quanzi.orders.services import on_payment_captured

    payment = _locked_payment(provider, data)
    updated = Payment.objects.filter(pk=payment.pk).exclude(status=PaymentStatus.CAPTURED)
    if not updated.update(status=PaymentStatus.CAPTURED, captured_at=timezone.now()):
        return  # captured before, under another event id
    if payment.purpose == PaymentPurpose.WALLET_TOPUP:
        wallet_topup_captured.send(sender=Payment, payment=payment)
        return
    parts = list(payment.parts.select_related("order").order_by("order_id"))
    refused = []
    for part in parts:
        accepted = on_payment_captured(part.order_id, payment.pk)
        part.outcome = PartOutcome.PAID if accepted else PartOutcome.REFUNDED
        part.save(update_fields=["outcome"])
        if not accepted:
            refused.append(part)
    record_capture(
        provider=provider,
        payment_id=payment.pk,
        parts=[(p.order.store_id, p.order_id, p.amount) for p in parts if p not in refused],
        unapplied=[(part.order_id, part.amount) for part in refused],
    )
    from quanzi.payments.services import refund_late_capture

    for part in refused:
        refund_late_capture(part)


def _payment_failed(provider: str, data: dict[str, Any]) -> None:
    payment = _locked_payment(provider, data)
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED, closed_at=timezone.now()
    )


def _locked_refund(provider: str, data: dict[str, Any]) -> Refund:
    refund = (
        Refund.objects.select_for_update(of=("self",))
        .select_related("payment")
        .filter(pk=str(data.get("refund_id", "")), payment__provider=provider)
        .first()
    )
    if refund is None or refund.payment.provider_ref != data.get("charge"):
        raise WebhookRefused(_("The event names an unknown refund."), code="unknown_refund")
    _check_amount(refund.amount, data)
    return refund


def _refund_succeeded(provider: str, data: dict[str, Any]) -> None:
    """The money went back: post the reversal in the ledger and tell orders, once per refund.

    A refund changes an order only when it gives back money the order was paid with (its part
    of the payment was accepted, `PartOutcome.PAID`). The refund of a capture the order refused
    (it came after a cancellation, or after another payment had paid the order) returns
    unapplied money: the order is only told that a late payment went back."""
    from quanzi.ledger.services import record_refund
    from quanzi.orders.services import on_late_payment_returned, on_refund_succeeded

    refund = _locked_refund(provider, data)
    done = Refund.objects.filter(
        pk=refund.pk, status__in=[RefundStatus.PENDING, RefundStatus.FAILED]
    ).update(
        status=RefundStatus.SUCCEEDED,
        succeeded_at=timezone.now(),
        provider_ref=str(data.get("refund", ""))[:64],
        failure_reason="",
    )
    if not done:
        return  # completed before, under another event id
    applied = PaymentOrder.objects.filter(
        payment_id=refund.payment_id, order_id=refund.order_id, outcome=PartOutcome.PAID
    ).exists()
    record_refund(
        provider=provider,
        refund_id=refund.pk,
        order_id=refund.order_id,
        amount=refund.amount,
        unapplied=not applied,
    )
    if applied:
        on_refund_succeeded(
            refund.order_id, refund.amount, refund.after_sale_id, payment_id=refund.payment_id
        )
    else:
        on_late_payment_returned(refund.order_id)


def _refund_failed(provider: str, data: dict[str, Any]) -> None:
    from quanzi.payments.services import mark_refund_failed

    refund = _locked_refund(provider, data)
    mark_refund_failed(refund, str(data.get("reason", "")))


def _locked_payout(provider: str, data: dict[str, Any]) -> Payout:
    payout = (
        Payout.objects.select_for_update()
        .filter(pk=str(data.get("payout_id", "")), provider=provider)
        .first()
    )
    if payout is None or (payout.provider_ref and payout.provider_ref != data.get("payout")):
        raise WebhookRefused(_("The event names an unknown payout."), code="unknown_payout")
    _check_amount(payout.amount, data)
    return payout


def _payout_succeeded(provider: str, data: dict[str, Any]) -> None:
    """The money reached the recipient: the payout succeeds once and its domain is told
    (`payout_settled`) in this transaction."""
    from quanzi.payments.services import settle_payout

    payout = _locked_payout(provider, data)
    settle_payout(payout.pk, succeeded=True, provider_ref=str(data.get("payout", "")))


def _payout_failed(provider: str, data: dict[str, Any]) -> None:
    from quanzi.payments.services import settle_payout

    payout = _locked_payout(provider, data)
    settle_payout(
        payout.pk,
        succeeded=False,
        reason=str(data.get("reason", "")) or "failed",
        provider_ref=str(data.get("payout", "")),
    )
