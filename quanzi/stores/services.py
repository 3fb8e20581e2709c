"""Store actions and the one permission helper of the domain (`access_store`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.core.images import validate_image
from quanzi.core.validation import clean_given_text, whole_number
from quanzi.stores.models import StaffRole, Store, StoreStaff
from quanzi.stores.signals import store_renamed

MAX_STORES_PER_USER = 5
MAX_STAFF_PER_STORE = 20
TEXT_LIMITS = {"name": 60, "description": 2000, "shipping_policy": 2000, "after_sales_policy": 2000}
NUMBER_RANGES = {
    "shipping_fee": (0, 1_000_000),  # fen: up to ¥10,000 per order
    "free_shipping_threshold": (0, 100_000_000),  # fen: up to ¥1,000,000 (0 = never free)
    "payment_window_minutes": (1, 24 * 60),
    "auto_receive_days": (1, 30),
    "after_sales_days": (0, 30),
}


@dataclass(frozen=True, kw_only=True)
class StoreInput:
    """A new store's profile, shipping rule (fen) and order windows. A number left None is
    the store's default: no shipping fee, never free, 30 minutes to pay, 7 days to receive
    and 7 for after-sales. The forms send the windows as text; the service checks them."""

    name: str
    description: str = ""
    shipping_policy: str = ""
    after_sales_policy: str = ""
    shipping_fee: int | None = None
    free_shipping_threshold: int | None = None
    payment_window_minutes: int | str | None = None
    auto_receive_days: int | str | None = None
    after_sales_days: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class StoreChange:
    """A change of a store's fields (the owner's); a field left None stays as it is."""

    name: str | None = None
    description: str | None = None
    shipping_policy: str | None = None
    after_sales_policy: str | None = None
    shipping_fee: int | None = None
    free_shipping_threshold: int | None = None
    payment_window_minutes: int | str | None = None
    auto_receive_days: int | str | None = None
    after_sales_days: int | str | None = None


def role_in(user: User | None, store: Store) -> str | None:
    """'owner', 'staff' or None for this user in this store."""
    if user is None or not user.is_authenticated:
        return None
    staff = StoreStaff.objects.filter(store=store, user=user).only("role").first()
    return staff.role if staff else None


def access_store(user: User | None, store_id: str, *, need: str = "staff") -> Store:
    """The store if `user` may act on it as `need`.

    'read': anyone sees an open store; a closed one only its people. 'staff': owner and staff;
    'insights': the owner, and staff the owner let see the insights; 'customers': the owner, and
    staff the owner let see the customers (profiles, segments, outreach); 'owner': the owner only.
    The public page of an open store is no secret, so someone without the role gets 403 there;
    an unknown id, or a closed store one does not work for, is 404."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound(_("Store not found."))
    role = role_in(user, store)
    if role is None:
        if not store.is_active:
            raise NotFound(_("Store not found."))
        if need == "read":
            return store
        raise PermissionDenied(_("You do not work for this store."))
    if need == "owner" and role != StaffRole.OWNER:
        raise PermissionDenied(_("Only the store owner can do this."))
    if need == "insights" and role != StaffRole.OWNER and not _sees_insights(user, store):
        raise PermissionDenied(_("The store owner has not let you see the insights."))
    if need == "customers" and role != StaffRole.OWNER and not _sees_customers(user, store):
        raise PermissionDenied(_("The store owner has not let you see the customers."))
    return store


def _sees_insights(user: User | None, store: Store) -> bool:
    return StoreStaff.objects.filter(store=store, user=user, sees_insights=True).exists()


def _sees_customers(user: User | None, store: Store) -> bool:
    return StoreStaff.objects.filter(store=store, user=user, sees_customers=True).exists()


def stores_of(user: User) -> list[Store]:
    """The stores the user works for, oldest membership first."""
    return [m.store for m in memberships(user)]


def memberships(user: User) -> list[StoreStaff]:
    """The user's roles, each with its store loaded, oldest first."""
    return list(StoreStaff.objects.filter(user=user).select_related("store").order_by("created_at"))


def _clean_store_fields(data: StoreInput | StoreChange) -> dict[str, Any]:
    """The fields given (not None), cleaned and checked."""
    given = asdict(data)
    cleaned: dict[str, Any] = clean_given_text(given, TEXT_LIMITS)
    if "name" in cleaned and not cleaned["name"]:
        raise InvalidInput(_("A store needs a name."), field="name")
    for name, (low, high) in NUMBER_RANGES.items():
        if given[name] is not None:
            cleaned[name] = whole_number(given[name], low, high, field=name)
    return cleaned


def _set_logo(store: Store, logo: UploadedFile) -> None:
    """Validate the upload and store it under a name of our own (never the client's)."""
    ext, _w, _h = validate_image(logo)
    store.logo.save(f"{store.pk}.{ext}", logo, save=False)


def open_store(user: User, data: StoreInput, *, logo: UploadedFile | None = None) -> Store:
    """Open a store; its creator becomes the owner."""
    cleaned = _clean_store_fields(data)
    with transaction.atomic():
        owned = StoreStaff.objects.filter(user=user, role=StaffRole.OWNER).count()
        if owned >= MAX_STORES_PER_USER:
            raise Conflict(_("You can own at most %(n)d stores.") % {"n": MAX_STORES_PER_USER})
        store = Store(**cleaned)
        if logo:
            _set_logo(store, logo)
        store.save()
        StoreStaff.objects.create(store=store, user=user, role=StaffRole.OWNER)
    return store


def update_store(
    user: User, store_id: str, change: StoreChange, *, logo: UploadedFile | None = None
) -> Store:
    """Change the store's fields (owner only); fields left None stay as they are."""
    store = access_store(user, store_id, need="owner")
    cleaned = _clean_store_fields(change)
    renamed = "name" in cleaned and cleaned["name"] != store.name
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(store, key, value)
        if logo:
            _set_logo(store, logo)
        store.save()
        if renamed:
            store_renamed.send(sender=Store, store=store)
    return store


def add_staff(owner: User, store_id: str, identifier: str) -> StoreStaff:
    """Give a registered person (by username or phone number) the staff role (owner only)."""
    store = access_store(owner, store_id, need="owner")
    identifier = (identifier or "").strip()
    if not identifier:
        raise InvalidInput(_("Enter a username or phone number."), field="identifier")
    person = User.objects.filter(Q(username=identifier) | Q(phone=identifier)).first()
    if person is None:
        raise NotFound(_("No user with this username or phone number."))
    with transaction.atomic():
        if StoreStaff.objects.filter(store=store).count() >= MAX_STAFF_PER_STORE:
            raise Conflict(_("A store has at most %(n)d people.") % {"n": MAX_STAFF_PER_STORE})
        if StoreStaff.objects.filter(store=store, user=person).exists():
            raise Conflict(_("This person already works for the store."))
        try:
            with transaction.atomic():
                return StoreStaff.objects.create(store=store, user=person, role=StaffRole.STAFF)
        except IntegrityError as exc:  # added twice at the same moment
            raise Conflict(_("This person already works for the store.")) from exc


def remove_staff(owner: User, store_id: str, user_public_id: str) -> None:
    """Take the staff role away (owner only); the owner cannot be removed."""
    store = access_store(owner, store_id, need="owner")
    staff = StoreStaff.objects.filter(store=store, user__public_id=user_public_id).first()
    if staff is None:
        raise NotFound(_("This person does not work for the store."))
    if staff.role == StaffRole.OWNER:
        raise Conflict(_("The owner cannot be removed."))
    staff.delete()


STAFF_RIGHTS: dict[str, str] = {"insights": "sees_insights", "customers": "sees_customers"}


def set_staff_right(
    owner: User, store_id: str, user_public_id: str, right: str, allowed: bool
) -> None:
    """Let a staff member see the store's insights or its customers (profiles, segments,
    outreach), or stop them (owner only)."""
    field = STAFF_RIGHTS.get(right)
    if field is None:
        raise NotFound(_("Unknown right."))
    store = access_store(owner, store_id, need="owner")
    staff = StoreStaff.objects.filter(store=store, user__public_id=user_public_id).first()
    if staff is None:
        raise NotFound(_("This person does not work for the store."))
    if staff.role == StaffRole.OWNER:
        raise Conflict(_("The owner always has every right."))
    StoreStaff.objects.filter(pk=staff.pk).update(**{field: bool(allowed)})


def set_insights_access(owner: User, store_id: str, user_public_id: str, allowed: bool) -> None:
    """Let a staff member see the store's insights, or stop them (owner only)."""
    set_staff_right(owner, store_id, user_public_id, "insights", allowed)


def staff_of(store: Store) -> list[StoreStaff]:
    """The store's people, owner first."""
    return list(
        StoreStaff.objects.filter(store=store)
        .select_related("user")
        .order_by("role", "created_at")  # "owner" sorts before "staff"
    )
