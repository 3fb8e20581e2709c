"""Accounts API: sign-up, tokens, profile, shipping addresses."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts import services
from quanzi.accounts.models import Address, ApiToken, User
from quanzi.core.api import AUTH, current_user
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
    return Status(201, TokenOut(token=raw, user=user_out(user, private=True)))


@router.post("/token", auth=None, response=TokenOut)
def token(request: HttpRequest, data: LoginIn) -> TokenOut:
    """Log in with username or phone and password; returns a bearer token (rate limited)."""
    user = services.log_in(
        request, data.identifier, data.password, ip=request.META.get("REMOTE_ADDR", "")
    )
    _, raw = ApiToken.issue(user, name="api")
    return TokenOut(token=raw, user=user_out(user, private=True))


@router.get("/me", auth=AUTH, response=UserOut)
def me(request: HttpRequest) -> UserOut:
    return user_out(current_user(request), private=True)


@router.patch("/me", auth=AUTH, response=UserOut)
def update_me(request: HttpRequest, data: ProfileIn) -> UserOut:
    user = services.update_profile(current_user(request), nickname=data.nickname)
    return user_out(user, private=True)


@router.get("/addresses", auth=AUTH, response=list[AddressOut])
def list_addresses(request: HttpRequest) -> list[Address]:
    return list(Address.objects.filter(user=current_user(request)))


@router.post("/addresses", auth=AUTH, response={201: AddressOut})
def create_address(request: HttpRequest, data: AddressIn) -> Status[Address]:
    payload = data.dict()
    make_default = payload.pop("is_default")
    address = services.save_address(current_user(request), payload, make_default=make_default)
    return Status(201, address)


@router.put("/addresses/{address_id}", auth=AUTH, response=AddressOut)
def update_address(request: HttpRequest, address_id: str, data: AddressIn) -> Address:
    payload = data.dict()
    make_default = payload.pop("is_default")
    return services.save_address(
        current_user(request), payload, address_id=address_id, make_default=make_default
    )


@router.post("/addresses/{address_id}/default", auth=AUTH, response=AddressOut)
def make_default(request: HttpRequest, address_id: str) -> Address:
    return services.set_default_address(current_user(request), address_id)


@router.delete("/addresses/{address_id}", auth=AUTH, response={204: None})
def delete_address(request: HttpRequest, address_id: str) -> Status[None]:
    services.delete_address(current_user(request), address_id)
    return Status(204, None)
