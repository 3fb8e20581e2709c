"""Signals other apps listen to (the circles app never imports them).

`member_joined` is sent after the transaction that made someone an active member of a circle
commits (a join, a join by link, an approved request), with `circle_id`, `user_id`, `store_id`
(None for an interest circle) and `rejoined` (True when a former member came back). Campaigns
gives the store's join cashback coupon from it.

`message_sent` is sent after the transaction that stored a chat message commits, with
`circle_id`, `message_id`, `user_id` (the sender) and `store_id` (None for an interest circle).
Needs discovery analyses the text from it, off the request path; customers' tags follow the
sender's activity.

`message_deleted` is sent after the transaction that recalled (the sender) or removed (an
admin) a chat message commits, with `circle_id`, `message_id` and `reason` ("recalled" or
"removed"): needs discovery stops counting its text.
"""

from __future__ import annotations

from django.dispatch import Signal

member_joined = Signal()
message_sent = Signal()
message_deleted = Signal()
