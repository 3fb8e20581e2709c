from __future__ import annotations

import pytest

from quanzi.core.errors import Conflict, InvalidInput
from quanzi.orders.services.paying import refund_order
from quanzi.payments.models import Refund, RefundStatus
from quanzi.payments.providers.base import ProviderError
from quanzi.payments.providers.sandbox import SandboxProvider
from tests.factories import UserFactory
from tests.payments.helpers import make_order, pay

pytestmark = pytest.mark.django_db


def test_never_more_than_what_is_left_is_refunded(django_capture_on_commit_callbacks):
    # given a paid order of 59.00 with a pending refund of 50.00 (not yet sent to the provider)
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    refund_order(order, 5000, reason="少件")
    # when 10.00 more is asked, then it is refused: only 9.00 is left
    with pytest.raises(Conflict) as exc:
        refund_order(order, 1000, reason="again")
    assert exc.value.code == "refund_too_large"
    # and 9.00 is fine; zero or negative amounts are invalid
    refund_order(order, 900, reason="rest")
    with pytest.raises(InvalidInput):
        refund_order(order, 0, reason="zero")
    with pytest.raises(Conflict):
        refund_order(order, 1, reason="nothing left")
    assert Refund.objects.count() == 2


def test_an_unpaid_order_has_nothing_to_refund():
    buyer = UserFactory()
    order = make_order(buyer)
    with pytest.raises(Conflict) as exc:
        refund_order(order, 100, reason="x")
    assert exc.value.code == "not_paid"


def test_one_refund_per_after_sales_request(django_capture_on_commit_callbacks):
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    # when orders asks twice for the same after-sales request
    first = refund_order(order, 1000, reason="破损", after_sale_id="AS0000000000001")
    second = refund_order(order, 1000, reason="破损", after_sale_id="AS0000000000001")
    # then there is one refund
    assert first.pk == second.pk
    assert Refund.objects.count() == 1


def test_a_provider_refusal_marks_the_refund_failed(
    monkeypatch, hooks, django_capture_on_commit_callbacks
):
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    pay(buyer, [order], django_capture_on_commit_callbacks)

    def refuse(self: SandboxProvider, charge_ref: str, amount: int, refund_id: str) -> str:
        raise ProviderError("gateway says no")

    monkeypatch.setattr(SandboxProvider, "refund", refuse)
    # when the provider refuses the refund request
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order, 1000, reason="破损", after_sale_id="AS0000000000002")
    # then the refund failed, orders were told, and the request may be refunded again later
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == (RefundStatus.FAILED, "gateway says no")
    assert hooks["on_refund_failed"].calls == [(order.pk, "AS0000000000002")]
    monkeypatch.undo()
    again = refund_order(order, 1000, reason="破损", after_sale_id="AS0000000000002")
    assert again.pk != refund.pk
