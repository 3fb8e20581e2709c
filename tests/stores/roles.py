"""The people of the permission matrices: a store's owner and staff, two customers, anonymous."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quanzi.accounts.models import User
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import UserFactory, store_with_owner

ROLES = ("owner", "staff", "customer", "other_customer", "anonymous")


@dataclass
class Cast:
    store: Store
    owner: User
    staff: User
    customer: User
    other_customer: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def make_cast() -> Cast:
    owner = UserFactory(username="owner")
    store = store_with_owner(owner, name="山野小铺")
    staff = UserFactory(username="staffer")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    return Cast(
        store=store,
        owner=owner,
        staff=staff,
        customer=UserFactory(username="xiaomei"),
        other_customer=UserFactory(username="ahua"),
    )


def image_file(
    name: str = "photo.png", size: tuple[int, int] = (64, 48), fmt: str = "PNG"
) -> SimpleUploadedFile:
    """A real image made in memory with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
