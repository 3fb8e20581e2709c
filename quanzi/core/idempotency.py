"""`Idempotency-Key` support (rule 4).

The key is claimed in the action's own transaction: the claim, the action and the stored response
are committed together or not at all, so a request that fails, or is cut off when the database
goes away mid-way, leaves no claim behind and its retry with the same key simply runs. (A claim
committed on its own could not be released by a request whose database had just gone, and every
retry would then wait on it.) A concurrent request with the same key waits at the claim's unique
index until the first one ends: it replays the first answer if that one committed, or runs if it
rolled back. A replay returns the stored response; the same key with a different body is
refused with 422.

An API operation says so with `@idempotent("scope")` under its `@router.post(...)`; a page,
whose key comes from its form, calls `run_idempotent` itself.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import string
from collections.abc import Callable
from typing import Any, ParamSpec

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Status
from pydantic import BaseModel

from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotAuthenticated, Unprocessable
from quanzi.core.models import IdempotencyRecord

P = ParamSpec("P")

MAX_KEY_LENGTH = 128
SCOPE_LENGTH = IdempotencyRecord._meta.get_field("scope").max_length

Response = tuple[int, Any]


def idempotent(
    scope: str,
) -> Callable[[Callable[P, Status[Any]]], Callable[P, Status[Any]]]:
    """Make a ninja operation of an authenticated caller honour the `Idempotency-Key` header:
    the operation runs once per (caller, scope, key), in one transaction with its claim, and
    every replay answers its stored status and body (so the body it returns must be plain
    JSON: `model_dump(mode="json")`).

    `scope` is the name stored in the rows: never rename one, or keys already stored stop
    replaying. A `{name}` in it is filled from the operation's parameter of that name, which
    then names the target instead of joining the payload. The payload whose fingerprint tells
    a replay from a reuse of the key is every other parameter: path and query values as they
    are, a body schema by its fields (`model_dump(mode="json")`).

    The wrapper keeps the operation's signature with its annotations resolved (ninja reads the
    parameters from it, and would otherwise resolve them in this module), so the OpenAPI
    document does not change.
    """
    in_scope = {name for _text, name, _spec, _conv in string.Formatter().parse(scope) if name}

    def decorate(view: Callable[P, Status[Any]]) -> Callable[P, Status[Any]]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Status[Any]:
            request = args[0]
            assert isinstance(request, HttpRequest)
            caller = getattr(request, "auth", None)
            if caller is None:
                raise NotAuthenticated()

            def action() -> Response:
                result = view(*args, **kwargs)
                return result.status_code, result.value

            status, body = run_idempotent(
                caller,
                scope.format(**kwargs)[:SCOPE_LENGTH],
                request.headers.get("Idempotency-Key") or None,
                _payload({k: v for k, v in kwargs.items() if k not in in_scope}),
                action,
            )
            return Status(status, body)

        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _payload(params: dict[str, Any]) -> dict[str, Any]:
    """The operation's parameters as one flat mapping: a body schema contributes its fields."""
    payload: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, BaseModel):
            payload.update(value.model_dump(mode="json"))
        else:
            payload[name] = value
    return payload


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
            code=CoreCode.IDEMPOTENCY_KEY_REUSED,
        )
    if record.status_code is None:  # a claim written on its own by an earlier version
        raise Conflict(_("A request with this Idempotency-Key is still being processed."))
    return record.status_code, record.response
