"""Accounts API: sign-up, tokens, profile, shipping addresses."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Status

from quanzi.accounts import login_limits, services
from quanzi.accounts.auth import AUTH, current_user
from quanzi.accounts.models import Address, ApiToken, User
from quanzi.core.schemas import Schema

router = Router()


class SignUpIn(Schema):
    username: str = Field(max_length=30)
    password: str = Field(max_length=128)
    phone: str | None = Field(default=None, max_length=20)
    nickname: str = Field(default="", max_length=40)


class LoginIn(Schema):
    identifier: str = Field(max_length=64, description="username or phone number")
    password: str = Field(max_length=128)


class UserOut(Schema):
    id: str
    username: str
    nickname: str
    display_name: str
    phone: str | None = None
    avatar: str | None = None


class TokenOut(Schema):
    token: str
    user: UserOut


class ProfileIn(Schema):
    nickname: str = Field(max_length=40)


class AddressIn(Schema):
    recipient: str = Field(max_length=40)
    phone: str = Field(max_length=20)
    province: str = Field(max_length=40)
    city: str = Field(max_length=40)
    district: str = Field(default="", max_length=40)
    detail: str = Field(max_length=200)
    is_default: bool = False


class AddressOut(Schema):
    id: str
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


def user_out(user: User, *, private: bool = False) -> UserOut:
    return UserOut(
        id=user.public_id,
        username=user.username,
        nickname=user.nickname,
        display_name=user.display_name,
        phone=user.phone if private else None,
        avatar=user.avatar.url if user.avatar else None,
    )


@router.post("/signup", auth=None, response={201: TokenOut})
def signup(request: HttpRequest, data: SignUpIn) -> Status[TokenOut]:
    """Create an account and return an API token for it."""
    user = services.sign_up(**data.dict())
    _, raw = ApiToken.issue(user, name="signup")
    # A token sign-in is a sign-in: what listens to the pages' logins hears it too.
    user_logged_in.send(sender=User, request=request, user=user)
    return Status(201, TokenOut(token=raw, user=user_out(user, private=True)))


@router.post("/token", auth=None, response=TokenOut)
def token(request: HttpRequest, response: HttpResponse, data: LoginIn) -> TokenOut:
    """Log in with username or phone and password; returns a bearer token that expires
    QUANZI_TOKEN_TTL_DAYS after its last use. Limited (429 with Retry-After); the device cookie
    set here gives this client a budget of its own on later logins (docs/api.md)."""
    user = services.log_in(request, data.identifier, data.password)
    login_limits.remember_device(response, user)
    _, raw = ApiToken.issue(user, name="api")
    user_logged_in.send(sender=User, request=request, user=user)
    return TokenOut(token=raw, user=user_out(user, private=True))


class ApiTokenOut(Schema):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime
    current: bool = Field(description="whether this request came with this token")


class TokenRevokeIn(Schema):
    id: str | None = Field(
        default=None, max_length=16, description="one of my tokens; without it, the one used"
    )


class PasswordChangeIn(Schema):
    old_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class PasswordChangedOut(Schema):
    revoked_tokens: int = Field(description="how many of my other tokens were revoked")


def _request_token(request: HttpRequest) -> ApiToken | None:
    """The token this request authenticated with (None for a browser session)."""
    found: ApiToken | None = getattr(request, "api_token", None)
    return found


def api_token_out(token: ApiToken, current: ApiToken | None) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.public_id,
        name=token.name,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        current=current is not None and token.pk == current.pk,
    )


@router.get("/tokens", auth=AUTH, response=list[ApiTokenOut])
def list_tokens(request: HttpRequest) -> list[ApiTokenOut]:
    """My tokens that still work (never their secret), newest first."""
    current = _request_token(request)
    return [api_token_out(t, current) for t in services.live_tokens(current_user(request))]


@router.post("/token/revoke", auth=AUTH, response={204: None})
def revoke_token(request: HttpRequest, data: TokenRevokeIn) -> Status[None]:
    """Revoke one of my tokens by id, or (without an id) the token this request came with."""
    services.revoke_token(current_user(request), data.id, _request_token(request))
    return Status(204, None)


@router.post("/password", auth=AUTH, response=PasswordChangedOut)
def change_password(
    request: HttpRequest, response: HttpResponse, data: PasswordChangeIn
) -> PasswordChangedOut:
    """Change my password: the current one is checked (limited like a login), the new one
    validated; every other token of mine is revoked and other sessions are logged out."""
    user = current_user(request)
    revoked = services.change_password(
        request,
        user,
        data.old_password,
        data.new_password,
        current_token=_request_token(request),
    )
    login_limits.remember_device(response, user)
    return PasswordChangedOut(revoked_tokens=revoked)


@router.get("/me", auth=AUTH, response=UserOut)
def me(request: HttpRequest) -> UserOut:
    return user_out(current_user(request), private=True)


@router.patch("/me", auth=AUTH, response=UserOut)
def update_me(request: HttpRequest, data: ProfileIn) -> UserOut:
    user = services.update_profile(current_user(request), nickname=data.nickname)
    return user_out(user, private=True)


def _address_input(data: AddressIn) -> services.AddressInput:
    return services.AddressInput(**data.dict(exclude={"is_default"}))


@router.get("/addresses", auth=AUTH, response=list[AddressOut])
def list_addresses(request: HttpRequest) -> list[Address]:
    return list(Address.objects.filter(user=current_user(request)))


@router.post("/addresses", auth=AUTH, response={201: AddressOut})
def create_address(request: HttpRequest, data: AddressIn) -> Status[Address]:
    address = services.save_address(
        current_user(request), _address_input(data), make_default=data.is_default
    )
    return Status(201, address)


@router.put("/addresses/{address_id}", auth=AUTH, response=AddressOut)
def update_address(request: HttpRequest, address_id: str, data: AddressIn) -> Address:
    return services.save_address(
        current_user(request),
        _address_input(data),
        address_id=address_id,
        make_default=data.is_default,
    )


@router.post("/addresses/{address_id}/default", auth=AUTH, response=AddressOut)
def make_default(request: HttpRequest, address_id: str) -> Address:
    return services.set_default_address(current_user(request), address_id)


@router.delete("/addresses/{address_id}", auth=AUTH, response={204: None})
def delete_address(request: HttpRequest, address_id: str) -> Status[None]:
    services.delete_address(current_user(request), address_id)
    return Status(204, None)
