"""Reviews API (thin: schema in → service call → schema out), mounted at /api/v1/reviews.

Reviews never expose who wrote an anonymous review: authors appear only as `author_name`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from quanzi.core.schemas import Schema
from quanzi.orders.models import OrderItem
from quanzi.reviews import selectors, services
from quanzi.reviews.models import Review

router = Router()


class PhotoOut(Schema):
    id: str
    url: str
    thumbnail_url: str
    width: int
    height: int


class ReviewOut(Schema):
    id: str
    product_id: str
    stars: int
    text: str
    sku_label: str
    author_name: str
    author_avatar: str | None = None
    is_anonymous: bool
    photos: list[PhotoOut]
    merchant_reply: str
    replied_at: datetime | None = None
    created_at: datetime
    moderation: str = Field(
        description="visible; held (under review: shown to its author alone); hidden"
    )
    under_review: bool = Field(
        description="held while the platform checks it: only its author is shown it"
    )
    labels: list[str] = Field(
        default_factory=list,
        description="what buyers read beside it: 已验证购买 (every review), 来自圈子成员, …",
    )


class StoreReviewOut(ReviewOut):
    product_title: str
    is_hidden: bool


class PageMeta(Schema):
    count: int
    page: int
    pages: int
    page_size: int


class ProductReviewPageOut(PageMeta):
    rating: float | None = None
    rating_count: int
    items: list[ReviewOut]


class StoreReviewPageOut(PageMeta):
    items: list[StoreReviewOut]


class PendingItemOut(Schema):
    order_id: str
    item_id: str
    product_id: str
    title: str
    sku_label: str
    image_url: str
    received_at: datetime | None = None
    review_url: str


class PendingPageOut(PageMeta):
    items: list[PendingItemOut]


class ReplyIn(Schema):
    text: str


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(**_review_fields(review))


def store_review_out(review: Review) -> StoreReviewOut:
    return StoreReviewOut(
        **_review_fields(review), product_title=review.product.title, is_hidden=review.is_hidden
    )


def _review_fields(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "product_id": review.product_id,
        "stars": review.stars,
        "text": review.text,
        "sku_label": review.order_item.sku_label,
        "author_name": review.author_name,
        "author_avatar": review.author_avatar_url,
        "is_anonymous": review.is_anonymous,
        "photos": [
            PhotoOut(
                id=p.id,
                url=p.image.url,
                thumbnail_url=p.thumbnail.url,
                width=p.width,
                height=p.height,
            )
            for p in review.photos.all()
        ],
        "merchant_reply": review.merchant_reply,
        "replied_at": review.replied_at,
        "created_at": review.created_at,
        "moderation": review.moderation,
        "under_review": review.is_held,
        "labels": [str(label) for label in getattr(review, "labels", [])],
    }


def _meta(page: Page[Any]) -> dict[str, int]:
    return {"count": page.count, "page": page.number, "pages": page.pages, "page_size": page.size}


class ListQuery(Schema):
    page: int = 1
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    stars: int | None = Field(None, ge=1, le=5)


@router.post("", auth=AUTH, response={201: ReviewOut})
def create_review(
    request: HttpRequest,
    order_id: Form[str],
    item_id: Form[str],
    stars: Form[int],
    text: Form[str] = "",
    anonymous: Form[bool] = False,
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[ReviewOut]:
    """Review a received item (multipart): 1–5 stars, text ≤ 1000, up to 6 `photos`
    (repeated field; `photos[]` is accepted too, as form libraries name arrays)."""
    uploads = [*(photos or []), *request.FILES.getlist("photos[]")]
    review = services.write_review(
        current_user(request), order_id, item_id, stars, text, uploads, anonymous
    )
    return Status(201, review_out(review))


@router.get("/products/{product_id}", auth=None, response=ProductReviewPageOut)
def product_reviews(
    request: HttpRequest,
    product_id: str,
    filters: Query[ListQuery],
    with_photos: bool = False,
) -> ProductReviewPageOut:
    """A product's visible reviews, newest first; filter by `stars` or `with_photos`. A caller
    who identifies themself also gets their own reviews under review (`under_review`)."""
    product = selectors.public_product(product_id)
    page = selectors.product_reviews(
        product.id,
        stars=filters.stars,
        with_photos=with_photos,
        page=filters.page,
        page_size=filters.page_size,
        viewer=optional_user(request),
    )
    return ProductReviewPageOut(
        **_meta(page),
        rating=product.rating,
        rating_count=product.rating_count,
        items=[review_out(r) for r in page.items],
    )


@router.get("/pending", auth=AUTH, response=PendingPageOut)
def pending(
    request: HttpRequest,
    page: int = 1,
    page_size: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> PendingPageOut:
    """My received items that still wait for a review."""
    found = selectors.pending_items(current_user(request), page=page, page_size=page_size)
    return PendingPageOut(**_meta(found), items=[_pending_out(item) for item in found.items])


def _pending_out(item: OrderItem) -> PendingItemOut:
    return PendingItemOut(
        order_id=item.order_id,
        item_id=str(item.pk),
        product_id=item.product_id,
        title=item.title,
        sku_label=item.sku_label,
        image_url=item.image_url,
        received_at=item.order.received_at,
        review_url=reverse("reviews:new", args=[item.order_id, item.pk]),
    )


@router.post("/{review_id}/reply", auth=AUTH, response=StoreReviewOut)
def reply(request: HttpRequest, review_id: str, data: ReplyIn) -> StoreReviewOut:
    """The store's reply to a review (owner or staff); replying again replaces it."""
    review = services.reply(current_user(request), review_id, data.text)
    return store_review_out(review)


@router.get("/stores/{store_id}", auth=AUTH, response=StoreReviewPageOut)
def store_reviews(
    request: HttpRequest,
    store_id: str,
    filters: Query[ListQuery],
    unreplied: bool = False,
) -> StoreReviewPageOut:
    """The store's reviews for its staff, hidden ones included; `unreplied` for the to-do."""
    _, page = selectors.store_reviews(
        current_user(request),
        store_id,
        stars=filters.stars,
        unreplied=unreplied,
        page=filters.page,
        page_size=filters.page_size,
    )
    return StoreReviewPageOut(**_meta(page), items=[store_review_out(r) for r in page.items])
