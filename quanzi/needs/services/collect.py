"""Collecting: which community text becomes a `TextItem` of which store, and when it stops
counting. The receivers (`quanzi.needs.receivers`) call these after the source's transaction
committed; each is idempotent (an item is keyed by store, source and source id), so a signal
heard twice or a backfill over old rows makes each item once.

What is collected, per store:

- chat: text messages in the store's own circles (`circle.store` set), not those of the
  store's own people; never an interest circle (no store), never another store's circle;
- notes: a note tagging the store's products, or the store's own note (one item per store when
  a note tags products of several stores), and the comments on them;
- reviews of the store's products (not hidden, with words);
- after-sales: the buyer's reason and the buyer's lines of the request's thread.

A recalled or removed message, a deleted or hidden note, comment or review loses its item (and
its wish mentions, whose wishes are counted again)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction

from quanzi.needs.models import Source, TextItem, WishMention
from quanzi.stores.models import StoreStaff

log = logging.getLogger("quanzi.needs")

MAX_TEXT = 5000


def _is_staff(store_id: str, user_id: int | None) -> bool:
    return (
        user_id is not None
        and StoreStaff.objects.filter(store_id=store_id, user_id=user_id).exists()
    )


def _keep(
    *,
    store_id: str,
    source: str,
    source_id: str,
    author_id: int,
    text: str,
    written_at: datetime,
    circle_id: str | None = None,
    product_id: str | None = None,
) -> TextItem | None:
    """Create or refresh the item; a changed text is analysed again (its mentions go)."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        forget(source, [source_id], store_id=store_id)
        return None
    item = TextItem.objects.filter(store_id=store_id, source=source, source_id=source_id).first()
    if item is None:
        item, _created = TextItem.objects.get_or_create(
            store_id=store_id,
            source=source,
            source_id=source_id,
            defaults={
                "author_id": author_id,
                "text": text,
                "written_at": written_at,
                "circle_id": circle_id,
                "product_id": product_id,
            },
        )
        return item
    if item.text != text or item.product_id != product_id:
        touched = _drop_mentions([item.pk])
        TextItem.objects.filter(pk=item.pk).update(
            text=text, product_id=product_id, analysed_at=None, sentiment="", model=""
        )
        _recount(touched)
        item.refresh_from_db()
    return item


def _drop_mentions(item_ids: Iterable[int]) -> set[str]:
    mentions = WishMention.objects.filter(item_id__in=list(item_ids))
    touched = set(mentions.values_list("wish_id", flat=True))
    mentions.delete()
    return touched


def _recount(wish_ids: set[str]) -> None:
    if wish_ids:
        from quanzi.needs.services.wishes import recount

        recount(wish_ids)


def forget(source: str, source_ids: Iterable[str], *, store_id: str | None = None) -> int:
    """The sources stop counting: their items, mentions and the wishes' counts."""
    qs = TextItem.objects.filter(source=source, source_id__in=list(source_ids))
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    with transaction.atomic():
        ids = list(qs.values_list("pk", flat=True))
        if not ids:
            return 0
        touched = _drop_mentions(ids)
        TextItem.objects.filter(pk__in=ids).delete()
        _recount(touched)
    return len(ids)


# --- Chat ------------------------------------------------------------------------------------


def _relaxed_commit() -> None:
    """On PostgreSQL, this transaction's commit does not wait for the disk (the chat's request
    path pays no second flush for its item). A crash in the next instant can lose the item,
    never the message; `manage.py needs_backfill` collects it again."""
    from django.db import connection

    if connection.vendor == "postgresql" and getattr(settings, "NEEDS_RELAXED_COMMIT", True):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def collect_sent_message(message_id: str, store_id: str) -> bool:
    """The receiver's path for a new message of a store circle: one read (a text message, not
    recalled or removed, not by the store's own people) and one insert that a repeat leaves
    alone. Answers whether the message is the store's text."""
    from quanzi.circles.models import Message, MessageKind

    row = (
        Message.objects.filter(
            pk=message_id,
            circle__store_id=store_id,
            kind=MessageKind.TEXT,
            recalled_at=None,
            removed_at=None,
            sender__isnull=False,
        )
        .exclude(sender_id__in=StoreStaff.objects.filter(store_id=store_id).values("user_id"))
        .values_list("text", "created_at", "circle_id", "sender_id")
        .first()
    )
    if row is None or not row[0].strip():
        return False
    text, written_at, circle_id, sender_id = row
    with transaction.atomic():
        _relaxed_commit()
        TextItem.objects.bulk_create(
            [
                TextItem(
                    store_id=store_id,
                    source=Source.CHAT,
                    source_id=message_id,
                    circle_id=circle_id,
                    author_id=sender_id,
                    text=text.strip()[:MAX_TEXT],
                    written_at=written_at,
                )
            ],
            ignore_conflicts=True,
        )
    return True


def collect_message(message_id: str) -> TextItem | None:
    from quanzi.circles.models import Message, MessageKind

    message = (
        Message.objects.filter(pk=message_id)
        .select_related("circle")
        .only(
            "pk",
            "text",
            "kind",
            "sender_id",
            "created_at",
            "recalled_at",
            "removed_at",
            "circle__store_id",
        )
        .first()
    )
    if message is None:
        return None
    store_id = message.circle.store_id
    if (
        store_id is None  # an interest circle: never read
        or message.kind != MessageKind.TEXT
        or message.sender_id is None
        or message.recalled_at is not None
        or message.removed_at is not None
        or _is_staff(store_id, message.sender_id)
    ):
        if store_id is not None:
            forget(Source.CHAT, [message.pk], store_id=store_id)
        return None
    return _keep(
        store_id=store_id,
        source=Source.CHAT,
        source_id=message.pk,
        author_id=message.sender_id,
        text=message.text,
        written_at=message.created_at,
        circle_id=message.circle_id,
    )


# --- Notes and comments ----------------------------------------------------------------------


def _note_stores(note_id: str) -> dict[str, str | None]:
    """{store id: its first tagged product} of the stores a note is about."""
    from quanzi.social.models import Note

    note = Note.objects.filter(pk=note_id).only("pk", "store_id", "is_hidden").first()
    if note is None or note.is_hidden:
        return {}
    stores: dict[str, str | None] = {}
    for product_id, store_id in note.products.order_by("pk").values_list("pk", "store_id"):
        stores.setdefault(store_id, product_id)
    if note.store_id and note.store_id not in stores:
        stores[note.store_id] = None
    return stores


def collect_note(note_id: str) -> list[TextItem]:
    from quanzi.social.models import Note

    note = Note.objects.filter(pk=note_id).first()
    stores = _note_stores(note_id)
    kept: list[TextItem] = []
    stale = TextItem.objects.filter(source=Source.NOTE, source_id=note_id).exclude(
        store_id__in=list(stores)
    )
    for store_id in set(stale.values_list("store_id", flat=True)):
        forget(Source.NOTE, [note_id], store_id=store_id)
    if note is None:
        return kept
    for store_id, product_id in stores.items():
        if _is_staff(store_id, note.author_id):
            continue  # the store's own words are not a customer's need
        item = _keep(
            store_id=store_id,
            source=Source.NOTE,
            source_id=note.pk,
            author_id=note.author_id,
            text=f"{note.title}\n{note.body}".strip(),
            written_at=note.created_at,
            product_id=product_id,
        )
        if item is not None:
            kept.append(item)
    return kept


def collect_comment(comment_id: str) -> list[TextItem]:
    from quanzi.social.models import NoteComment

    comment = NoteComment.objects.filter(pk=comment_id).first()
    if comment is None or comment.is_hidden:
        forget(Source.COMMENT, [comment_id])
        return []
    kept = []
    for store_id, product_id in _note_stores(comment.note_id).items():
        if _is_staff(store_id, comment.author_id):
            continue
        item = _keep(
            store_id=store_id,
            source=Source.COMMENT,
            source_id=comment.pk,
            author_id=comment.author_id,
            text=comment.text,
            written_at=comment.created_at,
            product_id=product_id,
        )
        if item is not None:
            kept.append(item)
    return kept


# --- Reviews and after-sales -----------------------------------------------------------------


def collect_review(review_id: str) -> TextItem | None:
    from quanzi.reviews.models import Review

    review = Review.objects.filter(pk=review_id).first()
    if review is None or review.is_hidden:
        forget(Source.REVIEW, [review_id])
        return None
    return _keep(
        store_id=review.store_id,
        source=Source.REVIEW,
        source_id=review.pk,
        author_id=review.author_id,
        text=review.text,
        written_at=review.created_at,
        product_id=review.product_id,
    )


def collect_after_sale_line(line_id: str) -> TextItem | None:
    """The buyer's own words in an after-sales thread: the request's reason (its first system
    line carries it) and the buyer's messages; never the store's answers."""
    from quanzi.orders.models import AfterSaleMessage, AfterSaleRole

    line = (
        AfterSaleMessage.objects.filter(pk=line_id)
        .select_related("after_sale__order")
        .only(
            "pk",
            "role",
            "author_id",
            "text",
            "created_at",
            "after_sale__order__store_id",
            "after_sale__order__buyer_id",
            "after_sale__order_id",
        )
        .first()
    )
    if line is None or not line.text.strip():
        return None
    order = line.after_sale.order
    if line.author_id is None or line.author_id != order.buyer_id:
        return None
    if line.role not in (AfterSaleRole.BUYER, AfterSaleRole.SYSTEM):
        return None
    product_id = (
        order.items.order_by("pk").values_list("product_id", flat=True).first()  # type: ignore[attr-defined]
    )
    return _keep(
        store_id=order.store_id,
        source=Source.AFTER_SALE,
        source_id=line.pk,
        author_id=line.author_id,
        text=line.text,
        written_at=line.created_at,
        product_id=product_id,
    )


def backfill(store_id: str) -> int:
    """Collect the store's existing community text again (the management command)."""
    from quanzi.circles.models import Message, MessageKind
    from quanzi.orders.models import AfterSaleMessage
    from quanzi.reviews.models import Review
    from quanzi.social.models import Note, NoteComment

    count = 0
    for mid in Message.objects.filter(
        circle__store_id=store_id, kind=MessageKind.TEXT, recalled_at=None, removed_at=None
    ).values_list("pk", flat=True):
        count += collect_message(mid) is not None
    note_ids = set(
        Note.objects.filter(products__store_id=store_id).values_list("pk", flat=True)
    ) | set(Note.objects.filter(store_id=store_id).values_list("pk", flat=True))
    for nid in note_ids:
        count += len(collect_note(nid))
    for cid in NoteComment.objects.filter(note_id__in=note_ids).values_list("pk", flat=True):
        count += len(collect_comment(cid))
    for rid in Review.objects.filter(store_id=store_id).values_list("pk", flat=True):
        count += collect_review(rid) is not None
    for lid in AfterSaleMessage.objects.filter(after_sale__order__store_id=store_id).values_list(
        "pk", flat=True
    ):
        count += collect_after_sale_line(lid) is not None
    return count
