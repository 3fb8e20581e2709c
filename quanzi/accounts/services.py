"""Account actions: sign-up, login, password change, API tokens, profile, shipping addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import SESSION_KEY, authenticate, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts import login_limits
from quanzi.accounts.errors import AccountCode
from quanzi.accounts.models import Address, ApiToken, User
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.images import validate_image
from quanzi.core.validation import clean_text

USERNAME_RE = re.compile(r"^[\w.\-]{3,30}$")
PHONE_RE = re.compile(r"^1\d{10}$")  # mainland mobile numbers


def _check_phone(phone: str) -> str:
    phone = phone.strip()
    if not PHONE_RE.match(phone):
        raise InvalidInput(_("Enter an 11-digit mobile number."), field="phone")
    return phone


@transaction.atomic
def sign_up(*, username: str, password: str, phone: str | None = None, nickname: str = "") -> User:
    username = username.strip()
    if not USERNAME_RE.match(username) or username.isdigit():
        raise InvalidInput(
            _("A username is 3–30 letters, digits, '.', '-' or '_', and not only digits."),
            field="username",
        )
    phone = _check_phone(phone) if phone else None
    try:
        validate_password(password)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("This username is taken."), field="username")
    if phone and User.objects.filter(phone=phone).exists():
        raise Conflict(_("This phone number is already registered."), field="phone")
    user = User(username=username, phone=phone, nickname=nickname.strip()[:40])
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up took the name or phone
        raise Conflict(_("This username or phone number is already registered.")) from exc
    return user


def log_in(request: HttpRequest | None, identifier: str, password: str) -> User:
    """Check credentials; the authentication backend applies the login limits
    (`quanzi.accounts.login_limits`), so a refused attempt raises RateLimited."""
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise NotAuthenticated(_("Wrong username, phone number or password."))
    return user  # type: ignore[return-value]


@transaction.atomic
def change_password(
    request: HttpRequest,
    user: User,
    old_password: str,
    new_password: str,
    *,
    current_token: ApiToken | None = None,
) -> int:
    """Set a new password after checking the current one (limited like a login). Every API
    token of the user but `current_token` (the one this request came with) is revoked, and every
    other session is logged out (their stored hash no longer matches); the caller's session
    stays. Returns how many tokens were revoked."""
    if not login_limits.check_password(request, user, user.username, old_password):
        raise InvalidInput(
            _("Your current password is not correct."),
            code=AccountCode.WRONG_PASSWORD,
            field="old_password",
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="new_password") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    others = ApiToken.objects.filter(user=user, revoked_at=None)
    if current_token is not None:
        others = others.exclude(pk=current_token.pk)
    revoked = others.update(revoked_at=timezone.now())
    if SESSION_KEY in request.session:
        update_session_auth_hash(request, user)
    return revoked


# --- API tokens -------------------------------------------------------------------------------

TOKEN_TOUCH_EVERY = timedelta(minutes=5)  # how stale last_used_at may get: no write per request


def use_token(raw: str) -> ApiToken | None:
    """The token a bearer value stands for, its expiry slid forward; None when unknown. A
    revoked or expired token raises NotAuthenticated saying so."""
    token = ApiToken.find(raw)
    if token is None or not token.user.is_active:
        return None
    if token.revoked_at is not None:
        raise NotAuthenticated(
            _("This token has been revoked. Please log in again."), code=AccountCode.TOKEN_REVOKED
        )
    now = timezone.now()
    if token.expires_at <= now:
        raise NotAuthenticated(
            _("This token has expired. Please log in again."), code=AccountCode.TOKEN_EXPIRED
        )
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def live_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.live(timezone.now()).filter(user=user).order_by("-created_at", "-pk")


def revoke_token(user: User, token_id: str | None, current: ApiToken | None) -> ApiToken:
    """Revoke one of the user's tokens by its id, or else the token of this request. Revoking
    a revoked token again changes nothing."""
    if token_id is None:
        if current is None:
            raise InvalidInput(
                _("Give the id of the token to revoke, or call with that token."), field="id"
            )
        token = current
    else:
        found = (
            ApiToken.objects.filter(user=user, public_id=token_id).first()
            if is_public_id(token_id)
            else None
        )
        if found is None:
            raise NotFound(_("Token not found."))
        token = found
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def update_profile(user: User, *, nickname: str | None = None, avatar: Any = None) -> User:
    fields = []
    if nickname is not None:
        nickname = nickname.strip()
        if len(nickname) > 40:
            raise InvalidInput(_("A nickname has at most 40 characters."), field="nickname")
        user.nickname = nickname
        fields.append("nickname")
    if avatar is not None:
        validate_image(avatar)
        user.avatar = avatar
        fields.append("avatar")
    if fields:
        user.save(update_fields=fields)
    return user


ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")


@dataclass(frozen=True, kw_only=True)
class AddressInput:
    """A shipping address as typed in; `save_address` cleans and checks it."""

    recipient: str
    phone: str
    province: str
    city: str
    district: str = ""
    detail: str


def _clean_address(data: AddressInput) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name in ADDRESS_FIELDS:
        cleaned[name] = clean_text(
            getattr(data, name),
            field=name,
            max_length=getattr(Address._meta.get_field(name), "max_length", None) or 200,
            required=name != "district",
            too_long=_("This field is too long."),
        )
    cleaned["phone"] = _check_phone(cleaned["phone"])
    return cleaned


def access_address(user: User, address_id: str) -> Address:
    """The user's own address; someone else's id is 'not found', never revealed."""
    address = Address.objects.filter(pk=address_id, user=user).first()
    if address is None:
        raise NotFound(_("Address not found."))
    return address


@transaction.atomic
def save_address(
    user: User, data: AddressInput, *, address_id: str | None = None, make_default: bool = False
) -> Address:
    cleaned = _clean_address(data)
    if address_id:
        address = access_address(user, address_id)
        for k, v in cleaned.items():
            setattr(address, k, v)
    else:
        if user.addresses.count() >= 30:
            raise InvalidInput(_("You can keep at most 30 addresses."))
        address = Address(user=user, **cleaned)
    first = not user.addresses.exists()
    address.save()
    if make_default or first:
        set_default_address(user, address.pk)
        address.refresh_from_db()
    return address


@transaction.atomic
def set_default_address(user: User, address_id: str) -> Address:
    address = access_address(user, address_id)
    Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def delete_address(user: User, address_id: str) -> None:
    address = access_address(user, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        nxt = Address.objects.filter(user=user).order_by("-created_at").first()
        if nxt:
            Address.objects.filter(pk=nxt.pk).update(is_default=True)


def default_address(user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()
