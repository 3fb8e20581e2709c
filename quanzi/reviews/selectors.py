"""Reads of reviews: the product page, the all-reviews list, the console and pending items.

Every list takes a constant number of queries whatever its length: authors, items and products
come through joins, photos through one prefetch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.core.errors import NotFound
from quanzi.core.pagination import DEFAULT_PAGE_SIZE, Page, paginate
from quanzi.orders.models import OrderItem, OrderStatus
from quanzi.reviews.labels import attach
from quanzi.reviews.models import MAX_STARS, Moderation, Review, ReviewPhoto
from quanzi.reviews.services import REVIEWABLE_STATUSES, Actor
from quanzi.stores.models import Store
from quanzi.stores.services import access_store


def _with_photos() -> Exists:
    return Exists(ReviewPhoto.objects.filter(review=OuterRef("pk")))


def _listed(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("author", "order_item").prefetch_related("photos")


def visible_reviews() -> QuerySet[Review]:
    """Reviews anyone may read (not hidden by moderation), newest first."""
    return Review.objects.filter(is_hidden=False).order_by("-created_at", "id")


def _own_held(viewer: User) -> Q:
    """The viewer's own reviews held while a suspected-fraud case is decided: never shown to
    anyone else, but never silently gone for their author (shown to them, under review)."""
    return Q(author=viewer, moderation=Moderation.HELD)


def _signed_in(viewer: User | None) -> User | None:
    return viewer if viewer is not None and viewer.is_authenticated else None


def listed_reviews(viewer: User | None = None) -> QuerySet[Review]:
    """What a list shows the viewer: the visible reviews and their own reviews under review."""
    person = _signed_in(viewer)
    if person is None:
        return visible_reviews()
    return Review.objects.filter(Q(is_hidden=False) | _own_held(person)).order_by(
        "-created_at", "id"
    )


def _mine_held(viewer: User | None) -> Value | ExpressionWrapper:
    person = _signed_in(viewer)
    if person is None:
        return Value(False)
    return ExpressionWrapper(_own_held(person), output_field=BooleanField())


def recent_reviews(product_id: str, limit: int = 5, *, viewer: User | None = None) -> list[Review]:
    """The product's most recent visible reviews (and the viewer's own under review), newest
    first."""
    return attach(list(_listed(listed_reviews(viewer).filter(product_id=product_id))[:limit]))


def highlighted_reviews(
    product_id: str, limit: int = 5, *, viewer: User | None = None
) -> list[Review]:
    """The reviews the product page shows: the viewer's own under review first (so they see it
    is held), then those with photos (real buyers' pictures are the strongest proof), newest
    first within each."""
    queryset = (
        listed_reviews(viewer)
        .filter(product_id=product_id)
        .alias(
            has_photos=_with_photos(),
            mine_held=_mine_held(viewer),
        )
        .order_by("-mine_held", "-has_photos", "-created_at", "id")
    )
    return attach(list(_listed(queryset)[:limit]))


def public_product(product_id: str) -> Product:
    """A product whose reviews are public: one the storefront shows (on shelf, store open)."""
    product = (
        Product.objects.filter(pk=product_id, on_shelf=True, store__is_active=True)
        .select_related("store")
        .first()
    )
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def _filtered(queryset: QuerySet[Review], stars: int | None, with_photos: bool) -> QuerySet[Review]:
    if stars is not None and 1 <= stars <= MAX_STARS:
        queryset = queryset.filter(stars=stars)
    if with_photos:
        queryset = queryset.filter(_with_photos())
    return queryset


def product_reviews(
    product_id: str,
    *,
    stars: int | None = None,
    with_photos: bool = False,
    page: int | None = 1,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    viewer: User | None = None,
) -> Page[Review]:
    """A page of the product's visible reviews, optionally only `stars` or only with photos;
    the viewer's own reviews under review are in it too (to them alone)."""
    queryset = _filtered(listed_reviews(viewer).filter(product_id=product_id), stars, with_photos)
    found = paginate(_listed(queryset), page, page_size)
    attach(found.items)
    return found


@dataclass(frozen=True)
class Breakdown:
    """How many visible reviews have each number of stars, and how many have photos."""

    by_stars: dict[int, int]
    with_photos: int
    total: int


def rating_breakdown(product_id: str) -> Breakdown:
    """Counts for the filter chips of the all-reviews page, in one query."""
    counts = {f"s{n}": Count("pk", filter=Q(stars=n)) for n in range(1, MAX_STARS + 1)}
    row = (
        visible_reviews()
        .filter(product_id=product_id)
        .annotate(has_photos=_with_photos())
        .aggregate(total=Count("pk"), photos=Count("pk", filter=Q(has_photos=True)), **counts)
    )
    by_stars = {n: row[f"s{n}"] for n in range(MAX_STARS, 0, -1)}
    return Breakdown(by_stars=by_stars, with_photos=row["photos"], total=row["total"])


def store_reviews(
    user: Actor,
    store_id: str,
    *,
    stars: int | None = None,
    unreplied: bool = False,
    page: int | None = 1,
    page_size: int | None = DEFAULT_PAGE_SIZE,
) -> tuple[Store, Page[Review]]:
    """The store's reviews for its console (hidden ones included, marked), newest first."""
    store = access_store(user if isinstance(user, User) else None, store_id)
    queryset = _filtered(Review.objects.filter(store=store), stars, False)
    if unreplied:
        queryset = queryset.filter(merchant_reply="")
    queryset = _listed(queryset).select_related("product").order_by("-created_at", "id")
    return store, paginate(queryset, page, page_size)


def pending_items(
    user: User, *, page: int | None = 1, page_size: int | None = DEFAULT_PAGE_SIZE
) -> Page[OrderItem]:
    """The user's received items still waiting for a review, most recently received first."""
    reviewable = Q(order__status__in=REVIEWABLE_STATUSES) | Q(
        order__status=OrderStatus.AFTER_SALES,
        order__status_before_after_sales__in=REVIEWABLE_STATUSES,
    )
    queryset = (
        OrderItem.objects.filter(reviewable, order__buyer=user)
        .filter(~Exists(Review.objects.filter(order_item=OuterRef("pk"))))
        .select_related("order")
        .order_by(F("order__received_at").desc(nulls_last=True), "-order__created_at", "pk")
    )
    return paginate(queryset, page, page_size)


def reviewed_item_ids(item_ids: Iterable[str]) -> set[str]:
    """Which of these order items already have a review, in one query (for order pages)."""
    return set(
        Review.objects.filter(order_item_id__in=list(item_ids)).values_list(
            "order_item_id", flat=True
        )
    )


def held_reviews_of_orders(order_ids: Iterable[str]) -> list[Review]:
    """The buyers' reviews under review among these orders' items (for the order pages)."""
    return list(
        Review.objects.filter(
            order_item__order_id__in=list(order_ids),
            moderation=Moderation.HELD,
            author_id=F("order_item__order__buyer_id"),
        )
        .select_related("order_item")
        .order_by("created_at", "id")
    )
