"""`Idempotency-Key` support (rule 4).

The key is claimed in its own short transaction, so a concurrent request with the same key sees
the claim at once. The action and the stored response are written in one transaction: either both
exist or neither does. A replay returns the stored response; the same key with a different body
is refused with 422; a key whose first request is still running is a 409 after a short wait.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, InvalidInput, Unprocessable
from quanzi.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 128
WAIT_SECONDS = 10.0
STALE_AFTER = timedelta(minutes=2)

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
    record = _claim(user, scope, key, fingerprint)
    if record is None:
        return _replay(user, scope, key, fingerprint)
    try:
        with transaction.atomic():
            status, body = action()
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=status, response=json.loads(json.dumps(body, default=str))
            )
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()
        raise
    return status, body


def _claim(user: Any, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the claim; None when someone holds the key already (a stale claim is taken over)."""
    stale = IdempotencyRecord.objects.filter(
        user=user,
        scope=scope,
        key=key,
        status_code__isnull=True,
        created_at__lt=timezone.now() - STALE_AFTER,
    )
    stale.delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, request_hash=fingerprint
            )
    except IntegrityError:
        return None


def _replay(user: Any, scope: str, key: str, fingerprint: str) -> Response:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is None:
            # The first request failed and released the key: this one is refused, not re-run,
            # so that a client never gets two different outcomes racing for one key.
            raise Conflict(_("The first request with this Idempotency-Key failed; retry it."))
        if record.request_hash != fingerprint:
            raise Unprocessable(
                _("This Idempotency-Key was already used with a different request."),
                code="idempotency_key_reused",
            )
        if record.status_code is not None:
            return record.status_code, record.response
        if time.monotonic() > deadline:
            raise Conflict(_("A request with this Idempotency-Key is still being processed."))
        time.sleep(0.05)
