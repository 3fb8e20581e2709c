"""What the after-sales thread tests share: photos (real and not), the stored evidence files,
orders waiting in after-sales, and another store whose staff must see nothing."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quanzi.accounts.models import User
from quanzi.orders.models import AfterSale, AfterSaleMessage, Order
from quanzi.orders.services.aftersales import request_after_sale
from quanzi.orders.services.transitions import ship_order
from tests.factories import UserFactory, store_with_owner
from tests.orders.conftest import Shop, pay, place


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, fmt)
    return out.getvalue()


def photo(name: str = "破损.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(size), content_type="image/jpeg")


def not_an_image(name: str = "evidence.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"plain text pretending to be a photo", content_type="image/jpeg"
    )


def evidence_files() -> set[Path]:
    """Every file stored under the after-sales photo folders of the test media root."""
    root = Path(settings.MEDIA_ROOT) / "aftersales"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def shipped_order(shop: Shop) -> Order:
    return ship_order(shop.staff, pay(place(shop)).pk, "顺丰速运", "SF1234567890123")


def requested(
    shop: Shop, kind: str = "return_refund", photos: list[SimpleUploadedFile] | None = None
) -> tuple[Order, AfterSale]:
    """A shipped ¥67.00 order whose buyer asked for ¥20.00 back, with the reason 盒子压坏了."""
    order = shipped_order(shop)
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind=kind, amount=2000, reason="盒子压坏了", photos=photos or []
    )
    return order, after_sale


def other_store_staff() -> User:
    """The owner of another store: staff somewhere, but not of the shop."""
    owner = UserFactory(username="rival_owner")
    store_with_owner(owner, name="别家小店")
    return owner


def lines(after_sale: AfterSale) -> list[AfterSaleMessage]:
    return list(AfterSaleMessage.objects.filter(after_sale=after_sale).order_by("seq"))
