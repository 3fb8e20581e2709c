"""Typed domain errors.

Services raise these; the API and the pages turn them into a 4xx with the message in the user's
language (the message is a lazy translation, rendered when the response is built).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "invalid"
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
    code = "invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please log in first.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    """The object is not in a state that allows the action (e.g. shipping an unpaid order)."""

    status = 409
    code = "conflict"
    default_message = _("This cannot be done in the current state.")


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"
    default_message = _("The request is too large.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Please wait a moment and try again.")
