"""Circles API: membership (thin: schema in → service call → schema out).

Circles are created, configured, discovered, joined (by id or by the invite code of the join
link), left and moderated here; people are named by their public user id."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Status, UploadedFile

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.circles.models import Circle, JoinRequest, Membership
from quanzi.circles.services import membership as services
from quanzi.circles.services.access import access_circle, is_muted
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema

router = Router()
MAX_PAGE_SIZE = 100
JoinPolicyName = Literal["open", "approval", "invite"]


class CircleIn(Schema):
    name: str = Field(max_length=40)
    store_id: str | None = Field(default=None, max_length=16, description="a store circle")
    description: str = Field(default="", max_length=2000)
    rules: str = Field(default="", max_length=4000)
    join_policy: JoinPolicyName = "open"
    is_listed: bool = True


class CirclePatch(Schema):
    name: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    rules: str | None = Field(default=None, max_length=4000)
    join_policy: JoinPolicyName | None = None
    is_listed: bool | None = None
    commercial_share_percent: int | None = Field(default=None, description="0-100")
    commercial_daily_cap: int | None = Field(default=None, description="0-1000")
    flood_per_minute: int | None = Field(default=None, description="1-600")
    member_share_daily_limit: int | None = Field(
        default=None, description="1-100: product and campaign cards a member may share a day"
    )
    blocked_words: list[str] | None = None


class CircleCard(Schema):
    id: str
    name: str
    avatar: str | None = None
    description: str
    member_count: int
    join_policy: str
    store_id: str | None = None
    store_name: str | None = None


class CircleOut(CircleCard):
    rules: str
    is_listed: bool
    role: str | None = Field(default=None, description="your role: owner, admin, member or null")
    join_link: str | None = Field(default=None, description="members only")
    commercial_share_percent: int | None = Field(default=None, description="admins only")
    commercial_daily_cap: int | None = None
    flood_per_minute: int | None = None
    member_share_daily_limit: int | None = None
    blocked_words: list[str] | None = None


class CirclePage(Schema):
    items: list[CircleCard]
    count: int
    page: int
    page_size: int
    pages: int


class MyCircle(CircleCard):
    role: str
    unread: int
    last_message_seq: int


class JoinIn(Schema):
    message: str = Field(default="", max_length=200, description="for approval circles")


class JoinOut(Schema):
    status: Literal["joined", "requested", "already_member", "pending"]
    circle_id: str
    join_request_id: str | None = None


class CircleMemberOut(Schema):
    user_id: str
    username: str
    display_name: str
    avatar: str | None = None
    role: str
    state: str
    muted_until: datetime | None = None
    joined_at: datetime


class MemberPage(Schema):
    items: list[CircleMemberOut]
    count: int
    page: int
    page_size: int
    pages: int


class CircleListQuery(Schema):
    q: str = Field(default="", max_length=50)
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class JoinRequestOut(Schema):
    id: str
    user_id: str
    username: str
    display_name: str
    message: str
    state: str
    created_at: datetime


class MemberMuteIn(Schema):
    minutes: int = Field(ge=1, le=services.MAX_MUTE_MINUTES, description="1 minute to 30 days")


class TransferIn(Schema):
    user_id: str = Field(max_length=16)


def _avatar(circle: Circle) -> str | None:
    return circle.avatar.url if circle.avatar else None


def card_out(circle: Circle) -> CircleCard:
    return CircleCard(
        id=circle.pk,
        name=circle.name,
        avatar=_avatar(circle),
        description=circle.description,
        member_count=circle.member_count,
        join_policy=circle.join_policy,
        store_id=circle.store_id,
        store_name=circle.store.name if circle.store else None,
    )


def circle_out(request: HttpRequest, circle: Circle, membership: Membership | None) -> CircleOut:
    """The circle as its viewer may see it: the join link for members, settings for admins."""
    role = membership.role if membership else None
    data: dict[str, Any] = card_out(circle).dict()
    data.update(rules=circle.rules, is_listed=circle.is_listed, role=role)
    if membership is not None:
        data["join_link"] = request.build_absolute_uri(f"/circles/join/{circle.invite_code}/")
    if role in ("owner", "admin"):
        data.update(
            commercial_share_percent=circle.commercial_share_percent,
            commercial_daily_cap=circle.commercial_daily_cap,
            flood_per_minute=circle.flood_per_minute,
            member_share_daily_limit=circle.member_share_daily_limit,
            blocked_words=circle.blocked_words,
        )
    return CircleOut(**data)


def member_out(m: Membership) -> CircleMemberOut:
    return CircleMemberOut(
        user_id=m.user.public_id,
        username=m.user.username,
        display_name=m.user.display_name,
        avatar=m.user.avatar.url if m.user.avatar else None,
        role=m.role,
        state=m.state,
        muted_until=m.muted_until if is_muted(m) else None,
        joined_at=m.joined_at,
    )


def request_out(r: JoinRequest) -> JoinRequestOut:
    return JoinRequestOut(
        id=r.pk,
        user_id=r.user.public_id,
        username=r.user.username,
        display_name=r.user.display_name,
        message=r.message,
        state=r.state,
        created_at=r.created_at,
    )


def _slice(rows: QuerySet[Any], page: int, page_size: int) -> tuple[list[Any], int, int, int]:
    count = rows.count()
    pages = max(1, -(-count // page_size))
    page = min(page, pages)
    start = (page - 1) * page_size
    return (list(rows[start : start + page_size]) if count else []), count, page, pages


def _join_out(outcome: services.JoinOutcome) -> JoinOut:
    return JoinOut(
        status=outcome.status,
        circle_id=outcome.circle.pk,
        join_request_id=outcome.join_request.pk if outcome.join_request else None,
    )


# --- Circles ---------------------------------------------------------------------------------


@router.post("", auth=AUTH, response={201: CircleOut}, url_name="circles_root")
def create_circle(request: HttpRequest, data: CircleIn) -> Status[CircleOut]:
    """Create a store circle (`store_id`: its owner or staff) or an interest circle; you
    become its owner (at most 10 owned circles)."""
    user = current_user(request)
    circle = services.create_circle(user, services.CircleInput(**data.dict()))
    _c, membership = access_circle(user, circle.pk, need="owner")
    return Status(201, circle_out(request, circle, membership))


@router.get("", response=CirclePage, url_name="circles_root")
def discover(request: HttpRequest, filters: Query[CircleListQuery]) -> CirclePage:
    """Listed circles, largest first; `q` searches names, descriptions and store names."""
    items, count, page, pages = _slice(
        services.discover(filters.q), filters.page, filters.page_size
    )
    return CirclePage(
        items=[card_out(c) for c in items],
        count=count,
        page=page,
        page_size=filters.page_size,
        pages=pages,
    )


@router.get("/mine", auth=AUTH, response=list[MyCircle])
def my_circles(request: HttpRequest) -> list[MyCircle]:
    """The circles you are a member of, with your role and unread count in each."""
    return [
        MyCircle(
            **card_out(m.circle).dict(),
            role=m.role,
            unread=m.unread,  # type: ignore[attr-defined]
            last_message_seq=m.circle.last_message_seq,
        )
        for m in services.my_circles(current_user(request))
    ]


@router.post("/join/{code}", auth=AUTH, response={200: JoinOut, 201: JoinOut})
@idempotent("circle-join-code:{code}")
def join_by_code(request: HttpRequest, code: str, data: JoinIn) -> Status[Any]:
    """Join with the code of a join link or QR code (honours `Idempotency-Key`): open and
    invite-only circles join at once (201), approval circles get a request (201)."""
    return _joined(services.join_by_code(current_user(request), code))


@router.get("/{circle_id}", response=CircleOut)
def get_circle(request: HttpRequest, circle_id: str) -> CircleOut:
    """A circle's public card; members also get the join link, admins the settings."""
    circle, membership = access_circle(optional_user(request), circle_id, need="view")
    return circle_out(request, circle, membership)


@router.patch("/{circle_id}", auth=AUTH, response=CircleOut)
def update_circle(request: HttpRequest, circle_id: str, data: CirclePatch) -> CircleOut:
    """Change the settings: admins the description, rules, commercial budget, flood limit and
    blocked words; the owner also the name, join policy and listing."""
    user = current_user(request)
    services.update_circle(user, circle_id, services.CircleChange(**data.dict()))
    circle, membership = access_circle(user, circle_id, need="admin")
    return circle_out(request, circle, membership)


@router.post("/{circle_id}/avatar", auth=AUTH, response=CircleOut)
def upload_avatar(request: HttpRequest, circle_id: str, file: File[UploadedFile]) -> CircleOut:
    """Replace the avatar: a JPEG, PNG, WebP or GIF image up to 5 MB (owner)."""
    user = current_user(request)
    services.update_circle(user, circle_id, services.CircleChange(), avatar=file)
    circle, membership = access_circle(user, circle_id, need="owner")
    return circle_out(request, circle, membership)


@router.post("/{circle_id}/invite/rotate", auth=AUTH, response=CircleOut)
def rotate_invite(request: HttpRequest, circle_id: str) -> CircleOut:
    """A new join link and QR code; old links stop working (owner and admins)."""
    user = current_user(request)
    services.rotate_invite(user, circle_id)
    circle, membership = access_circle(user, circle_id, need="admin")
    return circle_out(request, circle, membership)


# --- Joining and leaving ---------------------------------------------------------------------


def _joined(outcome: services.JoinOutcome) -> Status[Any]:
    status = 200 if outcome.status in ("already_member", "pending") else 201
    return Status(status, _join_out(outcome).model_dump(mode="json"))


@router.post("/{circle_id}/join", auth=AUTH, response={200: JoinOut, 201: JoinOut})
@idempotent("circle-join:{circle_id}")
def join_circle(request: HttpRequest, circle_id: str, data: JoinIn) -> Status[Any]:
    """Join an open circle (201 `joined`) or ask to join an approval circle (201 `requested`);
    an invite-only circle needs its link (403). Honours `Idempotency-Key`."""
    user = current_user(request)
    return _joined(services.join_circle(user, circle_id, message=data.message))


@router.post("/{circle_id}/leave", auth=AUTH, response={204: None})
def leave_circle(request: HttpRequest, circle_id: str) -> Status[None]:
    """Leave the circle (the owner transfers the ownership first)."""
    services.leave_circle(current_user(request), circle_id)
    return Status(204, None)


@router.post("/{circle_id}/transfer", auth=AUTH, response=CircleOut)
def transfer(request: HttpRequest, circle_id: str, data: TransferIn) -> CircleOut:
    """Hand the circle to another member; you stay as an admin (owner)."""
    user = current_user(request)
    services.transfer_ownership(user, circle_id, data.user_id)
    circle, membership = access_circle(user, circle_id, need="member")
    return circle_out(request, circle, membership)


# --- Join requests ---------------------------------------------------------------------------


@router.get("/{circle_id}/requests", auth=AUTH, response=list[JoinRequestOut])
def join_requests(request: HttpRequest, circle_id: str) -> list[JoinRequestOut]:
    """Pending join requests, oldest first (owner and admins)."""
    _c, rows = services.pending_requests(current_user(request), circle_id)
    return [request_out(r) for r in rows[:500]]


@router.post("/{circle_id}/requests/{request_id}/approve", auth=AUTH, response=JoinRequestOut)
def approve_request(request: HttpRequest, circle_id: str, request_id: str) -> JoinRequestOut:
    """The requester becomes a member and is notified (owner and admins)."""
    r = services.decide_join_request(current_user(request), circle_id, request_id, approve=True)
    return request_out(r)


@router.post("/{circle_id}/requests/{request_id}/reject", auth=AUTH, response=JoinRequestOut)
def reject_request(request: HttpRequest, circle_id: str, request_id: str) -> JoinRequestOut:
    """Decline; the requester is notified and may ask again (owner and admins)."""
    r = services.decide_join_request(current_user(request), circle_id, request_id, approve=False)
    return request_out(r)


# --- Members ---------------------------------------------------------------------------------


@router.get("/{circle_id}/members", auth=AUTH, response=MemberPage)
def list_members(
    request: HttpRequest, circle_id: str, filters: Query[CircleListQuery]
) -> MemberPage:
    """Active members, owner and admins first; `q` searches nicknames and usernames
    (members only)."""
    _c, _me, rows = services.members(current_user(request), circle_id, filters.q)
    items, count, page, pages = _slice(rows, filters.page, filters.page_size)
    return MemberPage(
        items=[member_out(m) for m in items],
        count=count,
        page=page,
        page_size=filters.page_size,
        pages=pages,
    )


@router.post("/{circle_id}/members/{user_id}/mute", auth=AUTH, response=CircleMemberOut)
def mute(request: HttpRequest, circle_id: str, user_id: str, data: MemberMuteIn) -> CircleMemberOut:
    """Mute a member for 1 minute to 30 days (admins; only the owner mutes an admin)."""
    m = services.mute_member(current_user(request), circle_id, user_id, minutes=data.minutes)
    return member_out(m)


@router.post("/{circle_id}/members/{user_id}/unmute", auth=AUTH, response=CircleMemberOut)
def unmute(request: HttpRequest, circle_id: str, user_id: str) -> CircleMemberOut:
    return member_out(services.unmute_member(current_user(request), circle_id, user_id))


@router.post("/{circle_id}/members/{user_id}/remove", auth=AUTH, response={204: None})
def remove(request: HttpRequest, circle_id: str, user_id: str) -> Status[None]:
    """Take a member out; they may join again (admins; only the owner removes an admin)."""
    services.remove_member(current_user(request), circle_id, user_id)
    return Status(204, None)


@router.post("/{circle_id}/members/{user_id}/ban", auth=AUTH, response={204: None})
def ban(request: HttpRequest, circle_id: str, user_id: str) -> Status[None]:
    """Ban a member or former member: they cannot rejoin by any way until unbanned."""
    services.ban_member(current_user(request), circle_id, user_id)
    return Status(204, None)


@router.post("/{circle_id}/members/{user_id}/unban", auth=AUTH, response={204: None})
def unban(request: HttpRequest, circle_id: str, user_id: str) -> Status[None]:
    """Lift a ban; the person may join again (admins)."""
    services.unban_member(current_user(request), circle_id, user_id)
    return Status(204, None)


@router.post("/{circle_id}/members/{user_id}/promote", auth=AUTH, response=CircleMemberOut)
def promote(request: HttpRequest, circle_id: str, user_id: str) -> CircleMemberOut:
    """Make a member an admin (owner)."""
    return member_out(services.set_admin(current_user(request), circle_id, user_id, admin=True))


@router.post("/{circle_id}/members/{user_id}/demote", auth=AUTH, response=CircleMemberOut)
def demote(request: HttpRequest, circle_id: str, user_id: str) -> CircleMemberOut:
    """Make an admin a plain member again (owner)."""
    return member_out(services.set_admin(current_user(request), circle_id, user_id, admin=False))
