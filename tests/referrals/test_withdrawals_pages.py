"""Withdrawal pages: the promoter's withdraw form (yuan typed by a person) and its panel, and the
merchant console's review page with approve and reject, against each role."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from quanzi.accounts.models import User
from quanzi.core.errors import InvalidInput
from quanzi.ledger.models import Transaction
from quanzi.referrals.models import DistributionConfig, Withdrawal, WithdrawalStatus
from quanzi.referrals.services.distribution import PromoterBalance, promoter_balance
from quanzi.referrals.services.withdrawals import reject_withdrawal, request_withdrawal
from quanzi.referrals.views.withdrawals import amount_fen, panel_context
from tests.referrals.withdrawal_helpers import Cast, earn, make_cast, review_roles

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


@pytest.fixture
def cast() -> Cast:
    # a store for everyone taking 1 %, whose promoter earned ¥10.00
    cast = make_cast(withdrawal_fee_bp=100)
    earn(cast.store, cast.promoter, 1000)
    return cast


def client_of(user: User | None) -> Client:
    client = Client(headers=EN)
    if user is not None:
        client.force_login(user)
    return client


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _written() -> tuple[int, int]:
    return Withdrawal.objects.count(), Transaction.objects.count()


@pytest.mark.parametrize(
    ("raw", "fen"),
    [("12", 1200), ("12.5", 1250), ("¥12.50", 1250), (" 0.01 ", 1), ("1,000", 100000)],
)
def test_amounts_typed_in_yuan(raw, fen):
    assert amount_fen(raw) == fen


@pytest.mark.parametrize("raw", ["", "abc", "12.345", "1e30", "9" * 40, "NaN", "Infinity"])
def test_amounts_that_are_not_yuan(raw):
    with pytest.raises(InvalidInput):
        amount_fen(raw)


def test_the_promoter_withdraws_from_the_form_and_goes_back_to_the_centre(cast):
    # when the promoter types ¥5.50 (twice, with the same form key: a double submit)
    client = client_of(cast.promoter)
    url = f"/promote/{cast.store.pk}/withdraw/"
    first = client.post(url, {"amount": "5.50", "key": "form-key-1"})
    second = client.post(url, {"amount": "5.50", "key": "form-key-1"})
    # then one withdrawal of 550 fen waits for review, and both go back to the centre
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/promote/{cast.store.pk}/"
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.amount, withdrawal.fee, withdrawal.status) == (550, 5, "pending")
    assert said(first) == [
        "Withdrawal requested: ¥5.45 will be paid to you once the store approves it."
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        ("1e30", "Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        ("5.555", "Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        ("-5", "Enter an amount greater than zero."),
        ("0", "Enter an amount greater than zero."),
        ("0.99", "You can withdraw ¥1.00 or more at a time."),
        ("10.01", "You can withdraw at most ¥10.00."),
    ],
)
def test_a_refused_amount_says_why_and_writes_nothing(cast, amount, message):
    before = _written()
    r = client_of(cast.promoter).post(f"/promote/{cast.store.pk}/withdraw/", {"amount": amount})
    assert r.status_code == 302
    assert said(r) == [message]
    assert _written() == before


@pytest.mark.parametrize("role", ["customer", "owner", "staff", "stranger"])
def test_people_who_never_earned_get_nothing_from_the_form(cast, role):
    before = _written()
    r = client_of(getattr(cast, role)).post(
        f"/promote/{cast.store.pk}/withdraw/", {"amount": "1.00"}
    )
    assert r.status_code == 302
    assert said(r) == ["You can withdraw at most ¥0.00."]  # everyone may promote this store
    assert _written() == before


def test_the_form_needs_a_login_a_post_and_a_real_store(cast):
    before = _written()
    anonymous = client_of(None).post(f"/promote/{cast.store.pk}/withdraw/", {"amount": "1"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    promoter = client_of(cast.promoter)
    assert promoter.get(f"/promote/{cast.store.pk}/withdraw/").status_code == 405
    assert promoter.post("/promote/nosuchstore00000/withdraw/", {"amount": "1"}).status_code == 404
    assert _written() == before


def test_the_panel_shows_the_terms_the_form_and_my_withdrawals(cast):
    # given one rejected withdrawal and ¥7.00 still available
    rejected = request_withdrawal(cast.promoter, cast.store.pk, 300)
    reject_withdrawal(cast.owner, cast.store.pk, rejected.pk, "请先完善收款信息")
    request_withdrawal(cast.promoter, cast.store.pk, 300)
    config = DistributionConfig.objects.get(store=cast.store)
    context = {
        "store": cast.store,
        "config": config,
        "balance": promoter_balance(cast.store.pk, cast.promoter.public_id),
        **panel_context(cast.promoter, cast.store),
    }
    # when the promoter centre includes the panel
    with translation.override("en"):
        html = render_to_string(context["withdrawals_panel"], context)
    # then it shows the minimum and the fee, the form, and both withdrawals with their status
    assert "At least ¥1.00 at a time" in html
    assert "a fee of 1%" in html
    assert 'data-testid="withdraw-form"' in html
    assert f'value="{context["withdraw_key"]}"' in html
    assert "Amount in yuan (up to ¥7.00)" in html
    assert html.count('data-testid="my-withdrawal"') == 2
    assert "请先完善收款信息" in html
    assert "Withdrawn so far: ¥0.00" in html


@pytest.mark.parametrize(
    ("available", "shown"),
    [(-300, 'data-testid="withdraw-blocked"'), (99, 'data-testid="withdraw-not-enough"')],
)
def test_the_panel_without_enough_to_withdraw(cast, available, shown):
    context = {
        "store": cast.store,
        "config": DistributionConfig.objects.get(store=cast.store),
        "balance": PromoterBalance(frozen=0, available=available),
        "withdrawals": [],
    }
    html = render_to_string("referrals/withdrawals_panel.html", context)
    assert shown in html
    assert 'data-testid="withdraw-form"' not in html


# --- The merchant console ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    review_roles(ok=200, anonymous=302),
)
def test_the_console_page(cast, role, status):
    # given a rejected and then a waiting withdrawal
    old = request_withdrawal(cast.promoter, cast.store.pk, 200)
    reject_withdrawal(cast.owner, cast.store.pk, old.pk, "no")
    waiting = request_withdrawal(cast.promoter, cast.store.pk, 300)
    r = client_of(getattr(cast, role, None)).get(f"/promote/console/{cast.store.pk}/withdrawals/")
    assert r.status_code == status
    if status == 200:
        html = r.content.decode()
        # the waiting one comes first, with its buttons
        assert html.index(waiting.pk) < html.index(old.pk)
        assert html.count('data-testid="withdrawal-approve"') == 1
        assert "Approve and pay ¥2.97" in html


def test_the_console_refuses_unknown_stores_and_statuses(cast):
    owner = client_of(cast.owner)
    assert owner.get("/promote/console/nosuchstore00000/withdrawals/").status_code == 404
    assert owner.get(f"/promote/console/{cast.store.pk}/withdrawals/?status=x").status_code == 400
    assert owner.get(f"/promote/console/{cast.store.pk}/withdrawals/?page=999").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    review_roles(ok=302, anonymous=302),
)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_console_approve_and_reject(cast, role, status, action, django_capture_on_commit_callbacks):
    waiting = request_withdrawal(cast.promoter, cast.store.pk, 300)
    with django_capture_on_commit_callbacks(execute=True):
        r = client_of(getattr(cast, role, None)).post(
            f"/promote/console/{cast.store.pk}/withdrawals/{waiting.pk}/{action}/",
            {"reason": "信息不符"},
        )
    assert r.status_code == status
    waiting.refresh_from_db()
    if role in ("owner", "staff"):
        assert r["Location"] == f"/promote/console/{cast.store.pk}/withdrawals/"
        expected = WithdrawalStatus.PAID if action == "approve" else WithdrawalStatus.REJECTED
        assert waiting.status == expected
    else:
        assert waiting.status == WithdrawalStatus.PENDING


def test_a_refused_review_shows_the_page_again_with_the_reason(cast):
    waiting = request_withdrawal(cast.promoter, cast.store.pk, 300)
    owner = client_of(cast.owner)
    base = f"/promote/console/{cast.store.pk}/withdrawals"
    no_reason = owner.post(f"{base}/{waiting.pk}/reject/", {"reason": " "})
    forged = owner.post(f"{base}/forged0000000000/approve/")
    assert no_reason.status_code == 400
    assert "Say why the withdrawal is rejected." in no_reason.content.decode()
    assert forged.status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == WithdrawalStatus.PENDING
