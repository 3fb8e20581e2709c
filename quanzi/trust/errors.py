"""The error codes of trust and safety: the `code` of every refusal its services answer
(clients branch on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class TrustCode(StrEnum):
    ALREADY_APPEALED = "already_appealed"  # an open appeal of the same thing exists
    APPEAL_DECIDED = "appeal_decided"
    CASE_CLOSED = "case_closed"
    CASE_OPEN = "case_open"  # reopening a case that is not dismissed
    EMPTY_APPEAL = "empty_appeal"  # an appeal says why
    EMPTY_NOTE = "empty_note"  # resolving a reputation alert says what was done
    EMPTY_REASON = "empty_reason"  # every operator action says why
    INVALID_THRESHOLD = "invalid_threshold"
    NO_STORE = "no_store"  # notifying or suspending in a case that concerns no store
    NOT_APPEALABLE = "not_appealable"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_STATUS = "unknown_status"  # filtering the queue by a status that does not exist
    ALERT_RESOLVED = "alert_resolved"
