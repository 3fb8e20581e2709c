"""Payments API: start a payment (Idempotency-Key), read one, and the providers' webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.idempotency import idempotent
from quanzi.core.openapi import ErrorOut
from quanzi.core.schemas import Schema
from quanzi.payments import services
from quanzi.payments.models import Payment, PaymentPurpose
from quanzi.payments.purposes import handler_for
from quanzi.payments.webhooks import handle_webhook

router = Router()


class StartIn(Schema):
    order_ids: list[str] = Field(min_length=1, max_length=services.MAX_ORDERS_PER_PAYMENT)


class PaymentPartOut(Schema):
    order_id: str
    amount: int


class PaymentOut(Schema):
    id: str
    status: str
    amount: int = Field(description="fen")
    currency: str
    pay_url: str = Field(description="the provider's hosted pay page")
    orders: list[PaymentPartOut]
    created_at: datetime
    captured_at: datetime | None = None


class WebhookAck(Schema):
    result: str = Field(description="processed, ignored or duplicate")


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        status=payment.status,
        amount=payment.amount,
        currency=payment.currency,
        pay_url=payment.pay_url,
        orders=[
            PaymentPartOut(order_id=p.order_id, amount=p.amount)
            for p in payment.parts.order_by("order_id")
        ],
        created_at=payment.created_at,
        captured_at=payment.captured_at,
    )


@router.post("", auth=AUTH, response={201: PaymentOut})
@idempotent("payments.start")
def start_payment(request: HttpRequest, data: StartIn) -> Status[Any]:
    """Open a payment for some of my unpaid orders and get the pay page URL.

    Send an `Idempotency-Key` header to make retries safe: a replay returns the first answer.
    An open payment for exactly the same orders is returned again rather than duplicated.
    """
    # The orders' domain locks and checks them, then opens the payment (purposes.py).
    payment = handler_for(PaymentPurpose.ORDERS).start(current_user(request), data.order_ids)
    return Status(201, payment_out(payment).model_dump(mode="json"))


@router.get("/{payment_id}", auth=AUTH, response=PaymentOut)
def get_payment(request: HttpRequest, payment_id: str) -> PaymentOut:
    """A payment, to its payer and to the staff of the stores it pays."""
    return payment_out(services.access_payment(current_user(request), payment_id))


@router.post(
    "/webhooks/{provider}",
    auth=None,
    response={200: WebhookAck, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def webhook(request: HttpRequest, provider: str) -> WebhookAck:
    """A provider's signed event (the raw body is what is signed). For the sandbox the header is
    `X-Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""
    return WebhookAck(result=handle_webhook(provider, request.headers, request.body))
