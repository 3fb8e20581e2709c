"""Signals other apps listen to (the social app never imports them).

`note_published` is sent after the transaction that published a note commits, with `note_id`,
`author_id` and `store_id` (None for a member's own note). `comment_added` is sent after a
comment on a note commits, with `note_id`, `comment_id` and `author_id`. Needs discovery
analyses the text of both, off the request path.
"""

from __future__ import annotations

from django.dispatch import Signal

note_published = Signal()
comment_added = Signal()
