"""Coupon actions (优惠券): the merchant creates, edits and deactivates coupons and sets the
store's campaign settings; customers claim them; the system grants them (join cashback, share
rewards). What circles do with coupons (a circle's coupons, the coupon an announcement carries)
is in `quanzi.circles.services.coupons`, which calls the public functions here.

Handing out a copy is two guarded steps in one transaction (ARCHITECTURE rule 3): the quantity
is taken with a conditional update (`issued < total`, row count checked), and the copy takes
the person's next number under the unique (coupon, user, number): two concurrent hand-outs to
one person cannot both take the same number, so nobody holds more than the per-person limit.
Database constraints (`issued <= total`, join cashback once per person per store) are the
backstop. How coupons are priced and used at checkout is in `quanzi.coupons.checkout`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.pagination import Page, paginate
from quanzi.core.validation import (
    clean_bool,
    clean_choice,
    clean_text,
    whole_number,
)
from quanzi.coupons.errors import CouponCode
from quanzi.coupons.models import (
    EXPIRED,
    HELD,
    Coupon,
    CouponKind,
    CouponSource,
    StoreCampaignSettings,
    UserCoupon,
    UserCouponStatus,
    Validity,
)
from quanzi.coupons.signals import coupon_changed
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, role_in

logger = logging.getLogger("quanzi.coupons")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_NAME = 40
MAX_ACTIVE_PER_STORE = 100
MAX_OFFERS = 20  # claimable coupons shown on a product, circle or store page
MAX_WINDOW = timedelta(days=3 * 365)
MAX_LEAD = timedelta(days=365)
NUMBER_RANGES = {
    "amount_off": (0, 10_000_000),  # fen: up to ¥100,000
    "percent_off": (0, 99),
    "max_off": (0, 10_000_000),
    "min_spend": (0, 100_000_000),
    "valid_days": (0, 365),
    "total": (1, 1_000_000),
    "per_user_limit": (1, 100),
}
# The discount terms: free to change until a first copy is handed out, frozen after.
TERMS = (
    "kind",
    "amount_off",
    "percent_off",
    "max_off",
    "min_spend",
    "validity",
    "valid_from",
    "valid_until",
    "valid_days",
)
NO_TERMS: dict[str, Any] = {
    "kind": None,
    "amount_off": 0,
    "percent_off": 0,
    "max_off": 0,
    "min_spend": 0,
    "validity": None,
    "valid_from": None,
    "valid_until": None,
    "valid_days": 0,
}
SYSTEM_SOURCES = (CouponSource.JOIN_CASHBACK, CouponSource.SHARE_REWARD, CouponSource.GRANTED)

Tab = Literal["usable", "used", "expired"]
TABS: tuple[Tab, ...] = ("usable", "used", "expired")


# --- Permissions -----------------------------------------------------------------------------


def _require_user(user: User | None) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def store_for_staff(user: User | None, store_id: str, *, need: str = "staff") -> Store:
    """The store whose coupons `user` manages (owner and staff; 'owner' for the settings)."""
    user = _require_user(user)
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    return access_store(user, store_id, need=need)


def access_store_read(user: User | None, store_id: str) -> Store:
    """An open store anyone may see (a closed one only its people)."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    return access_store(user, store_id, need="read")


def access_coupon(user: User | None, coupon_id: str, *, need: str = "read") -> Coupon:
    """The coupon if `user` may see it ('read') or manage it ('staff').

    'read': an active, claimable coupon of an open store, for anyone; system-only, ended or
    unknown coupons are 404, unless the caller works for the store. 'staff': the store's owner
    and staff (through the stores' `access_store`)."""
    coupon = None
    if is_public_id(coupon_id):
        coupon = Coupon.objects.select_related("store").filter(pk=coupon_id).first()
    if coupon is None:
        raise NotFound(_("Coupon not found."), code=CouponCode.COUPON_NOT_FOUND)
    if need == "read":
        public = coupon.is_active and coupon.claimable and coupon.store.is_active
        if public or role_in(user, coupon.store) is not None:
            return coupon
        raise NotFound(_("Coupon not found."), code=CouponCode.COUPON_NOT_FOUND)
    store_for_staff(user, coupon.store_id)
    return coupon


# --- Input cleaning --------------------------------------------------------------------------


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(_("Enter a date and time."), field=field)
    return value.replace(tzinfo=SHANGHAI) if timezone.is_naive(value) else value


@dataclass(frozen=True, kw_only=True)
class CouponFields:
    """A coupon's fields as typed in, for `create_coupon` (which needs `name` and `total`)
    and `update_coupon`; None means "not given" (unchanged, or the default on creation).
    Amounts in fen; numbers may come as form text (the service checks them)."""

    name: str | None = None
    kind: str | None = None
    amount_off: int | str | None = None
    percent_off: int | str | None = None
    max_off: int | str | None = None
    min_spend: int | str | None = None
    validity: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | str | None = None
    total: int | str | None = None
    per_user_limit: int | str | None = None
    claimable: bool | None = None

    def given(self) -> dict[str, Any]:
        """The fields given (not None), by name."""
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in found.items() if value is not None}


def _clean_given(data: CouponFields) -> dict[str, Any]:
    """Each given field checked on its own."""
    given = data.given()
    cleaned: dict[str, Any] = {}
    if "name" in given:
        cleaned["name"] = clean_text(
            str(given["name"]),
            field="name",
            max_length=MAX_NAME,
            required=True,
            missing=_("A coupon needs a name."),
            too_long_code=CoreCode.TOO_LONG,
        )
    for field, choices in (("kind", CouponKind.values), ("validity", Validity.values)):
        if field in given:
            cleaned[field] = clean_choice(given[field], choices, field=field)
    for field, (low, high) in NUMBER_RANGES.items():
        if field in given:
            cleaned[field] = whole_number(given[field], low, high, field=field)
    for field in ("valid_from", "valid_until"):
        if field in given:
            cleaned[field] = _aware(given[field], field).replace(microsecond=0)
    if "claimable" in given:
        cleaned["claimable"] = clean_bool(given["claimable"], field="claimable")
    return cleaned


def _check_terms(terms: dict[str, Any], *, check_dates: bool) -> dict[str, Any]:
    """The terms made consistent with the kind and the validity (fields that do not apply are
    zeroed), or a 400 naming the field that is wrong."""
    kind, out = terms.get("kind"), dict(terms)
    if kind not in CouponKind.values:
        raise InvalidInput(_("Choose the kind of coupon."), field="kind")
    if kind == CouponKind.PERCENT:
        if not 1 <= out.get("percent_off", 0) <= 99:
            raise InvalidInput(_("Enter a percentage from 1 to 99."), field="percent_off")
        out["amount_off"] = 0
    else:
        if out.get("amount_off", 0) < 1:
            raise InvalidInput(_("Enter the amount taken off."), field="amount_off")
        out["percent_off"] = out["max_off"] = 0
    if kind == CouponKind.THRESHOLD and out.get("min_spend", 0) < out["amount_off"]:
        raise InvalidInput(
            _("A spend-X-get-Y-off coupon needs a spend at least as large as the amount off."),
            field="min_spend",
        )
    validity = out.get("validity")
    if validity == Validity.DAYS:
        if out.get("valid_days", 0) < 1:
            raise InvalidInput(_("Enter from 1 to 365 days."), field="valid_days")
        out["valid_from"] = out["valid_until"] = None
    elif validity == Validity.WINDOW:
        start, end = out.get("valid_from"), out.get("valid_until")
        if start is None or end is None:
            raise InvalidInput(_("Enter when the coupon starts and ends."), field="valid_until")
        if end <= start:
            raise InvalidInput(_("The end must come after the start."), field="valid_until")
        if end - start > MAX_WINDOW:
            raise InvalidInput(_("A coupon lasts at most three years."), field="valid_until")
        if check_dates and start > timezone.now() + MAX_LEAD:
            raise InvalidInput(_("A coupon starts within a year."), field="valid_from")
        if check_dates and end <= timezone.now():
            raise InvalidInput(_("The end must be in the future."), field="valid_until")
        out["valid_days"] = 0
    else:
        raise InvalidInput(_("Choose how long the coupon is valid."), field="validity")
    return out


def _terms_of(coupon: Coupon) -> dict[str, Any]:
    return {field: getattr(coupon, field) for field in TERMS}


# --- Merchant actions ------------------------------------------------------------------------


def create_coupon(user: User | None, store_id: str, data: CouponFields) -> Coupon:
    """A new coupon of the store (owner and staff)."""
    store = store_for_staff(user, store_id)
    cleaned = _clean_given(data)
    for required in ("name", "total"):
        if required not in cleaned:
            raise InvalidInput(_("This field is required."), field=required, code=CoreCode.REQUIRED)
    terms = _check_terms(NO_TERMS | cleaned, check_dates=True)
    with transaction.atomic():
        active = Coupon.objects.filter(store=store, is_active=True).count()
        if active >= MAX_ACTIVE_PER_STORE:
            raise Conflict(
                _("A store has at most %(n)d active coupons.") % {"n": MAX_ACTIVE_PER_STORE},
                code=CouponCode.TOO_MANY_COUPONS,
            )
        return Coupon.objects.create(store=store, **(cleaned | terms))


def update_coupon(user: User | None, coupon_id: str, change: CouponFields) -> Coupon:
    """Change a coupon (owner and staff). Name, quantity (not below what was handed out),
    per-person limit and claimability change any time; the discount terms only until a first
    copy is out (a coupon in someone's hands is a promise)."""
    coupon = access_coupon(user, coupon_id, need="staff")
    if not coupon.is_active:
        raise Conflict(_("This coupon was deactivated."), code=CouponCode.COUPON_INACTIVE)
    cleaned = _clean_given(change)
    changed_terms = {k: v for k, v in cleaned.items() if k in TERMS and v != getattr(coupon, k)}
    if changed_terms and coupon.issued:
        raise _terms_frozen(changed_terms)
    if changed_terms:
        cleaned |= _check_terms(_terms_of(coupon) | cleaned, check_dates=True)
    with transaction.atomic():
        total = cleaned.get("total", coupon.total)
        rows = Coupon.objects.filter(pk=coupon.pk, is_active=True, issued__lte=total)
        if changed_terms:  # a copy claimed since the check above freezes the terms after all
            rows = rows.filter(issued=0)
        won = rows.update(**cleaned, updated_at=timezone.now())
        if won != 1:
            coupon.refresh_from_db()
            if changed_terms and coupon.issued:
                raise _terms_frozen(changed_terms)
            raise Conflict(
                _("%(n)d copies were already handed out: the quantity cannot be lower.")
                % {"n": coupon.issued},
                code=CouponCode.TOTAL_BELOW_ISSUED,
                field="total",
            )
        send_on_commit(coupon_changed, Coupon, coupon_id=coupon.pk)
    coupon.refresh_from_db()
    return coupon


def _terms_frozen(changed_terms: dict[str, Any]) -> Conflict:
    return Conflict(
        _("Copies of this coupon were handed out: its discount and validity stay as they are."),
        code=CouponCode.TERMS_FROZEN,
        field=sorted(changed_terms)[0],
    )


def deactivate_coupon(user: User | None, coupon_id: str) -> Coupon:
    """Stop a coupon for good (owner and staff): nobody can claim or be granted it any more,
    and it stops being the join cashback. Copies already held stay usable until they expire."""
    coupon = access_coupon(user, coupon_id, need="staff")
    with transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(is_active=False, updated_at=timezone.now())
        StoreCampaignSettings.objects.filter(join_cashback=coupon).update(join_cashback=None)
        send_on_commit(coupon_changed, Coupon, coupon_id=coupon.pk)
    coupon.is_active = False
    return coupon


def store_coupons(user: User | None, store_id: str) -> tuple[Store, list[Coupon]]:
    """The store's coupons for its console, active first, each with `used` (copies used on an
    order); two queries."""
    store = store_for_staff(user, store_id)
    rows: list[Coupon] = list(
        Coupon.objects.filter(store=store)
        .annotate(used=Count("copies", filter=Q(copies__status=UserCouponStatus.USED)))
        .order_by("-is_active", "-created_at")
    )
    return store, rows


# --- Store settings --------------------------------------------------------------------------


def campaign_settings(store: Store) -> StoreCampaignSettings:
    """The store's campaign settings (the defaults, unsaved, when never changed)."""
    found = (
        StoreCampaignSettings.objects.select_related("join_cashback")
        .filter(store_id=store.pk)
        .first()
    )
    return found or StoreCampaignSettings(store=store)


def coupon_allowed_on_campaign_price(store: Store) -> bool:
    """The store's rule: may a coupon discount items sold at a campaign price? (Off unless
    the store turned it on.) Every checkout rule about campaign prices reads it here."""
    return StoreCampaignSettings.objects.filter(
        store_id=store.pk, coupons_on_campaign_price=True
    ).exists()


def update_campaign_settings(
    user: User | None,
    store_id: str,
    *,
    coupons_on_campaign_price: bool,
    join_cashback_id: str | None,
) -> StoreCampaignSettings:
    """Set the store's campaign settings (owner): whether coupons cover campaign-priced items,
    and the join cashback coupon (an active coupon of the store, or None for none)."""
    store = store_for_staff(user, store_id, need="owner")
    clean_bool(coupons_on_campaign_price, field="coupons_on_campaign_price")
    coupon = None
    if join_cashback_id:
        coupon = (
            Coupon.objects.filter(pk=join_cashback_id, store=store, is_active=True).first()
            if is_public_id(join_cashback_id)
            else None
        )
        if coupon is None:
            raise InvalidInput(
                _("Choose an active coupon of this store."),
                field="join_cashback_id",
                code=CouponCode.BAD_COUPON,
            )
    with transaction.atomic():
        found, _created = StoreCampaignSettings.objects.update_or_create(
            store=store,
            defaults={
                "coupons_on_campaign_price": coupons_on_campaign_price,
                "join_cashback": coupon,
            },
        )
    return found


# --- Handing out copies ----------------------------------------------------------------------


def _validity(coupon: Coupon, now: datetime) -> tuple[datetime, datetime]:
    if coupon.validity == Validity.WINDOW:
        assert coupon.valid_from is not None and coupon.valid_until is not None
        return coupon.valid_from, coupon.valid_until
    return now, now + timedelta(days=coupon.valid_days)


def _hand_out(coupon: Coupon, user: User, source: str) -> UserCoupon:
    """Take one of the coupon's quantity and give the copy to `user`, or refuse with a 409
    (ended, all taken, the person's limit reached). Runs in its own savepoint."""
    now = timezone.now()
    valid_from, expires_at = _validity(coupon, now)
    if expires_at <= now:
        raise Conflict(_("This coupon has ended."), code=CouponCode.COUPON_ENDED)
    for _attempt in range(3):
        held = UserCoupon.objects.filter(coupon=coupon, user=user).count()
        if held >= coupon.per_user_limit:
            raise Conflict(
                _("You already have as many of this coupon as one person can."),
                code=CouponCode.COUPON_LIMIT_REACHED,
            )
        try:
            with transaction.atomic():
                taken = Coupon.objects.filter(
                    pk=coupon.pk, is_active=True, issued__lt=F("total")
                ).update(issued=F("issued") + 1)
                if taken != 1:
                    raise Conflict(_("This coupon is all taken."), code=CouponCode.COUPON_SOLD_OUT)
                send_on_commit(coupon_changed, Coupon, coupon_id=coupon.pk)
                return UserCoupon.objects.create(
                    coupon=coupon,
                    store_id=coupon.store_id,
                    user=user,
                    number=held + 1,
                    source=source,
                    valid_from=valid_from,
                    expires_at=expires_at,
                )
        except IntegrityError:
            # A concurrent hand-out to the same person took this number (or gave the join
            # cashback): count again.
            if source == CouponSource.JOIN_CASHBACK and _has_join_cashback(coupon, user):
                break
    raise Conflict(
        _("You already have as many of this coupon as one person can."),
        code=CouponCode.COUPON_LIMIT_REACHED,
    )


def _has_join_cashback(coupon: Coupon, user: User) -> bool:
    return UserCoupon.objects.filter(
        store_id=coupon.store_id, user=user, source=CouponSource.JOIN_CASHBACK
    ).exists()


def claim_coupon(user: User | None, coupon_id: str) -> UserCoupon:
    """A logged-in customer claims (领取) a claimable coupon: 404 for an unknown, system-only
    or deactivated coupon; 409 when it ended, is all taken or the person holds the limit."""
    user = _require_user(user)
    coupon = access_coupon(user, coupon_id, need="read")
    if not (coupon.is_active and coupon.claimable and coupon.store.is_active):
        raise NotFound(_("Coupon not found."), code=CouponCode.COUPON_NOT_FOUND)
    with transaction.atomic():
        return _hand_out(coupon, user, CouponSource.CLAIMED)


def grant_coupon(coupon: Coupon, user: User, *, source: str) -> UserCoupon | None:
    """The system gives `user` a copy (join cashback, share reward, a gift), claimable or not,
    within the quantity and the per-person limit; None when it cannot (deactivated coupon,
    closed store, ended, all taken, limit reached, join cashback already given)."""
    if source not in SYSTEM_SOURCES:
        raise ValueError(f"not a system source: {source!r}")
    if (
        not coupon.is_active
        or not Store.objects.filter(pk=coupon.store_id, is_active=True).exists()
    ):
        return None
    if source == CouponSource.JOIN_CASHBACK and _has_join_cashback(coupon, user):
        return None
    try:
        with transaction.atomic():
            return _hand_out(coupon, user, source)
    except Conflict as refused:
        logger.info("coupon %s not granted to %s: %s", coupon.pk, user.pk, refused.code)
        return None


def give_join_cashback(store_id: str, user_id: int) -> UserCoupon | None:
    """加入社群返现: the store's join cashback coupon for someone who just joined one of its
    circles; at most once per person per store, ever."""
    found = (
        StoreCampaignSettings.objects.select_related("join_cashback")
        .filter(store_id=store_id, join_cashback__isnull=False)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None or found.join_cashback is None or user is None:
        return None
    return grant_coupon(found.join_cashback, user, source=CouponSource.JOIN_CASHBACK)


# --- Reads for customers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A claimable coupon as a customer sees it: how many they hold already."""

    coupon: Coupon
    held: int

    @property
    def sold_out(self) -> bool:
        return self.coupon.issued >= self.coupon.total

    @property
    def can_claim(self) -> bool:
        return not self.sold_out and self.held < self.coupon.per_user_limit


def offers(store_id: str, user: User | None, coupon_ids: list[str] | None = None) -> list[Offer]:
    """The store's claimable coupons (or those of `coupon_ids`) that have not ended, newest
    first, with what `user` holds of each: two queries (one when anonymous)."""
    now = timezone.now()
    rows = Coupon.objects.filter(
        Q(validity=Validity.DAYS) | Q(valid_until__gt=now),
        store_id=store_id,
        store__is_active=True,
        is_active=True,
        claimable=True,
    )
    if coupon_ids is not None:
        rows = rows.filter(pk__in=coupon_ids)
    coupons = list(rows.select_related("store").order_by("-created_at")[:MAX_OFFERS])
    held = held_counts(coupons, user)
    return [Offer(coupon, held.get(coupon.pk, 0)) for coupon in coupons]


def held_counts(coupons: list[Coupon], user: User | None) -> dict[str, int]:
    """{coupon id: copies `user` holds} in one query (none when anonymous)."""
    if not isinstance(user, User) or not user.is_authenticated or not coupons:
        return {}
    return dict(
        UserCoupon.objects.filter(user=user, coupon__in=coupons)
        .order_by()
        .values("coupon_id")
        .annotate(n=Count("id"))
        .values_list("coupon_id", "n")
    )


def state_of(copy: UserCoupon, now: datetime | None = None) -> str:
    """unused / used / returned as stored, or "expired" when a held copy's time is over."""
    if copy.status == UserCouponStatus.USED:
        return copy.status
    return EXPIRED if copy.expires_at <= (now or timezone.now()) else copy.status


def _tab_filter(tab: str, now: datetime) -> Q:
    if tab == "used":
        return Q(status=UserCouponStatus.USED)
    if tab == "expired":
        return Q(status__in=HELD, expires_at__lte=now)
    if tab == "usable":
        return Q(status__in=HELD, expires_at__gt=now)
    raise InvalidInput(_("Choose usable, used or expired."), field="status")


def my_coupons(
    user: User | None, tab: str = "usable", page: int | None = 1, page_size: int | None = None
) -> Page[UserCoupon]:
    """The caller's coupons of one tab (usable: soonest to expire first; others newest
    first), with coupon and store loaded: two queries."""
    user = _require_user(user)
    rows: QuerySet[UserCoupon] = (
        UserCoupon.objects.filter(_tab_filter(tab, timezone.now()), user=user)
        .select_related("coupon", "store")
        .order_by(*(("expires_at", "pk") if tab == "usable" else ("-expires_at", "pk")))
    )
    return paginate(rows, page, page_size)


def join_cashback_offer(store_id: str | None) -> Coupon | None:
    """The join cashback coupon a store's circle page announces, if it can still be given."""
    if store_id is None:
        return None
    found = (
        StoreCampaignSettings.objects.select_related("join_cashback__store")
        .filter(store_id=store_id, store__is_active=True, join_cashback__is_active=True)
        .first()
    )
    coupon = found.join_cashback if found else None
    return coupon if coupon is not None and coupon.issued < coupon.total else None


def join_cashback_received(store_id: str | None, user: User | None) -> UserCoupon | None:
    """The join cashback copy `user` received from the store, if any."""
    if store_id is None or not isinstance(user, User) or not user.is_authenticated:
        return None
    return (
        UserCoupon.objects.select_related("coupon")
        .filter(store_id=store_id, user=user, source=CouponSource.JOIN_CASHBACK)
        .first()
    )
