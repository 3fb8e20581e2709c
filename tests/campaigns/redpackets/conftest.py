"""Red packet fixtures: a store's circle (owner = store owner) with members, wallets topped up
through a provider posting (what a top-up would post), and a ledger check helper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, Membership
from quanzi.circles.services import membership
from quanzi.ledger.services import check_ledger, post_transaction
from quanzi.ledger.store_accounts import available_account
from quanzi.payments.accounts import provider_account
from quanzi.stores.models import Store
from quanzi.wallets import services as wallets
from tests.factories import UserFactory, store_with_owner


@dataclass
class Room:
    owner: User
    store: Store
    circle: Circle
    alice: User
    bob: User
    stranger: User


def fund(code: str, amount: int, ref: str) -> None:
    post_transaction("test.topup", ref, [(provider_account("sandbox"), amount), (code, -amount)])


@pytest.fixture
def room(db: None) -> Room:
    owner = UserFactory(nickname="店主阿梅")
    store = store_with_owner(owner, name="阿梅的咖啡小店")
    circle = membership.create_circle(
        owner, membership.CircleInput(name="咖啡爱好者", store_id=store.pk)
    )
    alice, bob = UserFactory(nickname="阿丽"), UserFactory(nickname="小波")
    for person in (alice, bob):
        membership.join_by_code(person, circle.invite_code)
    fund(wallets.wallet_account(alice), 10_000, f"alice-{alice.pk}")
    fund(available_account(store.pk), 50_000, f"store-{store.pk}")
    return Room(owner, store, circle, alice, bob, UserFactory(nickname="路人"))


@pytest.fixture
def join() -> Callable[[Circle, User], Membership]:
    def add(circle: Circle, user: User) -> Membership:
        membership.join_by_code(user, circle.invite_code)
        return Membership.objects.get(circle=circle, user=user)

    return add


def ledger_clean() -> bool:
    return check_ledger() == []
