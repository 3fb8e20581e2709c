"""What needs discovery hears: the lower domains' on-commit signals (a message, a note, a
comment, a review, an after-sales line) and the deletions that end a text's counting. Each
receiver collects (one small write) and queues the analysis for the worker; none raises into
the sender (the signals are sent robustly, after commit)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from quanzi.needs.models import Source
from quanzi.needs.services import collect
from quanzi.needs.tasks import queue_analysis

log = logging.getLogger("quanzi.needs")


def on_message_sent(sender: Any, *, message_id: str, store_id: str | None = None, **_: Any) -> None:
    if not store_id:
        return  # an interest circle: its chat is never read
    if collect.collect_sent_message(message_id, store_id):
        queue_analysis()


def on_message_deleted(sender: Any, *, message_id: str, **_: Any) -> None:
    collect.forget(Source.CHAT, [message_id])


def on_note_published(sender: Any, *, note_id: str, **_: Any) -> None:
    if collect.collect_note(note_id):
        queue_analysis()


def on_comment_added(sender: Any, *, comment_id: str, **_: Any) -> None:
    if collect.collect_comment(comment_id):
        queue_analysis()


def on_review_written(sender: Any, *, review_id: str, **_: Any) -> None:
    if collect.collect_review(review_id) is not None:
        queue_analysis()


def on_after_sale_line(sender: Any, *, line_id: str, **_: Any) -> None:
    if collect.collect_after_sale_line(line_id) is not None:
        queue_analysis()


def on_note_saved(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    """An edited or hidden note: collected again once its products are set (on commit)."""
    if created:
        return
    note_id = instance.pk

    def again() -> None:
        try:
            if collect.collect_note(note_id):
                queue_analysis()
        except Exception:
            log.exception("could not collect note %s again", note_id)

    transaction.on_commit(again)


def on_comment_saved(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    if not created and instance.is_hidden:
        collect.forget(Source.COMMENT, [instance.pk])


def on_note_deleted(sender: Any, instance: Any, **_: Any) -> None:
    collect.forget(Source.NOTE, [instance.pk])


def on_comment_deleted(sender: Any, instance: Any, **_: Any) -> None:
    collect.forget(Source.COMMENT, [instance.pk])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from quanzi.circles import signals as circles
    from quanzi.orders import signals as orders
    from quanzi.reviews import signals as reviews
    from quanzi.social import signals as social
    from quanzi.social.models import Note, NoteComment

    circles.message_sent.connect(on_message_sent, dispatch_uid="needs.message_sent")
    circles.message_deleted.connect(on_message_deleted, dispatch_uid="needs.message_deleted")
    social.note_published.connect(on_note_published, dispatch_uid="needs.note_published")
    social.comment_added.connect(on_comment_added, dispatch_uid="needs.comment_added")
    reviews.review_written.connect(on_review_written, dispatch_uid="needs.review_written")
    orders.after_sale_line_added.connect(on_after_sale_line, dispatch_uid="needs.after_sale")
    post_save.connect(on_note_saved, sender=Note, dispatch_uid="needs.note_saved")
    post_save.connect(on_comment_saved, sender=NoteComment, dispatch_uid="needs.comment_saved")
    post_delete.connect(on_note_deleted, sender=Note, dispatch_uid="needs.note_deleted")
    post_delete.connect(on_comment_deleted, sender=NoteComment, dispatch_uid="needs.comment_del")


def disconnect() -> None:
    """The benchmark's "without" run: the chat path with no needs receivers."""
    from quanzi.circles import signals as circles

    circles.message_sent.disconnect(dispatch_uid="needs.message_sent")


def reconnect() -> None:
    from quanzi.circles import signals as circles

    circles.message_sent.connect(on_message_sent, dispatch_uid="needs.message_sent")
