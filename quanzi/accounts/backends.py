"""Log in with a username or a phone number and a password, within the login limits."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from quanzi.accounts import login_limits
from quanzi.accounts.models import User


def find_account(identifier: str) -> User | None:
    """The account a login name names: its phone number, or its username in any case (sign-up
    keeps usernames unique regardless of case; an exact match wins over older look-alikes)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    found = User.objects.filter(Q(username__iexact=identifier) | Q(phone=identifier))
    candidates = list(found.order_by("pk")[:5])
    exact = [u for u in candidates if identifier in (u.username, u.phone)]
    return (exact or candidates)[0] if candidates else None


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_account(username)
        if not login_limits.check_password(request, user, username, password):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
