"""Fixtures and helpers of the notes tests (imported by tests/social/test_notes_*.py; the
shared tests/social/conftest.py belongs to the graph area)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.social.models import Block, Note
from quanzi.social.services import notes as services
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, fmt)
    return out.getvalue()


def picture(name: str = "pic.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(size), content_type="image/jpeg")


def not_an_image(name: str = "fake.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"plain text pretending to be a picture", content_type="image/jpeg"
    )


def note_files() -> set[Path]:
    """Every file stored under the note image folders of the test media root."""
    root = Path(settings.MEDIA_ROOT) / "notes"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def sold_product(store: Store | None = None, price: int = 5900, skus: int = 1) -> Product:
    """An on-shelf product with `skus` active SKUs in stock."""
    product = ProductFactory(**({"store": store} if store else {}), min_price=price)
    for _ in range(skus):
        SkuFactory(product=product, price=price, stock=10)
    return product


@pytest.fixture
def author(db: None) -> User:
    return UserFactory(nickname="小红")


@pytest.fixture
def other(db: None) -> User:
    return UserFactory(nickname="路人")


@pytest.fixture
def shop(db: None) -> Store:
    """A store with an owner and a staff member (`shop.staff_user`)."""
    store = store_with_owner(UserFactory(nickname="店主"), name="咖啡小店")
    staff = UserFactory(nickname="店员")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    store.staff_user = staff  # type: ignore[attr-defined]
    return store


@pytest.fixture
def product(db: None) -> Product:
    return sold_product()


@pytest.fixture
def make_note(author: User) -> Callable[..., Note]:
    def make(user: User | None = None, **kwargs: Any) -> Note:
        kwargs.setdefault("title", "今日好物")
        return services.create_note(user or author, **kwargs)

    return make


@pytest.fixture
def note(make_note: Callable[..., Note], product: Product) -> Note:
    return make_note(body="很好喝", product_ids=[product.id])


def block(blocker: User, blocked: User) -> None:
    Block.objects.create(blocker=blocker, blocked=blocked)
