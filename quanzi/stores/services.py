"""Store actions and the one permission helper of the domain (`access_store`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.stores.models import StaffRole, Store, StoreStaff

MAX_STORES_PER_USER = 5


def role_in(user: User | None, store: Store) -> str | None:
    """'owner', 'staff' or None for this user in this store."""
    if user is None or not user.is_authenticated:
        return None
    staff = StoreStaff.objects.filter(store=store, user=user).only("role").first()
    return staff.role if staff else None


def access_store(user: User | None, store_id: str, *, need: str = "staff") -> Store:
    """The store if `user` may act on it as `need` ('staff' lets owner and staff; 'owner' only
    the owner). A store the user has no role in answers 404 to staff actions, so ids of stores
    one does not work for reveal nothing beyond their public page."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound(_("Store not found."))
    role = role_in(user, store)
    if role is None:
        raise PermissionDenied(_("You do not work for this store."))
    if need == "owner" and role != StaffRole.OWNER:
        raise PermissionDenied(_("Only the store owner can do this."))
    return store


def stores_of(user: User) -> list[Store]:
    return list(Store.objects.filter(staff__user=user).order_by("created_at"))


def _clean_store_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    text_fields = {
        "name": 60,
        "description": 2000,
        "shipping_policy": 2000,
        "after_sales_policy": 2000,
    }
    for name, limit in text_fields.items():
        if name in data and data[name] is not None:
            value = str(data[name]).strip()
            if len(value) > limit:
                raise InvalidInput(_("This field is too long."), field=name)
            cleaned[name] = value
    if "name" in cleaned and not cleaned["name"]:
        raise InvalidInput(_("A store needs a name."), field="name")
    int_fields = {
        "shipping_fee": (0, 100_000_00),
        "free_shipping_threshold": (0, 100_000_000),
        "payment_window_minutes": (1, 24 * 60),
        "auto_receive_days": (1, 30),
        "after_sales_days": (0, 30),
    }
    for name, (low, high) in int_fields.items():
        if name in data and data[name] is not None:
            try:
                number = int(data[name])
            except (TypeError, ValueError) as exc:
                raise InvalidInput(_("Enter a whole number."), field=name) from exc
            if not low <= number <= high:
                raise InvalidInput(
                    _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
                    field=name,
                )
            cleaned[name] = number
    return cleaned


@transaction.atomic
def open_store(user: User, *, name: str, **fields: Any) -> Store:
    if StoreStaff.objects.filter(user=user, role=StaffRole.OWNER).count() >= MAX_STORES_PER_USER:
        raise Conflict(_("You can own at most %(n)d stores.") % {"n": MAX_STORES_PER_USER})
    cleaned = _clean_store_fields({"name": name, **fields})
    logo = fields.get("logo")
    store = Store(**cleaned)
    if logo:
        from quanzi.catalog.images import validate_image

        validate_image(logo)
        store.logo = logo
    store.save()
    StoreStaff.objects.create(store=store, user=user, role=StaffRole.OWNER)
    return store


@transaction.atomic
def update_store(user: User, store_id: str, **fields: Any) -> Store:
    store = access_store(user, store_id, need="owner")
    cleaned = _clean_store_fields(fields)
    for k, v in cleaned.items():
        setattr(store, k, v)
    logo = fields.get("logo")
    if logo:
        from quanzi.catalog.images import validate_image

        validate_image(logo)
        store.logo = logo
        cleaned["logo"] = logo
    store.save()
    return store


@transaction.atomic
def add_staff(owner: User, store_id: str, identifier: str) -> StoreStaff:
    store = access_store(owner, store_id, need="owner")
    from django.db.models import Q

    person = User.objects.filter(Q(username=identifier) | Q(phone=identifier)).first()
    if person is None:
        raise NotFound(_("No user with this username or phone number."))
    if StoreStaff.objects.filter(store=store, user=person).exists():
        raise Conflict(_("This person already works for the store."))
    return StoreStaff.objects.create(store=store, user=person, role=StaffRole.STAFF)


@transaction.atomic
def remove_staff(owner: User, store_id: str, user_public_id: str) -> None:
    store = access_store(owner, store_id, need="owner")
    staff = StoreStaff.objects.filter(store=store, user__public_id=user_public_id).first()
    if staff is None:
        raise NotFound(_("This person does not work for the store."))
    if staff.role == StaffRole.OWNER:
        raise Conflict(_("The owner cannot be removed."))
    staff.delete()
