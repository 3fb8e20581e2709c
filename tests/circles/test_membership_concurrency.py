"""Concurrent joins, leaves and bans on PostgreSQL: the member count always equals the active
memberships, and a raced double join of one person is one membership."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, Membership
from quanzi.circles.services import membership as services
from quanzi.core.errors import DomainError
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(job: tuple[str, User, Circle]) -> str:
    action, user, circle = job
    try:
        if action == "join":
            return services.join_circle(user, circle.pk).status
        if action == "leave":
            services.leave_circle(user, circle.pk)
        elif action == "ban":
            services.ban_member(circle.owner, circle.pk, user.public_id)
        return action
    except DomainError as exc:
        return exc.code
    finally:
        connection.close()


def _active(circle: Circle) -> int:
    return Membership.objects.filter(circle=circle, state="active").count()


def test_concurrent_joins_and_leaves_keep_the_count(make_circle, interest_owner) -> None:
    # given an open circle and 12 people, 6 of them already members
    circle = make_circle(interest_owner, name="并发圈")
    people = [UserFactory() for _ in range(12)]
    for person in people[:6]:
        services.join_circle(person, circle.pk)
    # when the other 6 join while the first 6 leave and one of the leavers is banned
    jobs = [("join", p, circle) for p in people[6:]] + [("leave", p, circle) for p in people[:6]]
    jobs.append(("ban", people[0], circle))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(_run, jobs))
    # then the count equals the active members
    circle.refresh_from_db()
    assert circle.member_count == _active(circle) == 7


def test_a_raced_double_join_is_one_membership(make_circle, interest_owner) -> None:
    # given an open circle and one person pressing join 6 times at once
    circle = make_circle(interest_owner, name="双击圈")
    person = UserFactory()
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(_run, [("join", person, circle)] * 6))
    # then they are one member, counted once, and no attempt failed with a server error
    circle.refresh_from_db()
    assert Membership.objects.filter(circle=circle, user=person).count() == 1
    assert circle.member_count == _active(circle) == 2
    assert set(outcomes) <= {"joined", "already_member", "join_race"}
    assert outcomes.count("joined") == 1
