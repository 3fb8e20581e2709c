"""The built-in sandbox gateway: behaves like a real one, moves no real money.

- `create_charge` opens a charge and answers the URL of its hosted pay page
  (/pay/sandbox/<charge id>/), where the payer confirms or declines.
- `payout` sends money to a person at once: its payout.succeeded event follows.
- The outcome reaches the platform as an asynchronous webhook
  `POST /api/v1/payments/webhooks/sandbox` signed with HMAC-SHA256:
  header `X-Sandbox-Signature: t=<unix time>,v1=<hex HMAC of "<t>.<raw body>">`, keyed with
  settings.QUANZI_SANDBOX_WEBHOOK_SECRET. Events older (or newer) than five minutes are refused.
- Delivery (settings.QUANZI_SANDBOX_DELIVERY): "task" (default) POSTs over HTTP from a
  background task with retries and backoff; "inline" hands the same signed body to the same
  verify-and-handle function in-process when the transaction commits (tests, demos).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, DomainError, NotFound
from quanzi.core.ids import new_id
from quanzi.payments.errors import PaymentCode
from quanzi.payments.locks import lock_sandbox_charge
from quanzi.payments.models import CURRENCY
from quanzi.payments.providers.base import (
    EVENT_TYPES,
    Charge,
    InvalidSignature,
    PaymentProvider,
    ProviderError,
)
from quanzi.payments.providers.sandbox_models import (
    ChargeStatus,
    SandboxCharge,
    SandboxEvent,
    SandboxPayout,
    SandboxRefund,
)
from quanzi.payments.purposes import handler_for

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.payments.models import Payment

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
TOLERANCE_SECONDS = 300
WEBHOOK_PATH = "/api/v1/payments/webhooks/sandbox"
HTTP_TIMEOUT_SECONDS = 10
CHARGE_CANCELLED = _(
    "This payment was closed: its order was cancelled or is being paid another way. "
    "Nothing was charged."
)


def _secret() -> bytes:
    return str(settings.QUANZI_SANDBOX_WEBHOOK_SECRET).encode()


def _mac(timestamp: int, body: bytes) -> str:
    return hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for `body` at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(t, body)}"


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def verify_signature(headers: Mapping[str, str], body: bytes) -> None:
    """Raise InvalidSignature unless the header signs `body` with our secret, recently."""
    fields: dict[str, list[str]] = {}
    for part in _header(headers, SIGNATURE_HEADER).split(","):
        key, _sep, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError) as exc:
        raise InvalidSignature() from exc
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature(
            _("The webhook timestamp is too old or in the future."),
            code=PaymentCode.STALE_SIGNATURE,
        )
    expected = _mac(timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise InvalidSignature()


def parse_event(body: bytes) -> dict[str, Any]:
    """The event of a verified body, checked for shape."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSignature(
            _("The webhook body is not an event."), code=PaymentCode.BAD_EVENT
        ) from exc
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not 1 <= len(event["id"]) <= 64
        or event.get("type") not in EVENT_TYPES
        or not isinstance(event.get("data"), dict)
    ):
        raise InvalidSignature(_("The webhook body is not an event."), code=PaymentCode.BAD_EVENT)
    return event


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def create_charge(self, payment: Payment) -> Charge:
        summary = handler_for(payment.purpose).describe(payment)
        charge = SandboxCharge.objects.create(
            merchant_reference=payment.pk,
            amount=payment.amount,
            currency=payment.currency,
            summary=[line.as_dict() for line in summary.lines],
            payer_id=payment.payer_id,
            return_url=payment.return_url,
            expires_at=summary.expires_at,
        )
        return Charge(charge.pk, reverse("payments:sandbox_pay", args=[charge.pk]))

    def cancel_charge(self, charge_ref: str) -> bool:
        SandboxCharge.objects.filter(pk=charge_ref, status=ChargeStatus.PENDING).update(
            status=ChargeStatus.CANCELLED
        )
        return not SandboxCharge.objects.filter(
            pk=charge_ref, status=ChargeStatus.SUCCEEDED
        ).exists()

    def refund(self, charge_ref: str, amount: int, refund_id: str) -> str:
        with transaction.atomic():
            charge = lock_sandbox_charge(charge_ref)
            if charge is None or charge.status != ChargeStatus.SUCCEEDED:
                raise ProviderError(
                    _("The sandbox charge is not paid."), code=PaymentCode.CHARGE_NOT_PAID
                )
            existing = charge.refunds.filter(merchant_reference=refund_id).first()
            if existing is not None:
                return existing.pk
            refunded = charge.refunds.aggregate(s=Sum("amount"))["s"] or 0
            if not 0 < amount <= charge.amount - refunded:
                raise ProviderError(
                    _("The refund exceeds what is left of the charge."),
                    code=PaymentCode.REFUND_TOO_LARGE,
                )
            refund = SandboxRefund.objects.create(
                charge=charge, merchant_reference=refund_id, amount=amount
            )
            emit_event(
                "refund.succeeded",
                {
                    "refund": refund.pk,
                    "refund_id": refund_id,
                    "charge": charge.pk,
                    "payment_id": charge.merchant_reference,
                    "amount": amount,
                    "currency": charge.currency,
                },
            )
        return refund.pk

    def payout(self, payout_id: str, amount: int, recipient_ref: str) -> str:
        """Send the money (there is no balance to run short in the sandbox): the payout is
        recorded once per `payout_id` and its payout.succeeded event follows on commit."""
        if type(amount) is not int or amount <= 0:
            raise ProviderError(
                _("A payout amount must be positive."), code=PaymentCode.PAYOUT_AMOUNT
            )
        existing = SandboxPayout.objects.filter(merchant_reference=payout_id).first()
        if existing is not None:
            return existing.pk
        try:
            with transaction.atomic():
                sent = SandboxPayout.objects.create(
                    merchant_reference=payout_id, recipient_ref=recipient_ref, amount=amount
                )
                emit_event(
                    "payout.succeeded",
                    {
                        "payout": sent.pk,
                        "payout_id": payout_id,
                        "recipient": recipient_ref,
                        "amount": amount,
                        "currency": CURRENCY,
                    },
                )
        except IntegrityError:  # the same payout asked for concurrently: the first one stands
            return SandboxPayout.objects.get(merchant_reference=payout_id).pk
        return sent.pk

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        verify_signature(headers, body)
        return parse_event(body)


# --- The hosted pay page's actions ----------------------------------------------------------


def access_charge(user: User, charge_id: str) -> SandboxCharge:
    """The charge, to its payer only: anyone else's id is 'not found'."""
    charge = None
    if charge_id.isascii() and charge_id.isalnum():
        charge = SandboxCharge.objects.filter(pk=charge_id, payer_id=user.pk).first()
    if charge is None:
        raise NotFound(_("Payment not found."))
    return charge


def is_expired(charge: SandboxCharge) -> bool:
    return charge.status == ChargeStatus.PENDING and timezone.now() >= charge.expires_at


def _charge_data(charge: SandboxCharge) -> dict[str, Any]:
    return {
        "charge": charge.pk,
        "payment_id": charge.merchant_reference,
        "amount": charge.amount,
        "currency": charge.currency,
    }


def _lock_open_charge(user: User, charge_id: str) -> SandboxCharge:
    charge = lock_sandbox_charge(access_charge(user, charge_id).pk)
    if charge is None:
        raise NotFound(_("Payment not found."))
    if charge.status == ChargeStatus.PENDING and is_expired(charge):
        raise Conflict(_("This payment has expired."), code=PaymentCode.CHARGE_EXPIRED)
    return charge


@transaction.atomic
def confirm_charge(user: User, charge_id: str) -> SandboxCharge:
    """The payer pays: the charge succeeds and a payment.captured event is sent.

    Confirming twice (a double click) is harmless: the second time changes nothing."""
    charge = _lock_open_charge(user, charge_id)
    if charge.status == ChargeStatus.SUCCEEDED:
        return charge
    if charge.status == ChargeStatus.CANCELLED:
        raise Conflict(CHARGE_CANCELLED, code=PaymentCode.CHARGE_CLOSED)
    if charge.status != ChargeStatus.PENDING:
        raise Conflict(_("This payment is closed."), code=PaymentCode.CHARGE_CLOSED)
    charge.status = ChargeStatus.SUCCEEDED
    charge.paid_at = timezone.now()
    charge.save(update_fields=["status", "paid_at", "updated_at"])
    emit_event("payment.captured", _charge_data(charge))
    return charge


@transaction.atomic
def decline_charge(user: User, charge_id: str) -> SandboxCharge:
    """The payer refuses: the charge is declined and a payment.failed event is sent."""
    charge = _lock_open_charge(user, charge_id)
    if charge.status == ChargeStatus.DECLINED:
        return charge
    if charge.status != ChargeStatus.PENDING:
        raise Conflict(_("This payment is closed."), code=PaymentCode.CHARGE_CLOSED)
    charge.status = ChargeStatus.DECLINED
    charge.save(update_fields=["status", "updated_at"])
    emit_event("payment.failed", {**_charge_data(charge), "reason": "declined_by_payer"})
    return charge


# --- Webhook events and their delivery ------------------------------------------------------


def emit_event(event_type: str, data: dict[str, Any]) -> SandboxEvent:
    """Record an event and deliver it once the current transaction commits."""
    pk = new_id()
    body = json.dumps(
        {"id": f"evt_{pk}", "type": event_type, "created": int(time.time()), "data": data},
        separators=(",", ":"),
        sort_keys=True,
    )
    event = SandboxEvent.objects.create(id=pk, type=event_type, body=body)
    mode = getattr(settings, "QUANZI_SANDBOX_DELIVERY", "task")
    if mode == "inline":
        # A function, not a partial: Django 5.2 logs a failed robust callback by its
        # __qualname__, which a partial lacks (Django ticket 36487), and would raise instead.
        def deliver() -> None:
            deliver_inline(pk)

        transaction.on_commit(deliver, robust=True)
    else:
        from quanzi.payments.tasks import deliver_sandbox_event

        transaction.on_commit(partial(deliver_sandbox_event.enqueue, event.pk, 1))
    return event


def _record_attempt(event_id: str, error: str | None) -> None:
    event = SandboxEvent.objects.get(pk=event_id)
    event.attempts += 1
    event.last_error = (error or "")[:300]
    if error is None:
        event.delivered_at = timezone.now()
    event.save(update_fields=["attempts", "last_error", "delivered_at", "updated_at"])


def deliver_inline(event_id: str) -> bool:
    """Hand the signed event to the platform's webhook handler in this process."""
    from quanzi.payments.webhooks import handle_webhook

    event = SandboxEvent.objects.get(pk=event_id)
    if event.delivered_at is not None:
        return True
    body = event.body.encode()
    try:
        handle_webhook(SandboxProvider.name, {SIGNATURE_HEADER: sign(body)}, body)
    except DomainError as exc:
        logger.warning("sandbox event %s refused: %s", event_id, exc.message)
        _record_attempt(event_id, f"{exc.status} {exc.code}")
        return False
    _record_attempt(event_id, None)
    return True


def deliver_over_http(event_id: str) -> bool:
    """POST the signed event to the platform's public webhook URL; True on a 2xx answer."""
    event = SandboxEvent.objects.get(pk=event_id)
    if event.delivered_at is not None:
        return True
    body = event.body.encode()
    request = urllib.request.Request(
        str(settings.QUANZI_PUBLIC_URL).rstrip("/") + WEBHOOK_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        _record_attempt(event_id, f"unreachable: {exc}")
        return False
    if 200 <= status < 300:
        _record_attempt(event_id, None)
        return True
    _record_attempt(event_id, f"HTTP {status}")
    return False
