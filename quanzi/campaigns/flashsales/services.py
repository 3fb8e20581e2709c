"""Flash-sale (秒杀) actions: the merchant's slots, buying, giving units back, reconciliation.

Buying (`buy_flash_sale`) has two paths:

- Database path (always): in one transaction the user's quota is taken with a conditional
  update/insert under the `claimed <= limit` constraint, the campaign order is created with
  `place_campaign_order(take_stock=False)`, and the slot's stock is taken last with a conditional
  update (`stock >= n`, row count checked) so the hot slot row is locked only until commit.
  Any refusal rolls everything back.
- Redis fast path (when `REDIS_URL` is set): the Lua script in `fast.py` first takes the stock
  and the quota together in Redis, as a pending reservation named by the claim id the database
  will hold; an attempt it refuses never reaches the database. An accepted one runs the database
  path, which confirms the reservation while it holds the slot's row; if that fails, the
  reservation is given back.

The database is the truth; `reconcile_flash_sale` rebuilds the Redis counters from it and the
reservations in flight (when a slot is first needed in Redis, when it changes, at its start by a
task, and by `manage.py reconcile_flash_sales`); its docstring shows why that is exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.campaigns.flashsales import fast
from quanzi.campaigns.flashsales.errors import FlashSaleCode
from quanzi.campaigns.flashsales.locks import lock_flash_sale
from quanzi.campaigns.flashsales.models import FlashClaim, FlashQuota, FlashSale
from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.events import enqueue_on_commit
from quanzi.core.ids import is_public_id, new_id
from quanzi.core.validation import clean_text, exact_whole_number
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import ONE_CLICK, CampaignCheckout, place_campaign_order
from quanzi.orders.services.inputs import clean_quantity, clean_sku_id
from quanzi.stores.services import access_store, role_in

logger = logging.getLogger("quanzi.flashsales")

CAMPAIGN = "flash"
MAX_STOCK = 1_000_000
MAX_LIMIT = 99
MAX_TITLE = 100
MAX_SLOT = timedelta(days=31)
EDITABLE = ("title", "flash_price", "stock", "per_user_limit", "starts_at", "ends_at")


# --- Permissions and reads -----------------------------------------------------------------


def access_flash_sale(
    user: User | AnonymousUser | None, slot_id: str, need: str = "read"
) -> FlashSale:
    """The slot if `user` may see it ('read': an active slot of an open store, or any slot of a
    store the user works for) or manage it ('staff': owner and staff of its store)."""
    sale = (
        FlashSale.objects.filter(pk=slot_id).select_related("store", "sku__product").first()
        if is_public_id(slot_id)
        else None
    )
    if sale is None:
        raise NotFound(_("Flash sale not found."))
    account = user if isinstance(user, User) else None
    if need == "read":
        if (sale.is_active and sale.store.is_active) or role_in(account, sale.store):
            return sale
        raise NotFound(_("Flash sale not found."))
    access_store(account, sale.store_id, need="staff")
    return sale


def _visible(now: datetime | None = None) -> QuerySet[FlashSale]:
    return FlashSale.objects.filter(
        is_active=True,
        ends_at__gt=now or timezone.now(),
        store__is_active=True,
        sku__is_active=True,
        sku__product__on_shelf=True,
    ).select_related("sku__product")


def slots_for_product(product_id: str) -> list[FlashSale]:
    """The product's upcoming and running slots, soonest first."""
    return list(_visible().filter(sku__product_id=product_id))


def slots_for_store(store_id: str) -> list[FlashSale]:
    return list(_visible().filter(store_id=store_id))


def console_slots(user: User, store_id: str) -> list[FlashSale]:
    """Every slot of the store, newest start first (owner and staff)."""
    store = access_store(user, store_id, need="staff")
    return list(
        FlashSale.objects.filter(store=store).select_related("sku__product").order_by("-starts_at")
    )


# --- Merchant: slots -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FlashSaleFields:
    """A flash-sale slot as typed in, for `create_flash_sale` (which needs the SKU, the flash
    price, the stock and the window) and `update_flash_sale` (only what is given changes; the
    SKU stays). Amounts in fen; None: not given."""

    sku_id: str | None = None
    title: str | None = None
    flash_price: int | str | None = None
    stock: int | str | None = None
    per_user_limit: int | str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def given(self) -> dict[str, Any]:
        """The slot's fields given, by name (not the SKU)."""
        found = {name: getattr(self, name) for name in EDITABLE}
        return {name: value for name, value in found.items() if value is not None}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "title" in data:
        out["title"] = clean_text(
            str(data["title"] or ""),
            field="title",
            max_length=MAX_TITLE,
            too_long=_("The title is too long."),
        )
    if "flash_price" in data:
        out["flash_price"] = exact_whole_number(data["flash_price"], 1, 10**10, field="flash_price")
    if "stock" in data:
        out["stock"] = out["total_stock"] = exact_whole_number(
            data["stock"], 1, MAX_STOCK, field="stock"
        )
    if "per_user_limit" in data:
        out["per_user_limit"] = exact_whole_number(
            data["per_user_limit"], 1, MAX_LIMIT, field="per_user_limit"
        )
    for field in ("starts_at", "ends_at"):
        if field in data:
            if not isinstance(data[field], datetime) or timezone.is_naive(data[field]):
                raise InvalidInput(_("Give the time with its time zone."), field=field)
            out[field] = data[field]
    return out


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput(_("A flash sale ends after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_SLOT:
        raise InvalidInput(_("A flash sale lasts at most 31 days."), field="ends_at")
    if ends_at <= timezone.now():
        raise InvalidInput(_("This flash sale would already be over."), field="ends_at")


def create_flash_sale(user: User, store_id: str, data: FlashSaleFields) -> FlashSale:
    """A new slot of one of the store's SKUs (owner or staff)."""
    store = access_store(user, store_id, need="staff")
    fields = data.given()
    sku = Sku.objects.filter(pk=clean_sku_id(data.sku_id or ""), product__store=store).first()
    if sku is None:
        raise NotFound(
            _("The product option does not exist in this store."), code=OrderCode.UNKNOWN_SKU
        )
    missing = [f for f in ("flash_price", "stock", "starts_at", "ends_at") if f not in fields]
    if missing:
        raise InvalidInput(_("Some fields are missing."), fields=missing)
    clean = _clean({"per_user_limit": 1, **fields})
    _check_window(clean["starts_at"], clean["ends_at"])
    if clean["flash_price"] >= sku.price:
        raise InvalidInput(
            _("The flash price must be below the normal price."), field="flash_price"
        )
    with transaction.atomic():
        sale = FlashSale.objects.create(store=store, sku=sku, **clean)
        _after_change(sale)
    return sale


def update_flash_sale(user: User, slot_id: str, change: FlashSaleFields) -> FlashSale:
    """Change a slot that has not started yet (so nobody holds any of it)."""
    sale = access_flash_sale(user, slot_id, need="staff")
    data = _clean(change.given())
    _check_window(data.get("starts_at", sale.starts_at), data.get("ends_at", sale.ends_at))
    if data.get("flash_price", sale.flash_price) >= sale.sku.price:
        raise InvalidInput(
            _("The flash price must be below the normal price."), field="flash_price"
        )
    with transaction.atomic():
        changed = FlashSale.objects.filter(
            pk=sale.pk, starts_at__gt=timezone.now(), claims__isnull=True
        ).update(**data)
        if not changed:
            raise Conflict(
                _("A flash sale that has started can only be switched off."),
                code=FlashSaleCode.STARTED,
            )
        sale.refresh_from_db()
        _after_change(sale)
    return sale


def set_flash_sale_active(user: User, slot_id: str, active: bool) -> FlashSale:
    """Switch a slot off (it stops selling at once) or on again."""
    sale = access_flash_sale(user, slot_id, need="staff")
    with transaction.atomic():
        FlashSale.objects.filter(pk=sale.pk).update(is_active=active)
        sale.refresh_from_db()
        _after_change(sale)
    return sale


def delete_flash_sale(user: User, slot_id: str) -> None:
    """Remove a slot nobody bought from; one with orders can only be switched off."""
    sale = access_flash_sale(user, slot_id, need="staff")
    with transaction.atomic():
        if FlashClaim.objects.filter(sale=sale).exists():
            raise Conflict(
                _("This flash sale has orders: switch it off instead."), code=OrderCode.HAS_ORDERS
            )
        FlashSale.objects.filter(pk=sale.pk).delete()
        if fast.enabled():
            transaction.on_commit(lambda: _quietly(fast.forget, sale.pk))


def _after_change(sale: FlashSale) -> None:
    """After commit: reload the slot into Redis and set the task that reloads it at its start."""
    if not fast.enabled():
        return
    transaction.on_commit(lambda: _quietly(reconcile_flash_sale, sale.pk))
    from quanzi.campaigns.flashsales import tasks

    enqueue_on_commit(tasks.reconcile_flash_sale_task, sale.starts_at, sale.pk)


def _quietly(action: Any, *args: Any) -> None:
    """Redis work after a commit: a failure is logged, reconciliation repairs it later."""
    try:
        action(*args)
    except (redis.RedisError, NotFound):
        logger.exception("flash sale %s: Redis update failed", args[0] if args else "")


# --- Buying ----------------------------------------------------------------------------------


def _not_started(sale: FlashSale | None = None) -> Conflict:
    return Conflict(
        _("This flash sale has not started yet."),
        code=FlashSaleCode.NOT_STARTED,
        **({"starts_at": sale.starts_at.isoformat()} if sale else {}),
    )


def _ended() -> Conflict:
    return Conflict(_("This flash sale is over."), code=FlashSaleCode.ENDED)


def _over_limit(limit: int | None = None) -> Conflict:
    if limit is None:
        return Conflict(
            _("You have reached this flash sale's limit per person."), code=FlashSaleCode.OVER_LIMIT
        )
    return Conflict(
        _("You can buy at most %(n)s of this flash sale.") % {"n": limit},
        code=FlashSaleCode.OVER_LIMIT,
        limit=limit,
    )


def _sold_out() -> Conflict:
    return Conflict(_("This flash sale is sold out."), code=FlashSaleCode.SOLD_OUT)


REDIS_REFUSALS = {
    fast.INACTIVE: _ended,
    fast.NOT_STARTED: _not_started,
    fast.ENDED: _ended,
    fast.OVER_LIMIT: _over_limit,
    fast.SOLD_OUT: _sold_out,
}


def open_refusal(sale: FlashSale, now: datetime) -> Conflict | None:
    if not sale.is_active or not sale.store.is_active or now >= sale.ends_at:
        return _ended()
    if now < sale.starts_at:
        return _not_started(sale)
    return None


def buy_flash_sale(
    user: User | AnonymousUser | None,
    slot_id: str,
    quantity: int | str = 1,
    *,
    checkout: CampaignCheckout = ONE_CLICK,
) -> Order:
    """Buy `quantity` units of the slot at its flash price: the unpaid campaign order, or a 409
    (not started, over, over the limit, sold out). Through Redis first when it is configured."""
    if not isinstance(user, User):
        raise NotAuthenticated()
    count = clean_quantity(quantity)
    if not is_public_id(slot_id):
        raise NotFound(_("Flash sale not found."))
    if not fast.enabled():
        return _buy_in_db(user, slot_id, count, checkout)
    claim_id = new_id()  # the reservation in Redis is the claim the database will hold
    try:
        code = fast.take(slot_id, user.pk, count, timezone.now().timestamp(), claim_id)
        if code == fast.NOT_LOADED:
            _load_missing(slot_id)
            code = fast.take(slot_id, user.pk, count, timezone.now().timestamp(), claim_id)
    except redis.RedisError:
        logger.exception("flash sale %s: Redis unavailable, database path only", slot_id)
        return _buy_in_db(user, slot_id, count, checkout)
    if code == fast.NOT_LOADED:  # long over (its keys expire a day after its end)
        return _buy_in_db(user, slot_id, count, checkout)
    if code < 0:
        raise REDIS_REFUSALS[code]()
    try:
        return _buy_in_db(user, slot_id, count, checkout, reservation=claim_id)
    except BaseException:
        _quietly(fast.give_back, slot_id, claim_id)
        raise


def _buy_in_db(
    user: User,
    slot_id: str,
    count: int,
    checkout: CampaignCheckout,
    reservation: str | None = None,
) -> Order:
    """The database path: quota, order, then stock, in one transaction (all or nothing).
    `reservation`: the claim id Redis reserved the units under; it is confirmed while the slot's
    row is locked and settled after the commit (see `reconcile_flash_sale`)."""
    now = timezone.now()
    sale = FlashSale.objects.filter(pk=slot_id).select_related("store").first()
    if sale is None:
        raise NotFound(_("Flash sale not found."))
    refusal = open_refusal(sale, now)
    if refusal is not None:
        raise refusal
    if count > sale.per_user_limit:
        raise _over_limit(sale.per_user_limit)
    if sale.stock < count:  # a cheap early answer; the conditional update below decides
        raise _sold_out()
    with transaction.atomic():
        _take_quota(sale, user, count)
        order = place_campaign_order(
            user,
            sale.sku_id,
            count,
            sale.flash_price,
            campaign=CAMPAIGN,
            campaign_ref=sale.pk,
            take_stock=False,
            checkout=checkout,
        )
        taken = FlashSale.objects.filter(
            pk=sale.pk,
            is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
            stock__gte=count,
        ).update(stock=F("stock") - count)
        if not taken:
            sale.refresh_from_db()
            raise open_refusal(sale, timezone.now()) or _sold_out()
        claim = FlashClaim.objects.create(
            id=reservation or new_id(), sale=sale, user=user, quantity=count, order=order
        )
        if reservation is not None:
            _confirm(sale.pk, claim.pk)
    return order


def _confirm(slot_id: str, claim_id: str) -> None:
    """Under the slot's row lock: the Redis reservation must still stand (a reconciliation drops
    one that looks abandoned), else this purchase is refused; settled in Redis after commit."""
    try:
        kept = fast.confirm(slot_id, claim_id)
    except redis.RedisError:
        logger.exception("flash sale %s: Redis unavailable while confirming", slot_id)
        kept = False
    if not kept:
        raise Conflict(
            _("This flash sale is very busy: please try again."), code=FlashSaleCode.TRY_AGAIN
        )
    transaction.on_commit(lambda: _quietly(fast.settle, slot_id, claim_id))


def _take_quota(sale: FlashSale, user: User, count: int) -> None:
    """Add `count` to the user's units in the slot, never past the limit (the constraint is the
    backstop); the first purchase inserts the row, a concurrent insert falls back to the update."""
    mine = FlashQuota.objects.filter(sale=sale, user=user)
    if mine.filter(claimed__lte=F("limit") - count).update(claimed=F("claimed") + count):
        return
    if not mine.exists():
        try:
            with transaction.atomic():
                FlashQuota.objects.create(
                    sale=sale, user=user, claimed=count, limit=sale.per_user_limit
                )
            return
        except IntegrityError:
            if mine.filter(claimed__lte=F("limit") - count).update(claimed=F("claimed") + count):
                return
    raise _over_limit(sale.per_user_limit)


# --- Giving back, reconciliation -----------------------------------------------------------


def give_back_order(order_id: str) -> bool:
    """An unpaid flash-sale order was cancelled: its units return to the slot's stock and to the
    buyer's quota, exactly once (in the database, then in Redis)."""
    with transaction.atomic():
        claim = FlashClaim.objects.filter(order_id=order_id, returned=False).first()
        if claim is None or not (
            FlashClaim.objects.filter(pk=claim.pk, returned=False).update(returned=True)
        ):
            return False
        # quota row, then slot row: the order a purchase locks them in (no deadlock)
        FlashQuota.objects.filter(sale_id=claim.sale_id, user_id=claim.user_id).update(
            claimed=F("claimed") - claim.quantity
        )
        FlashSale.objects.filter(pk=claim.sale_id).update(stock=F("stock") + claim.quantity)
        if fast.enabled():  # noted while the slot's row is locked, applied after the commit
            _quietly(fast.hold_return, claim.sale_id, claim.pk, claim.user_id, claim.quantity)
            args = (claim.sale_id, claim.pk)
            transaction.on_commit(lambda: _quietly(fast.apply_return, *args))
    return True


def reconcile_flash_sale(slot_id: str) -> dict[str, Any]:
    """Rebuild the slot's Redis counters from the database (stock left, units each user holds)
    and the reservations still in flight, and answer them. Run when a slot is first needed in
    Redis, after each change, at its start and periodically: it repairs whatever a crash or a
    Redis error left (a unit Redis took that the database never sold comes back once its
    reservation is older than the window, `FLASHSALES_RESERVATION_SECONDS`, default 60).

    Why the rebuild is exact while purchases and cancellations are in flight. Redis keeps, next
    to the counters, a *pending* entry for everything it counted that the database may not have
    yet: each purchase's reservation (`b:<claim id>`, the id the database's `FlashClaim` will
    carry) and each cancellation's give-back (`r:<claim id>`). For each slot, at every moment:

        Redis stock = database stock
                      - units of pending purchases the database has not committed
                      - units of pending give-backs whose cancellation it has committed

    (and each user's units alike, with the signs reversed). Every step keeps this equation:

    - TAKE takes the units in Redis and adds the purchase's entry, in one Lua step.
    - The purchase's transaction, holding the slot's row (its stock update), CONFIRMs the entry
      (it is refused if the entry is gone), so the entry is there when it commits: the database
      takes the units and the entry turns committed; after the commit SETTLE removes it.
    - A failed purchase changes nothing in the database; RELEASE removes its entry and gives
      the units back, or finds it gone (a rebuild already left it out) and does nothing.
    - A cancellation adds its give-back entry while holding the slot's row (HOLD); its commit
      gives the units back in the database as the entry turns committed; after the commit
      RELEASE gives them back in Redis and removes the entry. A rolled-back one never counts.
    - The rebuild below holds the slot's row from the database reads until the Lua LOAD has run,
      so no purchase or cancellation commits in between (both update that row): the stock, the
      quotas and which pending purchases are committed are one state. LOAD, in one Lua step,
      writes database − live reservations and drops every other entry: committed purchases
      (the database counts them), confirmed uncommitted ones (their transaction held the row
      before us and has ended: rolled back), unconfirmed ones older than the reservation window
      (if one is still alive its CONFIRM fails), and all give-backs (their transaction held the
      row before us and has ended, committed or not). A purchase reserving during the step
      cannot have committed, and LOAD reads the entries in the same step it writes, so it
      counts that one as live.

    So once every attempt is over and its after-commit step has run, Redis equals the database,
    exactly; an entry of a crashed process only keeps Redis *lower* until a later rebuild drops
    it. Only a Redis error in the middle of an attempt (a lost give-back, or purchases made on
    the database path while Redis refused to answer) can leave Redis off, until the next
    rebuild; the database's conditional updates decide every sale either way."""
    if not is_public_id(slot_id):
        raise NotFound(_("Flash sale not found."))
    with transaction.atomic():
        sale = lock_flash_sale(slot_id)
        if sale is None:
            raise NotFound(_("Flash sale not found."))
        return _rebuild(sale)


def _load_missing(slot_id: str) -> None:
    """Load a slot Redis does not hold, for the attempt that found it missing (first use, or
    Redis lost its keys). Without the slot's row lock: this runs inside the buyer's transaction
    (the API's), where taking the slot's row before the buyer's quota would invert the order
    purchases lock them in (quota, then slot) and deadlock two attempts of one buyer. Exact
    without it all the same: while Redis holds no counters for the slot TAKE refuses, so no
    reservation can be in flight (unless Redis evicted the counters alone: run it with
    `maxmemory-policy noeviction`); a cancellation committing between the reads and the load is
    missed, which leaves Redis lower (never higher) until the next rebuild; and the load writes
    only if the slot is still missing (a locked rebuild that ran meanwhile wins)."""
    sale = FlashSale.objects.filter(pk=slot_id).first() if is_public_id(slot_id) else None
    if sale is None:
        raise NotFound(_("Flash sale not found."))
    _rebuild(sale, only_if_missing=True)


def _rebuild(sale: FlashSale, only_if_missing: bool = False) -> dict[str, Any]:
    held = dict(
        FlashQuota.objects.filter(sale=sale, claimed__gt=0).values_list("user_id", "claimed")
    )
    in_flight = 0
    if fast.enabled():
        pending = fast.pending_purchases(sale.pk)
        committed = FlashClaim.objects.filter(sale=sale, pk__in=pending)
        in_flight = fast.load(
            sale.pk,
            stock=sale.stock,
            limit=sale.per_user_limit,
            starts=sale.starts_at.timestamp(),
            ends=sale.ends_at.timestamp(),
            active=sale.is_active,
            held=held,
            committed=set(committed.values_list("pk", flat=True)),
            stale_before=timezone.now().timestamp() - fast.reservation_seconds(),
            only_if_missing=only_if_missing,
        )
    return {
        "slot_id": sale.pk,
        "stock": sale.stock,
        "held": held,
        "in_flight": max(in_flight, 0),
        "running_or_upcoming": sale.phase() != "ended",
    }


def reconcile_running(now: datetime | None = None) -> int:
    """Reconcile every active slot that has not ended; answers how many."""
    ids = list(
        FlashSale.objects.filter(is_active=True, ends_at__gt=now or timezone.now()).values_list(
            "pk", flat=True
        )
    )
    for slot_id in ids:
        reconcile_flash_sale(slot_id)
    return len(ids)
