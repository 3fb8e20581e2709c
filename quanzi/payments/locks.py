"""Row locks of payments (and of the sandbox provider's own rows): the only place that takes
them.

All are FOR NO KEY UPDATE of the named row only (`of`): payments changes statuses, outcomes and
provider references, never a key, so rows pointing at a locked one (a payment's parts and
refunds, a charge's refunds) can still be inserted by others meanwhile; two lockers of one row
still wait for each other.

Lock order (the cross-domain order is in docs/architecture.md):

- provider events (`webhooks.handle_webhook`): the webhook event → the payment (captured,
  failed), the refund (succeeded, failed) or the payout (succeeded, failed) → the purpose
  handler's rows (orders: the order rows; wallets and orders: their ledger postings) → ledger
  accounts → the payment's parts (outcomes) and the refunds of refused parts (inserted);
  a settled payout → `payout_settled` receivers (referrals: the withdrawal → ledger accounts);
- flows that start in orders: the order rows (orders locks them) → overlapping open payments
  closed (conditional updates) → the new payment and its parts (inserted); a refund: (the
  order rows, when the caller holds them →) the order's paid payment part → the new refund;
- the sandbox provider's transactions are its own (the platform calls it after commit, outside
  any platform lock, and its events are delivered after its commit): the charge → its refunds
  and events (inserted).
"""

from __future__ import annotations

from typing import Any

from quanzi.payments.models import PartOutcome, Payment, PaymentOrder, Payout, Refund, WebhookEvent
from quanzi.payments.providers.sandbox_models import SandboxCharge


def lock_webhook_event(provider: str, event_id: str, defaults: dict[str, Any]) -> WebhookEvent:
    """The stored event (provider, event id), locked; stored with `defaults` first if new."""
    record, _created = WebhookEvent.objects.select_for_update(
        of=("self",), no_key=True
    ).get_or_create(provider=provider, event_id=event_id, defaults=defaults)
    return record


def lock_payment(payment_id: str, *, provider: str, charge_ref: str) -> Payment | None:
    """The payment of this provider's charge, locked; None if there is none."""
    return (
        Payment.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=payment_id, provider=provider, provider_ref=charge_ref)
        .first()
    )


def lock_paid_part(order_id: str) -> PaymentOrder | None:
    """The part of a payment that paid this order, locked; None if the order was not paid."""
    return (
        PaymentOrder.objects.select_for_update(of=("self",), no_key=True)
        .filter(order_id=order_id, outcome=PartOutcome.PAID)
        .first()
    )


def lock_refund(refund_id: str, *, provider: str) -> Refund | None:
    """The refund of a payment through this provider, locked, with its payment (read along, not
    locked); None if there is none."""
    return (
        Refund.objects.select_for_update(of=("self",), no_key=True)
        .select_related("payment")
        .filter(pk=refund_id, payment__provider=provider)
        .first()
    )


def lock_payout(payout_id: str) -> Payout:
    """The payout, locked (Payout.DoesNotExist if there is none)."""
    return Payout.objects.select_for_update(of=("self",), no_key=True).get(pk=payout_id)


def lock_provider_payout(payout_id: str, *, provider: str) -> Payout | None:
    """The payout through this provider, locked; None if there is none."""
    return (
        Payout.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=payout_id, provider=provider)
        .first()
    )


def lock_sandbox_charge(charge_id: str) -> SandboxCharge | None:
    """The sandbox provider's charge, locked; None if there is none."""
    return (
        SandboxCharge.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=charge_id)
        .first()
    )
