"""The error codes of circles: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class CircleCode(StrEnum):
    ALREADY_REPORTED = "already_reported"
    BAD_DURATION = "bad_duration"
    BAD_LINK = "bad_link"
    BAD_PRODUCT = "bad_product"
    BANNED = "banned"
    BLOCKED_WORD = "blocked_word"  # the message has a word the circle blocks
    # a campaign or coupon of another store, shared in a store's circle
    CARD_NOT_HERE = "card_not_here"
    # the circle's daily budget of commercial messages is spent
    COMMERCIAL_BUDGET = "commercial_budget"
    EMPTY_MESSAGE = "empty_message"
    IMAGE_REQUIRED = "image_required"
    INVALID_ACTION = "invalid_action"
    INVALID_CARD = "invalid_card"  # a campaign card of a kind the chat does not know
    # the client's id of a chat message (for retries) is missing or too long
    INVALID_CLIENT_ID = "invalid_client_id"
    INVALID_FRAME = "invalid_frame"  # a WebSocket frame that is not a known JSON message
    INVALID_KIND = "invalid_kind"
    INVALID_ORDER = "invalid_order"
    INVALID_PRODUCT = "invalid_product"
    INVALID_REASON = "invalid_reason"
    INVALID_REPLY = "invalid_reply"
    INVALID_REVIEW = "invalid_review"
    INVITE_ONLY = "invite_only"
    JOIN_RACE = "join_race"  # a second join of the same user while the first is recorded
    LAUNCH_NO_PRODUCT = "launch_no_product"
    LAUNCH_TOO_FAR = "launch_too_far"
    LAUNCH_TOO_SOON = "launch_too_soon"
    # an ordinary member shared as many cards in this circle as a rolling 24 hours allow
    MEMBER_SHARE_LIMIT = "member_share_limit"
    MESSAGE_NOT_FOUND = "message_not_found"
    MUTED = "muted"  # the member is muted in this circle
    NOT_A_MEMBER = "not_a_member"
    NOT_ADMIN = "not_admin"
    NOT_BANNED = "not_banned"
    NOT_MEMBER = "not_member"
    NOT_OWNER = "not_owner"
    NOT_SENDER = "not_sender"
    NOT_STORE_STAFF = "not_store_staff"
    OWN_MESSAGE = "own_message"
    OWNER_CANNOT_LEAVE = "owner_cannot_leave"
    RECALL_WINDOW_PASSED = "recall_window_passed"
    REPORT_NOT_FOUND = "report_not_found"
    SELF = "self"  # a moderation aimed at oneself
    TARGET_ADMIN = "target_admin"
    TARGET_OWNER = "target_owner"
    TOO_MANY_CIRCLES = "too_many_circles"  # the store has as many circles as it may
