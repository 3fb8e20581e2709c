"""Stores API: open a store, read a store's public profile, update it, list one's stores and
manage the staff (thin: schema in → service call → schema out)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, File, Router, Status, UploadedFile

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.core.schemas import Schema
from quanzi.stores import services
from quanzi.stores.models import Store, StoreStaff

router = Router()


class StoreIn(Schema):
    name: str = Field(max_length=60)
    description: str = Field(default="", max_length=2000)
    shipping_policy: str = Field(default="", max_length=2000)
    after_sales_policy: str = Field(default="", max_length=2000)
    shipping_fee: int = Field(default=0, description="fen per order")
    free_shipping_threshold: int = Field(default=0, description="fen; 0 = never free")
    payment_window_minutes: int = 30
    auto_receive_days: int = 7
    after_sales_days: int = 7


class StorePatch(Schema):
    name: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=2000)
    shipping_policy: str | None = Field(default=None, max_length=2000)
    after_sales_policy: str | None = Field(default=None, max_length=2000)
    shipping_fee: int | None = None
    free_shipping_threshold: int | None = None
    payment_window_minutes: int | None = None
    auto_receive_days: int | None = None
    after_sales_days: int | None = None


class StoreOut(Schema):
    id: str
    name: str
    logo: str | None = None
    description: str
    shipping_policy: str
    after_sales_policy: str
    shipping_fee: int = Field(description="fen")
    free_shipping_threshold: int = Field(description="fen; 0 = never free")
    payment_window_minutes: int
    auto_receive_days: int
    after_sales_days: int
    is_active: bool
    role: str | None = Field(default=None, description="your role: owner, staff or null")


class StaffIn(Schema):
    identifier: str = Field(max_length=64, description="username or phone number")


class StaffOut(Schema):
    user_id: str
    username: str
    display_name: str
    role: str
    since: datetime


def store_out(store: Store, role: str | None = None) -> StoreOut:
    return StoreOut(
        id=store.pk,
        name=store.name,
        logo=store.logo.url if store.logo else None,
        description=store.description,
        shipping_policy=store.shipping_policy,
        after_sales_policy=store.after_sales_policy,
        shipping_fee=store.shipping_fee,
        free_shipping_threshold=store.free_shipping_threshold,
        payment_window_minutes=store.payment_window_minutes,
        auto_receive_days=store.auto_receive_days,
        after_sales_days=store.after_sales_days,
        is_active=store.is_active,
        role=role,
    )


def staff_out(staff: StoreStaff) -> StaffOut:
    return StaffOut(
        user_id=staff.user.public_id,
        username=staff.user.username,
        display_name=staff.user.display_name,
        role=staff.role,
        since=staff.created_at,
    )


@router.post("", auth=AUTH, response={201: StoreOut})
def open_store(request: HttpRequest, data: StoreIn) -> Status[StoreOut]:
    """Open a store; you become its owner (at most 5 stores per person)."""
    store = services.open_store(current_user(request), services.StoreInput(**data.dict()))
    return Status(201, store_out(store, "owner"))


@router.get("/mine", auth=AUTH, response=list[StoreOut])
def my_stores(request: HttpRequest) -> list[StoreOut]:
    """The stores you own or work for, with your role in each."""
    return [store_out(m.store, m.role) for m in services.memberships(current_user(request))]


@router.get("/{store_id}", response=StoreOut)
def get_store(request: HttpRequest, store_id: str) -> StoreOut:
    """A store's public profile; a closed store only for its people."""
    user = optional_user(request)
    store = services.access_store(user, store_id, need="read")
    return store_out(store, services.role_in(user, store))


@router.patch("/{store_id}", auth=AUTH, response=StoreOut)
def update_store(request: HttpRequest, store_id: str, data: StorePatch) -> StoreOut:
    """Change the store's profile, shipping rule and order windows (owner)."""
    store = services.update_store(
        current_user(request), store_id, services.StoreChange(**data.dict())
    )
    return store_out(store, "owner")


@router.post("/{store_id}/logo", auth=AUTH, response=StoreOut)
def upload_logo(request: HttpRequest, store_id: str, file: File[UploadedFile]) -> StoreOut:
    """Replace the logo: a JPEG, PNG, WebP or GIF image up to 5 MB (owner)."""
    store = services.update_store(
        current_user(request), store_id, services.StoreChange(), logo=file
    )
    return store_out(store, "owner")


@router.get("/{store_id}/staff", auth=AUTH, response=list[StaffOut])
def list_staff(request: HttpRequest, store_id: str) -> list[StaffOut]:
    """The store's people, owner first (owner)."""
    store = services.access_store(current_user(request), store_id, need="owner")
    return [staff_out(s) for s in services.staff_of(store)]


@router.post("/{store_id}/staff", auth=AUTH, response={201: StaffOut})
def add_staff(request: HttpRequest, store_id: str, data: StaffIn) -> Status[StaffOut]:
    """Give a registered person the staff role, by username or phone number (owner)."""
    staff = services.add_staff(current_user(request), store_id, data.identifier)
    return Status(201, staff_out(staff))


@router.delete("/{store_id}/staff/{user_id}", auth=AUTH, response={204: None})
def remove_staff(request: HttpRequest, store_id: str, user_id: str) -> Status[None]:
    """Take the staff role away from a person (owner; the owner cannot be removed)."""
    services.remove_staff(current_user(request), store_id, user_id)
    return Status(204, None)
