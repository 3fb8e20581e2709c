"""Fixtures of the reviews tests: a store with owner and staff, orders built with the ORM."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.orders.models import Order, OrderItem, OrderStatus
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner

RECEIVED_LIKE = {OrderStatus.RECEIVED, OrderStatus.COMPLETED}


@dataclass
class Shop:
    owner: User
    staff: User
    store: Store
    product: Product
    sku: Sku


@pytest.fixture
def shop(db: None) -> Shop:
    owner = UserFactory(username="shop_owner")
    staff = UserFactory(username="shop_staff")
    store = store_with_owner(owner)
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    product = ProductFactory(store=store, title="云南小粒咖啡豆")
    sku = SkuFactory(product=product, spec_values={"规格": "500g"})
    return Shop(owner=owner, staff=staff, store=store, product=product, sku=sku)


def make_order(
    buyer: User,
    sku: Sku,
    status: str = OrderStatus.RECEIVED,
    *,
    before_after_sales: str = "",
    skus: list[Sku] | None = None,
) -> Order:
    """An order of `buyer` in `status`, with one item per SKU (built directly with the ORM)."""
    now = timezone.now()
    lines = skus or [sku]
    subtotal = sum(s.price for s in lines)
    order = Order.objects.create(
        buyer=buyer,
        store=sku.product.store,
        status=status,
        status_before_after_sales=before_after_sales,
        subtotal=subtotal,
        total=subtotal,
        address={"recipient": "张三", "phone": "13912345678", "detail": "翠湖路 1 号"},
        pay_deadline=now + timedelta(minutes=30),
        received_at=now if status in RECEIVED_LIKE or before_after_sales else None,
    )
    for line in lines:
        OrderItem.objects.create(
            order=order,
            sku=line,
            product=line.product,
            title=line.product.title,
            sku_label=line.label,
            unit_price=line.price,
            quantity=1,
        )
    return order


def first_item(order: Order) -> OrderItem:
    return order.items.order_by("pk").first()  # type: ignore[return-value]


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, fmt)
    return out.getvalue()


def photo(name: str = "photo.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(size), content_type="image/jpeg")


def not_an_image(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is plain text, not a picture", content_type="image/jpeg")


def review_files() -> set[Path]:
    """Every file stored under the review photo folders of the test media root."""
    root = Path(settings.MEDIA_ROOT) / "reviews"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def buyer(db: None) -> User:
    return UserFactory(username="secret_buyer_name", nickname="小美")


@pytest.fixture
def received(shop: Shop, buyer: User) -> Order:
    return make_order(buyer, shop.sku, OrderStatus.RECEIVED)
