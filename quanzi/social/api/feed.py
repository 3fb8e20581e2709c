"""Social API: feed (thin: schema in → service call → schema out)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.accounts.models import User
from quanzi.core.schemas import Schema
from quanzi.social.services import feed

router = Router()
EXCERPT = 140


class ActorOut(Schema):
    id: str
    display_name: str
    avatar: str | None = None


class NoteCardOut(Schema):
    id: str
    title: str
    author: ActorOut
    store_id: str | None = None
    store_name: str | None = None
    like_count: int
    image: str | None = None


class ProductCardOut(Schema):
    id: str
    title: str
    min_price: int = Field(description="fen")
    image: str | None = None
    store_name: str
    buyable: bool
    url: str


class FeedReviewOut(Schema):
    id: str
    stars: int
    excerpt: str


class FeedItemOut(Schema):
    kind: str = Field(description="note, purchase or review")
    created_at: datetime
    boosted: bool = Field(description="a friend's activity, ranked as if 6 hours newer")
    actor: ActorOut | None = None
    note: NoteCardOut | None = None
    product: ProductCardOut | None = None
    review: FeedReviewOut | None = None


class FeedPageOut(Schema):
    items: list[FeedItemOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class FeedQuery(Schema):
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=feed.MAX_PAGE_SIZE)


class FriendsBoughtOut(Schema):
    product_id: str
    friends: int


def _actor(user: User) -> ActorOut:
    return ActorOut(
        id=user.public_id,
        display_name=user.display_name,
        avatar=user.avatar.url if user.avatar else None,
    )


def item_out(item: feed.FeedItem) -> FeedItemOut:
    out = FeedItemOut(
        kind=item.kind,
        created_at=item.created_at,
        boosted=item.boosted,
        actor=_actor(item.actor) if item.actor else None,
    )
    if item.note is not None:
        note = item.note
        out.note = NoteCardOut(
            id=note.pk,
            title=note.title,
            author=_actor(note.author),
            store_id=note.store_id,
            store_name=note.store.name if note.store_id and note.store else None,
            like_count=note.like_count,
            image=item.image_url,
        )
    if item.product is not None:
        product = item.product
        out.product = ProductCardOut(
            id=product.pk,
            title=product.title,
            min_price=product.min_price,
            image=item.image_url,
            store_name=product.store.name,
            buyable=product.is_public,
            url=reverse("catalog:detail", args=[product.pk]),
        )
    if item.review is not None:
        out.review = FeedReviewOut(
            id=item.review.pk, stars=item.review.stars, excerpt=item.review.text[:EXCERPT]
        )
    return out


@router.get("/feed", response=FeedPageOut, auth=AUTH)
def home_feed(request: HttpRequest, q: Query[FeedQuery]) -> FeedPageOut:
    """Your home feed, newest first: notes of the people and stores you follow, and your
    friends' purchases and reviews where they share them. Follow `next_cursor` for more."""
    page = feed.home_feed(current_user(request), q.cursor, q.limit)
    return FeedPageOut(items=[item_out(i) for i in page.items], next_cursor=page.next_cursor)


@router.get("/products/{product_id}/friends-bought", response=FriendsBoughtOut, auth=None)
def friends_bought(request: HttpRequest, product_id: str) -> FriendsBoughtOut:
    """How many of your friends bought this product (those who share purchases); 0 when
    anonymous."""
    count = feed.friends_who_bought(optional_user(request), product_id)
    return FriendsBoughtOut(product_id=product_id, friends=count)
