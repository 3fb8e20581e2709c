"""Signals other apps listen to (the reviews app never imports them).

`review_written` is sent after the transaction that wrote a review commits, with `review_id`
and `author_id` (the social feed shows friends' reviews from it)."""

from __future__ import annotations

from django.dispatch import Signal

review_written = Signal()
