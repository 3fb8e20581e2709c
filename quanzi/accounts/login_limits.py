"""Login limits that an attacker can neither get around nor turn against the owner.

Every password check (the login page, the API token, the admin login, the password change) goes
through `check_password`, which counts attempts per ACCOUNT, whatever name or phone number was
typed (an identifier that matches no account counts under its normalised form, so unknown names
are limited like real ones and the limits reveal nothing). Which buckets apply depends on where
the attempt comes from:

- a device that logged in to this account before (OWASP's "device cookie": a signed cookie set at
  each successful login) has a small budget of its own, `PER_DEVICE`, and nothing else, so an
  attack from elsewhere never locks it out;
- any other attempt counts against the account from this address (`PER_ACCOUNT_AND_ADDRESS`),
  so failures from one address do not lock the owner out at another; against this address
  across accounts (`PER_ADDRESS`: password spraying); and against the account from everywhere
  (`PER_ACCOUNT`, generous: slows a distributed attack; trusted devices are exempt).

Attempts are counted before the password is checked (concurrent guesses cannot all slip in);
a successful one is given back and clears its account × address or device bucket. The client
address is the connecting one, or what a trusted proxy says (QUANZI_TRUSTED_PROXIES, applied by
the server: `manage.py serve`); IPv6 addresses count by /64.
"""

from __future__ import annotations

import secrets
import unicodedata

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import ngettext

from quanzi.accounts.models import User
from quanzi.core import ratelimit
from quanzi.core.errors import RateLimited

WINDOW = 15 * 60
PER_ACCOUNT_AND_ADDRESS = 10
PER_DEVICE = 10
PER_ADDRESS = 50
PER_ACCOUNT = 100
ACCOUNT_WINDOW = 60 * 60

DEVICE_COOKIE = "qz_device"
DEVICE_COOKIE_AGE = 180 * 24 * 3600


def check_password(
    request: HttpRequest | None, user: User | None, identifier: str, password: str
) -> bool:
    """Whether `password` is `user`'s, within the limits (RateLimited when past one). `user` is
    the account `identifier` names, or None; the hasher runs either way (Django's ModelBackend
    does the same), so the time taken does not tell whether the account exists."""
    account = f"user:{user.pk}" if user is not None else "name:" + normalise(identifier)
    device = _trusted_device(request, user)
    if device:
        limits = [ratelimit.Limit(f"login:device:{account}:{device}", PER_DEVICE, WINDOW)]
    else:
        address = ratelimit.address_bucket(request.META.get("REMOTE_ADDR", "") if request else "")
        limits = [
            ratelimit.Limit(f"login:pair:{account}:{address}", PER_ACCOUNT_AND_ADDRESS, WINDOW),
            ratelimit.Limit(f"login:address:{address}", PER_ADDRESS, WINDOW),
            ratelimit.Limit(f"login:account:{account}", PER_ACCOUNT, ACCOUNT_WINDOW),
        ]
    try:
        taken = ratelimit.take(limits)
    except RateLimited as exc:
        raise _refusal(exc.extra["retry_after"]) from exc
    if user is None:
        User().set_password(password)
        return False
    if not user.check_password(password):
        return False
    taken.give_back()
    taken.clear(limits[0])
    return True


def remember_device(response: HttpResponseBase, user: User) -> None:
    """Mark the device that just logged in as `user`'s (a new nonce: a budget of its own). The
    signature's salt holds the password's hash, so changing the password forgets every device."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{user.public_id}:{secrets.token_urlsafe(16)}",
        salt=_device_salt(user),
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def normalise(identifier: str) -> str:
    """One spelling of what was typed: compatibility forms folded, case and spaces ignored."""
    return unicodedata.normalize("NFKC", identifier).strip().casefold()


def _trusted_device(request: HttpRequest | None, user: User | None) -> str | None:
    """The nonce of the device cookie, if it is valid and `user`'s."""
    if request is None or user is None:
        return None
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=_device_salt(user), max_age=DEVICE_COOKIE_AGE
    )
    if not value:
        return None
    public_id, _, nonce = value.partition(":")
    return nonce if public_id == user.public_id and nonce else None


def _device_salt(user: User) -> str:
    return "quanzi.accounts.device:" + user.get_session_auth_hash()


def _refusal(retry_after: int) -> RateLimited:
    minutes = max(1, -(-retry_after // 60))
    message = ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute.",
        "Too many failed login attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    return RateLimited(message, retry_after=retry_after)
