"""`Idempotency-Key` support (rule 4).

The key is claimed in the action's own transaction: the claim, the action and the stored response
are committed together or not at all, so a request that fails, or is cut off when the database
goes away mid-way, leaves no claim behind and its retry with the same key simply runs. (A claim
committed on its own could not be released by a request whose database had just gone, and every
retry would then wait on it.) A concurrent request with the same key waits at the claim's unique
index until the first one ends: it replays the first answer if that one committed, or runs if it
rolled back. A replay returns the stored response; the same key with a different body is
refused with 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, InvalidInput, Unprocessable
from quanzi.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 128

Response = tuple[int, Any]


def request_fingerprint(payload: Any) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_idempotent(
    user: Any, scope: str, key: str | None, payload: Any, action: Callable[[], Response]
) -> Response:
    """Run `action` once per (user, scope, key); return its (status, body) for every replay.

    `action` must be JSON-serialisable in its body and raise a DomainError for refusals; a
    refusal is not stored, so the client may retry the same key after fixing the cause.
    """
    if not key:
        with transaction.atomic():
            return action()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(_("The Idempotency-Key header is too long or malformed."))
    fingerprint = request_fingerprint(payload)
    claimed = False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, request_hash=fingerprint
            )
            claimed = True
            status, body = action()
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=status, response=json.loads(json.dumps(body, default=str))
            )
    except IntegrityError:
        if claimed:
            raise  # the action's own IntegrityError
        return _replay(user, scope, key, fingerprint)
    return status, body


def _replay(user: Any, scope: str, key: str, fingerprint: str) -> Response:
    """The first request's answer, committed with its claim."""
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is None:
        # The first request rolled back just after this one found its claim: the key is free
        # again, and the client's retry runs (one request, one outcome).
        raise Conflict(_("The first request with this Idempotency-Key failed; retry it."))
    if record.request_hash != fingerprint:
        raise Unprocessable(
            _("This Idempotency-Key was already used with a different request."),
            code="idempotency_key_reused",
        )
    if record.status_code is None:  # a claim written on its own by an earlier version
        raise Conflict(_("A request with this Idempotency-Key is still being processed."))
    return record.status_code, record.response
