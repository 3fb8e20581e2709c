"""The one permission helper of the circles domain."""

from __future__ import annotations

from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Circle, Membership, MemberState, Role
from quanzi.core.errors import NotAuthenticated, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id

Need = Literal["view", "member", "admin", "owner"]
ADMIN_ROLES = (Role.OWNER, Role.ADMIN)


def membership_of(user: User | None, circle: Circle) -> Membership | None:
    """The user's active membership, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(circle=circle, user=user, state=MemberState.ACTIVE).first()


def access_circle(
    user: User | None, circle_id: str, *, need: Need = "member"
) -> tuple[Circle, Membership | None]:
    """The circle and the caller's active membership, if the caller may act as `need`.

    - "view": the circle's public card (name, description, rules): anyone, listed or not;
    - "member": read history, chat, open the socket: active members only;
    - "admin": moderate (mute, remove, ban, approve, announcements): owner and admins;
    - "owner": settings, roles, delete: the owner only.
    A non-member asking for more than "view" gets 403; an unknown id 404.
    """
    circle = Circle.objects.filter(pk=circle_id).first() if is_public_id(circle_id) else None
    if circle is None:
        raise NotFound(_("Circle not found."))
    membership = membership_of(user, circle)
    if need == "view":
        return circle, membership
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if membership is None:
        raise PermissionDenied(
            _("Only members of this circle can do this."), code=CircleCode.NOT_MEMBER
        )
    if need == "admin" and membership.role not in ADMIN_ROLES:
        raise PermissionDenied(
            _("Only the circle's admins can do this."), code=CircleCode.NOT_ADMIN
        )
    if need == "owner" and membership.role != Role.OWNER:
        raise PermissionDenied(_("Only the circle's owner can do this."), code=CircleCode.NOT_OWNER)
    return circle, membership


def is_muted(membership: Membership) -> bool:
    return membership.muted_until is not None and membership.muted_until > timezone.now()
