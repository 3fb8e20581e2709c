"""Row locks of circles: the only place that takes them.

All are FOR NO KEY UPDATE of the named row only (`of`): no lock here changes a key, and the
rows that point at a circle (messages, memberships, join requests, notifications) stay free to
be inserted by others, while two lockers of the same row still wait for each other.

Lock order:

- a chat message: the circle (its message counter: one sequence number at a time) → the new
  message → the sender's own membership (read marker, conditional update) → notifications.
  A red packet's card is posted the same way, after the packet's own conditional update. The
  commercial budget and a member's share limit are counted under the circle's lock, so the
  count and the insert are one step.
- joining: (the join request, when an admin decides it →) the person's membership → the circle
  (its member count, conditional update). This is the reverse of a message's order; the two
  share a row only when a message of a person who has just left is stored while that same
  person rejoins, and then PostgreSQL's deadlock check aborts one of them.
"""

from __future__ import annotations

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, JoinRequest, Membership


def lock_circle(circle_id: str) -> Circle:
    """The circle, locked (Circle.DoesNotExist if there is none)."""
    return Circle.objects.select_for_update(of=("self",), no_key=True).get(pk=circle_id)


def lock_membership(circle: Circle, user: User) -> Membership | None:
    """The person's membership of the circle, locked; None if they never joined."""
    return (
        Membership.objects.select_for_update(of=("self",), no_key=True)
        .filter(circle=circle, user=user)
        .first()
    )


def lock_join_request(circle: Circle, request_id: str) -> JoinRequest | None:
    """The circle's join request, locked (its requester read along, not locked); None if there
    is none."""
    return (
        JoinRequest.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=request_id, circle=circle)
        .select_related("user")
        .first()
    )
