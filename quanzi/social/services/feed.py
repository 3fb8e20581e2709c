"""The home feed: hybrid fan-out (docs/feed.md).

- Fan-out on write into `FeedEntry` for people's notes (to their followers) and friends'
  purchases and reviews (to the friends, when the actor's privacy settings allow it at the time
  of the activity). These fan-outs are small: a person's followers, a person's friends.
- Fan-out on read for stores' notes: a store may have a huge number of followers, so its notes
  are read from `Note` at feed time for the stores the viewer follows and merged.

Order: newest first by `rank`, where rank = created time, plus `FRIEND_BOOST` for friends'
purchases and reviews. Pages are cut with an opaque cursor (rank, source, id), so a page never
repeats or skips an item whatever was written meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, ProductImage
from quanzi.core.errors import InvalidInput
from quanzi.core.ids import is_public_id
from quanzi.orders.models import Order, OrderItem
from quanzi.reviews.models import Review
from quanzi.social.errors import SocialCode
from quanzi.social.models import ActivityKind, FeedEntry, Follow, Note, NoteImage, PrivacySettings
from quanzi.social.services.graph import friend_ids, friends_filter

FRIEND_BOOST = timedelta(hours=6)
BACKFILL_NOTES = 20
MAX_PAGE_SIZE = 50
FRIENDS_ONLY_KINDS = (ActivityKind.PURCHASE, ActivityKind.REVIEW)
# Sources of the merged feed, in their tie-break order on equal rank (higher first).
SRC_ENTRY = 1
SRC_STORE_NOTE = 0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- Writing (fan-out on write) --------------------------------------------------------------


def _followers_of(user_id: int) -> list[int]:
    return list(
        Follow.objects.filter(followee_id=user_id, follower__is_active=True).values_list(
            "follower_id", flat=True
        )
    )


def fan_out_note(note_id: str) -> int:
    """Put a person's new note into their followers' feeds; the number of entries written.
    Store notes are read at feed time instead, and a note already fanned out is skipped."""
    note = Note.objects.filter(pk=note_id, store__isnull=True, is_hidden=False).first()
    if note is None:
        return 0
    done = set(
        FeedEntry.objects.filter(note_id=note.pk, kind=ActivityKind.NOTE).values_list(
            "owner_id", flat=True
        )
    )
    entries = [
        FeedEntry(
            owner_id=owner_id,
            kind=ActivityKind.NOTE,
            actor_id=note.author_id,
            note_id=note.pk,
            rank=note.created_at,
            created_at=note.created_at,
        )
        for owner_id in _followers_of(note.author_id)
        if owner_id not in done
    ]
    FeedEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _shares(user_id: int, field: str) -> bool:
    """The actor's privacy choice now (a missing row means the defaults)."""
    found = PrivacySettings.objects.filter(user_id=user_id).values_list(field, flat=True).first()
    return bool(getattr(PrivacySettings(), field)) if found is None else bool(found)


def fan_out_purchase(order_id: str) -> int:
    """Tell the buyer's friends about a paid order's products, if the buyer shares purchases
    (off by default). One entry per friend and product, boosted."""
    order = Order.objects.filter(pk=order_id, paid_at__isnull=False).first()
    if order is None or not _shares(order.buyer_id, "share_purchases"):
        return 0
    product_ids = sorted(
        set(OrderItem.objects.filter(order_id=order.pk).values_list("product_id", flat=True))
    )
    when = order.paid_at or timezone.now()
    entries = [
        FeedEntry(
            owner_id=friend,
            kind=ActivityKind.PURCHASE,
            actor_id=order.buyer_id,
            store_id=order.store_id,
            product_id=product_id,
            rank=when + FRIEND_BOOST,
            created_at=when,
        )
        for friend in sorted(friend_ids(order.buyer_id))
        for product_id in product_ids
    ]
    FeedEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def fan_out_review(review_id: str) -> int:
    """Tell the author's friends about a review, if the author shares reviews (on by default).
    Anonymous and hidden reviews are never shared."""
    review = Review.objects.filter(pk=review_id, is_anonymous=False, is_hidden=False).first()
    if review is None or not _shares(review.author_id, "share_reviews"):
        return 0
    if FeedEntry.objects.filter(review_id=review.pk).exists():
        return 0
    entries = [
        FeedEntry(
            owner_id=friend,
            kind=ActivityKind.REVIEW,
            actor_id=review.author_id,
            store_id=review.store_id,
            product_id=review.product_id,
            review_id=review.pk,
            rank=review.created_at + FRIEND_BOOST,
            created_at=review.created_at,
        )
        for friend in sorted(friend_ids(review.author_id))
    ]
    FeedEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def note_published(note: Note) -> None:
    """The notes area's hook: a person's new note reaches their followers once committed
    (at once outside a transaction). Store notes need nothing: they are read at feed time."""
    if note.store_id is None:
        note_id = note.pk
        transaction.on_commit(lambda: fan_out_note(note_id), robust=True)


def backfill_person_notes(follower: User, followee: User) -> int:
    """A new follow brings the followee's latest notes into the follower's feed."""
    notes = list(
        Note.objects.filter(author=followee, store__isnull=True, is_hidden=False)
        .exclude(
            Exists(FeedEntry.objects.filter(owner=follower, note_id=OuterRef("pk"), kind="note"))
        )
        .order_by("-created_at")
        .values_list("pk", "created_at")[:BACKFILL_NOTES]
    )
    FeedEntry.objects.bulk_create(
        FeedEntry(
            owner=follower,
            kind=ActivityKind.NOTE,
            actor=followee,
            note_id=pk,
            rank=created,
            created_at=created,
        )
        for pk, created in notes
    )
    return len(notes)


def forget_after_unfollow(follower_id: int, followee_id: int) -> None:
    """`follower` unfollowed `followee`: the followee's entries leave the follower's feed, and
    the follower's friends-only activity leaves the followee's feed (no longer friends)."""
    FeedEntry.objects.filter(
        Q(owner_id=follower_id, actor_id=followee_id)
        | Q(owner_id=followee_id, actor_id=follower_id, kind__in=FRIENDS_ONLY_KINDS)
    ).delete()


def forget_between(a_id: int, b_id: int) -> None:
    """A block: each other's entries leave both feeds."""
    FeedEntry.objects.filter(
        Q(owner_id=a_id, actor_id=b_id) | Q(owner_id=b_id, actor_id=a_id)
    ).delete()


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    rank: datetime
    source: int
    id: str

    def encode(self) -> str:
        micros = (self.rank - EPOCH) // timedelta(microseconds=1)
        raw = json.dumps([micros, self.source, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            micros, source, ident = json.loads(raw)
            if source not in (SRC_ENTRY, SRC_STORE_NOTE) or not isinstance(ident, str | int):
                raise ValueError
            rank = EPOCH + timedelta(microseconds=int(micros))
            return cls(rank=rank, source=source, id=str(ident)[:32])
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput(
                _("This feed cursor is not valid."), code=SocialCode.BAD_CURSOR
            ) from None


def _after(cursor: Cursor | None, source: int, rank_field: str, id_value: object) -> Q:
    """Items of `source` that come after the cursor in (rank, source, id) descending order."""
    if cursor is None:
        return Q()
    before = Q(**{f"{rank_field}__lt": cursor.rank})
    if source < cursor.source:
        return before | Q(**{rank_field: cursor.rank})
    if source > cursor.source:
        return before
    return before | Q(**{rank_field: cursor.rank, "id__lt": id_value})


@dataclass
class FeedItem:
    """One rendered item: a note (a person's or a store's), a friend's purchase or review."""

    kind: str
    rank: datetime
    created_at: datetime
    source: int
    key: str
    actor: User | None = None
    note: Note | None = None
    product: Product | None = None
    review: Review | None = None
    review_id: str = ""
    image_url: str | None = None
    boosted: bool = False

    @property
    def cursor(self) -> Cursor:
        return Cursor(rank=self.rank, source=self.source, id=self.key)


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


def _entries(user: User, cursor: Cursor | None, size: int) -> list[FeedItem]:
    entry_id: object = None
    if cursor is not None and cursor.source == SRC_ENTRY:
        entry_id = int(cursor.id) if cursor.id.isdecimal() and len(cursor.id) < 19 else 0
    rows = (
        FeedEntry.objects.filter(owner=user)
        .filter(_after(cursor, SRC_ENTRY, "rank", entry_id))
        .exclude(note__is_hidden=True)
        .select_related("actor", "note", "note__author", "product", "product__store")
        .order_by("-rank", "-id")[:size]
    )
    return [
        FeedItem(
            kind=row.kind,
            rank=row.rank,
            created_at=row.created_at,
            source=SRC_ENTRY,
            key=str(row.pk),
            actor=row.actor,
            note=row.note,
            product=row.product,
            boosted=row.kind in FRIENDS_ONLY_KINDS,
            review_id=row.review_id,
        )
        for row in rows
    ]


def _store_notes(user: User, cursor: Cursor | None, size: int) -> list[FeedItem]:
    stores = Follow.objects.filter(follower=user, store__isnull=False).values("store_id")
    note_id = cursor.id if cursor is not None else None
    rows = (
        Note.objects.filter(store__in=stores, is_hidden=False, store__is_active=True)
        .filter(_after(cursor, SRC_STORE_NOTE, "created_at", note_id))
        .select_related("author", "store")
        .order_by("-created_at", "-id")[:size]
    )
    return [
        FeedItem(
            kind=ActivityKind.NOTE,
            rank=note.created_at,
            created_at=note.created_at,
            source=SRC_STORE_NOTE,
            key=note.pk,
            note=note,
        )
        for note in rows
    ]


def _first_images(
    images: QuerySet[NoteImage] | QuerySet[ProductImage], field: str, ids: Iterable[str]
) -> dict[str, str]:
    """The first image's thumbnail URL per parent id, in one query (none without ids)."""
    wanted = set(ids)
    if not wanted:
        return {}
    found: dict[str, str] = {}
    rows = images.filter(**{f"{field}__in": wanted}).order_by(field, "position", "created_at")
    for image in rows.only(field, "thumbnail", "position"):
        parent_id = getattr(image, field)
        if parent_id not in found and image.thumbnail:
            found[parent_id] = image.thumbnail.url
    return found


def _hydrate(items: list[FeedItem]) -> list[FeedItem]:
    """Attach note and product images and the reviews (three queries at most); drop items
    whose review has since been hidden or deleted."""
    review_ids = {i.review_id for i in items if i.review_id}
    reviews = (
        {
            r.pk: r
            for r in Review.objects.filter(pk__in=review_ids, is_hidden=False, is_anonymous=False)
        }
        if review_ids
        else {}
    )
    note_images = _first_images(
        NoteImage.objects.all(), "note_id", (i.note.pk for i in items if i.note)
    )
    product_images = _first_images(
        ProductImage.objects.all(), "product_id", (i.product.pk for i in items if i.product)
    )
    kept = []
    for item in items:
        if item.review_id:
            item.review = reviews.get(item.review_id)
            if item.review is None:
                continue
        if item.note is not None:
            item.image_url = note_images.get(item.note.pk)
        elif item.product is not None:
            item.image_url = product_images.get(item.product.pk)
        kept.append(item)
    return kept


def home_feed(user: User, cursor: str | None = None, limit: int = 20) -> FeedPage:
    """One page of the viewer's home feed, newest first (boosted friends' activity ranks as
    if 6 hours newer). The number of queries does not depend on `limit`."""
    size = max(1, min(int(limit), MAX_PAGE_SIZE))
    after = Cursor.decode(cursor) if cursor else None
    merged = _entries(user, after, size + 1) + _store_notes(user, after, size + 1)
    # Each list is already in database order; the stable sort keeps it within a source.
    merged.sort(key=lambda i: (i.rank, i.source), reverse=True)
    page, more = merged[:size], len(merged) > size
    next_cursor = page[-1].cursor.encode() if more and page else None
    return FeedPage(items=_hydrate(page), next_cursor=next_cursor)


def friends_who_bought(user: User | None, product_id: str) -> int:
    """How many of the viewer's friends bought the product and share their purchases (one
    query; none for an anonymous viewer)."""
    if user is None or not user.is_authenticated or not is_public_id(product_id):
        return 0
    bought = OrderItem.objects.filter(
        order__buyer_id=OuterRef("pk"), product_id=product_id, order__paid_at__isnull=False
    )
    return (
        User.objects.filter(friends_filter(user.pk), privacy__share_purchases=True)
        .filter(Exists(bought))
        .count()
    )


def friends_bought(user: User | None, limit: int = 20) -> dict[str, int]:
    """{product id: how many of the viewer's friends bought it}, for the products most friends
    bought (friends who share their purchases; paid orders; one query)."""
    if user is None or not user.is_authenticated:
        return {}
    sharing = User.objects.filter(friends_filter(user.pk), privacy__share_purchases=True)
    rows = (
        OrderItem.objects.filter(order__buyer__in=sharing, order__paid_at__isnull=False)
        .values("product_id")
        .annotate(n=Count("order__buyer_id", distinct=True))
        .order_by("-n", "product_id")[:limit]
    )
    return {row["product_id"]: row["n"] for row in rows}


def entries_for(user: User) -> QuerySet[FeedEntry]:
    """The user's stored feed entries (for operators and tests)."""
    return FeedEntry.objects.filter(owner=user)
