"""Circle membership: create and configure circles, join (link, request, approval), leave,
roles, timed mutes, removal and bans, and the reads the pages and the API share.

Every write runs in one transaction; `Circle.member_count` moves only with the conditional
update of a membership's state (a state change that did not happen never moves the count)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.locks import lock_join_request, lock_membership
from quanzi.circles.models import (
    Circle,
    JoinPolicy,
    JoinRequest,
    JoinRequestState,
    Membership,
    MemberState,
    ModerationAction,
    ModerationLog,
    NotificationKind,
    Role,
)
from quanzi.circles.services.access import ADMIN_ROLES, access_circle
from quanzi.circles.signals import member_joined
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_given_text, whole_number
from quanzi.orders.errors import OrderCode
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record

MAX_OWNED_CIRCLES = 10
MAX_MUTE_MINUTES = 30 * 24 * 60
MUTE_PRESETS = (10, 60, 24 * 60)  # 10 minutes, 1 hour, 1 day
MAX_BLOCKED_WORDS = 200
MAX_BLOCKED_WORD_LENGTH = 30
TEXT_LIMITS = {"name": 40, "description": 2000, "rules": 4000}
NUMBER_RANGES = {
    "commercial_share_percent": (0, 100),
    "commercial_daily_cap": (0, 1000),
    "flood_per_minute": (1, 600),
    "member_share_daily_limit": (1, 100),
}
# Settings the admins may change; the rest (name, avatar, policy, listing) are the owner's.
ADMIN_FIELDS = ("description", "rules", *NUMBER_RANGES, "blocked_words")

JoinStatus = Literal["joined", "requested", "already_member", "pending"]


@dataclass(frozen=True, kw_only=True)
class CircleInput:
    """A new circle: a store circle when `store_id` is given, else an interest circle. A number
    left None is the circle's default (20% commercial share, 10 commercial messages a day, 20
    messages per member a minute, 3 cards a member may share a day); the forms send numbers as
    text, the service checks them.
    Blocked words are a list, or a text of words on lines or between commas."""

    name: str
    store_id: str | None = None
    description: str = ""
    rules: str = ""
    join_policy: str = JoinPolicy.OPEN
    is_listed: bool = True
    commercial_share_percent: int | str | None = None
    commercial_daily_cap: int | str | None = None
    flood_per_minute: int | str | None = None
    member_share_daily_limit: int | str | None = None
    blocked_words: str | list[str] | None = None


@dataclass(frozen=True, kw_only=True)
class CircleChange:
    """A change of a circle's settings; a field left None stays as it is. Admins may change
    the fields of ADMIN_FIELDS, the rest (and the avatar) are the owner's."""

    name: str | None = None
    description: str | None = None
    rules: str | None = None
    join_policy: str | None = None
    is_listed: bool | None = None
    commercial_share_percent: int | str | None = None
    commercial_daily_cap: int | str | None = None
    flood_per_minute: int | str | None = None
    member_share_daily_limit: int | str | None = None
    blocked_words: str | list[str] | None = None

    def given(self) -> dict[str, Any]:
        """The fields given (not None): who may make the change depends on which they are."""
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class JoinOutcome:
    """What a join attempt did: joined at once, or a join request waits for the admins."""

    circle: Circle
    status: JoinStatus
    membership: Membership | None = None
    join_request: JoinRequest | None = None


def new_invite_code() -> str:
    return secrets.token_urlsafe(16)  # 22 url-safe characters, 128 bits


def _require_user(user: User | None) -> User:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def _log(
    circle: Circle,
    actor: User,
    action: str,
    target: User | None = None,
    until: Any = None,
) -> None:
    ModerationLog.objects.create(
        circle=circle, actor=actor, target=target, action=action, until=until
    )


def _notify(user: User, kind: str, text: str, circle: Circle, url: str = "") -> None:
    """An in-app notification, written in the same transaction as the event it tells of
    (imported lazily: the notification centre is another area's module)."""
    from quanzi.circles.services.notifications import notify

    notify(user, kind, str(text), circle=circle, url=url)


# --- Settings --------------------------------------------------------------------------------


def _clean_numbers(data: Mapping[str, Any], cleaned: dict[str, Any]) -> None:
    for name, (low, high) in NUMBER_RANGES.items():
        value = data.get(name)
        if value is None or value == "":
            continue
        cleaned[name] = whole_number(value, low, high, field=name)


def clean_blocked_words(value: Any) -> list[str]:
    """A list of distinct, non-empty words (a text is split on new lines and commas)."""
    if isinstance(value, str):
        value = value.replace("，", ",").replace(",", "\n").splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(w, str) for w in value):
        raise InvalidInput(_("Blocked words must be a list of words."), field="blocked_words")
    words: list[str] = []
    seen: set[str] = set()
    for raw in value:
        word = raw.strip()
        if not word or word.lower() in seen:
            continue
        if len(word) > MAX_BLOCKED_WORD_LENGTH:
            raise InvalidInput(
                _("A blocked word has at most %(n)d characters.") % {"n": MAX_BLOCKED_WORD_LENGTH},
                field="blocked_words",
            )
        if len(words) == MAX_BLOCKED_WORDS:
            raise InvalidInput(
                _("At most %(n)d blocked words.") % {"n": MAX_BLOCKED_WORDS},
                field="blocked_words",
            )
        seen.add(word.lower())
        words.append(word)
    return words


def clean_settings(data: CircleInput | CircleChange) -> dict[str, Any]:
    """Validated circle settings; fields left None stay as they are."""
    given = asdict(data)
    cleaned: dict[str, Any] = clean_given_text(given, TEXT_LIMITS)
    if "name" in cleaned and not cleaned["name"]:
        raise InvalidInput(_("A circle needs a name."), field="name")
    _clean_numbers(given, cleaned)
    if data.join_policy is not None:
        if data.join_policy not in JoinPolicy.values:
            raise InvalidInput(_("Choose who can join."), field="join_policy")
        cleaned["join_policy"] = data.join_policy
    if data.is_listed is not None:
        cleaned["is_listed"] = data.is_listed
    if data.blocked_words is not None:
        cleaned["blocked_words"] = clean_blocked_words(data.blocked_words)
    return cleaned


def _set_avatar(circle: Circle, avatar: UploadedFile) -> None:
    """Validate the upload and store it under a name of our own (never the client's)."""
    from quanzi.core.images import validate_image

    ext, _w, _h = validate_image(avatar)
    circle.avatar.save(f"{circle.pk}.{ext}", avatar, save=False)


def create_circle(
    user: User | None, data: CircleInput, *, avatar: UploadedFile | None = None
) -> Circle:
    """Create a store circle (the store's owner or staff) or an interest circle (anyone logged
    in, at most MAX_OWNED_CIRCLES owned); the creator becomes its owner."""
    user = _require_user(user)
    store = None
    if data.store_id:
        from quanzi.stores.services import access_store

        if not is_public_id(data.store_id):
            raise NotFound(_("Store not found."))
        store = access_store(user, data.store_id, need="staff")
    cleaned = clean_settings(data)
    with transaction.atomic():
        if Circle.objects.filter(owner=user).count() >= MAX_OWNED_CIRCLES:
            raise Conflict(
                _("You can own at most %(n)d circles.") % {"n": MAX_OWNED_CIRCLES},
                code=CircleCode.TOO_MANY_CIRCLES,
            )
        circle = Circle(
            store=store, owner=user, invite_code=new_invite_code(), member_count=1, **cleaned
        )
        if avatar:
            _set_avatar(circle, avatar)
        circle.save()
        Membership.objects.create(circle=circle, user=user, role=Role.OWNER)
    return circle


def update_circle(
    user: User | None,
    circle_id: str,
    change: CircleChange,
    *,
    avatar: UploadedFile | None = None,
) -> Circle:
    """Change the settings: admins the description, rules, commercial budget, flood limit,
    members' share limit and blocked words; the owner everything. Fields left None stay as
    they are."""
    owner_only = bool(avatar) or bool(set(change.given()) - set(ADMIN_FIELDS))
    circle, _m = access_circle(user, circle_id, need="owner" if owner_only else "admin")
    cleaned = clean_settings(change)
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(circle, key, value)
        if avatar:
            _set_avatar(circle, avatar)
        circle.save()
    return circle


def rotate_invite(user: User | None, circle_id: str) -> Circle:
    """A new join link and QR code; the old ones stop working (owner and admins)."""
    circle, membership = access_circle(user, circle_id, need="admin")
    assert membership is not None
    with transaction.atomic():
        circle.invite_code = new_invite_code()
        circle.save(update_fields=["invite_code", "updated_at"])
        _log(circle, membership.user, ModerationAction.ROTATE_INVITE)
    return circle


# --- Joining and leaving ---------------------------------------------------------------------


def _refuse_banned(circle: Circle, user: User) -> None:
    if Membership.objects.filter(circle=circle, user=user, state=MemberState.BANNED).exists():
        raise PermissionDenied(
            _("You were banned from this circle and cannot rejoin."), code=CircleCode.BANNED
        )


def _activate(
    circle: Circle, user: User, *, invited_by: User | None = None
) -> tuple[Membership, bool]:
    """Make `user` an active member (inside a transaction) and tell whether this call did it
    (False: a concurrent join of the same person got there first); the count moves only on a
    real change. A banned person is refused."""
    membership = lock_membership(circle, user)
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    circle=circle,
                    user=user,
                    invited_by=invited_by,
                    last_read_seq=circle.last_message_seq,  # history is there, not "unread"
                )
        except IntegrityError as exc:  # a concurrent join of the same person won
            raise Conflict(
                _("You are already joining this circle."), code=CircleCode.JOIN_RACE
            ) from exc
        Circle.objects.filter(pk=circle.pk).update(member_count=F("member_count") + 1)
        _announce_join(circle, user, rejoined=False)
        return membership, True
    if membership.state == MemberState.BANNED:
        raise PermissionDenied(
            _("You were banned from this circle and cannot rejoin."), code=CircleCode.BANNED
        )
    changed = Membership.objects.filter(
        pk=membership.pk, state__in=(MemberState.LEFT, MemberState.REMOVED)
    ).update(
        state=MemberState.ACTIVE,
        role=Role.MEMBER,
        invited_by=invited_by,
        last_read_seq=circle.last_message_seq,
        joined_at=timezone.now(),
    )
    if changed:
        Circle.objects.filter(pk=circle.pk).update(member_count=F("member_count") + 1)
        _announce_join(circle, user, rejoined=True)
    membership.refresh_from_db()
    return membership, bool(changed)


def _announce_join(circle: Circle, user: User, *, rejoined: bool) -> None:
    """Send `member_joined` once the join commits (campaigns give the join cashback)."""
    circle_id, store_id, user_id = circle.pk, circle.store_id, user.pk
    record(EventKind.CIRCLE_JOIN, store_id=store_id or "", user_id=user_id, ref=circle_id)
    send_on_commit(
        member_joined,
        Circle,
        circle_id=circle_id,
        user_id=user_id,
        store_id=store_id,
        rejoined=rejoined,
    )


def _request(circle: Circle, user: User, message: str) -> tuple[JoinRequest, bool]:
    """The pending request of `user` and whether it is new; the admins hear of a new one."""
    pending = JoinRequest.objects.filter(
        circle=circle, user=user, state=JoinRequestState.PENDING
    ).first()
    if pending is not None:
        return pending, False
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(circle=circle, user=user, message=message)
    except IntegrityError:  # a concurrent request of the same person won
        return JoinRequest.objects.get(
            circle=circle, user=user, state=JoinRequestState.PENDING
        ), False
    admins = Membership.objects.filter(
        circle=circle, state=MemberState.ACTIVE, role__in=ADMIN_ROLES
    ).select_related("user")
    text = _("%(name)s asks to join %(circle)s.") % {
        "name": user.display_name,
        "circle": circle.name,
    }
    for admin in admins:
        _notify(
            admin.user,
            NotificationKind.JOIN_REQUEST,
            text,
            circle,
            f"/circles/{circle.pk}/requests/",
        )
    return request, True


def _join(circle: Circle, user: User, *, by_link: bool, message: str = "") -> JoinOutcome:
    with transaction.atomic():
        _refuse_banned(circle, user)
        current = Membership.objects.filter(
            circle=circle, user=user, state=MemberState.ACTIVE
        ).first()
        if current is not None:
            return JoinOutcome(circle, "already_member", membership=current)
        if circle.join_policy == JoinPolicy.APPROVAL:
            request, created = _request(circle, user, message[:200])
            status: JoinStatus = "requested" if created else "pending"
            return JoinOutcome(circle, status, join_request=request)
        if circle.join_policy == JoinPolicy.INVITE and not by_link:
            raise PermissionDenied(
                _("This circle is invite-only: join with its link or QR code."),
                code=CircleCode.INVITE_ONLY,
            )
        membership, joined = _activate(circle, user)
        circle.refresh_from_db(fields=["member_count"])
        return JoinOutcome(circle, "joined" if joined else "already_member", membership=membership)


def join_circle(user: User | None, circle_id: str, *, message: str = "") -> JoinOutcome:
    """Join from the circle's page: an open circle at once, an approval circle by request;
    an invite-only circle needs its link."""
    user = _require_user(user)
    circle, _m = access_circle(user, circle_id, need="view")
    return _join(circle, user, by_link=False, message=message)


def circle_by_code(code: str) -> Circle:
    """The circle of a join link; an unknown or rotated code is not found."""
    circle = Circle.objects.filter(invite_code=code).first() if 0 < len(code) <= 24 else None
    if circle is None:
        raise NotFound(
            _("This join link is not valid (it may have been renewed)."), code=CircleCode.BAD_LINK
        )
    return circle


def join_by_code(user: User | None, code: str, *, message: str = "") -> JoinOutcome:
    """Join with the link or QR code: the link is the invitation, so open and invite-only
    circles join at once and approval circles get a request."""
    user = _require_user(user)
    return _join(circle_by_code(code), user, by_link=True, message=message)


def leave_circle(user: User | None, circle_id: str) -> None:
    """Leave; the owner must transfer the ownership first."""
    circle, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    if membership.role == Role.OWNER:
        raise Conflict(
            _("Transfer the ownership to another member before leaving."),
            code=CircleCode.OWNER_CANNOT_LEAVE,
        )
    with transaction.atomic():
        _deactivate(circle, membership, MemberState.LEFT)


def _deactivate(circle: Circle, membership: Membership, state: str) -> bool:
    """Move an active membership to `state` (left / removed / banned) and return whether the
    person stopped being an active member. A running mute stays: leaving and rejoining an open
    circle does not lift it."""
    changed = Membership.objects.filter(pk=membership.pk, state=MemberState.ACTIVE).update(
        state=state, role=Role.MEMBER
    )
    if changed:
        from quanzi.circles.services.chat import disconnect_member

        Circle.objects.filter(pk=circle.pk).update(member_count=F("member_count") - 1)
        disconnect_member(circle.pk, membership.user)
        record(
            EventKind.CIRCLE_LEAVE,
            store_id=circle.store_id or "",
            user_id=membership.user_id,
            ref=circle.pk,
        )
    return bool(changed)


# --- Join requests ---------------------------------------------------------------------------


def decide_join_request(
    user: User | None, circle_id: str, request_id: str, *, approve: bool
) -> JoinRequest:
    """Approve (the requester becomes a member) or reject a pending request (admins)."""
    circle, membership = access_circle(user, circle_id, need="admin")
    assert membership is not None
    actor = membership.user
    with transaction.atomic():
        request = lock_join_request(circle, request_id) if is_public_id(request_id) else None
        if request is None:
            raise NotFound(_("Join request not found."))
        if request.state != JoinRequestState.PENDING:
            raise Conflict(_("This request was already answered."), code=OrderCode.ALREADY_DECIDED)
        if approve:
            _activate(circle, request.user, invited_by=actor)
        request.state = JoinRequestState.APPROVED if approve else JoinRequestState.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
        action = ModerationAction.APPROVE if approve else ModerationAction.REJECT
        _log(circle, actor, action, request.user)
        text = (
            _("You are now a member of %(circle)s.")
            if approve
            else _("Your request to join %(circle)s was declined.")
        ) % {"circle": circle.name}
        _notify(request.user, NotificationKind.JOIN_DECIDED, text, circle, f"/circles/{circle.pk}/")
    return request


def pending_requests(user: User | None, circle_id: str) -> tuple[Circle, QuerySet[JoinRequest]]:
    """The circle's pending join requests, oldest first (admins)."""
    circle, _m = access_circle(user, circle_id, need="admin")
    requests = (
        JoinRequest.objects.filter(circle=circle, state=JoinRequestState.PENDING)
        .select_related("user")
        .order_by("created_at")
    )
    return circle, requests


# --- Roles and moderation --------------------------------------------------------------------


def _target(circle: Circle, user_id: str, *, any_state: bool = False) -> Membership:
    query = Membership.objects.filter(circle=circle, user__public_id=user_id)
    if not any_state:
        query = query.filter(state=MemberState.ACTIVE)
    target = query.select_related("user").first() if is_public_id(user_id) else None
    if target is None:
        raise NotFound(
            _("This person is not a member of the circle."), code=CircleCode.NOT_A_MEMBER
        )
    return target


def _may_moderate(actor: Membership, target: Membership) -> None:
    """Nobody moderates the owner or themselves; only the owner moderates admins."""
    if target.user_id == actor.user_id:
        raise PermissionDenied(_("You cannot do this to yourself."), code=CircleCode.SELF)
    if target.role == Role.OWNER:
        raise PermissionDenied(
            _("Nobody can moderate the circle's owner."), code=CircleCode.TARGET_OWNER
        )
    if target.role == Role.ADMIN and actor.role != Role.OWNER:
        raise PermissionDenied(
            _("Only the owner can moderate an admin."), code=CircleCode.TARGET_ADMIN
        )


def _moderation(
    user: User | None, circle_id: str, user_id: str, *, any_state: bool = False
) -> tuple[Circle, Membership, Membership]:
    circle, actor = access_circle(user, circle_id, need="admin")
    assert actor is not None
    target = _target(circle, user_id, any_state=any_state)
    _may_moderate(actor, target)
    return circle, actor, target


def mute_member(user: User | None, circle_id: str, user_id: str, *, minutes: int) -> Membership:
    """Mute a member for `minutes` (1 minute to 30 days); they read but cannot send."""
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= MAX_MUTE_MINUTES
    ):
        raise InvalidInput(
            _("A mute lasts from 1 minute to 30 days."),
            field="minutes",
            code=CircleCode.BAD_DURATION,
        )
    circle, actor, target = _moderation(user, circle_id, user_id)
    until = timezone.now() + timedelta(minutes=minutes)
    with transaction.atomic():
        Membership.objects.filter(pk=target.pk).update(muted_until=until)
        _log(circle, actor.user, ModerationAction.MUTE, target.user, until)
    target.muted_until = until
    return target


def unmute_member(user: User | None, circle_id: str, user_id: str) -> Membership:
    circle, actor, target = _moderation(user, circle_id, user_id)
    with transaction.atomic():
        Membership.objects.filter(pk=target.pk).update(muted_until=None)
        _log(circle, actor.user, ModerationAction.UNMUTE, target.user)
    target.muted_until = None
    return target


def remove_member(user: User | None, circle_id: str, user_id: str) -> None:
    """Take a member out of the circle; they may join again."""
    circle, actor, target = _moderation(user, circle_id, user_id)
    with transaction.atomic():
        if _deactivate(circle, target, MemberState.REMOVED):
            _log(circle, actor.user, ModerationAction.REMOVE, target.user)


def ban_member(user: User | None, circle_id: str, user_id: str) -> None:
    """Ban a member or a former member: out of the circle, and no way back in (no link, no
    request) until unbanned. Their pending join request is rejected."""
    circle, actor, target = _moderation(user, circle_id, user_id, any_state=True)
    if target.state == MemberState.BANNED:
        return
    with transaction.atomic():
        if not _deactivate(circle, target, MemberState.BANNED):
            Membership.objects.filter(pk=target.pk).exclude(state=MemberState.ACTIVE).update(
                state=MemberState.BANNED, role=Role.MEMBER
            )
        JoinRequest.objects.filter(
            circle=circle, user=target.user, state=JoinRequestState.PENDING
        ).update(state=JoinRequestState.REJECTED, decided_by=actor.user, decided_at=timezone.now())
        _log(circle, actor.user, ModerationAction.BAN, target.user)


def unban_member(user: User | None, circle_id: str, user_id: str) -> None:
    """Lift a ban: the person may join again (they are not made a member)."""
    circle, actor = access_circle(user, circle_id, need="admin")
    assert actor is not None
    target = _target(circle, user_id, any_state=True)
    if target.state != MemberState.BANNED:
        raise Conflict(_("This person is not banned."), code=CircleCode.NOT_BANNED)
    with transaction.atomic():
        Membership.objects.filter(pk=target.pk, state=MemberState.BANNED).update(
            state=MemberState.REMOVED
        )
        _log(circle, actor.user, ModerationAction.UNBAN, target.user)


def set_admin(user: User | None, circle_id: str, user_id: str, *, admin: bool) -> Membership:
    """Promote a member to admin or demote an admin (owner)."""
    circle, actor = access_circle(user, circle_id, need="owner")
    assert actor is not None
    target = _target(circle, user_id)
    if target.role == Role.OWNER:
        raise PermissionDenied(
            _("The owner's role changes only by a transfer."), code=CircleCode.TARGET_OWNER
        )
    role = Role.ADMIN if admin else Role.MEMBER
    if target.role == role:
        return target
    with transaction.atomic():
        Membership.objects.filter(pk=target.pk, state=MemberState.ACTIVE).update(role=role)
        action = ModerationAction.PROMOTE if admin else ModerationAction.DEMOTE
        _log(circle, actor.user, action, target.user)
    target.role = role
    return target


def transfer_ownership(user: User | None, circle_id: str, user_id: str) -> Circle:
    """Hand the circle to another active member; the former owner stays as an admin."""
    circle, actor = access_circle(user, circle_id, need="owner")
    assert actor is not None
    target = _target(circle, user_id)
    if target.pk == actor.pk:
        raise InvalidInput(_("You already own this circle."), code=CircleCode.SELF)
    with transaction.atomic():
        Membership.objects.filter(pk=actor.pk).update(role=Role.ADMIN)
        Membership.objects.filter(pk=target.pk).update(role=Role.OWNER, muted_until=None)
        circle.owner = target.user
        circle.save(update_fields=["owner", "updated_at"])
        _log(circle, actor.user, ModerationAction.TRANSFER, target.user)
    return circle


# --- Reads -----------------------------------------------------------------------------------


def discover(q: str = "") -> QuerySet[Circle]:
    """Listed circles, largest first, searched by name, description or store name."""
    circles = Circle.objects.filter(is_listed=True).select_related("store")
    q = q.strip()[:50]
    if q:
        circles = circles.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(store__name__icontains=q)
        )
    return circles.order_by("-member_count", "-created_at")


def members(
    user: User | None, circle_id: str, q: str = ""
) -> tuple[Circle, Membership, QuerySet[Membership]]:
    """The circle's active members (members only), owner and admins first, searched by
    nickname or username."""
    circle, me = access_circle(user, circle_id, need="member")
    assert me is not None
    rows = Membership.objects.filter(circle=circle, state=MemberState.ACTIVE).select_related("user")
    q = q.strip()[:40]
    if q:
        rows = rows.filter(Q(user__nickname__icontains=q) | Q(user__username__icontains=q))
    return circle, me, rows.order_by(_role_rank(), "joined_at", "pk")


def banned_members(user: User | None, circle_id: str) -> QuerySet[Membership]:
    circle, _m = access_circle(user, circle_id, need="admin")
    return Membership.objects.filter(circle=circle, state=MemberState.BANNED).select_related("user")


def _role_rank() -> Any:
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(role=Role.OWNER, then=Value(0)),
        When(role=Role.ADMIN, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def unread_count(membership: Membership) -> int:
    return max(0, membership.circle.last_message_seq - membership.last_read_seq)


def my_circles(user: User | None) -> list[Membership]:
    """The caller's active memberships with their circles, most recently active first; each
    carries `unread` (messages after the member's read position)."""
    user = _require_user(user)
    rows = list(
        Membership.objects.filter(user=user, state=MemberState.ACTIVE)
        .select_related("circle", "circle__store")
        .order_by("-circle__last_message_seq", "-joined_at")
    )
    for row in rows:
        row.unread = unread_count(row)  # type: ignore[attr-defined]
    return rows


def store_circles(user: User | None, store_id: str) -> tuple[Any, list[Circle]]:
    """A store's circles for its console (owner and staff), with the caller's role in each."""
    from quanzi.stores.services import access_store

    user = _require_user(user)
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    store = access_store(user, store_id, need="staff")
    circles = list(Circle.objects.filter(store=store).order_by("-created_at"))
    roles = dict(
        Membership.objects.filter(
            circle__in=circles, user=user, state=MemberState.ACTIVE
        ).values_list("circle_id", "role")
    )
    for circle in circles:
        circle.my_role = roles.get(circle.pk)  # type: ignore[attr-defined]
    return store, circles
