"""Wallet top-up through the payment provider (sandbox): the provider's signed payment.captured
credits the wallet once (provider account debit, wallet credit); a replay, a second event or a
double confirmation credits nothing more; declined, expired or mismatched top-ups credit
nothing; bad amounts → 4xx with nothing written; every signed-in person tops up only their own
wallet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.ledger.models import Transaction
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import Payment, PaymentPurpose, PaymentStatus
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxCharge, SandboxEvent
from quanzi.stores.models import StaffRole, StoreStaff
from quanzi.wallets import services as wallets
from quanzi.wallets.topup import KIND_TOPUP, start_topup
from tests.campaigns.redpackets.conftest import Room, ledger_clean
from tests.factories import UserFactory
from tests.payments.helpers import captured_data, event_body, post_webhook

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _inline_delivery(settings: Any) -> None:
    """The sandbox hands its webhooks to the handler in-process on commit (no worker)."""
    settings.QUANZI_SANDBOX_DELIVERY = "inline"


def credits(payment: Payment) -> int:
    return Transaction.objects.filter(kind=KIND_TOPUP, reference=payment.pk).count()


def confirm(user: User, payment: Payment, capture: Any) -> None:
    with capture(execute=True):
        sandbox.confirm_charge(user, payment.provider_ref)


def test_api_topup_credits_the_wallet_once(
    room: Room, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given Alice holds ¥100
    client = api(room.alice)
    # when she asks for a ¥50 top-up, twice with the same Idempotency-Key
    first = client.post(
        "redpackets/wallet/topups", {"amount": 5000}, headers={"Idempotency-Key": "t1"}
    )
    again = client.post(
        "redpackets/wallet/topups", {"amount": 5000}, headers={"Idempotency-Key": "t1"}
    )
    # then one top-up payment is open, pointing at the sandbox's pay page
    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    payment = Payment.objects.get()
    assert payment.purpose == PaymentPurpose.WALLET_TOPUP and payment.payer == room.alice
    assert first.json()["pay_url"] == f"/pay/sandbox/{payment.provider_ref}/"
    assert wallets.wallet_balance(room.alice) == 10_000
    # when she confirms on the sandbox page (a double click confirms twice)
    confirm(room.alice, payment, django_capture_on_commit_callbacks)
    confirm(room.alice, payment, django_capture_on_commit_callbacks)
    # then the payment is captured and the wallet credited once, in a balanced posting
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert wallets.wallet_balance(room.alice) == 15_000
    assert credits(payment) == 1
    txn = Transaction.objects.get(kind=KIND_TOPUP, reference=payment.pk)
    lines = {e.account.code: e.amount for e in txn.entries.select_related("account")}
    assert lines == {
        provider_account("sandbox"): 5000,
        wallets.wallet_account(room.alice): -5000,
    }
    assert wallets.wallet_history(room.alice)[0].amount == 5000
    assert ledger_clean()


def test_replayed_and_repeated_captures_credit_nothing_more(
    room: Room, django_capture_on_commit_callbacks: Any
) -> None:
    # given a captured top-up of ¥20
    payment = start_topup(room.bob, 2000)
    confirm(room.bob, payment, django_capture_on_commit_callbacks)
    assert wallets.wallet_balance(room.bob) == 2000
    # when the provider's event is replayed, and a second capture event arrives
    delivered = SandboxEvent.objects.get(type="payment.captured").body.encode()
    replay = post_webhook(delivered)
    other = post_webhook(event_body("payment.captured", captured_data(payment), "evt_again01"))
    # then both are acknowledged and the wallet is credited once
    assert replay.status_code == 200 and replay.json()["result"] == "duplicate"
    assert other.status_code == 200 and other.json()["result"] == "processed"
    assert wallets.wallet_balance(room.bob) == 2000
    assert credits(payment) == 1
    assert ledger_clean()


def test_declined_topup_credits_nothing(
    room: Room, django_capture_on_commit_callbacks: Any
) -> None:
    # given a top-up waiting on the sandbox page
    payment = start_topup(room.bob, 3000)
    # when Bob declines it
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.decline_charge(room.bob, payment.provider_ref)
    # then the payment failed and nothing was credited
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert wallets.wallet_balance(room.bob) == 0 and credits(payment) == 0
    assert ledger_clean()


def test_expired_topup_cannot_be_paid(room: Room, django_capture_on_commit_callbacks: Any) -> None:
    # given a top-up whose pay page has expired
    payment = start_topup(room.bob, 3000)
    SandboxCharge.objects.filter(pk=payment.provider_ref).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    # when Bob tries to confirm it, then it is refused and nothing is credited
    with pytest.raises(Conflict), django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(room.bob, payment.provider_ref)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert wallets.wallet_balance(room.bob) == 0 and credits(payment) == 0


def test_amount_mismatch_is_refused(room: Room) -> None:
    # given an open ¥30 top-up
    payment = start_topup(room.bob, 3000)
    # when a signed capture claims another amount
    body = event_body("payment.captured", captured_data(payment, amount=300_000), "evt_wrong01")
    res = post_webhook(body)
    # then it is refused as for orders, and nothing is credited
    assert res.status_code == 422 and res.json()["code"] == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert wallets.wallet_balance(room.bob) == 0 and credits(payment) == 0


@pytest.mark.parametrize("amount", [0, 99, 500_001, -100, "abc", 12.5, None])
def test_api_bad_amounts_write_nothing(room: Room, api: Any, amount: Any) -> None:
    res = api(room.bob).post("redpackets/wallet/topups", {"amount": amount}, **EN)
    assert 400 <= res.status_code < 500, res.content
    assert Payment.objects.count() == 0 and SandboxCharge.objects.count() == 0


@pytest.mark.parametrize("amount", [0, 99, 500_001, True])
def test_service_bad_amounts_write_nothing(room: Room, amount: Any) -> None:
    with pytest.raises(InvalidInput):
        start_topup(room.bob, amount)
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("amount", ["", "0", "0.99", "5000.01", "abc", "1.234"])
def test_page_bad_amounts_write_nothing(room: Room, amount: str) -> None:
    client = Client()
    client.force_login(room.bob)
    res = client.post("/redpackets/wallet/topup/", {"amount": amount}, follow=True, **EN)
    assert res.redirect_chain[-1][0] == "/redpackets/wallet/"
    assert Payment.objects.count() == 0 and SandboxCharge.objects.count() == 0


@pytest.mark.parametrize("who", ["owner", "staff", "member", "stranger"])
def test_everyone_signed_in_tops_up_their_own_wallet(
    room: Room, api: Any, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    staff = UserFactory()
    StoreStaff.objects.create(store=room.store, user=staff, role=StaffRole.STAFF)
    user = {"owner": room.owner, "staff": staff, "member": room.bob, "stranger": room.stranger}[who]
    before = wallets.wallet_balance(user)
    res = api(user).post("redpackets/wallet/topups", {"amount": 100})
    assert res.status_code == 201, res.content
    payment = Payment.objects.get(pk=res.json()["payment_id"])
    confirm(user, payment, django_capture_on_commit_callbacks)
    assert wallets.wallet_balance(user) == before + 100
    assert wallets.wallet_balance(room.alice) == 10_000


def test_anonymous_is_refused(room: Room, api: Any) -> None:
    assert api().post("redpackets/wallet/topups", {"amount": 1000}).status_code == 401
    res = Client().post("/redpackets/wallet/topup/", {"amount": "10"})
    assert res.status_code == 302 and "login" in res["Location"]
    assert Payment.objects.count() == 0


def test_nobody_else_sees_or_pays_my_topup(room: Room, api: Any) -> None:
    # given Alice's open top-up
    payment = start_topup(room.alice, 1000)
    # then the stranger cannot read it, open its pay page or confirm it
    assert api(room.stranger).get(f"payments/{payment.pk}").status_code == 404
    assert api(room.alice).get(f"payments/{payment.pk}").status_code == 200
    client = Client()
    client.force_login(room.stranger)
    assert client.get(f"/pay/sandbox/{payment.provider_ref}/").status_code == 404
    assert client.post(f"/pay/sandbox/{payment.provider_ref}/confirm/").status_code == 404
    assert SandboxCharge.objects.get(pk=payment.provider_ref).status == "pending"


def test_pages_top_up_then_send_a_packet(
    room: Room, django_capture_on_commit_callbacks: Any
) -> None:
    # given Bob with an empty wallet on the circle's red packet page
    client = Client()
    client.force_login(room.bob)
    page = client.get(f"/redpackets/circle/{room.circle.pk}/", **EN)
    assert b'data-testid="redpacket-topup-link"' in page.content
    # when he sends more than he holds, he is pointed to the top-up
    res = client.post(
        f"/redpackets/circle/{room.circle.pk}/send/",
        {"total": "5", "count": "2"},
        follow=True,
        **EN,
    )
    assert b"Not enough balance" in res.content
    assert b'data-testid="redpacket-topup-link"' in res.content
    # when he tops up ¥20 on the wallet page and pays on the sandbox page
    wallet = client.get("/redpackets/wallet/", **EN)
    assert b'data-testid="topup-form"' in wallet.content
    res = client.post("/redpackets/wallet/topup/", {"amount": "20"})
    charge = SandboxCharge.objects.get()
    assert res.status_code == 302 and res["Location"] == f"/pay/sandbox/{charge.pk}/"
    assert client.get(res["Location"], **EN).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        res = client.post(f"/pay/sandbox/{charge.pk}/confirm/")
    assert res["Location"] == "/redpackets/wallet/?result=succeeded"
    wallet = client.get(res["Location"], **EN)
    assert b'data-testid="topup-result"' in wallet.content and "¥20.00" in wallet.content.decode()
    # then sending the packet works as before
    page = client.get(f"/redpackets/circle/{room.circle.pk}/", **EN)
    assert b'data-testid="redpacket-topup-link"' not in page.content
    res = client.post(f"/redpackets/circle/{room.circle.pk}/send/", {"total": "5", "count": "2"})
    assert res.status_code == 302 and "/redpackets/circle/" not in res["Location"]
    assert wallets.wallet_balance(room.bob) == 1500
    assert ledger_clean()
