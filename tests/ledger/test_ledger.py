from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quanzi.ledger.models import Account, Entry, Transaction
from quanzi.ledger.services import UnbalancedPosting, check_ledger, post_transaction
from quanzi.ledger.store_accounts import available_account, escrow_account, store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import refund_order
from quanzi.orders.services.postings import record_capture, record_refund, settle_order
from quanzi.payments.accounts import provider_account
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order, pay

pytestmark = pytest.mark.django_db

SANDBOX = provider_account("sandbox")


def test_an_unbalanced_posting_writes_nothing():
    store = store_with_owner()
    # when lines do not sum to zero, or are a single line, or hold a zero amount
    bad = [
        [(SANDBOX, 100), (escrow_account(store.pk), -99)],
        [(SANDBOX, 100)],
        [(SANDBOX, 0), (escrow_account(store.pk), 0)],
    ]
    for lines in bad:
        with pytest.raises(UnbalancedPosting):
            post_transaction("capture", "p1", lines)
    # then nothing was written
    assert (Transaction.objects.count(), Entry.objects.count()) == (0, 0)


def test_a_posting_happens_once_per_reference():
    store = store_with_owner()
    lines = [(SANDBOX, 500), (escrow_account(store.pk), -500)]
    # when the same capture is posted twice
    first = post_transaction("capture", "pay-1", lines)
    second = post_transaction("capture", "pay-1", lines)
    # then it is one transaction and the balances moved once
    assert first.pk == second.pk
    assert Entry.objects.count() == 2
    assert Account.objects.get(code=SANDBOX).balance == 500
    assert store_balance(store.pk).escrow == 500
    assert check_ledger() == []


def test_refund_after_settlement_comes_out_of_available(django_capture_on_commit_callbacks):
    # given an order paid (59.00), partly refunded (9.00) and completed
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 900, reason="差价")
    order.refresh_from_db()
    assert order.refunded_amount == 900
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)
    settle_order(order)
    settle_order(order)  # idempotent
    # then the store has 50.00 available and nothing pending
    assert store_balance(order.store_id) == store_balance(order.store_id).__class__(0, 5000)
    assert Transaction.objects.filter(kind="settlement").count() == 1
    # when 20.00 more is refunded after settlement
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 2000, reason="售后")
    # then it is taken from the available balance, not from escrow
    assert store_balance(order.store_id).available == 3000
    assert store_balance(order.store_id).escrow == 0
    assert Account.objects.get(code=SANDBOX).balance == 5900 - 900 - 2000
    # and the ledger checks out
    assert check_ledger() == []
    call_command("ledger_check")


def test_available_may_go_negative_never_capped():
    # given a settled order of 10.00 and a store whose available balance is 10.00
    buyer = UserFactory()
    order = make_order(buyer, total=1000)
    record_capture(provider="sandbox", payment_id="pay-x", parts=[(order.store_id, order.pk, 1000)])
    settle_order(order)
    assert store_balance(order.store_id).available == 1000
    # when refunds after settlement total more than the available balance (e.g. money already
    # paid out to the store)
    record_refund(provider="sandbox", refund_id="r-1", order_id=order.pk, amount=1000)
    record_refund(provider="sandbox", refund_id="r-2", order_id=order.pk, amount=300)
    # then the store's available balance is negative: a debt to recover, never silently capped
    assert store_balance(order.store_id).available == -300
    assert check_ledger() == []


def test_ledger_check_fails_on_a_tampered_entry_or_balance(
    django_capture_on_commit_callbacks, capsys
):
    # given a full flow: paid, refunded in part, settled
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 100, reason="差价")
    order.refresh_from_db()
    settle_order(order)
    call_command("ledger_check")
    assert "ledger check passed" in capsys.readouterr().out
    # when someone edits an entry of the capture behind the ledger's back
    capture = Transaction.objects.get(kind="capture")
    entry = capture.entries.get(account__code=SANDBOX)
    Entry.objects.filter(pk=entry.pk).update(amount=entry.amount + 1)
    # then ledger_check fails, naming the transaction and the account
    with pytest.raises(CommandError):
        call_command("ledger_check")
    err = capsys.readouterr().err
    assert capture.pk in err
    assert SANDBOX in err
    # when the entry is put back but a cached balance is changed instead
    Entry.objects.filter(pk=entry.pk).update(amount=entry.amount)
    Account.objects.filter(code=available_account(order.store_id)).update(balance=0)
    problems = check_ledger()
    assert len(problems) == 1
    assert available_account(order.store_id) in problems[0]


# --- Property: any sequence of captures, refunds and settlements keeps the ledger sound ---

operation = st.tuples(
    st.sampled_from(["capture", "refund", "settle"]),
    st.integers(min_value=0, max_value=3),  # which order
    st.integers(min_value=1, max_value=5000),  # refund amount asked
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, max_size=25))
def test_any_sequence_keeps_every_transaction_balanced(db, ops):
    from django.db import transaction

    with transaction.atomic():
        _run_sequence(ops)
        transaction.set_rollback(True)


def _run_sequence(ops: list[tuple[str, int, int]]) -> None:
    buyer = UserFactory()
    stores = [store_with_owner(), store_with_owner()]
    orders = [make_order(buyer, stores[i % 2], total=1000 + 1000 * i) for i in range(4)]
    captured: set[int] = set()
    settled: set[int] = set()
    refunds = 0
    for kind, i, amount in ops:
        order = orders[i]
        if kind == "capture" and i not in captured:
            record_capture(
                provider="sandbox",
                payment_id=f"p{i}",
                parts=[(order.store_id, order.pk, order.total)],
            )
            captured.add(i)
        elif kind == "refund" and i in captured:
            amount = min(amount, order.total - order.refunded_amount)
            if amount > 0:
                refunds += 1
                record_refund(
                    provider="sandbox", refund_id=f"r{refunds}", order_id=order.pk, amount=amount
                )
                order.refunded_amount += amount
                Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount)
        elif kind == "settle" and i in captured:
            settle_order(order)
            settled.add(i)
        # every transaction balances and every cached balance equals the sum of its entries
        assert check_ledger() == []
    # and the money adds up: the provider holds what was captured minus what was refunded, and
    # the stores are owed exactly that, split between escrow and available as settled
    held = sum(orders[i].total - orders[i].refunded_amount for i in captured)
    provider = Account.objects.filter(code=SANDBOX).first()
    assert (provider.balance if provider else 0) == held
    owed = sum(store_balance(s.pk).escrow + store_balance(s.pk).available for s in stores)
    assert owed == held
    for i in captured:
        escrow_left = -(
            Entry.objects.filter(order=orders[i], account__code__endswith=":escrow").aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        if i in settled:
            assert escrow_left == 0
