"""Who is calling: the authentication every ninja router shares (a bearer token or the browser
session) and the typed user helpers of the API and the pages. It lives with the accounts it
reads; every domain above accounts imports it from here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from quanzi.accounts.models import User
from quanzi.accounts.services import use_token
from quanzi.core.errors import NotAuthenticated


class TokenAuth(HttpBearer):
    """`Authorization: Bearer qz_…` with a token from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = use_token(token)  # an expired or revoked token raises a 401 that says so
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser session of the pages (CSRF-checked, as ninja does for cookie auth)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user  # type: ignore[return-value]
        return None


AUTH: list[Any] = [TokenAuth(), SessionAuth()]


def optional_user(request: HttpRequest) -> User | None:
    """The caller on a public endpoint, if it identified itself; anonymous is None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = TokenAuth().authenticate(request, header[7:].strip())
        if user is None:
            raise NotAuthenticated()
        return user
    session_user: Any = getattr(request, "user", None) or AnonymousUser()
    return session_user if session_user.is_authenticated else None


def current_user(request: HttpRequest) -> User:
    """The authenticated caller of an endpoint declared with `auth=AUTH`."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view behind `login_required` (typed for the services it calls)."""
    user = request.user
    assert isinstance(user, User), "signed_in_user needs login_required"
    return user


def page_user(request: HttpRequest) -> User | None:
    """The signed-in user of a page, None for a visitor."""
    user = request.user
    return user if isinstance(user, User) else None
