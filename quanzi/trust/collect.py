"""The detectors' records, read from the site's rows (`detect.records`): every review of the last
`WINDOW_DAYS` with the order behind it, and every one of their authors.

Six queries whatever the numbers (reviews with their orders; bindings; promoter roles; accounts;
access prints; order addresses): the authors are a subquery of the reviews, never a list of ids.

- A review's order: when it was paid, what it cost the buyer (`total`), its item's price before
  discounts (`unit_price` × `quantity` of the reviewed line), shipped and received times, the
  courier and tracking number normalised ("SF:SF1234567890"); `refunded_after` when the order
  was refunded (its refunded amount is above zero) by a refund that succeeded after the review
  (payments' `Refund.succeeded_at`).
- `promoter`: the promoter the reviewer is bound to at the review's store
  (`referrals.Binding`), unless the binding had expired when the review was written.
- An account: when it joined; the IP prefixes and devices of its access prints
  (`quanzi.trust.prints`); a hash of each shipping address of its orders of the window,
  normalised (`address_hash`), so the same flat typed twice matches; the stores where it is an
  approved promoter (`referrals.Promoter`).

Keys are strings: a review's, product's and store's public id, a user's primary key."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.orders.models import Order
from quanzi.payments.models import Refund, RefundStatus
from quanzi.referrals.models import Binding, Promoter, PromoterStatus
from quanzi.reviews.models import Review
from quanzi.trust.detect.records import AccountRecord, ReviewRecord
from quanzi.trust.models import AccessPrint

WINDOW_DAYS = 180
ADDRESS_PARTS = ("province", "city", "district", "detail")
HASH_LENGTH = 16


@dataclass(frozen=True)
class Records:
    """What `analyse` reads: the reviews of the window (oldest first) and their authors."""

    reviews: list[ReviewRecord]
    accounts: list[AccountRecord]


def collect(now: datetime | None = None, *, days: int = WINDOW_DAYS) -> Records:
    """The records of the reviews written in the `days` before `now`, and of their authors."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    window = Review.objects.filter(created_at__gte=since, created_at__lte=now)
    authors = window.values("author_id")
    bound = _bindings(authors)
    reviews = [_review(row, bound) for row in _review_rows(window)]
    return Records(reviews=reviews, accounts=_accounts(authors, since))


def _review_rows(window: QuerySet[Review]) -> QuerySet[Any, Any]:
    refunded_later = Refund.objects.filter(
        order_id=OuterRef("order_item__order_id"),
        status=RefundStatus.SUCCEEDED,
        succeeded_at__gt=OuterRef("created_at"),
    )
    return (
        window.annotate(
            refund_after=Exists(refunded_later),
            paid_at=F("order_item__order__paid_at"),
            total=F("order_item__order__total"),
            unit_price=F("order_item__unit_price"),
            quantity=F("order_item__quantity"),
            shipped_at=F("order_item__order__shipped_at"),
            received_at=F("order_item__order__received_at"),
            carrier=F("order_item__order__carrier"),
            tracking=F("order_item__order__tracking_number"),
            refunded_amount=F("order_item__order__refunded_amount"),
            campaign=F("order_item__order__campaign"),
        )
        .order_by("created_at", "pk")
        .values(
            "pk",
            "author_id",
            "product_id",
            "store_id",
            "stars",
            "text",
            "created_at",
            "paid_at",
            "total",
            "unit_price",
            "quantity",
            "shipped_at",
            "received_at",
            "carrier",
            "tracking",
            "refunded_amount",
            "refund_after",
            "campaign",
        )
    )


# (customer, store) → (promoter, expires at)
Bound = dict[tuple[int, str], tuple[int, datetime | None]]


def _bindings(authors: QuerySet[Any, Any]) -> Bound:
    rows = Binding.objects.filter(customer_id__in=authors).values_list(
        "customer_id", "store_id", "promoter_id", "expires_at"
    )
    return {(customer, store): (promoter, expires) for customer, store, promoter, expires in rows}


def _review(row: dict[str, Any], bound: Bound) -> ReviewRecord:
    at: datetime = row["created_at"]
    binding = bound.get((row["author_id"], row["store_id"]))
    promoter = ""
    if binding is not None and (binding[1] is None or binding[1] > at):
        promoter = str(binding[0])
    return ReviewRecord(
        review_id=row["pk"],
        user=str(row["author_id"]),
        product=row["product_id"],
        store=row["store_id"],
        stars=row["stars"],
        text=row["text"],
        at=at.timestamp(),
        paid_at=_seconds(row["paid_at"]),
        order_total=row["total"],
        list_price=row["unit_price"] * row["quantity"],
        shipped_at=_seconds(row["shipped_at"]),
        received_at=_seconds(row["received_at"]),
        tracking=tracking_key(row["carrier"], row["tracking"]),
        refunded_after=bool(row["refund_after"]) and row["refunded_amount"] > 0,
        promoter=promoter,
        campaign=row["campaign"],
    )


def _seconds(value: object) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def tracking_key(carrier: str, number: str) -> str:
    """A parcel as the detectors compare it: "SF:SF1234567890" (courier code or name, and the
    number, without spaces, in capitals); "" without a tracking number."""
    number = "".join(unicodedata.normalize("NFKC", number).split()).upper()
    if not number:
        return ""
    carrier = "".join(unicodedata.normalize("NFKC", carrier).split()).upper()
    return f"{carrier}:{number}"


def address_hash(address: object) -> str:
    """A hash of a shipping address's place (province, city, district, detail), normalised:
    compatibility forms folded, case, spaces and punctuation ignored; "" when it names none. The
    recipient and the phone are left out: a ring ships to one flat under many names."""
    if not isinstance(address, Mapping):
        return ""
    parts = []
    for name in ADDRESS_PARTS:
        value = unicodedata.normalize("NFKC", str(address.get(name) or "")).casefold()
        parts.append("".join(c for c in value if unicodedata.category(c)[0] in "LN"))
    if not parts[-1]:
        return ""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:HASH_LENGTH]


def _accounts(authors: QuerySet[Any, Any], since: datetime) -> list[AccountRecord]:
    prefixes: dict[int, set[str]] = defaultdict(set)
    devices: dict[int, set[str]] = defaultdict(set)
    for user, prefix, device in AccessPrint.objects.filter(user_id__in=authors).values_list(
        "user_id", "ip_prefix", "device"
    ):
        if prefix:
            prefixes[user].add(prefix)
        if device:
            devices[user].add(device)
    addresses: dict[int, set[str]] = defaultdict(set)
    for buyer, address in Order.objects.filter(
        buyer_id__in=authors, created_at__gte=since
    ).values_list("buyer_id", "address"):
        hashed = address_hash(address)
        if hashed:
            addresses[buyer].add(hashed)
    promoting: dict[int, set[str]] = defaultdict(set)
    for user, store in Promoter.objects.filter(
        user_id__in=authors, status=PromoterStatus.APPROVED
    ).values_list("user_id", "store_id"):
        promoting[user].add(str(store))
    people = User.objects.filter(pk__in=authors).order_by("pk").values_list("pk", "date_joined")
    return [
        AccountRecord(
            user=str(pk),
            joined_at=joined.timestamp(),
            ip_prefixes=frozenset(prefixes[pk]),
            devices=frozenset(devices[pk]),
            addresses=frozenset(addresses[pk]),
            promoter_of=frozenset(promoting[pk]),
        )
        for pk, joined in people
    ]
