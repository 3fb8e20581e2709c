"""Payouts: the platform's record, the sandbox's payout and its signed event, the webhook's
checks, and the `payout_settled` signal sent once (payments knows nothing of withdrawals)."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.core.errors import InvalidInput
from quanzi.payments.models import Payout, PayoutStatus, WebhookEvent, WebhookStatus
from quanzi.payments.providers.sandbox_models import SandboxEvent, SandboxPayout
from quanzi.payments.services import start_payout, submit_payout
from quanzi.payments.signals import payout_settled
from tests.factories import UserFactory
from tests.payments.helpers import event_body, post_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled() -> Any:
    """The payout_settled signals sent during the test: (payout id, succeeded, reason)."""
    calls: list[tuple[str, bool, str]] = []

    def receiver(sender: Any, payout: Payout, succeeded: bool, reason: str, **kwargs: Any) -> None:
        calls.append((payout.pk, succeeded, reason))

    payout_settled.connect(receiver, dispatch_uid="tests.payouts")
    yield calls
    payout_settled.disconnect(dispatch_uid="tests.payouts")


def _data(record: Payout, **changes: Any) -> dict[str, Any]:
    return {
        "payout": "spo_1",
        "payout_id": record.pk,
        "recipient": record.recipient.public_id,
        "amount": record.amount,
        "currency": "CNY",
        **changes,
    }


def test_a_payout_is_sent_once_and_settled_by_the_sandbox_event(
    settled, django_capture_on_commit_callbacks
):
    # given a recipient
    recipient = UserFactory()
    # when a payout is started (twice for the same reference) and its submission runs twice
    with django_capture_on_commit_callbacks(execute=True):
        payout = start_payout(recipient=recipient, amount=975, purpose="test", reference="w1")
        again = start_payout(recipient=recipient, amount=975, purpose="test", reference="w1")
    submit_payout(payout.pk)
    # then one payout went out through the sandbox, with one signed event
    assert again.pk == payout.pk
    sent = SandboxPayout.objects.get()
    assert (sent.merchant_reference, sent.amount, sent.recipient_ref) == (
        payout.pk,
        975,
        recipient.public_id,
    )
    assert SandboxEvent.objects.filter(type="payout.succeeded").count() == 1
    # and the platform's payout succeeded once, with the provider's reference
    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref) == (PayoutStatus.SUCCEEDED, sent.pk)
    assert payout.settled_at is not None
    assert settled == [(payout.pk, True, "")]


@pytest.mark.parametrize("amount", [0, -5, 1.5, "9"])
def test_a_payout_amount_must_be_positive_whole_fen(amount):
    with pytest.raises(InvalidInput):
        start_payout(recipient=UserFactory(), amount=amount, purpose="test", reference="w1")
    assert not Payout.objects.exists()


def test_a_failure_event_settles_the_payout_once_with_its_reason(settled):
    # given a pending payout (its submission never ran)
    payout = start_payout(recipient=UserFactory(), amount=500, purpose="test", reference="w2")
    body = event_body("payout.failed", _data(payout, reason="account_closed"), event_id="evt_f")
    # when the failure arrives, twice, then a success under another id
    answers = [post_webhook(body).json()["result"] for _ in range(2)]
    late = post_webhook(event_body("payout.succeeded", _data(payout), event_id="evt_s"))
    # then it failed once, with the reason; the rest changed nothing
    assert answers == ["processed", "duplicate"]
    assert late.json() == {"result": "processed"}
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "account_closed")
    assert settled == [(payout.pk, False, "account_closed")]


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 501},
        {"amount": "500"},
        {"currency": "USD"},
        {"payout_id": "unknown000000000"},
        {"payout_id": None},
    ],
)
def test_an_event_that_contradicts_the_payout_is_refused(settled, changes):
    # given a pending payout of ¥5.00
    payout = start_payout(recipient=UserFactory(), amount=500, purpose="test", reference="w3")
    # when an event about it carries another amount, currency or payout
    answer = post_webhook(event_body("payout.succeeded", _data(payout, **changes)))
    # then it is refused (422), stored as rejected, and the payout is still pending
    assert answer.status_code == 422
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING
    assert settled == []


def test_an_event_naming_another_provider_reference_is_refused(
    settled, django_capture_on_commit_callbacks
):
    # given a payout the sandbox already answered
    with django_capture_on_commit_callbacks(execute=True):
        payout = start_payout(recipient=UserFactory(), amount=500, purpose="test", reference="w4")
    # when a failure names another provider payout
    answer = post_webhook(event_body("payout.failed", _data(payout, payout="spo_other")))
    # then it is refused
    assert answer.status_code == 422
    assert settled == [(payout.pk, True, "")]
