"""Typed domain errors.

Services raise these; the API and the pages turn them into a 4xx with the message in the user's
language (the message is a lazy translation, rendered when the response is built).

Every `code` is a member of a domain's StrEnum (CoreCode here, `<domain>/errors.py` above),
registered with `@error_codes`: the OpenAPI document lists `all_error_codes()` as the enum of
the error body's `code` (quanzi.core.openapi), and tests/architecture/test_error_codes.py
refuses a code written as a string literal.
"""

from __future__ import annotations

import importlib
import importlib.util
from enum import StrEnum
from typing import Any, TypeVar

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_REGISTERED: list[type[StrEnum]] = []
_Codes = TypeVar("_Codes", bound=type[StrEnum])


def error_codes(enum: _Codes) -> _Codes:
    """Register a domain's enum of error codes, so that the API document can list them all."""
    _REGISTERED.append(enum)
    return enum


def error_code_enums() -> list[type[StrEnum]]:
    """The registered enums. Each installed app's `errors` module is imported first, so that
    an enum no loaded module has needed yet is registered too."""
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.errors") is not None:
            importlib.import_module(f"{config.name}.errors")
    return list(_REGISTERED)


def all_error_codes() -> list[str]:
    """Every code an answer may carry, sorted: the values of every registered enum and the
    default code of every DomainError subclass."""
    codes = {str(code) for enum in error_code_enums() for code in enum}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        error = pending.pop()
        codes.add(str(error.code))
        pending.extend(error.__subclasses__())
    return sorted(codes)


@error_codes
class CoreCode(StrEnum):
    """The codes core and the API's own handlers answer, and those several domains share."""

    CJK_FONT_MISSING = "cjk_font_missing"  # a PDF needs the Chinese font, which is not installed
    CONFLICT = "conflict"
    CSRF_FAILED = "csrf_failed"  # a session call without a valid CSRF token
    FORBIDDEN = "forbidden"
    # the same Idempotency-Key came with another request
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IMAGE_TOO_BIG = "image_too_big"  # too many pixels
    IMAGE_TOO_LARGE = "image_too_large"  # too many bytes
    IMAGE_TOO_SMALL = "image_too_small"
    INVALID = "invalid"  # the default: the input is not valid
    INVALID_AMOUNT = "invalid_amount"
    INVALID_JSON = "invalid_json"
    INVALID_UNICODE = "invalid_unicode"
    NOT_AN_IMAGE = "not_an_image"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    NUL_CHARACTER = "nul_character"  # a NUL in a form or JSON field (RequestGuardMiddleware)
    RATE_LIMITED = "rate_limited"
    REQUIRED = "required"
    SERVER_ERROR = "server_error"
    TEXT_TOO_LONG = "text_too_long"  # a long text (a note, a review, a message) over its limit
    TOO_LARGE = "too_large"  # the request body is over the limit: 413
    TOO_LONG = "too_long"
    UNAVAILABLE = "unavailable"  # the database (or a dependency) is unreachable: 503
    UNPROCESSABLE = "unprocessable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a form body sent to a JSON endpoint: 415
    VALIDATION = "validation"  # the API's 422: a body that does not fit the operation's schema


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code: str = CoreCode.INVALID  # each domain's codes: the StrEnum in its `errors` module
    default_message: str | Promise = _("The request is not valid.")

    def __init__(
        self, message: str | Promise | None = None, *, code: str | None = None, **extra: Any
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.extra = extra
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"detail": str(self.message), "code": self.code, **self.extra}

    def headers(self) -> dict[str, str]:
        """HTTP headers a page answering with this error carries (a 429 says when to retry)."""
        if "retry_after" in self.extra:
            return {"Retry-After": str(self.extra["retry_after"])}
        return {}


class InvalidInput(DomainError):
    status = 400
    code: str = CoreCode.INVALID


class NotAuthenticated(DomainError):
    status = 401
    code: str = CoreCode.NOT_AUTHENTICATED
    default_message = _("Please log in first.")


class PermissionDenied(DomainError):
    status = 403
    code: str = CoreCode.FORBIDDEN
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code: str = CoreCode.NOT_FOUND
    default_message = _("Not found.")


class Conflict(DomainError):
    """The object is not in a state that allows the action (e.g. shipping an unpaid order)."""

    status = 409
    code: str = CoreCode.CONFLICT
    default_message = _("This cannot be done in the current state.")


class Unprocessable(DomainError):
    status = 422
    code: str = CoreCode.UNPROCESSABLE


class PayloadTooLarge(DomainError):
    status = 413
    code: str = CoreCode.TOO_LARGE
    default_message = _("The request is too large.")


class RateLimited(DomainError):
    status = 429
    code: str = CoreCode.RATE_LIMITED
    default_message = _("Too many attempts. Please wait a moment and try again.")
