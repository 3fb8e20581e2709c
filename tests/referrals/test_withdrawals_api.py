"""Withdrawals API: each endpoint against each role (promoter, another customer, the store's
owner and staff, a stranger, anonymous), bad input, forged ids, idempotency, query counts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.accounts.models import User
from quanzi.ledger.models import Transaction
from quanzi.referrals.models import (
    Promoter,
    PromoterRule,
    PromoterStatus,
    Withdrawal,
    WithdrawalStatus,
)
from quanzi.referrals.services.withdrawals import request_withdrawal
from tests.referrals.withdrawal_helpers import Cast, earn, make_cast, review_roles

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
ROLES = ("promoter", "customer", "owner", "staff", "stranger", "anonymous")


@dataclass
class World:
    cast: Cast
    waiting: Withdrawal  # the promoter's withdrawal of ¥3.00, waiting for review

    def base(self) -> str:
        return f"referrals/stores/{self.cast.store.pk}/withdrawals"

    def who(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self.cast, role)


@pytest.fixture
def world() -> World:
    # a store for approved promoters only; its approved promoter earned ¥10.00 and asked for
    # ¥3.00 of it
    cast = make_cast(promoters=PromoterRule.APPROVED, withdrawal_fee_bp=100)
    Promoter.objects.create(store=cast.store, user=cast.promoter, status=PromoterStatus.APPROVED)
    earn(cast.store, cast.promoter, 1000)
    return World(cast=cast, waiting=request_withdrawal(cast.promoter, cast.store.pk, 300))


def _written() -> tuple[int, int]:
    return Withdrawal.objects.count(), Transaction.objects.count()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("promoter", 201),
        ("customer", 403),
        ("owner", 403),
        ("staff", 403),
        ("stranger", 403),
        ("anonymous", 401),
    ],
)
def test_requesting_a_withdrawal(api, world, role, status):
    before = _written()
    r = api(world.who(role)).post(world.base(), {"amount": 500}, headers=EN)
    assert r.status_code == status, r.content
    if status == 201:
        body = r.json()
        assert (body["amount"], body["fee"], body["net"], body["status"]) == (
            500,
            5,
            495,
            "pending",
        )
        assert body["promoter_id"] == world.cast.promoter.public_id
    else:
        assert _written() == before
    if status == 403:
        assert r.json()["code"] == "not_promoter"


@pytest.mark.parametrize(
    ("role", "count"),
    [("promoter", 1), ("customer", 0), ("owner", 0), ("staff", 0), ("stranger", 0)],
)
def test_listing_my_withdrawals_shows_only_mine(api, world, role, count):
    r = api(world.who(role)).get(world.base())
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == len(body["items"]) == count
    assert (body["min_withdrawal"], body["withdrawal_fee_bp"]) == (100, 100)
    if role == "promoter":
        assert body["items"][0]["id"] == world.waiting.pk
        assert (body["available"], body["withdrawing"], body["withdrawn"]) == (700, 300, 0)


def test_listing_needs_a_login_and_a_real_store(api, world):
    assert api().get(world.base()).status_code == 401
    promoter = api(world.cast.promoter)
    for forged in ("nosuchstore00000", "bad..id"):
        assert promoter.get(f"referrals/stores/{forged}/withdrawals").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    review_roles(ok=200, anonymous=401),
)
def test_the_review_list(api, world, role, status):
    r = api(world.who(role)).get(f"{world.base()}/review")
    assert r.status_code == status, r.content
    if status == 200:
        items = r.json()["items"]
        assert [(i["id"], i["status"], i["net"]) for i in items] == [
            (world.waiting.pk, "pending", 297)
        ]
        assert items[0]["promoter_name"] == world.cast.promoter.display_name


def test_the_review_list_filters_and_refuses_unknown_statuses(api, world):
    owner = api(world.cast.owner)
    assert owner.get(f"{world.base()}/review?status=paid").json()["total"] == 0
    assert owner.get(f"{world.base()}/review?status=pending").json()["total"] == 1
    assert owner.get(f"{world.base()}/review?status=bogus").status_code == 400
    assert owner.get(f"{world.base()}/review?page=0").status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    review_roles(ok=200, anonymous=401),
)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_reviewing(api, world, role, status, action, django_capture_on_commit_callbacks):
    before = _written()
    with django_capture_on_commit_callbacks(execute=True):
        r = api(world.who(role)).post(
            f"{world.base()}/{world.waiting.pk}/{action}", {"reason": "资料不全"}
        )
    assert r.status_code == status, r.content
    world.waiting.refresh_from_db()
    if status == 200:
        expected = WithdrawalStatus.PAID if action == "approve" else WithdrawalStatus.REJECTED
        assert world.waiting.status == expected
        assert r.json()["status"] == ("paying" if action == "approve" else "rejected")
    else:
        assert world.waiting.status == WithdrawalStatus.PENDING
        assert _written() == before


def test_forged_or_foreign_withdrawal_ids_are_not_found(api, world):
    # given another store with a waiting withdrawal of its own
    other = make_cast()
    earn(other.store, other.promoter, 500)
    theirs = request_withdrawal(other.promoter, other.store.pk, 500)
    owner = api(world.cast.owner)
    before = _written()
    # when our owner names it under our store, or forges ids
    for withdrawal_id in (theirs.pk, "forged0000000000", "x" * 40, "a.b"):
        for action in ("approve", "reject"):
            r = owner.post(f"{world.base()}/{withdrawal_id}/{action}", {"reason": "no"})
            assert r.status_code == 404, (withdrawal_id, r.content)
    # and names our withdrawal under their store
    r = owner.post(f"referrals/stores/{other.store.pk}/withdrawals/{world.waiting.pk}/approve")
    assert r.status_code == 403
    # then nothing changed
    assert _written() == before
    theirs.refresh_from_db()
    assert theirs.status == WithdrawalStatus.PENDING


@pytest.mark.parametrize(
    "body",
    [
        {"amount": -1},
        {"amount": 0},
        {"amount": 10**30},
        {"amount": 1.5},
        {"amount": "500"},
        {"amount": None},
        {"amount": True},
        {"amount": [500]},
        {},
        {"amount": 99},  # below the store's ¥1.00 minimum
        {"amount": 701},  # more than the ¥7.00 still available
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(api, world, body):
    before = _written()
    r = api(world.cast.promoter).post(world.base(), body, headers=EN)
    assert 400 <= r.status_code < 500, r.content
    assert _written() == before


def test_a_rejection_without_a_reason_is_refused(api, world):
    owner = api(world.cast.owner)
    for body in ({}, {"reason": ""}, {"reason": "  "}, {"reason": "x" * 201}):
        r = owner.post(f"{world.base()}/{world.waiting.pk}/reject", body)
        assert 400 <= r.status_code < 500, (body, r.content)
    world.waiting.refresh_from_db()
    assert world.waiting.status == WithdrawalStatus.PENDING


def test_reviewing_twice_is_a_conflict(api, world, django_capture_on_commit_callbacks):
    owner = api(world.cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(f"{world.base()}/{world.waiting.pk}/approve").status_code == 200
    r = owner.post(f"{world.base()}/{world.waiting.pk}/reject", {"reason": "late"}, headers=EN)
    assert r.status_code == 409
    assert r.json()["code"] == "already_reviewed"
    assert owner.post(f"{world.base()}/{world.waiting.pk}/approve").status_code == 409


def test_an_idempotency_key_makes_a_retry_return_the_first_answer(api, world):
    promoter = api(world.cast.promoter)
    key = {"Idempotency-Key": "withdraw-1"}
    first = promoter.post(world.base(), {"amount": 200}, headers=key)
    again = promoter.post(world.base(), {"amount": 200}, headers=key)
    other = promoter.post(world.base(), {"amount": 300}, headers=key)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert Withdrawal.objects.filter(promoter=world.cast.promoter).count() == 2  # fixture's + 1


def test_lists_take_a_constant_number_of_queries(api, world):
    def queries(client, path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    promoter, owner = api(world.cast.promoter), api(world.cast.owner)
    for client in (promoter, owner):  # the token's first use is recorded once
        client.get(world.base())
    mine, review = queries(promoter, world.base()), queries(owner, f"{world.base()}/review")
    for _ in range(6):
        request_withdrawal(world.cast.promoter, world.cast.store.pk, 100)
    assert queries(promoter, world.base()) == mine
    assert queries(owner, f"{world.base()}/review") == review
