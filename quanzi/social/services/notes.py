"""Notes (笔记): writing, editing and deleting notes, likes, collects and comments, and the reads
the pages and the API show.

Counters on `Note` (likes, collects, comments) only change together with the row they count,
by a conditional `F()` update in the same transaction: the unique constraints make a double
click insert one row, and a counter never drops below zero. Every list takes a constant number
of queries whatever its length (joins for author and store, prefetches for images, products).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from functools import partial

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.errors import CatalogCode
from quanzi.catalog.models import Product, ProductImage, Sku
from quanzi.core.errors import CoreCode, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.images import PreparedImage, delete_files, prepare_image, save_image_rows
from quanzi.core.pagination import Page, paginate
from quanzi.core.validation import clean_text
from quanzi.social import signals
from quanzi.social.errors import SocialCode
from quanzi.social.models import Block, Note, NoteCollect, NoteComment, NoteImage, NoteLike
from quanzi.social.services.graph import is_blocked_between
from quanzi.stores.models import Store, StoreStaff
from quanzi.stores.services import access_store
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record

Actor = User | AnonymousUser | None

MAX_TITLE = 60
MAX_BODY = 5000
MAX_IMAGES = 9
MAX_PRODUCTS = 10
MAX_COMMENT = 500


# --- Helpers -------------------------------------------------------------------------------


def _require_user(user: Actor) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def _viewer(user: Actor) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


_clean_text = partial(
    clean_text, multiline=True, missing_code=CoreCode.REQUIRED, too_long_code=CoreCode.TEXT_TOO_LONG
)


def _clean_products(product_ids: Iterable[str]) -> list[Product]:
    """The tagged products, in the given order; each must be on shelf in an open store."""
    ids = list(dict.fromkeys(p.strip() for p in product_ids if p and p.strip()))
    if len(ids) > MAX_PRODUCTS:
        raise InvalidInput(
            _("At most %(n)d products per note.") % {"n": MAX_PRODUCTS},
            code=SocialCode.TOO_MANY_PRODUCTS,
            field="product_ids",
        )
    if not all(is_public_id(pid) for pid in ids):
        raise _product_unavailable()
    found = {
        p.id: p for p in Product.objects.filter(pk__in=ids, on_shelf=True, store__is_active=True)
    }
    if len(found) != len(ids):
        raise _product_unavailable()
    return [found[pid] for pid in ids]


def _product_unavailable() -> InvalidInput:
    return InvalidInput(
        _("Only products that are on sale can be tagged."),
        code=SocialCode.PRODUCT_UNAVAILABLE,
        field="product_ids",
    )


# --- Images (checked and thumbnailed before anything is written) ---------------------------


def _prepare_images(images: Sequence[UploadedFile]) -> list[PreparedImage]:
    if len(images) > MAX_IMAGES:
        raise InvalidInput(
            _("At most %(n)d images per note.") % {"n": MAX_IMAGES},
            code=CatalogCode.TOO_MANY_IMAGES,
            field="images",
        )
    return [prepare_image(upload, field="images") for upload in images]


# --- Writing notes -------------------------------------------------------------------------


def create_note(
    user: Actor,
    *,
    title: str,
    body: str = "",
    product_ids: Iterable[str] = (),
    images: Sequence[UploadedFile] = (),
    store_id: str | None = None,
) -> Note:
    """Publish a note as a person, or in a store's name (owner or staff). All or nothing: a bad
    image or product leaves no note and no file."""
    author = _require_user(user)
    store = access_store(author, store_id, need="staff") if store_id else None
    clean_title = _clean_text(title, field="title", max_length=MAX_TITLE, required=True)
    clean_body = _clean_text(body, field="body", max_length=MAX_BODY)
    products = _clean_products(product_ids)
    pictures = _prepare_images(list(images))
    written: list[str] = []
    try:
        with transaction.atomic():
            note = Note.objects.create(
                author=author, store=store, title=clean_title, body=clean_body
            )
            note.products.set(products)
            save_image_rows(
                (
                    (NoteImage(note=note, width=p.width, height=p.height, position=i), p)
                    for i, p in enumerate(pictures)
                ),
                written,
            )
    except BaseException:
        delete_files(written)
        raise
    _announce(note)
    send_on_commit(
        signals.note_published, Note, note_id=note.pk, author_id=author.pk, store_id=note.store_id
    )
    return note


def _announce(note: Note) -> None:
    """Tell the feed a note is out. The feed area lands together with notes, so its hook is
    looked up rather than imported (the only such guard in this module)."""
    name = "quanzi.social.services.feed"
    if importlib.util.find_spec(name) is None:
        return
    hook = getattr(importlib.import_module(name), "note_published", None)
    if hook is not None:
        hook(note)


def _note_for_viewer(viewer: User | None, note_id: str) -> Note:
    """A published note the viewer may see: hidden notes and notes of someone who blocked the
    viewer are 'not found'."""
    if not is_public_id(note_id):
        raise NotFound(_("Note not found."))
    note = (
        Note.objects.select_related("author", "store").filter(pk=note_id, is_hidden=False).first()
    )
    if note is None or (
        viewer is not None
        and Block.objects.filter(blocker_id=note.author_id, blocked=viewer).exists()
    ):
        raise NotFound(_("Note not found."))
    return note


def _is_store_staff(user: User, store_id: str | None) -> bool:
    return bool(store_id) and StoreStaff.objects.filter(store_id=store_id, user=user).exists()


def can_manage(user: Actor, note: Note) -> bool:
    """Author, or for a store's note its owner and staff: may delete it and its comments."""
    viewer = _viewer(user)
    if viewer is None:
        return False
    return note.author_id == viewer.pk or _is_store_staff(viewer, note.store_id)


def editable_note(user: Actor, note_id: str) -> Note:
    """The note if `user` wrote it (only the author edits); someone else's is 403."""
    author = _require_user(user)
    note = _note_for_viewer(author, note_id)
    if note.author_id != author.pk:
        raise PermissionDenied(_("Only the author can edit this note."))
    return note


def update_note(
    user: Actor,
    note_id: str,
    *,
    title: str | None = None,
    body: str | None = None,
    product_ids: Iterable[str] | None = None,
) -> Note:
    """Change the text or the tagged products of one's note (None leaves a field as it is)."""
    note = editable_note(user, note_id)
    if title is not None:
        note.title = _clean_text(title, field="title", max_length=MAX_TITLE, required=True)
    if body is not None:
        note.body = _clean_text(body, field="body", max_length=MAX_BODY)
    products = _clean_products(product_ids) if product_ids is not None else None
    with transaction.atomic():
        note.save(update_fields=["title", "body", "updated_at"])
        if products is not None:
            note.products.set(products)
    return note


def delete_note(user: Actor, note_id: str) -> None:
    """Delete a note (author; store staff for a store's note), its images' files too."""
    actor = _require_user(user)
    note = _note_for_viewer(actor, note_id)
    if not can_manage(actor, note):
        raise PermissionDenied(_("You cannot delete this note."))
    names: list[str | None] = []
    for row in NoteImage.objects.filter(note=note):
        names += [row.image.name, row.thumbnail.name]
    note.delete()
    transaction.on_commit(lambda: delete_files(names))


# --- Likes and collects --------------------------------------------------------------------


def _record(kind: str, actor: User, note: Note) -> None:
    """Count an interaction with a note for the insights, under the store of the first product
    it is about (none: the platform's)."""
    store_id = note.products.values_list("store_id", flat=True).first() or ""
    record(kind, store_id=store_id, user_id=actor.pk, ref=note.pk)


def _check_not_blocked(actor: User, other_id: int) -> None:
    if actor.pk != other_id and is_blocked_between(actor.pk, other_id):
        raise PermissionDenied(_("You cannot interact with this person."), code=SocialCode.BLOCKED)


def _set_mark(
    user: Actor, note_id: str, model: type[NoteLike] | type[NoteCollect], counter: str, on: bool
) -> Note:
    actor = _require_user(user)
    note = _note_for_viewer(actor, note_id)
    if on:
        _check_not_blocked(actor, note.author_id)
        try:
            with transaction.atomic():
                model.objects.create(note=note, user=actor)
                Note.objects.filter(pk=note.pk).update(**{counter: F(counter) + 1})
                if model is NoteLike:
                    _record(EventKind.LIKE, actor, note)
        except IntegrityError:
            pass  # already marked (a double click): nothing changes
    else:
        with transaction.atomic():
            removed, _detail = model.objects.filter(note=note, user=actor).delete()
            if removed:
                Note.objects.filter(pk=note.pk, **{f"{counter}__gt": 0}).update(
                    **{counter: F(counter) - 1}
                )
    note.refresh_from_db(fields=["like_count", "collect_count", "comment_count"])
    return note


def set_like(user: Actor, note_id: str, liked: bool) -> Note:
    """Like (or unlike) a note; idempotent: liking twice counts once."""
    return _set_mark(user, note_id, NoteLike, "like_count", liked)


def set_collect(user: Actor, note_id: str, collected: bool) -> Note:
    """Collect (收藏) or uncollect a note; idempotent."""
    return _set_mark(user, note_id, NoteCollect, "collect_count", collected)


# --- Comments ------------------------------------------------------------------------------


def add_comment(user: Actor, note_id: str, text: str, reply_to: str | None = None) -> NoteComment:
    """Comment on a note, or answer another comment of it (one level: shown flat)."""
    actor = _require_user(user)
    note = _note_for_viewer(actor, note_id)
    _check_not_blocked(actor, note.author_id)
    clean = _clean_text(text, field="text", max_length=MAX_COMMENT, required=True)
    parent = None
    if reply_to:
        parent = (
            NoteComment.objects.filter(pk=reply_to, note=note, is_hidden=False).first()
            if is_public_id(reply_to)
            else None
        )
        if parent is None:
            raise InvalidInput(
                _("That comment no longer exists."), code=SocialCode.BAD_REPLY, field="reply_to"
            )
        _check_not_blocked(actor, parent.author_id)
    with transaction.atomic():
        comment = NoteComment.objects.create(note=note, author=actor, text=clean, reply_to=parent)
        Note.objects.filter(pk=note.pk).update(comment_count=F("comment_count") + 1)
        _record(EventKind.COMMENT, actor, note)
        send_on_commit(
            signals.comment_added,
            NoteComment,
            note_id=note.pk,
            comment_id=comment.pk,
            author_id=actor.pk,
        )
    return comment


def delete_comment(user: Actor, note_id: str, comment_id: str) -> None:
    """The comment's author deletes it; so may the note's author (and a store's staff)."""
    actor = _require_user(user)
    note = _note_for_viewer(actor, note_id)
    comment = (
        NoteComment.objects.filter(pk=comment_id, note=note).first()
        if is_public_id(comment_id)
        else None
    )
    if comment is None:
        raise NotFound(_("Comment not found."))
    if comment.author_id != actor.pk and not can_manage(actor, note):
        raise PermissionDenied(_("You cannot delete this comment."))
    with transaction.atomic():
        if NoteComment.objects.filter(pk=comment.pk).delete()[0]:
            Note.objects.filter(pk=note.pk, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )


# --- Reads ---------------------------------------------------------------------------------


def _tagged_products() -> QuerySet[Product]:
    """Tagged products with store, first image and active SKUs (`active_skus`), prefetched."""
    return (
        Product.objects.defer("description", "search_text", "search_title")
        .select_related("store")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at")),
            Prefetch(
                "skus",
                queryset=Sku.objects.filter(is_active=True).order_by("created_at", "id"),
                to_attr="active_skus",
            ),
        )
    )


def visible_notes(viewer: Actor = None) -> QuerySet[Note]:
    """Notes anyone may read, newest first, without those of people who blocked the viewer;
    each with author, store, images and tagged products loaded and `viewer_liked` /
    `viewer_collected` annotated."""
    person = _viewer(viewer)
    notes = Note.objects.filter(is_hidden=False)
    if person is not None:
        notes = notes.exclude(
            Exists(Block.objects.filter(blocker=OuterRef("author"), blocked=person))
        ).annotate(
            viewer_liked=Exists(NoteLike.objects.filter(note=OuterRef("pk"), user=person)),
            viewer_collected=Exists(NoteCollect.objects.filter(note=OuterRef("pk"), user=person)),
        )
    else:
        notes = notes.annotate(viewer_liked=Value(False), viewer_collected=Value(False))
    return (
        notes.select_related("author", "store")
        .prefetch_related("images", Prefetch("products", queryset=_tagged_products()))
        .order_by("-created_at", "id")
    )


def note_detail(viewer: Actor, note_id: str) -> Note:
    """One note with everything its page shows, in a constant number of queries."""
    if not is_public_id(note_id):
        raise NotFound(_("Note not found."))
    note = visible_notes(viewer).filter(pk=note_id).first()
    if note is None:
        raise NotFound(_("Note not found."))
    return note


def user_notes(
    viewer: Actor, public_id: str, page: int | None = None, page_size: int | None = None
) -> Page[Note]:
    """A person's own notes (not those written for a store); 404 for someone who blocked the
    viewer or an unknown person."""
    person = User.objects.filter(public_id=public_id, is_active=True).first()
    me = _viewer(viewer)
    if person is None or (
        me is not None and Block.objects.filter(blocker=person, blocked=me).exists()
    ):
        raise NotFound(_("Person not found."))
    notes = visible_notes(viewer).filter(author=person, store__isnull=True)
    return paginate(notes, page, page_size)


def store_notes(
    viewer: Actor, store_id: str, page: int | None = None, page_size: int | None = None
) -> tuple[Store, Page[Note]]:
    """The notes written in a store's name."""
    store = access_store(_viewer(viewer), store_id, need="read") if is_public_id(store_id) else None
    if store is None:
        raise NotFound(_("Store not found."))
    return store, paginate(visible_notes(viewer).filter(store=store), page, page_size)


def collected_notes(
    user: Actor, page: int | None = None, page_size: int | None = None
) -> Page[Note]:
    """My collected notes, most recently collected first."""
    me = _require_user(user)
    notes = (
        visible_notes(me)
        .filter(collects__user=me)
        .order_by("-collects__created_at", "-created_at", "id")
    )
    return paginate(notes, page, page_size)


def popular_notes(
    viewer: Actor = None, page: int | None = None, page_size: int | None = None
) -> Page[Note]:
    """发现: the notes people engage with most (a collect counts twice: it means "I will come
    back to this"), newest first among equals; open to visitors."""
    score = F("like_count") + 2 * F("collect_count") + F("comment_count")
    notes = visible_notes(viewer).alias(score=score).order_by("-score", "-created_at", "id")
    return paginate(notes, page, page_size)


def notes_for_product(product_id: str, limit: int = 4, viewer: Actor = None) -> list[Note]:
    """The newest notes tagging a product (for the product page)."""
    if not is_public_id(product_id):
        return []
    return list(visible_notes(viewer).filter(products__pk=product_id)[:limit])


def product_notes(
    viewer: Actor, product_id: str, page: int | None = None, page_size: int | None = None
) -> Page[Note]:
    """All notes tagging a visible product, paginated."""
    if (
        not is_public_id(product_id)
        or not Product.objects.filter(pk=product_id, on_shelf=True, store__is_active=True).exists()
    ):
        raise NotFound(_("Product not found."))
    return paginate(visible_notes(viewer).filter(products__pk=product_id), page, page_size)


def note_comments(
    viewer: Actor, note_id: str, page: int | None = None, page_size: int | None = None
) -> Page[NoteComment]:
    """A note's comments, oldest first, flat, each with its author and the author replied to."""
    note = _note_for_viewer(_viewer(viewer), note_id)
    comments = (
        NoteComment.objects.filter(note=note, is_hidden=False)
        .select_related("author", "reply_to__author")
        .order_by("created_at", "id")
    )
    return paginate(comments, page, page_size)


def single_active_sku(product: Product) -> Sku | None:
    """The product's only active SKU (a one-click buy), or None when there is a choice."""
    skus: list[Sku] = getattr(product, "active_skus", None) or list(
        product.skus.filter(is_active=True)
    )
    return skus[0] if len(skus) == 1 else None


def recent_bought_products(user: Actor, limit: int = 20) -> list[Product]:
    """Products the person bought lately that are still on sale (the note form's picker)."""
    from quanzi.orders.models import OrderItem

    me = _viewer(user)
    if me is None:
        return []
    bought = OrderItem.objects.filter(order__buyer=me).values("product_id")
    return list(
        Product.objects.filter(pk__in=bought, on_shelf=True, store__is_active=True)
        .select_related("store")
        .order_by("-created_at")[:limit]
    )


def search_products(query: str, limit: int = 20) -> list[Product]:
    """On-sale products whose title contains the words typed (the note form's picker)."""
    text = (query or "").strip()[:60]
    if not text:
        return []
    return list(
        Product.objects.filter(on_shelf=True, store__is_active=True, title__icontains=text)
        .select_related("store")
        .order_by("-sales_count", "-created_at")[:limit]
    )


def viewer_marks(user: Actor, note: Note) -> tuple[bool, bool]:
    """(liked, collected) of the note by the person."""
    me = _viewer(user)
    if me is None:
        return False, False
    liked = NoteLike.objects.filter(note=note, user=me).exists()
    return liked, NoteCollect.objects.filter(note=note, user=me).exists()
