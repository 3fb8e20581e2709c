"""Who is calling: the authentication every ninja router shares (a bearer token or the browser
session) and the typed user helpers of the API and the pages. It lives with the accounts it
reads; every domain above accounts imports it from here.

The only ways a view or an endpoint reads its caller (never `request.user` itself, whose type
is `User | AnonymousUser`): `current_user` in an endpoint with `auth=AUTH`, `optional_user` in
a public endpoint, `signed_in_user` in a page behind `login_required`, `page_user` in any other
page (None for a visitor)."""

from __future__ import annotations

from typing import Any

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
        return page_user(request)


AUTH: list[Any] = [TokenAuth(), SessionAuth()]


def optional_user(request: HttpRequest) -> User | None:
    """The caller on a public endpoint, if it identified itself; anonymous is None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = TokenAuth().authenticate(request, header[7:].strip())
        if user is None:
            raise NotAuthenticated()
        return user
    return page_user(request)


def current_user(request: HttpRequest) -> User:
    """The authenticated caller of an endpoint declared with `auth=AUTH` (ninja has already
    answered 401 to anyone else)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def signed_in_user(request: HttpRequest) -> User:
    """The user of a page behind `login_required` (which sends a visitor to the login page
    before the view runs), typed for the services it calls. Called for a visitor anyway, it
    refuses with 401 rather than hand an AnonymousUser to a service."""
    user = page_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


def page_user(request: HttpRequest) -> User | None:
    """The signed-in user of a page, None for a visitor: a public page, or one that sends a
    visitor to the login page itself (`if user is None: return redirect_to_login(...)`)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None
