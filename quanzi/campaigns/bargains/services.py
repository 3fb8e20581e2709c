"""Bargaining actions (砍价): the merchant creates and ends campaigns; a customer starts a
bargain, friends help cut its price, and the starter buys at the current price.

Concurrency (ARCHITECTURE rule 3): a help locks the bargain row (`locks.lock_bargain`), so helps
on one bargain are serialised and the cut is computed from the committed price; the database
checks (never below the floor, at most N helps, one help per helper, one slot per helper's n-th
help in a campaign) are the backstop. Buying locks the same row, so it happens once.

Timers (rule 5): a bargain's expiry is a scheduled task and is re-checked whenever a bargain is
read or acted on; both are idempotent conditional updates.

Every change a bargain's chat card shows (a help, the purchase, a cancelled purchase, the
expiry) redraws its cards after it commits (`cards`, `_redraw`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.campaigns.bargains.cuts import cut_range, next_cut
from quanzi.campaigns.bargains.errors import BargainCode
from quanzi.campaigns.bargains.honesty import claims_free
from quanzi.campaigns.bargains.locks import lock_bargain, lock_bought_bargain
from quanzi.campaigns.bargains.models import (
    LIVE,
    Bargain,
    BargainCampaign,
    BargainHelp,
    BargainStatus,
)
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.events import enqueue_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_text, whole_number
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import ONE_CLICK, CampaignCheckout
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, role_in

CAMPAIGN = "bargain"  # Order.campaign of a bargain's order
MAX_TITLE = 60
MAX_WINDOW = timedelta(days=365)
NUMBER_RANGES = {
    "start_price": (2, 100_000_000),
    "floor_price": (1, 100_000_000),
    "helpers_needed": (1, 100),
    "hours": (1, 7 * 24),
    "max_helps_per_user": (1, 100),
    "spread_percent": (0, 100),
}


def _require_user(user: User | None) -> User:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def _redraw(*bargain_ids: str) -> None:
    """Redraw these bargains' chat cards once the current transaction commits (at once when
    there is none); a failure is logged and never undoes what committed."""

    def run() -> None:
        from quanzi.campaigns.bargains import cards

        for bargain_id in bargain_ids:
            cards.refresh_bargain(bargain_id)

    if bargain_ids:
        transaction.on_commit(run, robust=True)


# --- Access (the one permission helper of the domain) ----------------------------------------


def access_campaign(user: User | None, campaign_id: str, *, need: str = "read") -> BargainCampaign:
    """The campaign if `user` may see it ('read': an active campaign of an open store, or any
    campaign for the store's people) or manage it ('staff': owner and staff)."""
    found = None
    if is_public_id(campaign_id):
        found = (
            BargainCampaign.objects.select_related("store", "sku__product")
            .filter(pk=campaign_id)
            .first()
        )
    if found is None:
        raise NotFound(
            _("Bargain campaign not found."), code=BargainCode.BARGAIN_CAMPAIGN_NOT_FOUND
        )
    if need == "staff":
        access_store(_require_user(user), found.store_id, need="staff")
        return found
    if not (found.is_active and found.store.is_active) and role_in(user, found.store) is None:
        raise NotFound(
            _("Bargain campaign not found."), code=BargainCode.BARGAIN_CAMPAIGN_NOT_FOUND
        )
    return found


def access_bargain(user: User | None, bargain_id: str, *, need: str = "read") -> Bargain:
    """The bargain if `user` may see it ('read': anyone with its link, which is unguessable and
    made to be shared) or act as its starter ('starter'). Overdue expiry is applied first."""
    found = None
    if is_public_id(bargain_id):
        found = (
            Bargain.objects.select_related("campaign__store", "campaign__sku__product", "starter")
            .filter(pk=bargain_id)
            .first()
        )
    if found is None:
        raise NotFound(_("Bargain not found."), code=BargainCode.BARGAIN_NOT_FOUND)
    if need == "starter" and _require_user(user).pk != found.starter_id:
        raise PermissionDenied(_("Only the person who started this bargain can do this."))
    return refresh_bargain(found)


# --- Campaigns (merchant) ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BargainInput:
    """A bargain campaign as typed in (amounts in fen; numbers may come as form text, the
    service checks everything). None: not given (refused where the field is needed)."""

    sku_id: str = ""
    title: str = ""
    start_price: int | str | None = None
    floor_price: int | str | None = None
    helpers_needed: int | str | None = None
    hours: int | str | None = None
    allow_above_floor: bool = False
    max_helps_per_user: int | str | None = None
    spread_percent: int | str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _clean_campaign(data: BargainInput) -> dict[str, Any]:
    refusal = _("Give the campaign a title of at most %(n)d characters.")
    title = clean_text(
        str(data.title or ""),
        field="title",
        max_length=MAX_TITLE,
        required=True,
        missing=refusal % {"n": MAX_TITLE},
        too_long=refusal,
    )
    cleaned: dict[str, Any] = {"title": title}
    for name, (low, high) in NUMBER_RANGES.items():
        cleaned[name] = whole_number(getattr(data, name), low, high, field=name)
    if cleaned["floor_price"] >= cleaned["start_price"]:
        raise InvalidInput(_("The floor price must be below the start price."), field="floor_price")
    if cleaned["floor_price"] > 0 and claims_free(title):
        raise InvalidInput(
            _("The title may not promise it free: the floor price is above zero."), field="title"
        )
    if cleaned["start_price"] - cleaned["floor_price"] < cleaned["helpers_needed"]:
        raise InvalidInput(
            _("Start price minus floor price must be at least 1 fen per helper needed."),
            field="helpers_needed",
        )
    starts_at, ends_at = data.starts_at, data.ends_at
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise InvalidInput(_("Give the start and end times."), field="starts_at")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput(_("Give the times with their time zone."), field="starts_at")
    if ends_at <= starts_at or ends_at - starts_at > MAX_WINDOW:
        raise InvalidInput(
            _("The campaign must end after it starts, within a year."), field="ends_at"
        )
    if ends_at <= timezone.now():
        raise InvalidInput(_("The campaign would already be over."), field="ends_at")
    cleaned |= {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "allow_above_floor": bool(data.allow_above_floor),
    }
    return cleaned


def create_campaign(user: User | None, store_id: str, data: BargainInput) -> BargainCampaign:
    """A new bargain campaign on one of the store's SKUs (owner and staff)."""
    user = _require_user(user)
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    store = access_store(user, store_id, need="staff")
    sku_id = data.sku_id
    from quanzi.catalog.models import Sku

    sku = None
    if is_public_id(sku_id):
        sku = Sku.objects.filter(pk=sku_id, product__store=store, is_active=True).first()
    if sku is None:
        raise InvalidInput(_("Choose one of this store's products."), field="sku_id")
    cleaned = _clean_campaign(data)
    return BargainCampaign.objects.create(store=store, sku=sku, **cleaned)


def end_campaign(user: User | None, campaign_id: str) -> BargainCampaign:
    """Stop new bargains on the campaign (owner and staff); bargains started go on."""
    campaign = access_campaign(user, campaign_id, need="staff")
    BargainCampaign.objects.filter(pk=campaign.pk).update(is_active=False)
    campaign.is_active = False
    return campaign


def store_campaigns(user: User | None, store_id: str) -> tuple[Store, list[BargainCampaign]]:
    """The store and every campaign of it, newest first (owner and staff)."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    store = access_store(_require_user(user), store_id, need="staff")
    rows = list(BargainCampaign.objects.filter(store=store).select_related("sku__product"))
    for row in rows:
        row.store = store
    return store, rows


def first_cut_range(campaign: BargainCampaign) -> tuple[int, int]:
    """The range of the first helper's cut, in fen (shown on the campaign page)."""
    return cut_range(
        campaign.start_price - campaign.floor_price,
        campaign.helpers_needed,
        campaign.spread_percent,
    )


def is_running(campaign: BargainCampaign, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return campaign.is_active and campaign.starts_at <= now < campaign.ends_at


# --- Bargains ---------------------------------------------------------------------------------


def start_bargain(user: User | None, campaign_id: str) -> Bargain:
    """Start a bargain (or return the one the user already has going on this campaign)."""
    user = _require_user(user)
    campaign = access_campaign(user, campaign_id)
    now = timezone.now()
    expire_overdue(campaign_id=campaign.pk, starter_id=user.pk)
    live = Bargain.objects.filter(campaign=campaign, starter=user, status__in=LIVE).first()
    if live is not None:
        return live
    if not is_running(campaign, now) or not campaign.sku.is_active:
        raise Conflict(
            _("This bargain campaign is not running."), code=BargainCode.BARGAIN_NOT_RUNNING
        )
    expires_at = min(now + timedelta(hours=campaign.hours), campaign.ends_at)
    try:
        with transaction.atomic():
            bargain = Bargain.objects.create(
                campaign=campaign,
                starter=user,
                start_price=campaign.start_price,
                floor_price=campaign.floor_price,
                helpers_needed=campaign.helpers_needed,
                current_price=campaign.start_price,
                expires_at=expires_at,
            )
            _schedule_expiry(bargain)
    except IntegrityError:  # a concurrent start by the same person won
        return Bargain.objects.get(campaign=campaign, starter=user, status__in=LIVE)
    return bargain


@dataclass(frozen=True)
class HelpResult:
    bargain: Bargain
    help: BargainHelp


def help_bargain(
    user: User | None, bargain_id: str, *, rng: random.Random | None = None
) -> HelpResult:
    """Cut the bargain's price once as `user` (砍一刀). `rng` is for tests."""
    user = _require_user(user)
    found = access_bargain(user, bargain_id)
    with transaction.atomic():
        bargain = lock_bargain(found.pk)
        _check_can_help(bargain, user)
        campaign = bargain.campaign
        number = BargainHelp.objects.filter(campaign=campaign, helper=user).count() + 1
        if number > campaign.max_helps_per_user:
            raise Conflict(
                _("You have used all %(k)d of your helps in this campaign.")
                % {"k": campaign.max_helps_per_user},
                code=BargainCode.BARGAIN_HELP_LIMIT,
            )
        remaining = bargain.current_price - bargain.floor_price
        cut = next_cut(
            remaining, bargain.helpers_needed - bargain.helps_count, campaign.spread_percent, rng
        )
        bargain.current_price -= cut
        bargain.helps_count += 1
        if bargain.helps_count == bargain.helpers_needed:
            bargain.status = BargainStatus.FLOOR_REACHED
        try:
            with transaction.atomic():
                made = BargainHelp.objects.create(
                    bargain=bargain,
                    campaign=campaign,
                    helper=user,
                    number=number,
                    amount=cut,
                    price_after=bargain.current_price,
                )
        except IntegrityError as exc:  # the same person's concurrent help elsewhere took it
            raise Conflict(
                _("Another help of yours is being recorded; try again."),
                code=BargainCode.BARGAIN_HELP_BUSY,
            ) from exc
        bargain.save(update_fields=["current_price", "helps_count", "status", "updated_at"])
        _redraw(bargain.pk)
    bargain.starter = found.starter
    bargain.campaign = found.campaign
    return HelpResult(bargain, made)


def _check_can_help(bargain: Bargain, user: User) -> None:
    if bargain.starter_id == user.pk:
        raise Conflict(_("You cannot help your own bargain."), code=BargainCode.BARGAIN_SELF_HELP)
    if bargain.status == BargainStatus.FLOOR_REACHED:
        raise Conflict(
            _("This bargain has reached its floor price already."),
            code=BargainCode.BARGAIN_FLOOR_REACHED,
        )
    if bargain.status == BargainStatus.BOUGHT:
        raise Conflict(_("This bargain has been bought already."), code=BargainCode.BARGAIN_BOUGHT)
    if bargain.status == BargainStatus.EXPIRED or bargain.expires_at <= timezone.now():
        raise Conflict(_("This bargain has expired."), code=BargainCode.BARGAIN_EXPIRED)
    if BargainHelp.objects.filter(bargain=bargain, helper=user).exists():
        raise Conflict(_("You have helped this bargain already."), code=BargainCode.BARGAIN_HELPED)


def can_buy(bargain: Bargain) -> bool:
    """Whether the starter may buy now: floor reached, or above it when the campaign allows."""
    if bargain.status == BargainStatus.FLOOR_REACHED:
        return True
    return bargain.status == BargainStatus.OPEN and bargain.campaign.allow_above_floor


def buy_bargain(
    user: User | None, bargain_id: str, *, checkout: CampaignCheckout = ONE_CLICK
) -> Order:
    """The starter buys at the current price, once: the order is a campaign order (unpaid, with
    the usual payment window); cancelling it unpaid lets the starter buy again while the
    bargain lasts."""
    from quanzi.orders.services.checkout import place_campaign_order

    found = access_bargain(user, bargain_id, need="starter")
    with transaction.atomic():
        bargain = lock_bargain(found.pk)
        if bargain.status == BargainStatus.BOUGHT:
            raise Conflict(
                _("This bargain has been bought already."), code=BargainCode.BARGAIN_BOUGHT
            )
        if bargain.status == BargainStatus.EXPIRED or bargain.expires_at <= timezone.now():
            raise Conflict(_("This bargain has expired."), code=BargainCode.BARGAIN_EXPIRED)
        if not can_buy(bargain):
            raise Conflict(
                _("Buy when the floor price is reached: this campaign sells at the floor only."),
                code=BargainCode.BARGAIN_FLOOR_NOT_REACHED,
            )
        order = place_campaign_order(
            found.starter,
            bargain.campaign.sku_id,
            1,
            bargain.current_price,
            campaign=CAMPAIGN,
            campaign_ref=bargain.pk,
            checkout=checkout,
        )
        Bargain.objects.filter(pk=bargain.pk).update(
            status=BargainStatus.BOUGHT, order=order, bought_at=timezone.now()
        )
        _redraw(bargain.pk)
    return order


def on_order_cancelled(
    sender: Any, order_id: str, campaign: str, campaign_ref: str, **_: Any
) -> None:
    """An unpaid bargain order was cancelled: the bargain is buyable again while it lasts."""
    if campaign != CAMPAIGN:
        return
    with transaction.atomic():
        bargain = lock_bought_bargain(campaign_ref, order_id)
        if bargain is None:
            return
        if bargain.expires_at <= timezone.now():
            status = BargainStatus.EXPIRED
        elif bargain.helps_count == bargain.helpers_needed:
            status = BargainStatus.FLOOR_REACHED
        else:
            status = BargainStatus.OPEN
        if (
            status != BargainStatus.EXPIRED
            and Bargain.objects.filter(
                campaign_id=bargain.campaign_id, starter_id=bargain.starter_id, status__in=LIVE
            ).exists()
        ):
            status = BargainStatus.EXPIRED  # the starter began another one meanwhile
        Bargain.objects.filter(pk=bargain.pk).update(status=status, order=None, bought_at=None)
        _redraw(bargain.pk)


def connect() -> None:
    from quanzi.orders.signals import order_cancelled

    order_cancelled.connect(on_order_cancelled, dispatch_uid="bargains.order_cancelled")


# --- Expiry -----------------------------------------------------------------------------------


def _schedule_expiry(bargain: Bargain) -> None:
    """Enqueue the expiry task after commit (reads apply it anyway)."""
    from quanzi.campaigns.bargains import tasks

    enqueue_on_commit(tasks.expire_bargain, bargain.expires_at, bargain.pk)


def expire_bargain(bargain_id: str) -> bool:
    """Expire the bargain if it is still open (or at its floor, unbought) past its time."""
    expired = Bargain.objects.filter(
        pk=bargain_id, status__in=LIVE, expires_at__lte=timezone.now()
    ).update(status=BargainStatus.EXPIRED)
    if expired:
        _redraw(bargain_id)
    return bool(expired)


def expire_overdue(**filters: Any) -> int:
    """Expire every overdue live bargain matching `filters` (a conditional update each)."""
    due = Bargain.objects.filter(Q(**filters), status__in=LIVE, expires_at__lte=timezone.now())
    return sum(expire_bargain(pk) for pk in due.values_list("pk", flat=True))


def refresh_bargain(bargain: Bargain) -> Bargain:
    """Apply an overdue expiry to a bargain being read (no query when none is due)."""
    if bargain.status in LIVE and bargain.expires_at <= timezone.now():
        expire_bargain(bargain.pk)
        bargain.refresh_from_db(fields=["status"])
    return bargain


# --- Reads ------------------------------------------------------------------------------------


def helps_of(bargain: Bargain) -> list[BargainHelp]:
    """The bargain's helps, first first, with their helpers (one query)."""
    return list(BargainHelp.objects.filter(bargain=bargain).select_related("helper"))


def my_bargains(user: User | None) -> list[Bargain]:
    """The user's bargains, newest first (overdue ones expired first)."""
    user = _require_user(user)
    expire_overdue(starter_id=user.pk)
    return list(
        Bargain.objects.filter(starter=user).select_related(
            "campaign__store", "campaign__sku__product", "starter"
        )[:50]
    )
