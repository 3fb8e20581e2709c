"""Group buying fixtures: a store with a product of two SKUs, a live campaign of team size 3,
and customers with a default address. Money in fen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.catalog.models import Sku
from quanzi.payments.models import Payment
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import AddressFactory, ProductFactory, SkuFactory, UserFactory
from tests.payments.helpers import pay


@dataclass
class Deal:
    owner: User
    staff: User
    store: Store
    sku: Sku
    other_sku: Sku
    campaign: GroupCampaign


def customer(name: str = "") -> User:
    user = UserFactory(**({"nickname": name} if name else {}))
    AddressFactory(user=user)
    return user


def make_deal(**terms: Any) -> Deal:
    owner, staff = UserFactory(nickname="店主"), UserFactory(nickname="店员")
    product = ProductFactory(title="云南小粒咖啡豆")
    StoreStaff.objects.create(store=product.store, user=owner, role=StaffRole.OWNER)
    StoreStaff.objects.create(store=product.store, user=staff, role=StaffRole.STAFF)
    sku = SkuFactory(product=product, price=5900, stock=10)
    other = SkuFactory(product=product, price=9900, stock=10)
    now = timezone.now()
    fields = {
        "team_size": 3,
        "hours": 24,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=7),
    } | terms
    campaign = services.create_campaign(
        owner,
        product.store_id,
        services.GroupBuyFields(
            product_id=product.pk, prices={sku.pk: 3900, other.pk: 6900}, **fields
        ),
    )
    return Deal(owner, staff, product.store, sku, other, campaign)


@pytest.fixture
def deal(db: None) -> Deal:
    return make_deal()


@pytest.fixture
def paid(django_capture_on_commit_callbacks: Any) -> Any:
    """pay(seat): pay a seat's order on the sandbox, webhooks and signals delivered inline."""

    def run(seat: services.Seat) -> Payment:
        with django_capture_on_commit_callbacks(execute=True):
            return pay(seat.order.buyer, [seat.order], django_capture_on_commit_callbacks)

    return run
