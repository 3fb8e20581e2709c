"""A stateful property test of the money path (issue 9, point 1).

Hypothesis plays a buyer and the payment provider in random interleavings of: opening pay pages
(one order or several), confirming or declining them, paying from the wallet, cancelling orders,
a merchant's refunds, and the provider's webhooks delivered late, out of order, twice, or again
under a new event id. After every step it checks that

- each order's state matches the money kept for it: an order is paid by at most one payment, the
  one it names; its refunded amount is what was given back of that payment; it is refunded (and
  its stock back) exactly when all of it was given back, cancelled or unpaid when nothing pays it;
- each store's escrow equals the net of its paid, unshipped orders, and money that paid no order
  is held apart (unapplied) until its refund completes;
- the ledger balances.

The sandbox queues its webhooks (delivery "task", no worker) so that the test decides when each
arrives. It runs 500 examples of up to 15 steps on PostgreSQL (CI) and 60 on SQLite;
QUANZI_MONEY_EXAMPLES sets another number for a longer hunt.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any, ClassVar

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from quanzi.core.errors import DomainError
from quanzi.ledger.models import Account
from quanzi.ledger.services import check_ledger, post_transaction
from quanzi.ledger.store_accounts import escrow_account
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import pay_from_wallet, refund_order, start_payment
from quanzi.orders.services.transitions import cancel_order
from quanzi.payments.accounts import UNAPPLIED_ACCOUNT, provider_account
from quanzi.payments.models import PartOutcome, Payment, PaymentOrder, Refund, RefundStatus
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxEvent
from quanzi.payments.webhooks import handle_webhook
from quanzi.wallets.services import wallet_account
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db

EXAMPLES = int(
    os.environ.get("QUANZI_MONEY_EXAMPLES", 500 if connection.vendor == "postgresql" else 60)
)
MAX_ORDERS = 5
S = OrderStatus


class MoneyPath(RuleBasedStateMachine):
    """One buyer with a full wallet, two stores, up to five orders and their payments."""

    capture_on_commit: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.buyer = UserFactory()
        post_transaction(
            "test.topup",
            f"wallet-{self.buyer.pk}",
            [(provider_account("sandbox"), 10**9), (wallet_account(self.buyer), -(10**9))],
        )
        self.stores = [store_with_owner(UserFactory()) for _ in range(2)]
        self.orders: list[Order] = []
        self.payments: list[Payment] = []
        self.redelivered = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _do(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one action as a request would: refused ones change nothing, and what it hands to
        on-commit (refund submission, closing charges, queuing events) runs."""
        try:
            with self.capture_on_commit(execute=True), transaction.atomic():
                return action(*args, **kwargs)
        except DomainError:
            return None

    # --- the buyer ------------------------------------------------------------------------------

    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    @rule(store=st.integers(0, 1), total=st.integers(1, 100_000))
    def place_order(self, store: int, total: int) -> None:
        self.orders.append(make_order(self.buyer, self.stores[store], total=total))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def open_pay_page(self, data: st.DataObject) -> None:
        chosen = data.draw(st.lists(st.sampled_from(self.orders), min_size=1, max_size=3))
        payment = self._do(start_payment, self.buyer, chosen)
        if payment is not None and payment not in self.payments:
            self.payments.append(payment)

    def _sandbox_payment(self, data: st.DataObject) -> Payment:
        return data.draw(st.sampled_from([p for p in self.payments if p.provider == "sandbox"]))

    @precondition(lambda self: any(p.provider == "sandbox" for p in self.payments))
    @rule(data=st.data())
    def confirm_pay_page(self, data: st.DataObject) -> None:
        self._do(sandbox.confirm_charge, self.buyer, self._sandbox_payment(data).provider_ref)

    @precondition(lambda self: any(p.provider == "sandbox" for p in self.payments))
    @rule(data=st.data())
    def decline_pay_page(self, data: st.DataObject) -> None:
        self._do(sandbox.decline_charge, self.buyer, self._sandbox_payment(data).provider_ref)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def pay_from_the_wallet(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.orders))
        payment = self._do(pay_from_wallet, self.buyer, order.pk)
        if payment is not None:
            self.payments.append(payment)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self._do(cancel_order, self.buyer, data.draw(st.sampled_from(self.orders)).pk)

    # --- the merchant ---------------------------------------------------------------------------

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), share=st.integers(1, 100))
    def refund(self, data: st.DataObject, share: int) -> None:
        order = Order.objects.get(pk=data.draw(st.sampled_from(self.orders)).pk)
        amount = max(1, order.total * share // 100)
        self._do(refund_order, order, amount, reason="test")

    # --- the provider ---------------------------------------------------------------------------

    @precondition(lambda self: SandboxEvent.objects.filter(delivered_at=None).exists())
    @rule(data=st.data())
    def deliver_a_webhook(self, data: st.DataObject) -> None:
        """Any queued event arrives: late, and not necessarily in the order it was sent."""
        pending = list(SandboxEvent.objects.filter(delivered_at=None).order_by("created_at", "id"))
        self._do(sandbox.deliver_inline, data.draw(st.sampled_from(pending)).pk)

    @precondition(lambda self: SandboxEvent.objects.exclude(delivered_at=None).exists())
    @rule(data=st.data(), fresh_id=st.booleans())
    def deliver_a_webhook_again(self, data: st.DataObject, fresh_id: bool) -> None:
        """A delivered event arrives again, as it was or resent under a new event id."""
        delivered = list(SandboxEvent.objects.exclude(delivered_at=None).order_by("id"))
        event = json.loads(data.draw(st.sampled_from(delivered)).body)
        if fresh_id:
            self.redelivered += 1
            event["id"] = f"{event['id']}_again{self.redelivered}"
        body = json.dumps(event).encode()
        self._do(handle_webhook, "sandbox", {sandbox.SIGNATURE_HEADER: sandbox.sign(body)}, body)

    # --- what must hold after every step --------------------------------------------------------

    @invariant()
    def orders_escrow_and_ledger_match_the_money_kept(self) -> None:
        orders = list(Order.objects.filter(pk__in=[o.pk for o in self.orders]))
        paying: dict[str, list[PaymentOrder]] = defaultdict(list)
        refused: list[PaymentOrder] = []
        for part in PaymentOrder.objects.filter(order__buyer=self.buyer).exclude(
            outcome=PartOutcome.OPEN
        ):
            if part.outcome == PartOutcome.PAID:
                paying[part.order_id].append(part)
            else:
                refused.append(part)
        given_back = _refunded_by_part()
        net: dict[str, int] = defaultdict(int)
        for order in orders:
            _check_order(order, paying[order.pk], given_back)
            if order.payment_id:
                net[order.store_id] += order.total - order.refunded_amount
        # each store's escrow holds its paid orders' money, net of refunds, and nothing else
        balances = dict(
            Account.objects.filter(
                code__in=[escrow_account(s.pk) for s in self.stores]
            ).values_list("code", "balance")
        )
        for store in self.stores:
            assert -balances.get(escrow_account(store.pk), 0) == net[store.pk]
        # money that paid no order waits in the unapplied account until it is given back
        owed = sum(p.amount - given_back[(p.payment_id, p.order_id)] for p in refused)
        unapplied = Account.objects.filter(code=UNAPPLIED_ACCOUNT).first()
        assert -(unapplied.balance if unapplied else 0) == owed
        assert check_ledger() == []


def _check_order(
    order: Order, paying: list[PaymentOrder], given_back: dict[tuple[str, str], int]
) -> None:
    """The order's state is what the money kept for it says."""
    assert len(paying) <= 1, f"order {order.pk} is kept by {len(paying)} payments"
    if not paying:
        assert order.status in (S.PENDING_PAYMENT, S.CANCELLED), order.status
        assert order.refunded_amount == 0
        assert order.stock_returned == (order.status == S.CANCELLED)
        return
    part = paying[0]
    assert order.payment_id == part.payment_id
    assert part.amount == order.total
    assert order.refunded_amount == given_back[(part.payment_id, order.pk)]
    fully = order.refunded_amount == order.total
    assert order.status == (S.REFUNDED if fully else S.PAID), order.status
    assert order.stock_returned == fully


def _refunded_by_part() -> dict[tuple[str, str], int]:
    """What succeeded refunds gave back, by (payment, order)."""
    rows = (
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .values("payment_id", "order_id")
        .annotate(total=Sum("amount"))
    )
    given: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        given[(row["payment_id"], row["order_id"])] = row["total"]
    return given


def test_the_money_path_keeps_orders_and_escrow_true(
    db: None, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(django_settings, "QUANZI_SANDBOX_DELIVERY", "task")
    MoneyPath.capture_on_commit = django_capture_on_commit_callbacks
    run_state_machine_as_test(
        MoneyPath,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
