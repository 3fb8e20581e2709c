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

from quanzi.core.errors import NotFound
from quanzi.payments import services
from quanzi.payments.errors import PaymentCode
from quanzi.payments.locks import lock_provider_payout, lock_webhook_event
from quanzi.payments.models import Payout, WebhookStatus
from quanzi.payments.providers import get_provider
from quanzi.payments.services import WebhookRefused


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
        record = lock_webhook_event(
            provider.name, event["id"], defaults={"type": event["type"], "payload": event}
        )
        if record.status == WebhookStatus.REJECTED:
            raise WebhookRefused(record.error, code=PaymentCode.WEBHOOK_REJECTED_BEFORE)
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


def _payment(data: dict[str, Any]) -> dict[str, Any]:
    """The arguments naming a payment's charge in an event's data."""
    return {
        "payment_id": str(data.get("payment_id", "")),
        "charge_ref": str(data.get("charge", "")),
        "amount": data.get("amount"),
        "currency": data.get("currency"),
    }


def _refund(data: dict[str, Any]) -> dict[str, Any]:
    """The arguments naming a refund of a charge in an event's data."""
    return {
        "refund_id": str(data.get("refund_id", "")),
        "charge_ref": data.get("charge"),
        "amount": data.get("amount"),
        "currency": data.get("currency"),
    }


def _payment_captured(provider: str, data: dict[str, Any]) -> None:
    """Money was taken: the payment is captured and booked by its purpose, once (see
    `services.capture`; a wallet top-up is credited to the payer's wallet there)."""
    services.capture(provider, **_payment(data))


def _payment_failed(provider: str, data: dict[str, Any]) -> None:
    services.fail_payment(provider, **_payment(data))


def _refund_succeeded(provider: str, data: dict[str, Any]) -> None:
    """The money went back: the refund succeeds and is booked by its purpose, once."""
    services.complete_refund(provider, **_refund(data), provider_ref=str(data.get("refund", "")))


def _refund_failed(provider: str, data: dict[str, Any]) -> None:
    services.fail_refund(
        services.lock_refund(provider, **_refund(data)), str(data.get("reason", ""))
    )


def _locked_payout(provider: str, data: dict[str, Any]) -> Payout:
    payout = lock_provider_payout(str(data.get("payout_id", "")), provider=provider)
    if payout is None or (payout.provider_ref and payout.provider_ref != data.get("payout")):
        raise WebhookRefused(
            _("The event names an unknown payout."), code=PaymentCode.UNKNOWN_PAYOUT
        )
    services.check_amount(payout.amount, data.get("amount"), data.get("currency"))
    return payout


def _payout_succeeded(provider: str, data: dict[str, Any]) -> None:
    """The money reached the recipient: the payout succeeds once and its domain is told
    (`payout_settled`) in this transaction."""
    payout = _locked_payout(provider, data)
    services.settle_payout(payout.pk, succeeded=True, provider_ref=str(data.get("payout", "")))


def _payout_failed(provider: str, data: dict[str, Any]) -> None:
    payout = _locked_payout(provider, data)
    services.settle_payout(
        payout.pk,
        succeeded=False,
        reason=str(data.get("reason", "")) or "failed",
        provider_ref=str(data.get("payout", "")),
    )
