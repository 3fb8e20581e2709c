"""Signals other apps listen to (the reviews app never imports them).

`review_written` is sent after the transaction that wrote a review commits, with `review_id`
and `author_id` (the social feed shows friends' reviews from it).

`review_replied` is sent after the store's answer to a review is saved (on commit), with
`review_id`, `store_id` and `user_id` (who answered): trust counts it as the store's response
to a reputation alert about the review."""

from __future__ import annotations

from django.dispatch import Signal

review_written = Signal()
review_replied = Signal()
