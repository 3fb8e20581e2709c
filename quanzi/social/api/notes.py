"""Social API: notes (thin: schema in → service call → schema out).

Reads are public (a logged-in caller also sees whether they liked or collected a note); writes
need a login. A note of someone who blocked the caller is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from quanzi.core.schemas import Schema
from quanzi.social.models import Note, NoteComment
from quanzi.social.services import notes as services

router = Router(tags=["notes"])


class NoteAuthorOut(Schema):
    public_id: str
    name: str
    avatar_url: str | None = None


class StoreRefOut(Schema):
    id: str
    name: str


class NoteImageOut(Schema):
    id: str
    url: str
    thumbnail_url: str
    width: int
    height: int


class TaggedProductOut(Schema):
    id: str
    title: str
    price: int = Field(description="fen: the single SKU's price, else the lowest price")
    on_sale: bool
    image_url: str | None = None
    sku_id: str | None = Field(None, description="set when the product has one active SKU")


class NoteOut(Schema):
    id: str
    url: str
    title: str
    body: str
    author: NoteAuthorOut
    store: StoreRefOut | None = None
    images: list[NoteImageOut]
    products: list[TaggedProductOut]
    like_count: int
    collect_count: int
    comment_count: int
    liked: bool
    collected: bool
    created_at: datetime
    updated_at: datetime


class NotePageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[NoteOut]


class NoteStateOut(Schema):
    id: str
    liked: bool
    collected: bool
    like_count: int
    collect_count: int


class CommentOut(Schema):
    id: str
    text: str
    author: NoteAuthorOut
    reply_to: str | None = None
    reply_to_name: str | None = None
    created_at: datetime


class CommentPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[CommentOut]


class NoteUpdateIn(Schema):
    title: str | None = None
    body: str | None = None
    product_ids: list[str] | None = None


class CommentIn(Schema):
    text: str
    reply_to: str | None = None


class NotePageQuery(Schema):
    page: int = 1
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _person(user: User) -> NoteAuthorOut:
    return NoteAuthorOut(
        public_id=user.public_id,
        name=user.display_name,
        avatar_url=user.avatar.url if user.avatar else None,
    )


def _product(product: Product) -> TaggedProductOut:
    sku = services.single_active_sku(product)
    images = list(product.images.all())
    return TaggedProductOut(
        id=product.id,
        title=product.title,
        price=sku.price if sku else product.min_price,
        on_sale=product.is_public,
        image_url=images[0].thumbnail.url if images else None,
        sku_id=sku.id if sku else None,
    )


def note_out(note: Note) -> NoteOut:
    """A note loaded by the selectors (`visible_notes`), as the API shows it."""
    return NoteOut(
        id=note.id,
        url=reverse("social:note", args=[note.id]),
        title=note.title,
        body=note.body,
        author=_person(note.author),
        store=StoreRefOut(id=note.store.id, name=note.store.name) if note.store else None,
        images=[
            NoteImageOut(
                id=i.id,
                url=i.image.url,
                thumbnail_url=i.thumbnail.url,
                width=i.width,
                height=i.height,
            )
            for i in note.images.all()
        ],
        products=[_product(p) for p in note.products.all()],
        like_count=note.like_count,
        collect_count=note.collect_count,
        comment_count=note.comment_count,
        liked=bool(getattr(note, "viewer_liked", False)),
        collected=bool(getattr(note, "viewer_collected", False)),
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def _page(page: Page[Note]) -> NotePageOut:
    return NotePageOut(
        count=page.count,
        page=page.number,
        pages=page.pages,
        page_size=page.size,
        items=[note_out(n) for n in page.items],
    )


def _comment_out(comment: NoteComment) -> CommentOut:
    parent = comment.reply_to
    return CommentOut(
        id=comment.id,
        text=comment.text,
        author=_person(comment.author),
        reply_to=parent.id if parent else None,
        reply_to_name=parent.author.display_name if parent else None,
        created_at=comment.created_at,
    )


def _state(request: HttpRequest, note: Note) -> NoteStateOut:
    liked, collected = services.viewer_marks(current_user(request), note)
    return NoteStateOut(
        id=note.id,
        liked=liked,
        collected=collected,
        like_count=note.like_count,
        collect_count=note.collect_count,
    )


def _form_list(request: HttpRequest, name: str) -> list[str]:
    """A repeated form field (`name` or `name[]`), also accepting comma-separated values."""
    values = [*request.POST.getlist(name), *request.POST.getlist(f"{name}[]")]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# --- Fixed paths first ---------------------------------------------------------------------


@router.post("/notes", auth=AUTH, response={201: NoteOut})
def create_note(
    request: HttpRequest,
    title: Form[str],
    body: Form[str] = "",
    store_id: Form[str] = "",
    images: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[NoteOut]:
    """Publish a note (multipart): `title` ≤ 60, `body` ≤ 5000, up to 9 `images` (repeated;
    `images[]` too), up to 10 `product_ids` of on-sale products (repeated or comma-separated),
    `store_id` to write in a store's name (its owner or staff)."""
    uploads = [*(images or []), *request.FILES.getlist("images[]")]
    note = services.create_note(
        current_user(request),
        title=title,
        body=body,
        product_ids=_form_list(request, "product_ids"),
        images=uploads,
        store_id=store_id or None,
    )
    return Status(201, note_out(services.note_detail(current_user(request), note.id)))


@router.get("/me/collections", auth=AUTH, response=NotePageOut)
def my_collections(request: HttpRequest, paging: Query[NotePageQuery]) -> NotePageOut:
    """My collected notes, most recently collected first."""
    return _page(services.collected_notes(current_user(request), paging.page, paging.page_size))


@router.get("/users/{public_id}/notes", auth=None, response=NotePageOut)
def user_notes(request: HttpRequest, public_id: str, paging: Query[NotePageQuery]) -> NotePageOut:
    """A person's notes (not those written for a store), newest first."""
    viewer = optional_user(request)
    return _page(services.user_notes(viewer, public_id, paging.page, paging.page_size))


@router.get("/stores/{store_id}/notes", auth=None, response=NotePageOut)
def store_notes(request: HttpRequest, store_id: str, paging: Query[NotePageQuery]) -> NotePageOut:
    """Notes written in a store's name, newest first."""
    viewer = optional_user(request)
    _, page = services.store_notes(viewer, store_id, paging.page, paging.page_size)
    return _page(page)


@router.get("/products/{product_id}/notes", auth=None, response=NotePageOut)
def product_notes(
    request: HttpRequest, product_id: str, paging: Query[NotePageQuery]
) -> NotePageOut:
    """Notes tagging an on-sale product, newest first."""
    viewer = optional_user(request)
    return _page(services.product_notes(viewer, product_id, paging.page, paging.page_size))


# --- One note ------------------------------------------------------------------------------


@router.get("/notes/{note_id}", auth=None, response=NoteOut)
def get_note(request: HttpRequest, note_id: str) -> NoteOut:
    return note_out(services.note_detail(optional_user(request), note_id))


@router.patch("/notes/{note_id}", auth=AUTH, response=NoteOut)
def update_note(request: HttpRequest, note_id: str, data: NoteUpdateIn) -> NoteOut:
    """Edit one's note (author only); fields left out stay as they are."""
    user = current_user(request)
    services.update_note(
        user, note_id, title=data.title, body=data.body, product_ids=data.product_ids
    )
    return note_out(services.note_detail(user, note_id))


@router.delete("/notes/{note_id}", auth=AUTH, response={204: None})
def delete_note(request: HttpRequest, note_id: str) -> Status[None]:
    """Delete a note: its author, or a store's owner and staff for a store's note."""
    services.delete_note(current_user(request), note_id)
    return Status(204, None)


def _mark(request: HttpRequest, note_id: str, kind: str, on: bool) -> NoteStateOut:
    setter: Any = services.set_like if kind == "like" else services.set_collect
    return _state(request, setter(current_user(request), note_id, on))


@router.post("/notes/{note_id}/like", auth=AUTH, response=NoteStateOut)
def like(request: HttpRequest, note_id: str) -> NoteStateOut:
    """Like a note (idempotent)."""
    return _mark(request, note_id, "like", True)


@router.delete("/notes/{note_id}/like", auth=AUTH, response=NoteStateOut)
def unlike(request: HttpRequest, note_id: str) -> NoteStateOut:
    return _mark(request, note_id, "like", False)


@router.post("/notes/{note_id}/collect", auth=AUTH, response=NoteStateOut)
def collect(request: HttpRequest, note_id: str) -> NoteStateOut:
    """Collect (收藏) a note (idempotent)."""
    return _mark(request, note_id, "collect", True)


@router.delete("/notes/{note_id}/collect", auth=AUTH, response=NoteStateOut)
def uncollect(request: HttpRequest, note_id: str) -> NoteStateOut:
    return _mark(request, note_id, "collect", False)


@router.get("/notes/{note_id}/comments", auth=None, response=CommentPageOut)
def comments(request: HttpRequest, note_id: str, paging: Query[NotePageQuery]) -> CommentPageOut:
    """A note's comments, oldest first, flat (a reply names the comment it answers)."""
    page = services.note_comments(optional_user(request), note_id, paging.page, paging.page_size)
    return CommentPageOut(
        count=page.count,
        page=page.number,
        pages=page.pages,
        page_size=page.size,
        items=[_comment_out(c) for c in page.items],
    )


@router.post("/notes/{note_id}/comments", auth=AUTH, response={201: CommentOut})
def add_comment(request: HttpRequest, note_id: str, data: CommentIn) -> Status[CommentOut]:
    """Comment (≤ 500 characters), optionally replying to another comment of the note."""
    comment = services.add_comment(current_user(request), note_id, data.text, data.reply_to)
    return Status(201, _comment_out(comment))


@router.delete("/notes/{note_id}/comments/{comment_id}", auth=AUTH, response={204: None})
def delete_comment(request: HttpRequest, note_id: str, comment_id: str) -> Status[None]:
    """Delete a comment: its author, or the note's author."""
    services.delete_comment(current_user(request), note_id, comment_id)
    return Status(204, None)
