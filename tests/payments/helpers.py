"""Building blocks for payment and ledger tests: orders made with the ORM, sandbox payments,
signed webhook requests. Money in fen."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.orders.models import Order, OrderItem
from quanzi.orders.services.paying import start_payment
from quanzi.payments.models import Payment
from quanzi.payments.providers import sandbox
from quanzi.stores.models import Store
from tests.factories import SkuFactory, UserFactory, store_with_owner

WEBHOOK_URL = "/api/v1/payments/webhooks/sandbox"


def make_order(
    buyer: User, store: Store | None = None, total: int = 5900, *, minutes_left: int = 30
) -> Order:
    """An unpaid order of one item for `total` fen, placed directly with the ORM."""
    store = store or store_with_owner(UserFactory())
    sku = SkuFactory(product__store=store, price=total)
    order = Order.objects.create(
        buyer=buyer,
        store=store,
        subtotal=total,
        total=total,
        address={"recipient": "张三", "phone": "13912345678", "detail": "翠湖路 1 号"},
        pay_deadline=timezone.now() + timedelta(minutes=minutes_left),
    )
    OrderItem.objects.create(
        order=order,
        sku=sku,
        product=sku.product,
        title=sku.product.title,
        sku_label=sku.label,
        unit_price=total,
        quantity=1,
    )
    return order


def pay(buyer: User, orders: list[Order], capture_on_commit: Any) -> Payment:
    """Start a payment and confirm it on the sandbox; the webhook is delivered inline."""
    payment = start_payment(buyer, orders)
    with capture_on_commit(execute=True):
        sandbox.confirm_charge(buyer, payment.provider_ref)
    payment.refresh_from_db()
    return payment


def event_body(event_type: str, data: dict[str, Any], event_id: str = "evt_test0001") -> bytes:
    return json.dumps(
        {"id": event_id, "type": event_type, "created": int(time.time()), "data": data}
    ).encode()


def post_webhook(body: bytes, *, signature: str | None = None, client: Client | None = None) -> Any:
    """POST a webhook body to the platform, signed with the sandbox secret unless told."""
    header = signature if signature is not None else sandbox.sign(body)
    return (client or Client()).post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: header},
    )


def captured_data(payment: Payment, **changes: Any) -> dict[str, Any]:
    """The data of a payment.captured event for `payment`, with `changes`."""
    return {
        "charge": payment.provider_ref,
        "payment_id": payment.pk,
        "amount": payment.amount,
        "currency": "CNY",
        **changes,
    }
