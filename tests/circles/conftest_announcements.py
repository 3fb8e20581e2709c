"""Announcement and notification fixtures (imported explicitly by test_announcements_* and
test_notifications_*); the circles, roles and clients come from tests/circles/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Announcement, Circle
from quanzi.circles.services import announcements
from quanzi.stores.models import Store
from tests.factories import ProductFactory, SkuFactory, store_with_owner


@pytest.fixture(name="tasks")
def tasks_fixture() -> Iterator[list[object]]:
    """The dummy task backend's queue, empty at the start of the test."""
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield default_task_backend.results  # type: ignore[attr-defined]
    default_task_backend.clear()  # type: ignore[attr-defined]


@pytest.fixture(name="new_product")
def new_product_fixture(shop: Store) -> Product:
    """An off-shelf product of the circle's store, with a priced SKU: ready to launch."""
    product = ProductFactory(store=shop, title="耶加雪菲新豆", on_shelf=False, min_price=8800)
    SkuFactory(product=product, price=8800, stock=20, spec_values={"规格": "200g"})
    return product


@pytest.fixture(name="foreign_product")
def foreign_product_fixture(db: None) -> Product:
    """A product of another store."""
    product = ProductFactory(store=store_with_owner(name="别家店"), title="别家的豆子")
    SkuFactory(product=product)
    return product


@pytest.fixture(name="countdown")
def countdown_fixture(
    store_circle: Circle,
    store_owner: User,
    new_product: Product,
    circle_admin: User,
    circle_member: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> Announcement:
    """A pinned launch countdown for `new_product`, three days ahead, posted by the owner
    (who works for the store), in a circle with an admin and a member."""
    with django_capture_on_commit_callbacks(execute=True):
        return announcements.create_announcement(
            store_owner,
            store_circle.pk,
            title="新品预告",
            body="耶加雪菲 3 天后开售",
            product_id=new_product.pk,
            launch_at=timezone.now() + timedelta(days=3),
        )
